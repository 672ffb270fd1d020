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
	defaultPush := ""
	cancels := func(c *actionlint.Concurrency) bool {
		return c != nil && c.CancelInProgress != nil && c.CancelInProgress.Expression == nil && c.CancelInProgress.Value
	}
	if cancels(w.Concurrency) {
		defaultPush = pushesDefaultBranch(w)
	}
	for _, j := range w.Jobs {
		if j != nil && cancels(j.Concurrency) {
			defaultPush = pushesDefaultBranch(w)
			break
		}
	}
	r.check(w.Concurrency, "", defaultPush)
	for _, id := range sortedJobIDs(w) {
		if j := w.Jobs[id]; j != nil && j.Concurrency != nil {
			push := defaultPush
			if push != "" && jobSkipsPush(r.source(), j) {
				push = ""
			}
			r.check(j.Concurrency, id, push)
		}
	}
	return nil
}

func (r *ruleConcurrencyGroupUnscoped) check(c *actionlint.Concurrency, job string, defaultPush string) {
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
	if cip == nil || cip.Expression != nil || !cip.Value || cip.Pos == nil || defaultPush == "" {
		return
	}
	if groupUniquePerPush(es) {
		return
	}
	what := "the workflow"
	if job != "" {
		what = "job " + `"` + job + `"`
	}
	r.Errorf(cip.Pos, "cancel-in-progress: true cancels the run of an earlier push to %s when the next push arrives, since %s runs on push to it, so a deploy can stop halfway and commits go untested; use cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
		defaultPush, what)
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

// defaultBranches are the branch names taken to be the default branch.
var defaultBranches = []string{"main", "master"}

// pushesDefaultBranch returns the default branch name a push trigger of the
// workflow runs for, or "".
func pushesDefaultBranch(w *actionlint.Workflow) string {
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || we.Hook == nil || we.Hook.Value != "push" || tagsOnly(we) {
			continue
		}
		for _, b := range defaultBranches {
			if branchFilterMatches(we, b) {
				return b
			}
		}
	}
	return ""
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
