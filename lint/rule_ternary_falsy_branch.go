package lint

import (
	"strings"

	"github.com/rhysd/actionlint"
)

var ternaryFalsyBranchRule = &Rule{
	ID: "ternary-falsy-branch", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityError,
	Summary: "(cond && X) || Y with a falsy literal X always evaluates to Y",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleTernaryFalsyBranch{workflowRuleBase: newWorkflowRuleBase("ternary-falsy-branch")}
	},
}

type ruleTernaryFalsyBranch struct {
	workflowRuleBase
}

// VisitWorkflowPre checks every expression of the workflow.
func (r *ruleTernaryFalsyBranch) VisitWorkflowPre(w *actionlint.Workflow) error {
	ws := r.source()
	// (cond && X) || Y needs both operators; only the strings are checked
	// for ||, since a double-quoted YAML scalar may spell a | as an escape
	if !ws.contains("&&") {
		return nil
	}
	for _, v := range ws.strings(w) {
		if !strings.Contains(v.s.Value, "&&") || !strings.Contains(v.s.Value, "||") {
			continue
		}
		for _, e := range ws.expressions(v.s, v.isCondition()) {
			walkExpr(e.node, func(n actionlint.ExprNode, _ []actionlint.ExprNode) {
				or, ok := n.(*actionlint.LogicalOpNode)
				if !ok || or.Kind != actionlint.LogicalOpNodeKindOr {
					return
				}
				and, ok := or.Left.(*actionlint.LogicalOpNode)
				if !ok || and.Kind != actionlint.LogicalOpNodeKindAnd || !isFalsyLiteral(and.Right) || isFalsyLiteral(or.Right) {
					return
				}
				lit := and.Right.Token().Value
				r.Errorf(ws.exprPos(&e, and.Right.Token()), "%s is falsy, so (cond && %s) || other always evaluates to other whatever cond is; negate the condition and swap the branches: (!cond && other) || %s",
					lit, lit, lit)
			})
		}
	}
	return nil
}
