package lint

import (
	"fmt"

	"github.com/rhysd/actionlint"
)

// permissionsExcessiveRule reports permissions: write-all, which grants the
// token every write scope.
var permissionsExcessiveRule = &Rule{
	ID: "permissions-excessive", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary: "permissions: write-all, which gives every step of the job a token that can write to every scope",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &rulePermissionsExcessive{workflowRuleBase: newWorkflowRuleBase("permissions-excessive")}
	},
}

type rulePermissionsExcessive struct {
	workflowRuleBase
}

// VisitWorkflowPre reports write-all at the workflow level when a job
// inherits it, and at the job level.
func (r *rulePermissionsExcessive) VisitWorkflowPre(w *actionlint.Workflow) error {
	if p := writeAll(w.Permissions); p != nil && anyJobInherits(w) {
		r.Error(p.Pos, "permissions: write-all gives every job of this workflow a token that can push code, publish packages and releases, and change settings: name only the scopes the jobs use (contents: write to push a tag, packages: write to push an image)")
	}
	for _, j := range jobsInOrder(w) {
		if p := writeAll(j.Permissions); p != nil {
			r.Error(p.Pos, fmt.Sprintf("permissions: write-all gives every step of job %q, and every action it uses, a token that can push code, publish packages and releases, and change settings: name only the scopes the job uses (contents: write to push a tag, packages: write to push an image)", j.ID.Value))
		}
	}
	return nil
}

// anyJobInherits reports whether a job of w has no permissions: of its own,
// and so gets the workflow's (a workflow without jobs counts as inheriting).
func anyJobInherits(w *actionlint.Workflow) bool {
	if len(w.Jobs) == 0 {
		return true
	}
	for _, j := range w.Jobs {
		if j.Permissions == nil {
			return true
		}
	}
	return false
}

// writeAll returns the value of permissions: write-all.
func writeAll(p *actionlint.Permissions) *actionlint.String {
	if p == nil || p.All == nil || p.All.Value != "write-all" {
		return nil
	}
	return p.All
}
