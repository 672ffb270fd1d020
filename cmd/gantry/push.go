package main

import (
	"context"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/push"
)

// exitPushFailed is gantry push's (and gantry build --push's) exit code when
// the registry side failed: a pre-flight check (credentials, a missing
// repository, an immutable tag), the image push, or a tag move.
const exitPushFailed = 6

// pushFlags are the flags of gantry push besides the build's.
type pushFlags struct {
	gate  push.GateOptions
	image string
	tags  []string
}

func newPushCmd() *cobra.Command {
	var fl buildFlags
	cmd := newBuildCmdWith(&fl)
	fl.push = true
	cmd.Use = "push [DIR]"
	cmd.Short = "build an image and push it when the push policy allows it"
	cmd.Long = docs.Help("push")
	f := cmd.Flags()
	if err := f.Set("push", "true"); err != nil {
		panic(err) // the build command always has --push
	}
	_ = f.MarkHidden("push")
	registerGateFlags(f, &fl.pushing.gate)
	f.BoolVar(&fl.pushing.gate.Require, "require", false, "exit 1 without building when the push is denied")
	f.StringVar(&fl.pushing.image, "image", "", "repository to push to (default push.image of the config)")
	f.StringArrayVar(&fl.pushing.tags, "tag", nil, "tag template to push instead of push.tags, such as {{sha}} or latest (repeatable)")
	return cmd
}

// preparePush decides and checks the registry before the build; nil means
// build without pushing.
// sdkLog receives the AWS SDK's log lines (--debug), or nil.
func preparePush(ctx context.Context, cmd *cobra.Command, fl *pushFlags, opts *buildcache.BuildOptions, sdkLog io.Writer) (*push.Push, error) {
	o := fl.gate
	o.Dir = opts.ContextDir
	g, err := push.Evaluate(ctx, o, os.Getenv)
	if err != nil {
		return nil, exitFor(err, exitUsage)
	}
	p, err := push.Prepare(ctx, push.Options{Evaluation: g, Image: fl.image, TagTemplates: fl.tags, Require: o.Require,
		Log: cmd.ErrOrStderr(), Commands: cmd.OutOrStdout(), SDKLog: sdkLog}, opts)
	return p, exitFor(err, exitUsage)
}
