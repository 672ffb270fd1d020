package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/lint"
	"github.com/gantry-ci/gantry/stagegraph"
)

// planFlags are gantry plan's flags: the request, and where to write it.
type planFlags struct {
	req    stagegraph.PlanRequest
	output string
}

func newPlanCmd() *cobra.Command {
	var fl planFlags
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "show a Dockerfile's stage graph, parallel waves, dead stages and per-stage cache plan",
		Long:  docs.Help("plan"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlan(cmd, args, &fl)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.req.File, "file", "f", "", "the Dockerfile (default DIR/Dockerfile)")
	f.StringVar(&fl.req.Target, "target", "", "the target stage (default: the last stage)")
	f.StringVar(&fl.req.Format, "format", "tree", "output format: tree, mermaid, dot, json, bake")
	f.StringArrayVar(&fl.req.BuildArgs, "build-arg", nil, "build argument KEY=VALUE (repeatable)")
	f.StringVar(&fl.req.Cache, "cache", "", "cache backend for --format bake: type=local,dir=PATH, type=registry,ref=REPO, type=gha, type=s3,...")
	f.StringVar(&fl.req.Platform, "platform", "", "target platform for $TARGETPLATFORM and friends (default: the --build-platform); a comma-separated list for the bake file")
	f.StringVar(&fl.req.BuildPlatform, "build-platform", "", "the builder's platform for $BUILDPLATFORM and friends (default linux/amd64)")
	f.StringVarP(&fl.output, "output", "o", "", "write to this file instead of stdout")
	f.StringArrayVarP(&fl.req.Tags, "tag", "t", nil, "image tag of the final target in the bake file (repeatable)")
	return cmd
}

func runPlan(cmd *cobra.Command, args []string, fl *planFlags) error {
	req := fl.req
	req.LookupEnv = os.LookupEnv
	var err error
	if req.Dir, err = dirArg(args); err != nil {
		return err
	}
	if err := req.Check(); err != nil {
		return exitFor(err, exitUsage)
	}
	if _, err := lint.LoadConfig(lint.FindRoot(req.Dir), ""); err != nil {
		return err
	}
	plan, err := req.Outline()
	if err != nil {
		return exitFor(err, exitUsage)
	}
	if err := plan.Publish(cmd.OutOrStdout(), fl.output, cmd.ErrOrStderr(), os.Getenv); err != nil {
		return writeError("the plan", err)
	}
	return nil
}
