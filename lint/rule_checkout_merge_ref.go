package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// checkoutMergeRefRule flags, on pull_request, github.sha (the merge commit
// GitHub creates) used as an image tag, build version or commit status
// target, and images built from the merge commit but labelled with the
// head SHA. Running a pull request's head on pull_request_target is
// untrusted-checkout's.
//
// It runs in the repository pass because a reusable workflow's events are
// its callers': the model gives each workflow its effective triggers. Other
// workflows are scanned as they are linted, on their own triggers.
var checkoutMergeRefRule = &Rule{
	ID: "checkout-merge-ref", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "the pull_request merge commit (github.sha) used as an image tag or status target",
	ScanWorkflow:    scanEach(mergeSHAUsesIn),
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
	return unscanned(r, mergeSHAUsesIn)
}

// mergeSHAUsesIn checks a workflow when it runs on pull_request.
func mergeSHAUsesIn(r *Repository, w *RepoWorkflow) []Finding {
	if et := r.RunsOn(w, "pull_request"); et != nil {
		return mergeSHAUses(r, w, et)
	}
	return nil
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

// jobKeepsImage reports whether the images of a job that runs under env
// never leave it: it builds with docker/build-push-action or bake-action
// and says push: false (or an expression that is false here, or outputs
// with push=false), and no step that runs pushes an image.
func jobKeepsImage(env *evalEnv, j *RepoJob) bool {
	kept := false
	for _, s := range j.Steps {
		if gated(env, s.Step.If) {
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

// mergeSHAUses checks a workflow that runs on pull_request.
func mergeSHAUses(r *Repository, w *RepoWorkflow, et *EffectiveTrigger) []Finding {
	env := &evalEnv{event: "pull_request"}
	var out []Finding
	f := w.File
	for _, j := range w.Jobs {
		if jobGated(env, j, 0) {
			continue // none of its steps runs
		}
		// an image that never leaves the job may be named after any
		// commit; worked out for the first step that names or pushes one
		pushes := lazy[bool]{get: func() bool { return !jobKeepsImage(env, j) }}
		for i, s := range j.Steps {
			// the step's if: and the checkout before it are worked out only
			// for a step that names or pushes an image or sets a status
			skipped := lazy[bool]{get: func() bool { return gated(env, s.Step.If) }}
			mergeCheckout := lazy[*RepoStep]{get: func() *RepoStep { return mergeCheckedOut(env, j, i) }}
			if u := s.Uses(); u != nil {
				for _, in := range imageInputs[s.Action] {
					v := s.Input(in)
					if v == nil {
						continue
					}
					if skipped.value() || !pushes.value() {
						break
					}
					if in != "tags" {
						v = versionEntries(v)
					}
					if shaRef(env, s, nil, v.Value, "github.sha", 0) {
						out = append(out, finding(f, r.find(f, v, "${{ github.sha", "${{github.sha", "github.sha", "env.", "${{"), fmt.Sprintf(
							"on pull_request github.sha is the merge commit GitHub creates, not the pull request's head: %s names a commit that is in no branch and changes whenever the base branch moves%s; use ${{ github.event.pull_request.head.sha }} and check it out",
							inputNoun[in], viaNote(et))))
					} else if mergeCheckout.value() != nil && shaRef(env, s, nil, v.Value, headSHA, 0) {
						out = append(out, headLabelFinding(r, f, v, in, mergeCheckout.value(), et))
					}
				}
				if s.Action != "actions/checkout" {
					for _, in := range statusInputs {
						if v := s.Input(in); v != nil && !skipped.value() && shaRef(env, s, nil, v.Value, "github.sha", 0) {
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
			var lines []string // the script's lines, split for the first finding
			for _, c := range s.Commands() {
				if len(c.Words) == 0 {
					continue
				}
				status := slices.ContainsFunc(c.Words, func(w string) bool {
					return strings.Contains(w, "statuses/") || strings.Contains(w, "check-runs")
				})
				if (!dockerImageCmd(c) || !pushes.value()) && !status {
					continue
				}
				if skipped.value() {
					break
				}
				args := strings.Join(c.Words, " ")
				pos := func() Position {
					if lines == nil {
						lines = strings.Split(run.Value, "\n")
					}
					return cmdPos(r, f, run, lines, c, "${{ github.sha", "${{ github.event.pull_request.head.sha", "$GITHUB_SHA", "${GITHUB_SHA", "statuses/")
				}
				switch {
				case shaRef(env, s, &c, args, "github.sha", 0):
					what := "this image tag names a commit that is in no branch and changes whenever the base branch moves"
					if status {
						what = "a status or check set on it does not show on the pull request"
					}
					out = append(out, finding(f, pos(), fmt.Sprintf(
						"on pull_request github.sha ($GITHUB_SHA) is the merge commit GitHub creates, not the pull request's head: %s%s; use ${{ github.event.pull_request.head.sha }}",
						what, viaNote(et))))
				case !status && mergeCheckout.value() != nil && shaRef(env, s, &c, args, headSHA, 0):
					out = append(out, finding(f, pos(), fmt.Sprintf(
						"the image is built from the merge commit that actions/checkout checks out on pull_request, but named after the pull request's head SHA%s: check out ref: ${{ github.event.pull_request.head.sha }} so that the image matches its name",
						viaNote(et)), related(f, at(mergeCheckout.value().Uses()), "checks out the merge commit")))
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
