package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/config"
)

// pushUntrustedRule flags image pushes that can run for a fork's
// pull_request or for pull_request_target without a gate on the event or
// the repository.
//
// It runs in the repository pass because a reusable workflow runs for its
// callers' events: a push in a called workflow is reached from a caller's
// pull_request trigger.
var pushUntrustedRule = &Rule{
	ID: "push-untrusted", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "an image push that can run for a fork's pull_request or for pull_request_target without a gate",
	ScanWorkflow:    scanEach(pushUntrustedIn),
	CheckRepository: checkPushUntrusted,
}

func checkPushUntrusted(r *Repository, _ any) []Finding {
	return unscanned(r, pushUntrustedIn)
}

// pushUntrustedIn checks the image pushes of a workflow that runs for a
// pull request.
func pushUntrustedIn(r *Repository, w *RepoWorkflow) []Finding {
	var out []Finding
	done := map[Position]bool{}
	for _, ev := range []string{"pull_request_target", "pull_request"} {
		et := r.RunsOn(w, ev)
		if et == nil {
			continue
		}
		env := &evalEnv{event: ev, fork: true}
		gantryGated := !gantryPushAllowsUntrusted(r.cfg, ev)
		for _, j := range w.Jobs {
			if j.Job.Environment != nil || jobGated(env, j, 0) {
				continue
			}
			for _, s := range j.Steps {
				if gated(env, s.Step.If) {
					continue
				}
				for _, p := range imagePushes(r, env, s, gantryGated) {
					if done[p.pos] {
						continue
					}
					done[p.pos] = true
					out = append(out, pushFinding(w, et, p))
				}
			}
		}
	}
	return out
}

// gantryPushAllowsUntrusted reports whether the push policy lets gantry
// push for event ev when the pull request comes from a fork: the event must
// be in push.events and forks allowed, and pull_request_target also needs
// push.allow-pull-request-target. Branch and label settings are not read:
// a fork chooses its head branch, and names such as fork-* mean nothing.
func gantryPushAllowsUntrusted(cfg *config.Config, ev string) bool {
	p := cfg.PushPolicy()
	if !slices.Contains(p.Events, ev) || !p.AllowForks {
		return false
	}
	return ev != "pull_request_target" || p.AllowPullRequestTarget
}

type imagePush struct {
	what string
	pos  Position
}

// imagePushes returns the image pushes of a step that can happen under env.
func imagePushes(r *Repository, env *evalEnv, s *RepoStep, gantryGated bool) []imagePush {
	f := s.File()
	if u := s.Uses(); u != nil {
		if !s.Is("docker/build-push-action", "docker/bake-action") {
			return nil
		}
		if v := s.Input("push"); v != nil && pushValue(env, v.Value) == triTrue {
			return []imagePush{{what: s.Action + " with push: " + strings.TrimSpace(v.Value), pos: at(s.InputKey("push"))}}
		}
		if v := s.Input("outputs"); v != nil && pushingOutput(v.Value) {
			return []imagePush{{what: s.Action + " with a registry output", pos: at(s.InputKey("outputs"))}}
		}
		return nil
	}
	run := s.Run()
	if run == nil {
		return nil
	}
	var out []imagePush
	for _, c := range s.Commands() {
		if what := pushCommand(c, gantryGated); what != "" {
			out = append(out, imagePush{what: what, pos: r.positionIn(f, run, c.Line, c.Col)})
		}
	}
	return out
}

// pushValue evaluates a push: input: a literal, or an expression whose
// truth is known under env.
func pushValue(env *evalEnv, v string) tri {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "${{") {
		return triOf(strings.EqualFold(v, "true"))
	}
	if actionlint.ContainsExpression(v) && strings.HasPrefix(v, "${{") && strings.HasSuffix(v, "}}") && strings.Count(v, "${{") == 1 {
		return env.evalCondition(&actionlint.String{Value: v}).truth
	}
	if lit, ok := env.evalTemplate(v).literal(); ok {
		return triOf(strings.EqualFold(strings.TrimSpace(lit), "true"))
	}
	return triUnknown
}

// pushingOutput reports whether a buildx --output / outputs: value pushes.
func pushingOutput(v string) bool {
	for _, line := range strings.Split(v, "\n") {
		l := strings.ToLower(strings.ReplaceAll(line, " ", ""))
		if strings.Contains(l, "type=registry") || strings.Contains(l, "type=image") && strings.Contains(l, "push=true") {
			return true
		}
	}
	return false
}

// pushCommand returns what a command does when it pushes an image.
func pushCommand(c shellCmd, gantryGated bool) string {
	if len(c.Words) == 0 {
		return ""
	}
	sub := c.Sub()
	w0 := c.Words[0]
	switch w0 {
	case "docker", "podman", "buildah", "nerdctl":
		if len(sub) == 0 {
			return ""
		}
		switch {
		case sub[0] == "push", sub[0] == "image" && len(sub) > 1 && sub[1] == "push":
			return w0 + " push"
		case sub[0] == "buildx" && len(sub) > 1 && (sub[1] == "build" || sub[1] == "bake"):
			if hasFlag(sub, "--push") || pushingOutput(strings.Join(optValues(sub, "--output", "-o"), "\n")) {
				return w0 + " buildx " + sub[1] + " --push"
			}
		case sub[0] == "compose" && len(sub) > 1 && sub[1] == "push":
			return w0 + " compose push"
		}
	case "docker-compose":
		if len(sub) > 0 && sub[0] == "push" {
			return "docker-compose push"
		}
	case "gantry":
		if gantryGated || len(sub) == 0 {
			return ""
		}
		if sub[0] == "push" || sub[0] == "build" && hasFlag(sub, "--push") {
			return "gantry " + sub[0]
		}
	}
	return ""
}

func pushFinding(w *RepoWorkflow, et *EffectiveTrigger, p imagePush) Finding {
	via := viaNote(et)
	gate := "gate it on the event (if: github.event_name != 'pull_request') or the repository (github.event.pull_request.head.repo.full_name == github.repository)"
	if et.Event == "pull_request_target" {
		fd := finding(w.File, p.pos, fmt.Sprintf(
			"%s runs on pull_request_target%s, with the base repository's secrets, for any pull request including forks: an image built from untrusted code can reach the registry; %s",
			p.what, via, gate))
		fd.Severity = SeverityError
		return fd
	}
	return finding(w.File, p.pos, fmt.Sprintf(
		"%s can run for a pull request from a fork%s: it fails there (forks get no secrets), or pushes an image built from untrusted code where the runner has credentials; %s",
		p.what, via, gate))
}
