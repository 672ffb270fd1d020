package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rhysd/actionlint"
)

var outputTruthinessRule = &Rule{
	ID: "output-truthiness", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary: "a job or step output used as a condition without a comparison: the string 'false' is truthy",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleOutputTruthiness{workflowRuleBase: newWorkflowRuleBase("output-truthiness")}
	},
}

type ruleOutputTruthiness struct {
	workflowRuleBase
}

// VisitWorkflowPre checks every condition of the workflow: if: conditions,
// and the condition of (cond && a) || b anywhere. An output is flagged only
// when it can be seen to hold 'false' or '0': outputs that are either empty
// or some text are meant to be tested for truthiness.
func (r *ruleOutputTruthiness) VisitWorkflowPre(w *actionlint.Workflow) error {
	ws := r.source()
	if !ws.contains("outputs") {
		return nil
	}
	for _, v := range ws.strings(w) {
		if !strings.Contains(v.s.Value, "outputs") {
			continue
		}
		for _, e := range ws.expressions(v.s, v.isCondition()) {
			var hits []actionlint.ExprNode
			truthinessUses(e.node, v.isCondition(), &hits)
			for _, n := range hits {
				ref, _ := asOutputRef(n)
				why := falseOutput(ws, w, v.job, ref)
				if why == "" {
					continue
				}
				r.Errorf(ws.exprPos(&e, n.Token()), "%s is tested for truthiness, but it can be the string 'false' (%s), which is truthy; compare it instead: %s == 'true'",
					ref, why, ref)
			}
		}
	}
	return nil
}

// falseOutput says how the output ref, used in job, can be the string
// 'false' or '0', or returns "" when that cannot be seen.
func falseOutput(ws *workflowSource, w *actionlint.Workflow, job *actionlint.Job, ref outputRef) string {
	if ref.context == "steps" {
		return falseStepOutput(job, ref.id, ref.name)
	}
	x := w.Jobs[ref.id]
	if x == nil || x.Outputs[ref.name] == nil || x.Outputs[ref.name].Value == nil {
		return ""
	}
	v := x.Outputs[ref.name].Value
	switch strings.TrimSpace(v.Value) {
	case "false", "0":
		return fmt.Sprintf("job %q sets it to %s", ref.id, strings.TrimSpace(v.Value))
	}
	es := ws.expressions(v, false)
	if len(es) != 1 || strings.TrimSpace(v.Value) != "${{"+es[0].text+"}}" {
		return ""
	}
	if isBoolExpr(es[0].node) {
		return fmt.Sprintf("output %q of job %q is a boolean expression, which becomes 'true' or 'false'", ref.name, ref.id)
	}
	if sref, ok := asOutputRef(es[0].node); ok && sref.context == "steps" {
		return falseStepOutput(x, sref.id, sref.name)
	}
	return ""
}

// isBoolExpr reports whether an expression evaluates to a boolean.
func isBoolExpr(n actionlint.ExprNode) bool {
	switch n := n.(type) {
	case *actionlint.CompareOpNode, *actionlint.NotOpNode, *actionlint.BoolNode:
		return true
	case *actionlint.FuncCallNode:
		switch strings.ToLower(n.Callee) {
		case "contains", "startswith", "endswith", "success", "failure", "always", "cancelled":
			return true
		}
	case *actionlint.LogicalOpNode:
		return isBoolExpr(n.Left) && isBoolExpr(n.Right)
	}
	return false
}

// boolActionOutputs lists outputs of popular actions that are 'true' or
// 'false'. A name ending in "*" is a prefix; "!name" excludes a name.
var boolActionOutputs = map[string][]string{
	"actions/cache":                   {"cache-hit"},
	"actions/cache/restore":           {"cache-hit"},
	"actions/setup-node":              {"cache-hit"},
	"actions/setup-python":            {"cache-hit"},
	"actions/setup-go":                {"cache-hit"},
	"actions/setup-java":              {"cache-hit"},
	"dorny/paths-filter":              {"!changes", "!*_count", "!*_files", "*"},
	"tj-actions/changed-files":        {"any_*", "only_*"},
	"tj-actions/verify-changed-files": {"files_changed"},
}

// falseStepOutput says how output name of step id in job can be 'false' or
// '0': a run: script that writes such a value, or a popular action whose
// output is a boolean string.
func falseStepOutput(job *actionlint.Job, id, name string) string {
	if job == nil {
		return ""
	}
	for _, s := range job.Steps {
		if s == nil || s.ID == nil || !strings.EqualFold(s.ID.Value, id) {
			continue
		}
		switch e := s.Exec.(type) {
		case *actionlint.ExecRun:
			if e.Run != nil {
				if v := scriptWritesFalse(e.Run.Value, name); v != "" {
					return fmt.Sprintf("step %q writes %s=%s", s.ID.Value, name, v)
				}
			}
		case *actionlint.ExecAction:
			if e.Uses != nil && boolActionOutput(e.Uses.Value, name) {
				uses, _, _ := strings.Cut(e.Uses.Value, "@")
				return fmt.Sprintf("output %q of %s is 'true' or 'false'", name, uses)
			}
		}
		return ""
	}
	return ""
}

// scriptWritesFalse returns the value, false or 0, that a script assigns to
// the output (name=false >> $GITHUB_OUTPUT, ::set-output name=name::false, a
// shell variable of the same name, or core.setOutput('name', false)), or "".
func scriptWritesFalse(script, name string) string {
	if !strings.Contains(strings.ToLower(script), strings.ToLower(name)) {
		return ""
	}
	q := regexp.QuoteMeta(name)
	re, err := regexp.Compile(`(?i)(?:\bname=` + q + `::|(?:^|[^\w-])` + q + `=|setOutput\(\s*['"]` + q + `['"]\s*,\s*)["']?(false|0)(?:$|[^\w.-])`)
	if err != nil {
		return ""
	}
	if m := re.FindStringSubmatch(script); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

func boolActionOutput(uses, name string) bool {
	action, _, _ := strings.Cut(uses, "@")
	pats := boolActionOutputs[strings.ToLower(action)]
	name = strings.ToLower(name)
	for _, p := range pats {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		m := p == name
		switch {
		case strings.HasPrefix(p, "*"):
			m = strings.HasSuffix(name, p[1:])
		case strings.HasSuffix(p, "*"):
			m = strings.HasPrefix(name, p[:len(p)-1])
		}
		if m {
			return !neg
		}
	}
	return false
}

// truthinessUses collects the output references of n whose truthiness is
// tested: n itself when it is a condition (cond), operands of !, operands of
// && and || in a condition, and the left operand of && anywhere, which is
// the condition of the (cond && a) || b idiom. The left operand of || in a
// value is the fallback idiom (out || 'default') and is fine.
func truthinessUses(n actionlint.ExprNode, cond bool, out *[]actionlint.ExprNode) {
	if _, ok := asOutputRef(n); ok {
		if cond {
			*out = append(*out, n)
		}
		return
	}
	switch n := n.(type) {
	case *actionlint.NotOpNode:
		truthinessUses(n.Operand, true, out)
	case *actionlint.LogicalOpNode:
		truthinessUses(n.Left, cond || n.Kind == actionlint.LogicalOpNodeKindAnd, out)
		truthinessUses(n.Right, cond, out)
	case *actionlint.CompareOpNode:
		truthinessUses(n.Left, false, out)
		truthinessUses(n.Right, false, out)
	case *actionlint.FuncCallNode:
		for _, a := range n.Args {
			truthinessUses(a, false, out)
		}
	}
}
