package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/push"
)

// gateFlags are the flags gantry gate shares with gantry push.
type gateFlags struct {
	config    string
	event     string
	eventName string
	require   bool
}

func (fl *gateFlags) register(f *pflag.FlagSet) {
	f.StringVarP(&fl.config, "config", "c", "", "config file (default .github/gantry.yaml of the repository)")
	f.StringVar(&fl.event, "event", "", "event payload JSON to decide on, instead of $GITHUB_EVENT_PATH (a saved payload, for debugging a policy)")
	f.StringVar(&fl.eventName, "event-name", "", "event name, instead of $GITHUB_EVENT_NAME (needed with --event outside Actions)")
}

func newGateCmd() *cobra.Command {
	var fl gateFlags
	cmd := &cobra.Command{
		Use:   "gate [DIR]",
		Short: "decide whether this run may push an image, without building",
		Long:  docs.Help("gate"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if err := checkDirs(args); err != nil {
				return err
			}
			if len(args) == 1 {
				dir = args[0]
			}
			return runGate(cmd, dir, &fl)
		},
	}
	fl.register(cmd.Flags())
	cmd.Flags().BoolVar(&fl.require, "require", false, "exit 1 when the push is denied")
	return cmd
}

func runGate(cmd *cobra.Command, dir string, fl *gateFlags) error {
	g, err := evaluateGate(cmd.Context(), dir, fl)
	if err != nil {
		return err
	}
	fmt.Fprint(cmd.OutOrStdout(), g.Decision.Table())
	if err := g.Decision.WriteGateOutputs(g.Getenv); err != nil {
		return &exitError{code: exitInternal, err: fmt.Errorf("writing the step outputs: %w", err)}
	}
	if !g.Decision.Push && fl.require {
		return &exitError{code: exitFindings, err: fmt.Errorf("push denied: %s", g.Decision.Reason)}
	}
	return nil
}

// evaluateGate decides for the repository around dir (push.Evaluate).
func evaluateGate(ctx context.Context, dir string, fl *gateFlags) (*push.Evaluation, error) {
	g, err := push.Evaluate(ctx, push.GateOptions{Dir: dir, Config: fl.config, Event: fl.event, EventName: fl.eventName}, os.Getenv)
	return g, pushExitError(err)
}
