package lint

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// untrustedCheckoutRule flags workflows on a privileged trigger
// (pull_request_target, workflow_run, issue_comment) that check out a pull
// request's head, by any expression that resolves to it, and then run that
// code: the job has the base repository's secrets and a write token, and
// whoever opens the pull request chooses the code. It follows env:,
// $GITHUB_ENV, step and job outputs and reusable-workflow inputs through
// workflow_dataflow.go, so it runs in the repository pass.
//
// A workflow is scanned as it is linted unless its workflow_run trigger
// finds something: whether that trigger can follow a pull request depends
// on the workflows it names, so such a workflow is checked whole in the
// repository pass.
var untrustedCheckoutRule = &Rule{
	ID: "untrusted-checkout", Source: SourceGantry, Target: TargetRepository, Severity: SeverityError,
	Summary:         "a pull_request_target, workflow_run or issue_comment workflow checks out the pull request's head and runs it with the base repository's secrets",
	ScanWorkflow:    scanUntrustedCheckout,
	NeedsTree:       untrustedAfterWorkflowRun,
	CheckRepository: checkUntrustedCheckout,
}

// headFields are the context paths that name a pull request's head (or its
// merge with the base, which holds the head's code) or the fork it lives in.
var headFields = map[string]bool{
	"github.event.pull_request.head.sha": true, "github.event.pull_request.head.ref": true, "github.head_ref": true,
	"github.event.pull_request.merge_commit_sha": true, "github.event.pull_request.head.repo.full_name": true,
	"github.event.pull_request.head.repo.clone_url": true, "github.event.pull_request.head.repo.html_url": true,
	"github.event.workflow_run.head_sha": true, "github.event.workflow_run.head_branch": true,
	"github.event.workflow_run.head_commit.id": true, "github.event.workflow_run.head_repository.full_name": true,
	"github.event.workflow_run.head_repository.clone_url": true,
	"github.event.workflow_run.pull_requests.*.head.sha":  true, "github.event.workflow_run.pull_requests.*.head.ref": true,
}

// pullRefRe matches a pull request's head or merge ref (refs/pull/N/head,
// pull/${{ github.event.number }}/merge).
var pullRefRe = lazyre.New(`(^|[^a-z])pull/[^/\n]+/(head|merge)\b`)

// headTextRe matches scripts that read a pull request's head from the API
// (gh pr view --json headRefOid, jq .head.sha, pr.data.head.ref).
var headTextRe = lazyre.New(`headRefOid|headRefName|headRepository|\.head\.(sha|ref)\b|\.head_sha\b|\.head_branch\b|\[["']head["']\]`)

// commentBranchActions are actions that look up the pull request an
// issue_comment was made on; their outputs name its head.
var commentBranchActions = map[string]bool{"xt0rted/pull-request-comment-branch": true,
	"gotson/pull-request-comment-branch": true, "alessbell/pull-request-comment-branch": true}

// headOrigins are the values untrusted-checkout looks for.
var headOrigins = &flowOrigins{
	field: func(_ *flowScope, p []string) (string, bool) {
		full := strings.Join(p, ".")
		return full, headFields[full]
	},
	output: func(s *RepoStep, name string) (string, bool) {
		if commentBranchActions[s.Action] {
			return "the pull request head that " + s.Action + " looks up", true
		}
		if s.Is("actions/github-script") {
			if sc := s.Input("script"); sc != nil && headTextRe.MatchString(sc.Value) &&
				(name == "result" || strings.Contains(strings.ToLower(sc.Value), name)) {
				return "the pull request head that the script looks up", true
			}
		}
		return "", false
	},
	text: func(v string) (string, bool) {
		switch {
		case pullRefRe.MatchString(v):
			return "a refs/pull/N ref", true
		case headTextRe.MatchString(v) && !strings.Contains(v, "${{"):
			return "the pull request head that the script looks up", true
		}
		return "", false
	},
}

// checkoutGate is how far if: conditions and environments keep an
// outsider's pull request from running a job's code, weakest first.
type checkoutGate int

const (
	gateOpen    checkoutGate = iota // anyone who opens a pull request
	gateLabel                       // a label that stays on when the author pushes again
	gateTrusted                     // author, actor, a fresh label event, a merge, reviewers
	gateNever                       // cannot run for a fork's pull request
)

// trustPaths are the context paths (prefixes) whose test in a condition
// lets only people the maintainers trust through.
var trustPaths = []string{"github.actor", "github.triggering_actor", "github.event.sender.",
	"github.event.pull_request.user.", "github.event.comment.user.", "github.event.issue.user.",
	"github.event.review.user.", "github.event.pull_request.merged", "github.event.workflow_run.actor.",
	"github.event.workflow_run.triggering_actor.", "github.event.pull_request.head.repo.full_name",
	"github.event.pull_request.head.repo.owner.", "github.event.workflow_run.head_repository.full_name",
	"github.event.workflow_run.head_repository.owner."}

// labelPaths are the context paths of labels, which only people with
// triage access add.
var labelPaths = []string{"github.event.pull_request.labels", "github.event.label.", "github.event.issue.labels"}

// permissionActions are actions that check the permission or team of the
// user who triggered the run and fail (or say so) for others.
var permissionActions = map[string]bool{"actions-cool/check-user-permission": true,
	"prince-chrismc/check-actor-permissions-action": true, "lannonbr/repo-permission-check-action": true,
	"sushichop/action-repository-permission": true, "xt0rted/slash-command-action": true,
	"tspascoal/get-user-teams-membership": true, "themoddinginquisition/actions-team-membership": true}

// conditionGate classifies one if: condition under env. labeledOnly is true
// when the trigger runs only for the labeled activity, so a label test sees
// the label as it was added.
func conditionGate(env *evalEnv, cond *actionlint.String, labeledOnly bool) checkoutGate {
	if cond == nil || strings.TrimSpace(cond.Value) == "" {
		return gateOpen
	}
	if env.evalCondition(cond).truth == triFalse {
		return gateNever
	}
	v := strings.TrimSpace(cond.Value)
	if !strings.Contains(v, "${{") {
		v = "${{ " + v + " }}"
	}
	g := gateOpen
	spans, _ := exprSpans(v)
	for _, sp := range spans {
		for _, p := range testedPaths(sp.node) {
			switch {
			case hasAnyPrefix(p, trustPaths) || strings.HasSuffix(p, ".author_association"):
				g = max(g, gateTrusted)
			case hasAnyPrefix(p, labelPaths) && labeledOnly:
				g = max(g, gateTrusted)
			case hasAnyPrefix(p, labelPaths):
				g = max(g, gateLabel)
			}
		}
	}
	return g
}

func hasAnyPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

// testedPaths returns the context paths a condition requires: those under
// a != comparison or a ! are left out, since "anyone but the bot" lets
// everyone else through.
func testedPaths(n actionlint.ExprNode) []string {
	var out []string
	var walk func(n actionlint.ExprNode)
	walk = func(n actionlint.ExprNode) {
		switch n := n.(type) {
		case *actionlint.NotOpNode:
			return
		case *actionlint.CompareOpNode:
			if n.Kind == actionlint.CompareOpNodeKindNotEq {
				return
			}
			walk(n.Left)
			walk(n.Right)
		case *actionlint.LogicalOpNode:
			walk(n.Left)
			walk(n.Right)
		case *actionlint.FuncCallNode:
			for _, a := range n.Args {
				walk(a)
			}
		default:
			walkValueExpr(n, func(p []string) { out = append(out, strings.ToLower(strings.Join(p, "."))) })
		}
	}
	walk(n)
	return out
}

// workspaceTree is a directory of the workspace and what was checked out
// into it.
type workspaceTree struct {
	dir string
	// head is set when the directory holds the pull request's code.
	head *headCheckout
}

// headCheckout is a step (or command) that checks out a pull request's head.
type headCheckout struct {
	pos    Position
	what   string // "ref: ${{ env.HEAD_SHA }}" or "gh pr checkout"
	src    flowSource
	gate   checkoutGate
	done   bool
	reason string // the gate, for the message
}

// codeRun is a place where a step runs code from a directory of the
// workspace.
type codeRun struct {
	what string
	pos  Position
	dir  string
	// gate and reason are the step's (and job's) gate.
	gate   checkoutGate
	reason string
}

// scanUntrustedCheckout checks a workflow as it is linted. Its workflow_run
// trigger, if any, finds nothing (untrustedAfterWorkflowRun), so the other
// workflows need not be known.
func scanUntrustedCheckout(r *Repository, w *RepoWorkflow, _ any) ([]Finding, any) {
	return untrustedCheckoutsIn(r, w, func(*Trigger) bool { return false }), nil
}

// untrustedAfterWorkflowRun reports whether the workflow's workflow_run
// trigger finds something, which counts only when the workflows it names
// can run for a pull request.
func untrustedAfterWorkflowRun(r *Repository, w *RepoWorkflow) bool {
	et := r.RunsOn(w, "workflow_run")
	return et != nil && len(untrustedRuns(r, w, et)) > 0
}

func checkUntrustedCheckout(r *Repository, _ any) []Finding {
	afterPR := func(t *Trigger) bool { return runsAfterPullRequest(r, t) }
	return unscanned(r, func(r *Repository, w *RepoWorkflow) []Finding { return untrustedCheckoutsIn(r, w, afterPR) })
}

// untrustedCheckoutsIn checks a workflow for each privileged event it runs
// for; afterPR says whether a workflow_run trigger can follow a pull
// request. A finding for several events is reported once, with the highest
// severity.
func untrustedCheckoutsIn(r *Repository, w *RepoWorkflow, afterPR func(*Trigger) bool) []Finding {
	var out []Finding
	seen := map[Position]int{}
	for _, ev := range []string{"pull_request_target", "issue_comment", "workflow_run"} {
		et := r.RunsOn(w, ev)
		if et == nil || ev == "workflow_run" && !afterPR(et.Trigger) {
			continue
		}
		for _, fd := range untrustedRuns(r, w, et) {
			p := Position{Line: fd.Line, Col: fd.Column}
			if i, ok := seen[p]; ok {
				if fd.Severity > out[i].Severity {
					out[i] = fd
				}
				continue
			}
			seen[p] = len(out)
			out = append(out, fd)
		}
	}
	return out
}

// runsAfterPullRequest reports whether a workflow_run trigger can follow a
// run for a pull request: one of the workflows it names runs on
// pull_request or pull_request_target, or is not in the repository.
func runsAfterPullRequest(r *Repository, t *Trigger) bool {
	if len(t.Workflows) == 0 {
		return true
	}
	found, missing := workflowsNamed(r, t.Workflows)
	if len(missing) > 0 {
		return true
	}
	for _, w := range found {
		if r.RunsOn(w, "pull_request") != nil || r.RunsOn(w, "pull_request_target") != nil {
			return true
		}
	}
	return false
}

// labeledOnly reports whether a trigger runs only when a label is added.
func labeledOnly(t *Trigger) bool {
	return len(t.Types) > 0 && !slices.ContainsFunc(t.Types, func(s string) bool { return s != "labeled" })
}

// untrustedRuns checks a workflow's jobs for one privileged event.
func untrustedRuns(r *Repository, w *RepoWorkflow, et *EffectiveTrigger) []Finding {
	env := &evalEnv{event: et.Event, fork: true}
	lab := labeledOnly(et.Trigger)
	var out []Finding
	for _, j := range w.Jobs {
		if j.Job.WorkflowCall != nil {
			continue // the called workflow is checked for this event
		}
		jobGate, reason := gateOpen, ""
		for _, c := range jobConditions(j) {
			if g := conditionGate(env, c, lab); g > jobGate {
				jobGate, reason = g, "the job's if: "+strings.TrimSpace(c.Value)
			}
		}
		if jobGate == gateNever {
			continue
		}
		if j.Job.Environment != nil && jobGate < gateTrusted {
			jobGate, reason = gateTrusted, "the job's environment (its reviewers)"
		}
		if jobGate < gateTrusted && neededPermissionCheck(j) {
			jobGate, reason = gateTrusted, "a permission check in a job it needs"
		}
		var trees []workspaceTree
		for _, s := range j.Steps {
			stepGate := conditionGate(env, s.Step.If, lab)
			if stepGate == gateNever {
				continue
			}
			if permissionActions[s.Action] && jobGate < gateTrusted {
				jobGate, reason = gateTrusted, "the permission check of "+s.Action
			}
			if s.Is("actions/checkout") {
				dir := checkoutDir(s)
				trees = slices.DeleteFunc(trees, func(t workspaceTree) bool { return inDir(t.dir, dir) })
				t := workspaceTree{dir: dir}
				if hc := headCheckoutStep(r, s); hc != nil {
					hc.gate, hc.reason = max(jobGate, stepGate), reason
					if stepGate > jobGate {
						hc.reason = "the step's if: " + strings.TrimSpace(s.Step.If.Value)
					}
					t.head = hc
				}
				trees = append(trees, t)
				continue
			}
			gate, why := jobGate, reason
			if stepGate > jobGate {
				gate, why = stepGate, "the step's if: "+strings.TrimSpace(s.Step.If.Value)
			}
			for _, c := range stepCodeRuns(r, s, &trees, gate, why) {
				t := treeOwning(trees, c.dir)
				if t == nil || t.head == nil || t.head.done {
					continue
				}
				t.head.done = true
				c.gate, c.reason = gate, why
				out = append(out, untrustedFinding(w, et, t.head, c))
			}
		}
	}
	return out
}

// neededPermissionCheck reports whether a job needs a job that checks the
// triggering user's permission.
func neededPermissionCheck(j *RepoJob) bool {
	for _, n := range j.Job.Needs {
		if dep := j.Workflow.Job(n.Value); dep != nil && slices.ContainsFunc(dep.Steps, func(s *RepoStep) bool { return permissionActions[s.Action] }) {
			return true
		}
	}
	return false
}

// checkoutDir is the workspace directory an actions/checkout step fills
// (lower case, "" for the workspace).
func checkoutDir(s *RepoStep) string {
	if v := s.Input("path"); v != nil {
		return strings.ToLower(cleanWorkDir(v.Value))
	}
	return ""
}

// treeOwning returns the checkout that owns dir: the deepest directory
// that holds it, the latest among equals.
func treeOwning(trees []workspaceTree, dir string) *workspaceTree {
	var best *workspaceTree
	for i := range trees {
		if inDir(dir, trees[i].dir) && (best == nil || len(trees[i].dir) >= len(best.dir)) {
			best = &trees[i]
		}
	}
	return best
}

// headCheckoutStep returns the head checkout an actions/checkout step
// makes, or nil when it checks out something else.
func headCheckoutStep(r *Repository, s *RepoStep) *headCheckout {
	sc := &flowScope{r: r, job: s.Job, idx: s.Index, origins: headOrigins}
	for _, in := range []string{"ref", "repository"} {
		v := s.Input(in)
		if v == nil {
			continue
		}
		if src, ok := sc.stringSource(v.Value, 0); ok && src.field != "" {
			return &headCheckout{pos: at(v), what: in + ": " + strings.TrimSpace(v.Value), src: src}
		}
	}
	return nil
}

// stepCodeRuns returns the places where step s runs code from the
// workspace. Commands of a run: script that check out the pull request's
// head (gh pr checkout, git checkout of a head ref) add to trees.
func stepCodeRuns(r *Repository, s *RepoStep, trees *[]workspaceTree, gate checkoutGate, reason string) []codeRun {
	if s.Uses() != nil {
		if c, ok := actionCodeRun(s); ok {
			return []codeRun{c}
		}
		return nil
	}
	run := s.Run()
	if run == nil {
		return nil
	}
	var out []codeRun
	f := s.File()
	sc := &flowScope{r: r, job: s.Job, idx: s.Index, origins: headOrigins}
	fetched := map[string]bool{}
	for _, c := range s.Commands() {
		if len(c.Words) == 0 {
			continue
		}
		dir, ok := pushDir(s, &c)
		if !ok {
			continue
		}
		dir = strings.ToLower(cleanWorkDir(dir))
		pos := r.positionIn(f, run, c.Line, c.Col)
		if what, src, ok := headCheckoutCmd(sc, s, c, fetched); ok {
			*trees = slices.DeleteFunc(*trees, func(t workspaceTree) bool { return inDir(t.dir, dir) })
			*trees = append(*trees, workspaceTree{dir: dir, head: &headCheckout{pos: pos, what: what, src: src, gate: gate, reason: reason}})
			continue
		}
		if c.Words[0] == "mv" || c.Words[0] == "cp" || c.Words[0] == "rsync" {
			moveTree(trees, c, dir)
			continue
		}
		if what, d, ok := cmdRunsCode(c, dir); ok {
			out = append(out, codeRun{what: what, pos: pos, dir: d})
		}
	}
	return out
}

// moveTree follows mv, cp and rsync of a directory within the workspace:
// the destination (dir/ or, when it exists, dir/<name>) holds what the
// source's checkout holds, as when a job puts the base's scripts over the
// pull request's.
func moveTree(trees *[]workspaceTree, c shellCmd, dir string) {
	var args []string
	for _, w := range c.Words[1:] {
		if !strings.HasPrefix(w, "-") {
			args = append(args, w)
		}
	}
	if len(args) != 2 {
		return
	}
	src, ok1 := workspacePath(dir, strings.TrimSuffix(args[0], "/"))
	dst, ok2 := workspacePath(dir, strings.TrimSuffix(args[1], "/"))
	if !ok1 || !ok2 {
		return
	}
	from := treeOwning(*trees, src)
	if from == nil {
		return
	}
	for _, d := range []string{dst, path.Join(dst, path.Base(src))} {
		*trees = slices.DeleteFunc(*trees, func(t workspaceTree) bool { return inDir(t.dir, d) })
		*trees = append(*trees, workspaceTree{dir: d, head: from.head})
	}
}

// headCheckoutCmd reports whether a command puts the pull request's head
// into its directory: gh pr checkout, or git checkout/switch/pull/reset of
// a head ref (or of what an earlier git fetch of one fetched).
func headCheckoutCmd(sc *flowScope, s *RepoStep, c shellCmd, fetched map[string]bool) (string, flowSource, bool) {
	switch c.Words[0] {
	case "gh":
		if sub := c.Sub(); len(sub) >= 2 && sub[0] == "pr" && sub[1] == "checkout" {
			return "gh pr checkout", flowSource{field: "the pull request that gh pr checkout fetches"}, true
		}
	case "git":
		sub := c.Sub()
		if len(sub) < 2 {
			return "", flowSource{}, false
		}
		args := strings.Join(sub[1:], " ")
		switch sub[0] {
		case "fetch":
			if _, ok := cmdHeadSource(sc, s, args); ok {
				fetched["fetch_head"] = true
				for _, a := range sub[1:] {
					if _, dst, ok := strings.Cut(a, ":"); ok && dst != "" {
						fetched[strings.ToLower(strings.TrimPrefix(dst, "refs/heads/"))] = true
					}
				}
			}
		case "checkout", "switch", "pull", "reset", "merge", "rebase":
			if src, ok := cmdHeadSource(sc, s, args); ok {
				return "git " + sub[0], src, true
			}
			for _, a := range sub[1:] {
				if fetched[strings.ToLower(a)] {
					return "git " + sub[0] + " " + a, flowSource{field: "the pull request ref that git fetch fetched"}, true
				}
			}
		}
	}
	return "", flowSource{}, false
}

// cmdHeadSource looks for a head ref in a command's arguments: by ${{ }},
// refs/pull/N/head, or a shell variable whose env: or $GITHUB_ENV value
// holds one.
func cmdHeadSource(sc *flowScope, s *RepoStep, args string) (flowSource, bool) {
	if src, ok := sc.stringSource(args, 0); ok && src.field != "" {
		return src, true
	}
	for _, v := range shellVars(args) {
		if src, ok := sc.pathSource([]string{"env", v}, 0); ok && src.field != "" {
			return src, true
		}
	}
	return flowSource{}, false
}

// dirFlags are options of build tools that name the directory they run in.
var dirFlags = []string{"-C", "--prefix", "--cwd", "--dir", "--directory", "--project-dir", "--manifest-path"}

// cmdRunsCode reports whether a command run in dir runs code from the
// workspace, and from which directory.
func cmdRunsCode(c shellCmd, dir string) (string, string, bool) {
	w0 := c.Words[0]
	what := "runs " + strings.Join(c.Words[:min(len(c.Words), 3)], " ")
	if hasFlag(c.Words, "--ignore-scripts", "--version", "-v", "-V") {
		return "", "", false
	}
	if len(c.Words) > 1 && (c.Words[1] == "config" || c.Words[1] == "version" || c.Words[1] == "--help") {
		return "", "", false
	}
	if interpreters[w0] && len(c.Words) > 1 {
		if hasFlag(c.Words, "-c", "-e", "--eval") {
			return "", "", false
		}
		if a, ok := firstPositional(c.Words[1:], "-m"); ok && (strings.Contains(a, "/") || path.Ext(a) != "") {
			if p, ok := workspacePath(dir, a); ok {
				return what, path.Dir(p), true
			}
			return "", "", false
		}
	}
	if p, ok := workspacePath(dir, w0); ok && strings.Contains(w0, "/") {
		return what, path.Dir(p), true
	}
	if buildTools[w0] {
		if d, ok := optValue(c.Words, dirFlags...); ok {
			if p, ok := workspacePath(dir, d); ok {
				return what, p, true
			}
		}
		return what, dir, true
	}
	switch w0 {
	case "docker", "podman":
		sub := c.Sub()
		if len(sub) > 0 && sub[0] == "buildx" {
			sub = sub[1:]
		}
		if len(sub) > 0 && (sub[0] == "build" || sub[0] == "compose" || sub[0] == "bake") {
			if sub[0] == "build" && len(sub) > 1 {
				if p, ok := workspacePath(dir, sub[len(sub)-1]); ok && !strings.HasPrefix(sub[len(sub)-1], "-") {
					return what, p, true
				}
			}
			return what, dir, true
		}
	}
	return "", "", false
}

// workspacePath joins a path a command names with the directory it runs
// in; ok is false for paths outside the workspace or that gantry cannot
// read.
func workspacePath(dir, p string) (string, bool) {
	p = strings.TrimSpace(p)
	for _, ws := range []string{"${{ github.workspace }}/", "${{github.workspace}}/", "$GITHUB_WORKSPACE/", "${GITHUB_WORKSPACE}/"} {
		if strings.HasPrefix(p, ws) {
			dir, p = "", strings.TrimPrefix(p, ws)
		}
	}
	if p == "" || strings.ContainsAny(p[:1], "/$~-") || strings.Contains(p, "${{") || strings.Contains(p, "://") {
		return "", false
	}
	j := cleanRel(path.Join(dir, p))
	if j == "." {
		j = ""
	}
	if strings.HasPrefix(j, "../") || j == ".." {
		return "", false
	}
	return strings.ToLower(j), true
}

// codeActions are actions that run the code or configuration of the
// directory they work in (input names that set it; "" for the workspace),
// when the condition on their inputs holds.
var codeActions = map[string]struct {
	dirInput string
	when     func(s *RepoStep) bool
}{
	"docker/bake-action":             {"workdir", nil},
	"pre-commit/action":              {"", nil},
	"github/codeql-action/autobuild": {"working-directory", nil},
	"cypress-io/github-action":       {"working-directory", nil},
	"chromaui/action":                {"workingdir", nil},
	"bahmutov/npm-install":           {"working-directory", nil},
	"borales/actions-yarn":           {"dir", nil},
	"changesets/action":              {"cwd", nil},
	"ruby/setup-ruby":                {"working-directory", func(s *RepoStep) bool { return inputIs(s, "bundler-cache", "true") }},
	"pnpm/action-setup": {"", func(s *RepoStep) bool {
		v := s.Input("run_install")
		return v != nil && !inputIs(s, "run_install", "false")
	}},
	"gradle/gradle-build-action": {"build-root-directory", func(s *RepoStep) bool { return s.Input("arguments") != nil }},
}

// requireLocalRe matches a github-script script that loads a file of the
// workspace.
var requireLocalRe = lazyre.New(`require\(\s*['"` + "`" + `](\./|\.\./|\$\{process\.env\.GITHUB_WORKSPACE\}|\$\{\{\s*github\.workspace)`)

func inputIs(s *RepoStep, name, want string) bool {
	v := s.Input(name)
	return v != nil && strings.EqualFold(strings.TrimSpace(v.Value), want)
}

// actionCodeRun reports whether an action step runs code from the
// workspace: a local action, a Docker build of a local context, an action
// that installs or builds the project, a github-script that requires a
// file of the checkout.
func actionCodeRun(s *RepoStep) (codeRun, bool) {
	u := s.Uses()
	switch {
	case strings.HasPrefix(s.Action, "./"):
		if p, ok := workspacePath("", s.Action); ok {
			return codeRun{what: "runs its local action " + s.Action, pos: at(u), dir: p}, true
		}
	case s.Is("docker/build-push-action"):
		// without context: it builds the event's commit from git, not the checkout
		for _, in := range []string{"context", "file"} {
			if v := s.Input(in); v != nil {
				if p, ok := workspacePath("", v.Value); ok {
					if in == "file" {
						p = path.Dir(p)
					}
					return codeRun{what: "builds " + in + " " + strings.TrimSpace(v.Value) + " with " + s.Action, pos: at(u), dir: p}, true
				}
			}
		}
	case s.Is("actions/github-script"):
		if sc := s.Input("script"); sc != nil && requireLocalRe.MatchString(sc.Value) {
			return codeRun{what: "loads a script of the checkout in actions/github-script", pos: at(u), dir: ""}, true
		}
	default:
		a, ok := codeActions[s.Action]
		if !ok || a.when != nil && !a.when(s) {
			break
		}
		dir := ""
		if v := s.Input(a.dirInput); a.dirInput != "" && v != nil {
			if p, ok := workspacePath("", v.Value); ok {
				dir = p
			}
		}
		return codeRun{what: "lets " + s.Action + " install or run it", pos: at(u), dir: dir}, true
	}
	return codeRun{}, false
}

// untrustedFinding reports a head checkout whose code a later step runs.
func untrustedFinding(w *RepoWorkflow, et *EffectiveTrigger, hc *headCheckout, c codeRun) Finding {
	f := w.File
	gate, reason := hc.gate, hc.reason
	if c.gate > gate {
		gate, reason = c.gate, c.reason
	}
	detail := hc.what
	if len(hc.src.via) > 0 {
		detail += ", from " + hc.src.field + " through " + strings.Join(hc.src.via, ", ")
	}
	who := map[string]string{
		"pull_request_target": "anyone who opens a pull request runs code here",
		"issue_comment":       "anyone who comments on a pull request can start this run and the code is the pull request author's",
		"workflow_run":        "the triggering run can be a fork's pull request, whose author then runs code here",
	}[et.Event]
	msg := fmt.Sprintf("on %s this job checks out the pull request's code (%s) and then %s, with the base repository's secrets and a write token%s",
		et.Event, detail, c.what, viaNote(et))
	fd := finding(f, hc.pos, msg+": "+who+"; build untrusted code in a pull_request workflow (no secrets), or check out the base and only read the pull request's files",
		append(hc.src.related, related(f, c.pos, "runs the checked-out code"))...)
	switch gate {
	case gateOpen:
		fd.Severity = SeverityError
	case gateLabel:
		fd.Severity = SeverityWarning
		fd.Message = msg + "; it is gated on a label (" + reason + "), but the label stays on when the author pushes new commits, which then run too: run only for types: [labeled] and remove the label in the job, or build in a pull_request workflow"
	default:
		fd.Severity = SeverityInfo
		fd.Message = msg + "; it runs only after " + reason + ": make sure that gate reviews the exact commit it runs"
	}
	return fd
}
