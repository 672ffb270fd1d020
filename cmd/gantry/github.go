package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/actions/runenv"
)

// newGitHubActionCmd is what action.yml runs: it turns the action's inputs
// (INPUT_* variables) into a gantry command line and runs it.
func newGitHubActionCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "github-action",
		Short:  "run the command that the GitHub Action's inputs describe (used by action.yml)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			argv, err := actions.ActionCommand(os.Getenv)
			if err != nil {
				return usageError("%v", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "gantry %s\n", strings.Join(actions.QuoteArgs(argv), " "))
			code := run(cmd.Context(), argv, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err := runenv.SetOutput(os.Getenv, "exit-code", fmt.Sprint(code)); err != nil {
				return &exitError{code: exitInternal, err: fmt.Errorf("writing step outputs: %w", err)}
			}
			if code != exitOK {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
