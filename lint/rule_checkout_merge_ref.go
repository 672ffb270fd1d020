package lint

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// checkoutMergeRefRule flags, on pull_request, github.sha (the merge commit
// GitHub creates) used as an image tag, build version or commit status
// target, and images built from the merge commit but labelled with the
// head SHA; on pull_request_target, checking out the pull request's head
// and then running its code.
//
// It runs in the repository pass because a reusable workflow's events are
// its callers': the model gives each workflow its effective triggers.
var checkoutMergeRefRule = &Rule{
	ID: "checkout-merge-ref", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "the pull_request merge commit (github.sha) used as an image tag or status target, or pull_request_target running the pull request's code",
	CheckRepository: checkCheckoutMergeRef,
}

const headSHA = "github.event.pull_request.head.sha"

// imageInputs are the inputs of docker actions that name or label the image.
var imageInputs = map[string][]string{
	"docker/build-push-action": {"tags", "labels", "build-args"},
	"docker/metadata-action":   {"tags", "labels"},
	"docker/bake-action":       {"set"},
}

var versionKeyRe = lazyre.New(`(?i)(sha|commit|revision|version|git|ref)[^=]*=`)

// versionEntries keeps the lines of a build-args, labels or set value whose
// key names a commit or version (GIT_SHA=, org.opencontainers.image.revision=),
// not cache busters or unrelated values.
func versionEntries(v *actionlint.String) *actionlint.String {
	lines := strings.Split(v.Value, "\n")
	for i, l := range lines {
		if !versionKeyRe.MatchString(l) {
			lines[i] = ""
		}
	}
	return &actionlint.String{Value: strings.Join(lines, "\n"), Quoted: v.Quoted, Pos: v.Pos}
}

// inputNoun names what an image input holds.
var inputNoun = map[string]string{"tags": "this image tag", "labels": "this image label",
	"build-args": "this build argument", "set": "this bake setting"}

// statusInputs are inputs of commit status and check actions that take the commit.
var statusInputs = []string{"sha", "commit_sha", "commit-sha", "head_sha", "head-sha"}

func checkCheckoutMergeRef(r *Repository, _ any) []Finding {
	var out []Finding
	for _, w := range r.Workflows {
		if w.Context {
			continue
		}
		if et := r.RunsOn(w, "pull_request"); et != nil {
			out = append(out, mergeSHAUses(r, w, et)...)
		}
		if et := r.RunsOn(w, "pull_request_target"); et != nil {
			out = append(out, targetRunsHead(r, w, et)...)
		}
	}
	return out
}

// stepRuns reports whether the step can run under env: neither its job
// (nor a job it needs) nor the step itself is gated.
func stepRuns(env *evalEnv, s *RepoStep) bool {
	return !jobGated(env, s.Job, 0) && !gated(env, s.Step.If)
}

// shaRef reports whether a value, evaluated on a pull_request, contains the
// context variable v, directly, through ${{ env.X }}, or through a shell
// variable ($GITHUB_SHA for github.sha, $X for an env X).
func shaRef(env *evalEnv, s *RepoStep, cmd *shellCmd, value, v string, depth int) bool {
	if depth > 3 {
		return false
	}
	spans, _ := exprSpans(value)
	for _, sp := range spans {
		if env.evalExpr(sp.node).hasVar(v) {
			return true
		}
		found := false
		actionlint.VisitExprNode(sp.node, func(node, _ actionlint.ExprNode, entering bool) {
			if p, ok := contextPath(node); entering && ok && strings.HasPrefix(p, "env.") && !found {
				if e := s.Env(strings.TrimPrefix(p, "env.")); e != nil {
					found = shaRef(env, s, nil, e.Value, v, depth+1)
				}
			}
		})
		if found {
			return true
		}
	}
	rest := value
	for i := len(spans) - 1; i >= 0; i-- {
		rest = rest[:spans[i].start] + rest[spans[i].end:]
	}
	for _, name := range shellVars(rest) {
		if name == "GITHUB_SHA" && v == "github.sha" {
			return true
		}
		if cmd != nil {
			if a, ok := cmd.Assign[name]; ok && shaRef(env, s, nil, a, v, depth+1) {
				return true
			}
		}
		if e := s.Env(name); e != nil && shaRef(env, s, nil, e.Value, v, depth+1) {
			return true
		}
	}
	return false
}

// dockerImageCmd reports whether a command builds, tags or pushes an image.
func dockerImageCmd(c shellCmd) bool {
	if len(c.Words) == 0 {
		return false
	}
	switch c.Words[0] {
	case "docker", "podman", "buildah", "nerdctl":
	default:
		return false
	}
	sub := c.Sub()
	if len(sub) > 0 && (sub[0] == "buildx" || sub[0] == "image") {
		sub = sub[1:]
	}
	return len(sub) > 0 && (sub[0] == "build" || sub[0] == "tag" || sub[0] == "push" || sub[0] == "bud")
}

// jobKeepsImage reports whether a job's images never leave it under env:
// it builds with docker/build-push-action or bake-action and says push:
// false (or an expression that is false here, or outputs with push=false),
// and no step pushes an image.
func jobKeepsImage(env *evalEnv, j *RepoJob) bool {
	kept := false
	for _, s := range j.Steps {
		if !stepRuns(env, s) {
			continue
		}
		if s.Uses() != nil {
			if s.Action != "docker/build-push-action" && s.Action != "docker/bake-action" {
				continue
			}
			o := s.Input("outputs")
			if o != nil && (strings.Contains(o.Value, "type=registry") || strings.Contains(o.Value, "push=true")) {
				return false
			}
			p := s.Input("push")
			switch {
			case p != nil && !gated(env, p):
				return false
			case p != nil || o != nil && strings.Contains(o.Value, "push=false"):
				kept = true
			}
			continue
		}
		for _, c := range s.Commands() {
			if imagePushCmd(c) {
				return false
			}
		}
	}
	return kept
}

// imagePushCmd reports whether a command pushes an image to a registry.
func imagePushCmd(c shellCmd) bool {
	if len(c.Words) == 0 {
		return false
	}
	switch c.Words[0] {
	case "docker", "podman", "buildah", "nerdctl":
	case "skopeo", "crane", "regctl", "oras":
		return true
	default:
		return false
	}
	sub := c.Sub()
	if len(sub) > 0 && sub[0] == "image" {
		sub = sub[1:]
	}
	if len(sub) > 0 && sub[0] == "push" {
		return true
	}
	return slices.ContainsFunc(c.Words, func(w string) bool {
		return w == "--push" || strings.Contains(w, "type=registry") || strings.Contains(w, "push=true")
	})
}

// mergeSHAUses checks a workflow that runs on pull_request.
func mergeSHAUses(r *Repository, w *RepoWorkflow, et *EffectiveTrigger) []Finding {
	env := &evalEnv{event: "pull_request"}
	var out []Finding
	f := w.File
	for _, j := range w.Jobs {
		// an image that never leaves the job may be named after any commit
		pushes := !jobKeepsImage(env, j)
		for i, s := range j.Steps {
			if !stepRuns(env, s) {
				continue
			}
			mergeCheckout := mergeCheckedOut(env, j, i)
			if u := s.Uses(); u != nil {
				for _, in := range imageInputs[s.Action] {
					if !pushes {
						break
					}
					v := s.Input(in)
					if v == nil {
						continue
					}
					if in != "tags" {
						v = versionEntries(v)
					}
					if shaRef(env, s, nil, v.Value, "github.sha", 0) {
						out = append(out, finding(f, r.find(f, v, "${{ github.sha", "${{github.sha", "github.sha", "env.", "${{"), fmt.Sprintf(
							"on pull_request github.sha is the merge commit GitHub creates, not the pull request's head: %s names a commit that is in no branch and changes whenever the base branch moves%s; use ${{ github.event.pull_request.head.sha }} and check it out",
							inputNoun[in], viaNote(et))))
					} else if mergeCheckout != nil && shaRef(env, s, nil, v.Value, headSHA, 0) {
						out = append(out, headLabelFinding(r, f, v, in, mergeCheckout, et))
					}
				}
				if s.Action != "actions/checkout" {
					for _, in := range statusInputs {
						if v := s.Input(in); v != nil && shaRef(env, s, nil, v.Value, "github.sha", 0) {
							out = append(out, finding(f, r.find(f, v, "${{ github.sha", "${{github.sha", "github.sha", "env.", "${{"), fmt.Sprintf(
								"on pull_request github.sha is the merge commit GitHub creates: a status or check set on it does not show on the pull request%s; use ${{ github.event.pull_request.head.sha }}",
								viaNote(et))))
						}
					}
				}
				continue
			}
			run := s.Run()
			if run == nil {
				continue
			}
			lines := strings.Split(run.Value, "\n")
			for _, c := range s.Commands() {
				if len(c.Words) == 0 {
					continue
				}
				args := strings.Join(c.Words, " ")
				status := strings.Contains(args, "statuses/") || strings.Contains(args, "check-runs")
				if (!dockerImageCmd(c) || !pushes) && !status {
					continue
				}
				pos := cmdPos(r, f, run, lines, c, "${{ github.sha", "${{ github.event.pull_request.head.sha", "$GITHUB_SHA", "${GITHUB_SHA", "statuses/")
				switch {
				case shaRef(env, s, &c, args, "github.sha", 0):
					what := "this image tag names a commit that is in no branch and changes whenever the base branch moves"
					if status {
						what = "a status or check set on it does not show on the pull request"
					}
					out = append(out, finding(f, pos, fmt.Sprintf(
						"on pull_request github.sha ($GITHUB_SHA) is the merge commit GitHub creates, not the pull request's head: %s%s; use ${{ github.event.pull_request.head.sha }}",
						what, viaNote(et))))
				case !status && mergeCheckout != nil && shaRef(env, s, &c, args, headSHA, 0):
					out = append(out, finding(f, pos, fmt.Sprintf(
						"the image is built from the merge commit that actions/checkout checks out on pull_request, but named after the pull request's head SHA%s: check out ref: ${{ github.event.pull_request.head.sha }} so that the image matches its name",
						viaNote(et)), related(f, at(mergeCheckout.Uses()), "checks out the merge commit")))
				}
			}
		}
	}
	return out
}

func headLabelFinding(r *Repository, f *File, v *actionlint.String, in string, co *RepoStep, et *EffectiveTrigger) Finding {
	return finding(f, r.find(f, v, "${{ "+headSHA, "${{"+headSHA, headSHA, "env.", "${{"), fmt.Sprintf(
		"the image is built from the merge commit that actions/checkout checks out on pull_request, but its %s name the pull request's head SHA%s: check out ref: ${{ github.event.pull_request.head.sha }} so that the image matches them",
		in, viaNote(et)), related(f, at(co.Uses()), "checks out the merge commit"))
}

// mergeCheckedOut returns the last actions/checkout before step i when it
// checks out the merge commit (no ref:, or github.sha / github.ref).
func mergeCheckedOut(env *evalEnv, j *RepoJob, i int) *RepoStep {
	for k := i - 1; k >= 0; k-- {
		s := j.Steps[k]
		if !s.Is("actions/checkout") {
			continue
		}
		if s.Input("repository") != nil {
			return nil
		}
		ref := s.Input("ref")
		if ref == nil || strings.TrimSpace(ref.Value) == "" {
			return s
		}
		v := env.evalTemplate(ref.Value)
		if name, ok := v.singleVar(); ok && (name == "github.sha" || name == "github.ref") {
			return s
		}
		return nil
	}
	return nil
}

// headRefPaths are contexts that name the pull request's head (or its merge
// with the base, which contains the head's code).
var headRefPaths = []string{headSHA, "github.head_ref", "github.event.pull_request.merge_commit_sha",
	"github.event.pull_request.head.repo.full_name", "github.event.pull_request.number"}

// targetRunsHead checks a workflow that runs on pull_request_target.
func targetRunsHead(r *Repository, w *RepoWorkflow, et *EffectiveTrigger) []Finding {
	env := &evalEnv{event: "pull_request_target", fork: true}
	var out []Finding
	f := w.File
	for _, j := range w.Jobs {
		if j.Job.Environment != nil || jobGated(env, j, 0) {
			continue
		}
		for i, s := range j.Steps {
			if !s.Is("actions/checkout") || gated(env, s.Step.If) {
				continue
			}
			key, val := checkoutHead(s)
			if key == nil {
				continue
			}
			for _, later := range j.Steps[i+1:] {
				if gated(env, later.Step.If) {
					continue
				}
				what, p := runsCode(r, later)
				if what == "" {
					continue
				}
				fd := finding(f, at(val), fmt.Sprintf(
					"on pull_request_target this job checks out the pull request's code and then %s, with the base repository's secrets and a write token%s: anyone who opens a pull request runs code here; build untrusted code in a pull_request workflow, or gate the job on the author",
					what, viaNote(et)), related(f, p, "runs the checked-out code"))
				fd.Severity = SeverityError
				out = append(out, fd)
				break
			}
		}
	}
	return out
}

// checkoutHead returns the ref: (or repository:) input of a checkout that
// fetches the pull request's head.
func checkoutHead(s *RepoStep) (*actionlint.String, *actionlint.String) {
	for _, in := range []string{"ref", "repository"} {
		v := s.Input(in)
		if v == nil {
			continue
		}
		if strings.Contains(v.Value, "refs/pull/") || exprRefs(v.Value, func(p string) bool { return slices.Contains(headRefPaths, p) }) {
			return s.InputKey(in), v
		}
	}
	return nil, nil
}

// buildTools are programs that run a project's own code or scripts.
var buildTools = map[string]bool{"npm": true, "npx": true, "yarn": true, "pnpm": true, "bun": true, "bunx": true,
	"make": true, "cmake": true, "bundle": true, "rake": true, "rails": true, "ruby": true, "python": true,
	"python3": true, "pip": true, "pip3": true, "poetry": true, "pytest": true, "tox": true, "nox": true,
	"go": true, "cargo": true, "mvn": true, "gradle": true, "ant": true, "sbt": true, "dotnet": true,
	"composer": true, "php": true, "node": true, "deno": true, "pre-commit": true, "uv": true, "hatch": true}

// runsCode returns what a step does that runs the checked-out code, and where.
func runsCode(r *Repository, s *RepoStep) (string, Position) {
	if u := s.Uses(); u != nil {
		switch {
		case strings.HasPrefix(s.Action, "./"):
			return "runs its local action " + s.Action, at(u)
		case s.Is("docker/build-push-action", "docker/bake-action"):
			return "builds its Dockerfile with " + s.Action, at(u)
		}
		return "", Position{}
	}
	run := s.Run()
	if run == nil {
		return "", Position{}
	}
	for _, c := range s.Commands() {
		if len(c.Words) == 0 {
			continue
		}
		w0 := c.Words[0]
		if hasFlag(c.Words, "--ignore-scripts") || len(c.Words) > 1 && (w0 == "npm" || w0 == "yarn" || w0 == "pnpm") &&
			(c.Words[1] == "config" || c.Words[1] == "--version" || c.Words[1] == "-v") {
			continue
		}
		switch {
		case buildTools[w0] || buildTools[path.Base(w0)] && strings.HasPrefix(w0, "./"):
		case strings.HasPrefix(w0, "./") || strings.HasPrefix(w0, "scripts/") || strings.HasPrefix(w0, "bin/"):
		case (w0 == "bash" || w0 == "sh") && len(c.Words) > 1 && !strings.HasPrefix(c.Words[1], "-"):
		case (w0 == "docker" || w0 == "podman") && len(c.Words) > 1 && (c.Words[1] == "build" || c.Words[1] == "buildx" || c.Words[1] == "compose"):
		default:
			continue
		}
		return "runs " + strings.Join(c.Words[:min(len(c.Words), 3)], " "), r.positionIn(s.File(), run, c.Line, c.Col)
	}
	return "", Position{}
}
