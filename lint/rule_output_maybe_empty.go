package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

var outputMaybeEmptyRule = &Rule{
	ID: "output-maybe-empty", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary: "a job uses needs.<job>.outputs.<name> unguarded where that output can be the empty string",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleOutputMaybeEmpty{workflowRuleBase: newWorkflowRuleBase("output-maybe-empty")}
	},
}

type ruleOutputMaybeEmpty struct {
	workflowRuleBase
	wf *actionlint.Workflow
}

// VisitWorkflowPre checks every job's uses of its needs' outputs.
func (r *ruleOutputMaybeEmpty) VisitWorkflowPre(w *actionlint.Workflow) error {
	if !r.source().contains("needs") {
		return nil
	}
	r.wf = w
	for _, v := range r.source().strings(w) {
		// a job's outputs only pass the value on
		if v.job != nil && !v.jobOutput && len(v.job.Needs) > 0 && strings.Contains(v.s.Value, "needs") {
			r.checkString(v.job, v.step, v)
		}
	}
	return nil
}

// checkString reports the unguarded uses of needs outputs in one string of
// job j (in step s, or in the job's own settings when s is nil).
func (r *ruleOutputMaybeEmpty) checkString(j *actionlint.Job, s *actionlint.Step, v visitedString) {
	ws := r.source()
	seen := map[outputRef]bool{}
	es := ws.expressions(v.s, v.isCondition())
	for _, e := range es {
		var uses []actionlint.ExprNode
		valueUses(e.node, !v.isCondition(), &uses)
		for _, n := range uses {
			ref, _ := asOutputRef(n)
			if seen[ref] || !needsJob(j, ref.id) {
				continue
			}
			seen[ref] = true
			if why := r.maybeEmpty(j, s, ref, es, isActionInput(s, v.s)); why != "" {
				r.Errorf(ws.exprPos(&e, n.Token()), "%s can be empty here: %s; check %s != '' first, or give it a fallback with || 'default'",
					ref, why, ref)
			}
		}
	}
}

// maybeEmpty says why the output ref can be empty where job j (in step s)
// uses it in a string with the expressions here (an action's input when
// input is set), or returns "" when it cannot be or the use is guarded: by
// the job's or step's if:, or by another expression of the same string (a
// script that branches on the result).
func (r *ruleOutputMaybeEmpty) maybeEmpty(j *actionlint.Job, s *actionlint.Step, ref outputRef, here []workflowExpr, input bool) string {
	ws := r.source()
	guards := slices.Concat(ws.expressions(j.If, true), here)
	if s != nil {
		guards = append(guards, ws.expressions(s.If, true)...)
	}
	guarded := func(extra ...func(actionlint.ExprNode) bool) bool {
		for _, g := range guards {
			if testsOutput(g.node, g.bare || g.str == j.If || (s != nil && g.str == s.If), ref) {
				return true
			}
			for _, f := range extra {
				if f(g.node) {
					return true
				}
			}
		}
		return false
	}
	// The consumer runs even when the producer failed, was cancelled or skipped.
	for _, e := range ws.expressions(j.If, true) {
		fn := ""
		for _, f := range []string{"always", "failure", "cancelled"} {
			if fn == "" && callsFunc(e.node, f) {
				fn = f
			}
		}
		if fn == "" {
			continue
		}
		if input && tearsDown(j, s) {
			// a teardown given the ids of what the producer started: when the
			// producer failed before setting them there is nothing to stop, and
			// an action checks its own inputs
			return ""
		}
		if guarded(func(n actionlint.ExprNode) bool { return r.checksResult(n, ref.id) || callsFunc(n, "success") }) {
			return ""
		}
		return fmt.Sprintf("job %q runs even when job %q fails, is cancelled or is skipped, since its if: calls %s(), and the output is then empty",
			j.ID.Value, ref.id, fn)
	}
	// The step that sets the output may not run, or may fail.
	step, cond := r.producingStep(ref)
	if step == nil {
		return ""
	}
	stepID := step.ID.Value
	if cond != "" {
		if guarded() {
			return ""
		}
		alias := r.throughJobOutputs(ref.id, cond)
		for _, g := range guards {
			text := normalizeExpr(g.text)
			if strings.Contains(text, cond) || alias != "" && strings.Contains(strings.ToLower(text), alias) {
				return "" // the consumer runs under the same condition
			}
		}
		return fmt.Sprintf("step %q of job %q that sets it runs only if %s", stepID, ref.id, strings.TrimSpace(step.If.Value))
	}
	if guarded() {
		return ""
	}
	return fmt.Sprintf("step %q of job %q that sets it has continue-on-error, so it can fail without setting it", stepID, ref.id)
}

// stepOutputRe matches a step output reference in a normalized, lower-case
// condition.
var stepOutputRe = lazyre.New(`steps\.[a-z0-9_-]+\.outputs\.[a-z0-9_-]+`)

// throughJobOutputs returns the condition cond (normalized) of a step of
// job id as a consumer job reads it: each steps.<s>.outputs.<o> replaced
// with the job output needs.<id>.outputs.<name> that is exactly that step
// output, in lower case. It returns "" when cond refers to a step's value
// that no job output passes on.
func (r *ruleOutputMaybeEmpty) throughJobOutputs(id, cond string) string {
	x := r.wf.Jobs[id]
	if x == nil {
		return ""
	}
	aliases := map[string]string{}
	for name, out := range x.Outputs {
		if out == nil || out.Value == nil {
			continue
		}
		es := r.source().expressions(out.Value, false)
		if len(es) != 1 || strings.TrimSpace(out.Value.Value) != "${{"+es[0].text+"}}" {
			continue
		}
		if sref, ok := asOutputRef(es[0].node); ok && sref.context == "steps" {
			aliases[strings.ToLower(normalizeExpr(es[0].text))] = "needs." + id + ".outputs." + strings.ToLower(name)
		}
	}
	ok := true
	out := stepOutputRe.ReplaceAllStringFunc(strings.ToLower(cond), func(m string) string {
		a, found := aliases[m]
		ok = ok && found
		return a
	})
	if !ok || strings.Contains(out, "steps.") {
		return ""
	}
	return out
}

// teardownRe matches what a job or step that stops or deletes resources
// says it does, in its id, name or an action's mode input.
var teardownRe = lazyre.New(`(?i)(^|[^a-z])(stop|teardown|tear[ -]down|clean[ -]?up|destroy|terminate|deprovision|shut[ -]?down|delete|remove)([^a-z]|$)`)

// tearsDown reports whether step s of job j stops or deletes something, as
// the job's id or name or the step's name or mode input say.
func tearsDown(j *actionlint.Job, s *actionlint.Step) bool {
	if j.ID != nil && teardownRe.MatchString(j.ID.Value) || j.Name != nil && teardownRe.MatchString(j.Name.Value) {
		return true
	}
	if s == nil {
		return false
	}
	if s.Name != nil && teardownRe.MatchString(s.Name.Value) {
		return true
	}
	if a, ok := s.Exec.(*actionlint.ExecAction); ok {
		if in := a.Inputs["mode"]; in != nil && in.Value != nil && teardownRe.MatchString(in.Value.Value) {
			return true
		}
	}
	return false
}

// isActionInput reports whether str is the value of an input of step s's
// action.
func isActionInput(s *actionlint.Step, str *actionlint.String) bool {
	if s == nil {
		return false
	}
	a, ok := s.Exec.(*actionlint.ExecAction)
	if !ok {
		return false
	}
	for _, in := range a.Inputs {
		if in != nil && in.Value == str {
			return true
		}
	}
	return false
}

// checksResult reports whether a condition checks needs.<id>.result,
// needs.*.result, or the result of a job that (transitively) needs job id,
// which is skipped when id fails.
func (r *ruleOutputMaybeEmpty) checksResult(n actionlint.ExprNode, id string) bool {
	found := false
	walkExpr(n, func(n actionlint.ExprNode, _ []actionlint.ExprNode) {
		if p, ok := exprPath(n); ok && len(p) == 3 && p[0] == "needs" && p[2] == "result" {
			found = found || p[1] == "*" || p[1] == id || dependsOn(r.wf, p[1], id, map[string]bool{})
		}
	})
	return found
}

// dependsOn reports whether job from needs job to, directly or not.
func dependsOn(w *actionlint.Workflow, from, to string, seen map[string]bool) bool {
	j := w.Jobs[from]
	if j == nil || seen[from] {
		return false
	}
	seen[from] = true
	for _, n := range j.Needs {
		if n == nil {
			continue
		}
		id := strings.ToLower(n.Value)
		if id == to || dependsOn(w, id, to, seen) {
			return true
		}
	}
	return false
}

// producingStep returns the step of the job ref.id whose output is exactly
// the job output ref, when that step is conditional (cond is then its
// normalized if: expression) or may fail (cond is "").
func (r *ruleOutputMaybeEmpty) producingStep(ref outputRef) (*actionlint.Step, string) {
	x := r.wf.Jobs[ref.id]
	if x == nil || x.WorkflowCall != nil {
		return nil, ""
	}
	out := x.Outputs[ref.name]
	if out == nil || out.Value == nil {
		return nil, ""
	}
	es := r.source().expressions(out.Value, false)
	if len(es) != 1 || strings.TrimSpace(out.Value.Value) != "${{"+es[0].text+"}}" {
		return nil, "" // literal text or several values: not simply empty
	}
	sref, ok := asOutputRef(es[0].node)
	if !ok || sref.context != "steps" {
		return nil, ""
	}
	for _, s := range x.Steps {
		if s == nil || s.ID == nil || !strings.EqualFold(s.ID.Value, sref.id) {
			continue
		}
		if s.If != nil && !statusOnly(r.source(), s.If) {
			return s, normalizeExpr(s.If.Value)
		}
		if c := s.ContinueOnError; c != nil && (c.Expression != nil || c.Value) {
			return s, ""
		}
		return nil, ""
	}
	return nil, ""
}

// statusOnly reports whether an if: condition uses nothing but literals and
// status functions such as always(), so the step runs whatever the inputs.
func statusOnly(ws *workflowSource, cond *actionlint.String) bool {
	es := ws.expressions(cond, true)
	if len(es) == 0 {
		return false
	}
	for _, e := range es {
		vars := false
		walkExpr(e.node, func(n actionlint.ExprNode, _ []actionlint.ExprNode) {
			if _, ok := n.(*actionlint.VariableNode); ok {
				vars = true
			}
		})
		if vars {
			return false
		}
	}
	return true
}

// normalizeExpr strips ${{ }} and white space from an expression's text.
func normalizeExpr(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "${{") && strings.HasSuffix(s, "}}") {
		s = s[3 : len(s)-2]
	}
	return strings.Join(strings.Fields(s), "")
}

// testsOutput reports whether the expression tests the output ref (compares
// it or tests its truthiness) rather than only using its value; cond says
// whether the expression is an if: condition.
func testsOutput(n actionlint.ExprNode, cond bool, ref outputRef) bool {
	all := 0
	walkExpr(n, func(n actionlint.ExprNode, _ []actionlint.ExprNode) {
		if r, ok := asOutputRef(n); ok && r == ref {
			all++
		}
	})
	var uses []actionlint.ExprNode
	valueUses(n, !cond, &uses)
	for _, u := range uses {
		if r, _ := asOutputRef(u); r == ref {
			all--
		}
	}
	return all > 0
}

// needsJob reports whether job j lists id (lower case) in needs:.
func needsJob(j *actionlint.Job, id string) bool {
	for _, n := range j.Needs {
		if n != nil && strings.EqualFold(n.Value, id) {
			return true
		}
	}
	return false
}

// valueUses collects the needs output references of n whose value is used:
// n itself when its value is the result (value), arguments of fromJSON,
// format, join and toJSON, and the operands whose value an && or || can
// return. Comparisons, conditions and the left operand of || (the fallback
// idiom) do not use the value as such.
func valueUses(n actionlint.ExprNode, value bool, out *[]actionlint.ExprNode) {
	if ref, ok := asOutputRef(n); ok {
		if value && ref.context == "needs" {
			*out = append(*out, n)
		}
		return
	}
	switch n := n.(type) {
	case *actionlint.LogicalOpNode:
		valueUses(n.Left, false, out)
		valueUses(n.Right, value, out)
	case *actionlint.NotOpNode:
		valueUses(n.Operand, false, out)
	case *actionlint.CompareOpNode:
		valueUses(n.Left, false, out)
		valueUses(n.Right, false, out)
	case *actionlint.FuncCallNode:
		use := false
		switch strings.ToLower(n.Callee) {
		case "fromjson", "format", "join", "tojson":
			use = true
		}
		for _, a := range n.Args {
			valueUses(a, use, out)
		}
	case *actionlint.ObjectDerefNode:
		valueUses(n.Receiver, value, out)
	case *actionlint.ArrayDerefNode:
		valueUses(n.Receiver, value, out)
	case *actionlint.IndexAccessNode:
		valueUses(n.Operand, value, out)
		valueUses(n.Index, false, out)
	}
}
