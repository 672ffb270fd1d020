package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/push"
)

// registerGateFlags registers the flags gantry gate shares with gantry push
// in o.
func registerGateFlags(f *pflag.FlagSet, o *push.GateOptions) {
	f.StringVarP(&o.Config, "config", "c", "", "config file (default .github/gantry.yaml of the repository)")
	f.StringVar(&o.Event, "event", "", "event payload JSON to decide on, instead of $GITHUB_EVENT_PATH (a saved payload, for debugging a policy)")
	f.StringVar(&o.EventName, "event-name", "", "event name, instead of $GITHUB_EVENT_NAME (needed with --event outside Actions)")
}

func newGateCmd() *cobra.Command {
	var o push.GateOptions
	cmd := &cobra.Command{
		Use:   "gate [DIR]",
		Short: "decide whether this run may push an image, without building",
		Long:  docs.Help("gate"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g := o
			var err error
			if g.Dir, err = dirArg(args); err != nil {
				return err
			}
			return exitFor(push.Gate(cmd.Context(), g, os.Getenv, cmd.OutOrStdout()), exitUsage)
		},
	}
	registerGateFlags(cmd.Flags(), &o)
	cmd.Flags().BoolVar(&o.Require, "require", false, "exit 1 when the push is denied")
	return cmd
}
