package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/gate"
	"github.com/gantry-ci/gantry/registry"
)

func init() {
	subcommands = append(subcommands, newPushCmd)
	pushHook = preparePush
	cobra.OnFinalize(reportAbandonedPush)
}

// exitPushFailed is gantry push's (and gantry build --push's) exit code when
// the registry side failed: a pre-flight check (credentials, a missing
// repository, an immutable tag), the image push, or a tag move.
const exitPushFailed = 6

func newPushCmd() *cobra.Command {
	cmd := newBuildCmd()
	cmd.Use = "push [DIR]"
	cmd.Short = "build an image and push it when the push policy allows it"
	cmd.Long = `Build DIR like gantry build, and push the image when the push policy allows
it (see gantry gate): by digest first, then each tag of the policy is created
or moved to that digest.

Before building, gantry resolves the registry credential (ECR through the
AWS SDK's credential chain, or Docker's config and credential helpers),
looks up where each tag points and, for ECR, whether the repository's tags
are immutable; a tag that would be rejected is skipped with a warning, or
fails the run first, per push.on-immutable-tag.

When the policy denies the push, the image is built but not pushed (exit 0),
or nothing is built with --require (exit 1). The decision, the tags and the
digest are written to $GITHUB_OUTPUT (pushed, reason, tags, digest) and the
job summary.

Exit codes: as gantry build (0 built, 1 build failed or push denied with
--require, 2 usage or config error, 3 internal failure, 4 BuildKit
unreachable, 5 cache warning), and 6 when the registry side failed; the
report then says which tags point where.`
	f := cmd.Flags()
	if err := f.Set("push", "true"); err != nil {
		panic(err) // the build command always has --push
	}
	_ = f.MarkHidden("push")
	var gf gateFlags
	gf.register(f)
	f.BoolVar(&gf.require, "require", false, "exit 1 without building when the push is denied")
	f.String("image", "", "repository to push to (default push.image of the config)")
	f.StringArray("tag", nil, "tag template to push instead of push.tags, such as {{sha}} or latest (repeatable)")
	return cmd
}

// pushFlagsOf reads the push flags of gantry push; gantry build --push has
// none of them and uses the config alone.
func pushFlagsOf(cmd *cobra.Command) (gf gateFlags, image string, tags []string) {
	f := cmd.Flags()
	str := func(name string) string {
		if fl := f.Lookup(name); fl != nil {
			return fl.Value.String()
		}
		return ""
	}
	gf.config, gf.event, gf.eventName = str("config"), str("event"), str("event-name")
	gf.require = str("require") == "true"
	image = str("image")
	if f.Lookup("tag") != nil {
		tags, _ = f.GetStringArray("tag")
	}
	return gf, image, tags
}

// pendingPush is the push prepared for this run, until it is reported.
var pendingPush *pushRun

type pushRun struct {
	gate *gateRun
	plan *registry.Preflight
	out  io.Writer
	done bool
}

// preparePush is gantry build's push hook: it decides, checks the registry
// and adds the push-by-digest export and the auth session to opts.
func preparePush(ctx context.Context, cmd *cobra.Command, opts *buildcache.BuildOptions) (PushFinisher, error) {
	gf, image, tagTemplates := pushFlagsOf(cmd)
	out := cmd.ErrOrStderr()
	g, err := evaluateGate(ctx, opts.ContextDir, &gf)
	if err != nil {
		return nil, err
	}
	// a missing image is a mistake whether or not this run may push
	if image == "" {
		image = g.policy.Image
	}
	if image == "" {
		return nil, usageError("no image to push: set push.image in %s or pass --image", configName(g.policy))
	}
	if err := config.ValidateImageName(image); err != nil {
		return nil, usageError("--image: %v", err)
	}
	fmt.Fprint(out, g.decision.Table())
	if !g.decision.Push {
		if err := writePushOutputs(out, g, nil, g.decision.Reason); err != nil {
			return nil, err
		}
		if gf.require {
			return nil, &exitError{code: exitFindings, err: fmt.Errorf("push denied: %s", g.decision.Reason)}
		}
		fmt.Fprintln(out, "gantry: building without pushing")
		return nil, nil
	}

	tags := g.decision.Tags
	if len(tagTemplates) > 0 {
		for _, t := range tagTemplates {
			if err := config.ValidateTagTemplate(t); err != nil {
				return nil, usageError("--tag: %v", err)
			}
		}
		var skipped []gate.SkippedTag
		tags, skipped = gate.RenderTags(tagTemplates, g.run)
		for _, s := range skipped {
			fmt.Fprintf(out, "tag %s skipped: %s\n", s.Template, s.Reason)
		}
	}

	kc := &registry.Keychain{Logf: func(format string, args ...any) {
		fmt.Fprintf(out, "gantry: "+format+"\n", args...)
	}}
	if g.run.InActions {
		kc.Mask = func(secret string) { runenv.Mask(cmd.OutOrStdout(), secret) }
	}
	plan, err := registry.CheckPush(ctx, kc, registry.PushOptions{Repository: image, Tags: tags, OnImmutable: g.policy.OnImmutableTag})
	if err != nil {
		if plan != nil {
			fmt.Fprint(out, planTable(plan))
		}
		if werr := writePushOutputs(out, g, nil, err.Error()); werr != nil {
			return nil, werr
		}
		if errors.Is(err, registry.ErrNoTags) && plan == nil {
			return nil, usageError("%v", err)
		}
		return nil, &exitError{code: exitPushFailed, err: err}
	}
	fmt.Fprint(out, planTable(plan))
	for _, w := range plan.Warnings {
		warn(cmd, g.run, w)
	}
	opts.Exports = append(opts.Exports, plan.Exports()...)
	opts.Session = append(opts.Session, plan.Session()...)
	run := &pushRun{gate: g, plan: plan, out: out}
	pendingPush = run
	return func(ctx context.Context, res *buildcache.BuildResult) error {
		run.done = true
		pendingPush = nil
		result, err := plan.Complete(ctx, res.ImageDigest, nil, func(t registry.TagResult) {
			fmt.Fprintf(out, "tag %s: %s\n", t.Tag, describeTag(t))
		})
		fmt.Fprint(out, result.Table())
		reason := g.decision.Reason
		if err != nil {
			reason = err.Error()
		}
		if werr := writePushOutputs(out, g, result, reason); werr != nil && err == nil {
			return werr
		}
		if err != nil {
			return &exitError{code: exitPushFailed, err: err}
		}
		return nil
	}, nil
}

// reportAbandonedPush runs when a command ends: a push that was prepared but
// never finished (the build failed or was stopped) is reported as such, so
// that the log and the step outputs say that no tag moved.
func reportAbandonedPush() {
	run := pendingPush
	pendingPush = nil
	if run == nil || run.done {
		return
	}
	res := run.plan.Abandon("the build did not finish")
	fmt.Fprint(run.out, res.Table())
	_ = writePushOutputs(run.out, run.gate, res, "the build did not finish, so nothing was pushed and no tag moved")
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

func planTable(p *registry.Preflight) string {
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
func warn(cmd *cobra.Command, run *runenv.Context, msg string) {
	if run.InActions {
		fmt.Fprintf(cmd.OutOrStdout(), "::warning title=gantry push::%s\n", runenv.EscapeData(msg))
		return
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "gantry: warning:", msg)
}

// writePushOutputs writes pushed, reason, tags and digest to $GITHUB_OUTPUT
// and the decision and the result to the job summary.
func writePushOutputs(out io.Writer, g *gateRun, res *registry.Result, reason string) error {
	vals := map[string]string{"pushed": "false", "reason": reason}
	if res != nil {
		vals["pushed"] = fmt.Sprint(res.Pushed())
		vals["tags"] = strings.Join(res.TagRefs(), "\n")
		vals["digest"] = res.Digest
	}
	if err := runenv.SetOutputs(g.getenv, []string{"pushed", "reason", "tags", "digest"}, vals); err != nil {
		return &exitError{code: exitInternal, err: fmt.Errorf("writing the step outputs: %w", err)}
	}
	summary := g.decision.Markdown()
	if res != nil {
		summary += res.Markdown()
	}
	if err := runenv.AppendSummary(g.getenv, summary); err != nil {
		fmt.Fprintln(out, "gantry: warning: job summary:", err)
	}
	return nil
}
