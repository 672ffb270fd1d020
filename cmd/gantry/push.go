package main

import (
	"context"
	"errors"

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
	gate  gateFlags
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
	fl.pushing.gate.register(f)
	f.BoolVar(&fl.pushing.gate.require, "require", false, "exit 1 without building when the push is denied")
	f.StringVar(&fl.pushing.image, "image", "", "repository to push to (default push.image of the config)")
	f.StringArrayVar(&fl.pushing.tags, "tag", nil, "tag template to push instead of push.tags, such as {{sha}} or latest (repeatable)")
	return cmd
}

// preparePush decides and checks the registry before the build; nil means
// build without pushing.
func preparePush(ctx context.Context, cmd *cobra.Command, fl *pushFlags, opts *buildcache.BuildOptions) (*push.Push, error) {
	g, err := evaluateGate(ctx, opts.ContextDir, &fl.gate)
	if err != nil {
		return nil, err
	}
	p, err := push.Prepare(ctx, push.Options{
		Getenv: g.Getenv, Run: g.Run, Policy: g.Policy, Decision: g.Decision,
		Image: fl.image, TagTemplates: fl.tags, Require: fl.gate.require,
		Log: cmd.ErrOrStderr(), Commands: cmd.OutOrStdout(),
	}, opts)
	return p, pushExitError(err)
}

// pushExitError maps the push package's errors to exit codes.
func pushExitError(err error) error {
	var pe *push.Error
	if !errors.As(err, &pe) {
		return err
	}
	code := map[push.ErrorKind]int{push.KindUsage: exitUsage, push.KindDenied: exitFindings, push.KindRegistry: exitPushFailed}[pe.Kind]
	if code == 0 {
		code = exitInternal
	}
	return &exitError{code: code, err: pe.Err}
}
