package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/gate"
	"github.com/gantry-ci/gantry/lint"
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
			if err := checkPaths(args, true); err != nil {
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
	fmt.Fprint(cmd.OutOrStdout(), g.decision.Table())
	if err := g.decision.WriteGateOutputs(g.getenv); err != nil {
		return &exitError{code: exitInternal, err: fmt.Errorf("writing the step outputs: %w", err)}
	}
	if !g.decision.Push && fl.require {
		return &exitError{code: exitFindings, err: fmt.Errorf("push denied: %s", g.decision.Reason)}
	}
	return nil
}

// gateRun is an evaluated push policy with what it was evaluated on.
type gateRun struct {
	getenv   runenv.Getenv
	run      *runenv.Context
	policy   *config.PushPolicy
	decision *gate.PushDecision
}

// evaluateGate loads the run context and the policy of the repository
// around dir and decides.
func evaluateGate(ctx context.Context, dir string, fl *gateFlags) (*gateRun, error) {
	getenv := runenv.WithEvent(os.Getenv, fl.event, fl.eventName)
	if fl.event != "" && getenv("GITHUB_EVENT_NAME") == "" {
		return nil, usageError("--event needs --event-name: the payload alone does not say which event it is (pull_request and pull_request_target look alike)")
	}
	run, err := runenv.ContextFromEnv(getenv)
	if err != nil {
		return nil, usageError("%v", err)
	}
	root := lint.FindRoot(dir)
	cfg, err := lint.LoadConfig(root, fl.config)
	if err != nil {
		return nil, err
	}
	policy := cfg.PushPolicy()
	var check gate.LintCheck
	if policy.RequireLint {
		check = lint.RequireLintCheck(fl.config, root)
	}
	return &gateRun{getenv: getenv, run: run, policy: policy, decision: gate.Decide(ctx, policy, run, check)}, nil
}
