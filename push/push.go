// Package push is what gantry push and gantry build --push do around the
// build. Prepare runs before it: the push gate's decision shown, the image and
// its tags, and the registry preflight (credential, where each tag points,
// tag mutability), which adds the push-by-digest export and the registry
// auth session to the build options. After the build, Complete points the
// tags at the image's digest; Abandon reports a build that did not finish.
// Failed reports a build whose image push failed. Each step writes the
// step outputs and the job summary. Evaluate makes
// the push gate's decision that Prepare takes; Gate is gantry gate: the
// decision alone, shown.
package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/gate"
	"github.com/gantry-ci/gantry/registry"
)

// ErrorKind says what failed, for the exit code.
type ErrorKind int

const (
	// KindUsage is a mistake in flags or config, such as no image.
	KindUsage ErrorKind = iota + 1
	// KindDenied is a denied push with Options.Require.
	KindDenied
	// KindRegistry is a failure on the registry side: the preflight, the
	// image push or a tag move.
	KindRegistry
	// KindInternal is a failure of gantry itself, such as writing outputs.
	KindInternal
)

// Error is an error of Prepare or Complete with its kind.
type Error struct {
	Kind ErrorKind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Options are the inputs of a push: the push gate's decision with the run
// and the policy it was made on (Evaluate), and the flags.
type Options struct {
	*Evaluation
	// Image is the repository to push to; "" takes Policy.Image.
	Image string
	// TagTemplates replace the policy's tags when set.
	TagTemplates []string
	// Require fails a denied push instead of building without pushing.
	Require bool
	// Log receives the tables and progress (stderr).
	Log io.Writer
	// Commands receives workflow commands, such as masks and warning
	// annotations, in GitHub Actions (stdout).
	Commands io.Writer
	// SDKLog receives the AWS SDK's own log lines (registry.Keychain's
	// SDKLog; gantry's --debug); nil drops them.
	SDKLog io.Writer
}

// Push is a push prepared before the build.
type Push struct {
	opts      Options
	preflight *registry.Preflight
	done      bool
}

// Prepare decides whether the run pushes and, if it does, checks the
// registry and adds the push-by-digest export and the auth session to
// build. It returns nil without an error when the image is built without
// pushing, and then has build read its caches without writing them
// (BuildOptions.CacheReadOnly).
func Prepare(ctx context.Context, o Options, build *buildcache.BuildOptions) (*Push, error) {
	out := o.Log
	image := o.Image
	// a missing image is a mistake whether or not this run may push
	if image == "" {
		image = o.Policy.Image
	}
	if image == "" {
		return nil, &Error{KindUsage, fmt.Errorf("no image to push: set push.image in %s or pass --image", configName(o.Policy))}
	}
	if err := config.ValidateImageName(image); err != nil {
		return nil, &Error{KindUsage, fmt.Errorf("--image: %v", err)}
	}
	d := o.Decision
	fmt.Fprint(out, d.Table())
	if !d.Push {
		if err := writeOutputs(o, nil, d.Reason); err != nil {
			return nil, err
		}
		if o.Require {
			return nil, &Error{KindDenied, fmt.Errorf("push denied: %s", d.Reason)}
		}
		fmt.Fprintln(out, "gantry: building without pushing, and reading the cache without writing it")
		// a run that may not publish the image does not write the cache
		// the default branch's builds read either
		build.CacheReadOnly = true
		return nil, nil
	}

	tags := d.Tags
	if len(o.TagTemplates) > 0 {
		for _, t := range o.TagTemplates {
			if err := config.ValidateTagTemplate(t); err != nil {
				return nil, &Error{KindUsage, fmt.Errorf("--tag: %v", err)}
			}
		}
		var skipped []gate.SkippedTag
		tags, skipped = gate.RenderTags(o.TagTemplates, o.Run)
		for _, s := range skipped {
			fmt.Fprintf(out, "tag %s skipped: %s\n", s.Template, s.Reason)
		}
	}

	kc := &registry.Keychain{Logf: func(format string, args ...any) {
		fmt.Fprintf(out, "gantry: "+format+"\n", args...)
	}, SDKLog: o.SDKLog}
	if o.Run.InActions {
		kc.Mask = func(secret string) { runenv.Mask(o.Commands, secret) }
	}
	pf, err := registry.CheckPush(ctx, kc, registry.PushOptions{Repository: image, Tags: tags, OnImmutable: o.Policy.OnImmutableTag})
	if err != nil {
		if pf != nil {
			fmt.Fprint(out, preflightTable(pf))
		}
		if werr := writeOutputs(o, nil, err.Error()); werr != nil {
			return nil, werr
		}
		if errors.Is(err, registry.ErrNoTags) && pf == nil {
			return nil, &Error{KindUsage, err}
		}
		return nil, &Error{KindRegistry, err}
	}
	fmt.Fprint(out, preflightTable(pf))
	for _, w := range pf.Warnings {
		warn(o, w)
	}
	build.Exports = append(build.Exports, pf.Exports()...)
	build.Session = append(build.Session, pf.Session()...)
	return &Push{opts: o, preflight: pf}, nil
}

// Complete points the tags at the built image and reports the result. It
// does nothing on a nil Push (a build without a push).
func (p *Push) Complete(ctx context.Context, res *buildcache.BuildResult) error {
	if p == nil {
		return nil
	}
	p.done = true
	out := p.opts.Log
	result, err := p.preflight.Complete(ctx, res.ImageDigest, nil, func(t registry.TagResult) {
		fmt.Fprintf(out, "tag %s: %s\n", t.Tag, describeTag(t))
	})
	fmt.Fprint(out, result.Table())
	reason := p.opts.Decision.Reason
	if err != nil {
		reason = err.Error()
	}
	if werr := writeOutputs(p.opts, result, reason); werr != nil && err == nil {
		return werr
	}
	if err != nil {
		return &Error{KindRegistry, err}
	}
	return nil
}

// Failed reports a build that BuildKit's push of the image by digest
// failed (its error is "failed to push <image>: ..."), such as for a
// credential that may pull but not push: the log and the step outputs say
// that the image push failed and no tag moved, and it returns that as an
// *Error of KindRegistry (KindInternal when the outputs cannot be
// written). It returns nil, and Abandon then reports the build, for any
// other failure, on a nil Push or after Complete.
func (p *Push) Failed(ctx context.Context, buildErr error) error {
	if p == nil || p.done || !strings.Contains(buildErr.Error(), "failed to push "+p.preflight.Repository.Name+": ") {
		return nil
	}
	p.done = true
	result, err := p.preflight.Complete(ctx, "", buildErr, nil)
	fmt.Fprint(p.opts.Log, result.Table())
	if werr := writeOutputs(p.opts, result, err.Error()); werr != nil {
		return werr
	}
	return &Error{KindRegistry, err}
}

// Abandon reports a push whose build did not finish (it failed or was
// stopped): the log and the step outputs say that no tag moved. It does
// nothing on a nil Push or after Complete or Failed.
func (p *Push) Abandon() {
	if p == nil || p.done {
		return
	}
	p.done = true
	res := p.preflight.Abandon("the build did not finish")
	fmt.Fprint(p.opts.Log, res.Table())
	_ = writeOutputs(p.opts, res, "the build did not finish, so nothing was pushed and no tag moved")
}

func describeTag(t registry.TagResult) string {
	switch t.Status {
	case registry.TagCreated:
		return "created at " + t.New
	case registry.TagMoved:
		return "moved " + t.Old + " -> " + t.New
	case registry.TagUnchanged:
		return "already at " + t.New
	}
	if t.Detail != "" {
		return t.Status + ": " + t.Detail
	}
	return t.Status
}

func preflightTable(p *registry.Preflight) string {
	var b strings.Builder
	fmt.Fprintf(&b, "push plan: %s with %s\n", p.Repository.Name, p.Credential)
	if p.Mutability.Setting != "" {
		fmt.Fprintf(&b, "  tag mutability: %s\n", p.Mutability.Setting)
	}
	for _, t := range p.Tags {
		now := "new"
		if t.Current != "" {
			now = "now " + t.Current
		}
		action := "will point to the new image"
		if t.Skip {
			action = "skipped: " + t.Reason
		}
		fmt.Fprintf(&b, "  %s (%s): %s\n", t.Tag, now, action)
	}
	return b.String()
}

func configName(p *config.PushPolicy) string {
	if p.File != "" {
		return p.File
	}
	return ".github/gantry.yaml"
}

// warn prints a warning, as an annotation in GitHub Actions.
func warn(o Options, msg string) {
	if o.Run.InActions {
		fmt.Fprintf(o.Commands, "::warning title=gantry push::%s\n", runenv.EscapeData(msg))
		return
	}
	fmt.Fprintln(o.Log, "gantry: warning:", msg)
}

// writeOutputs writes pushed, reason, tags and digest to $GITHUB_OUTPUT
// and the decision and the result to the job summary.
func writeOutputs(o Options, res *registry.Result, reason string) error {
	vals := map[string]string{"pushed": "false", "reason": reason}
	if res != nil {
		vals["pushed"] = fmt.Sprint(res.Pushed())
		vals["tags"] = strings.Join(res.TagRefs(), "\n")
		vals["digest"] = res.Digest
	}
	if err := runenv.SetOutputs(o.Getenv, []string{"pushed", "reason", "tags", "digest"}, vals); err != nil {
		return &Error{KindInternal, fmt.Errorf("writing the step outputs: %w", err)}
	}
	summary := o.Decision.Markdown()
	if res != nil {
		summary += res.Markdown()
	}
	if err := runenv.AppendSummary(o.Getenv, summary); err != nil {
		fmt.Fprintln(o.Log, "gantry: warning: job summary:", err)
	}
	return nil
}
