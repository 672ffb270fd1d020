package lint

import (
	"slices"
	"strings"
	"unicode"

	"github.com/rhysd/actionlint"
)

var concurrencyGroupUnscopedRule = &Rule{
	ID: "concurrency-group-unscoped", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary: "a concurrency group shared with other workflows, or cancel-in-progress that cancels default-branch pushes",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleConcurrencyGroupUnscoped{workflowRuleBase: newWorkflowRuleBase("concurrency-group-unscoped")}
	},
}

type ruleConcurrencyGroupUnscoped struct {
	workflowRuleBase
}

// VisitWorkflowPre checks the workflow's and every job's concurrency.
func (r *ruleConcurrencyGroupUnscoped) VisitWorkflowPre(w *actionlint.Workflow) error {
	// which branch pushes run the workflow matters only for cancel-in-progress: true
	pushes := false
	cancels := func(c *actionlint.Concurrency) bool {
		return c != nil && c.CancelInProgress != nil && c.CancelInProgress.Expression == nil && c.CancelInProgress.Value
	}
	if cancels(w.Concurrency) {
		pushes = pushesDefaultBranch(w)
	}
	for _, j := range w.Jobs {
		if j != nil && cancels(j.Concurrency) {
			pushes = pushesDefaultBranch(w)
			break
		}
	}
	branch := defaultBranchName(w)
	kinds := r.source().kinds
	ids := sortedJobIDs(w)
	// the first job that publishes, asked only when it matters: each answer
	// looks through the job's scripts
	r.check(w.Concurrency, pushes, branch, func() (string, bool) {
		for _, id := range ids {
			if kinds.publishes(w.Jobs[id]) {
				return id, true
			}
		}
		return "", false
	}, otherRefsRun(w))
	for _, id := range ids {
		if j := w.Jobs[id]; j != nil && j.Concurrency != nil {
			push := pushes && !jobSkipsPush(r.source(), j)
			r.check(j.Concurrency, push, branch, func() (string, bool) { return id, kinds.publishes(j) }, otherRefsRun(w))
		}
	}
	return nil
}

// check reports a group that other workflows share and, for pushes to the
// default branch, a cancel-in-progress: true that can cut off a deploy (by
// the job publisher returns, if any) or that pull requests and other
// branches trigger too because the group is the same for every ref.
func (r *ruleConcurrencyGroupUnscoped) check(c *actionlint.Concurrency, defaultPush bool, branch string, publisher func() (string, bool), otherRefs bool) {
	if c == nil || c.Group == nil {
		return
	}
	ws := r.source()
	g := c.Group
	es := ws.expressions(g, false)
	if groupUnscoped(g, es) {
		r.Errorf(g.Pos, "concurrency group %q names no workflow, so every workflow using the same group for this ref cancels or blocks this one; include ${{ github.workflow }} in it",
			strings.TrimSpace(g.Value))
	}
	cip := c.CancelInProgress
	if cip == nil || cip.Expression != nil || !cip.Value || cip.Pos == nil || !defaultPush {
		return
	}
	if groupUniquePerPush(es) {
		return
	}
	if otherRefs && !groupPerRef(es) {
		r.Errorf(cip.Pos, "concurrency group %q is the same for every branch and pull request, so with cancel-in-progress: true a run for any of them cancels the run of a push to %s; add ${{ github.ref }} to the group",
			strings.TrimSpace(g.Value), branch)
		return
	}
	if id, ok := publisher(); ok {
		r.Errorf(cip.Pos, "cancel-in-progress: true cancels the run of an earlier push to %s when the next push arrives, so job %q can stop halfway through a deploy or publish; use cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
			branch, id)
	}
}

// groupPerRef reports whether a group has a part that differs between refs
// (the ref, the pull request, the head branch) or whose value is unknown.
func groupPerRef(es []workflowExpr) bool {
	for i := range es {
		p, ok := exprPath(es[i].node)
		if !ok || p[0] != "github" {
			return true
		}
		switch {
		case slices.Equal(p, []string{"github", "workflow"}), slices.Equal(p, []string{"github", "workflow_ref"}),
			slices.Equal(p, []string{"github", "event_name"}), slices.Equal(p, []string{"github", "repository"}):
		default:
			return true
		}
	}
	return false
}

// otherRefsRun reports whether the workflow runs for pull requests or for
// pushes of branches other than the default one.
func otherRefsRun(w *actionlint.Workflow) bool {
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || we.Hook == nil {
			continue
		}
		switch we.Hook.Value {
		case "pull_request", "pull_request_target", "merge_group":
			return true
		case "push":
			if we.Branches == nil || len(we.Branches.Values) != 1 {
				return !tagsOnly(we)
			}
		}
	}
	return false
}

// groupUnscoped reports whether a concurrency group is built only from
// values that other workflows share (the ref, the event, the pull request),
// with no workflow name and no literal text of its own. Groups that use
// other contexts (inputs, matrix, env, vars) are left alone: sharing them
// across workflows is often the point.
func groupUnscoped(g *actionlint.String, es []workflowExpr) bool {
	if len(es) == 0 || hasLiteralText(g.Value, es) {
		return false
	}
	for i := range es {
		e := &es[i]
		if refersTo(e.node, "github", "workflow") || refersTo(e.node, "github", "workflow_ref") {
			return false
		}
		if runUnique(e.node) {
			return false
		}
		other := refersTo(e.node, "github", "event", "inputs")
		walkExpr(e.node, func(n actionlint.ExprNode, _ []actionlint.ExprNode) {
			if v, ok := n.(*actionlint.VariableNode); ok && !strings.EqualFold(v.Name, "github") {
				other = true
			}
		})
		if other {
			return false
		}
	}
	return true
}

// hasLiteralText reports whether the value has letters or digits outside its
// ${{ }} placeholders.
func hasLiteralText(v string, es []workflowExpr) bool {
	var lit strings.Builder
	prev := 0
	for _, e := range es {
		open := e.start - 3
		if open < prev {
			return true // not parsed in order: be safe
		}
		lit.WriteString(v[prev:open])
		prev = min(len(v), e.start+len(e.text)+2)
	}
	lit.WriteString(v[prev:])
	return strings.IndexFunc(lit.String(), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// runUniquePaths are values that differ for every run (or every commit).
var runUniquePaths = [][]string{
	{"github", "run_id"}, {"github", "run_number"}, {"github", "sha"},
	{"github", "event", "after"}, {"github", "event", "head_commit", "id"},
}

// emptyOnPushPaths are values that are empty for a push event.
var emptyOnPushPaths = [][]string{
	{"github", "head_ref"}, {"github", "base_ref"}, {"github", "event", "pull_request"}, {"github", "event", "number"},
}

func pathIn(p []string, set [][]string) bool {
	for _, s := range set {
		if len(p) >= len(s) && slices.Equal(p[:len(s)], s) {
			return true
		}
	}
	return false
}

// runUnique reports whether the expression is exactly a per-run value.
func runUnique(n actionlint.ExprNode) bool {
	p, ok := exprPath(n)
	return ok && pathIn(p, runUniquePaths)
}

// groupOnPush is what an expression evaluates to for a push event, as far as
// a concurrency group cares.
type groupOnPush int

const (
	pushUnknown groupOnPush = iota
	pushEmpty               // the empty string (or another falsy value)
	pushShared              // the same value for every push of a ref
	pushUnique              // a different value for every push
)

func evalOnPush(n actionlint.ExprNode) groupOnPush {
	switch n := n.(type) {
	case *actionlint.StringNode:
		if n.Value == "" {
			return pushEmpty
		}
		return pushShared
	case *actionlint.NullNode, *actionlint.BoolNode, *actionlint.IntNode, *actionlint.FloatNode:
		if isFalsyLiteral(n) {
			return pushEmpty
		}
		return pushShared
	case *actionlint.LogicalOpNode:
		l := evalOnPush(n.Left)
		switch {
		case l == pushUnknown:
			return pushUnknown
		case n.Kind == actionlint.LogicalOpNodeKindOr && l == pushEmpty:
			return evalOnPush(n.Right)
		case n.Kind == actionlint.LogicalOpNodeKindOr:
			return l
		case l == pushEmpty:
			return pushEmpty
		default:
			return evalOnPush(n.Right)
		}
	case *actionlint.FuncCallNode:
		if !strings.EqualFold(n.Callee, "format") && !strings.EqualFold(n.Callee, "join") {
			return pushUnknown
		}
		v := pushShared
		for _, a := range n.Args {
			switch evalOnPush(a) {
			case pushUnique:
				return pushUnique
			case pushUnknown:
				v = pushUnknown
			}
		}
		return v
	}
	p, ok := exprPath(n)
	switch {
	case !ok:
		return pushUnknown
	case pathIn(p, runUniquePaths):
		return pushUnique
	case pathIn(p, emptyOnPushPaths):
		return pushEmpty
	case p[0] == "github":
		return pushShared
	}
	return pushUnknown
}

// groupUniquePerPush reports whether a group evaluates to a different value
// for every push (so pushes never cancel each other), or whether that is
// unknown.
func groupUniquePerPush(es []workflowExpr) bool {
	for i := range es {
		switch evalOnPush(es[i].node) {
		case pushUnique, pushUnknown:
			return true
		}
	}
	return false
}

// jobSkipsPush reports whether a job's if: condition mentions the event or
// ref, so the job may not run for pushes to the default branch at all.
func jobSkipsPush(ws *workflowSource, j *actionlint.Job) bool {
	for _, e := range ws.expressions(j.If, true) {
		if refersTo(e.node, "github", "event_name") || refersTo(e.node, "github", "ref") || refersTo(e.node, "github", "ref_name") {
			return true
		}
	}
	return false
}

// pushesDefaultBranch reports whether a push trigger of the workflow runs
// for the default branch (main or master, or any branch without a filter).
func pushesDefaultBranch(w *actionlint.Workflow) bool {
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || we.Hook == nil || we.Hook.Value != "push" || tagsOnly(we) {
			continue
		}
		for _, b := range defaultBranches {
			if branchFilterMatches(we, b) {
				return true
			}
		}
	}
	return false
}

// defaultBranchName returns the repository's default branch as the
// workflow's branch filters name it (main or master), or "the default
// branch" when no filter names one.
func defaultBranchName(w *actionlint.Workflow) string {
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || we.Branches == nil {
			continue
		}
		for _, p := range we.Branches.Values {
			if p != nil && slices.Contains(defaultBranches, p.Value) {
				return p.Value
			}
		}
	}
	return "the default branch"
}

// branchFilterMatches reports whether a push of branch starts the trigger.
func branchFilterMatches(e *actionlint.WebhookEvent, branch string) bool {
	switch {
	case e.Branches != nil:
		in := false
		for _, p := range e.Branches.Values {
			if p == nil {
				continue
			}
			pat, neg := strings.CutPrefix(p.Value, "!")
			if pat == "$default-branch" || globMatch(pat, branch) {
				in = !neg
			}
		}
		return in
	case e.BranchesIgnore != nil:
		for _, p := range e.BranchesIgnore.Values {
			if p != nil && (p.Value == "$default-branch" || globMatch(p.Value, branch)) {
				return false
			}
		}
	}
	return true
}
