package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/actions"
)

// newGitHubActionCmd is what action.yml runs: it turns the action's inputs
// (INPUT_* variables) into a gantry command line and runs it
// (actions.RunAction).
func newGitHubActionCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "github-action",
		Short:  "run the command that the GitHub Action's inputs describe (used by action.yml)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			code, err := actions.RunAction(os.Getenv, cmd.ErrOrStderr(), func(argv []string) int {
				return run(cmd.Context(), argv, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
			if err != nil {
				return exitFor(err, exitInternal)
			}
			return exitCode(code)
		},
	}
}
