package lint

import (
	"fmt"

	"github.com/rhysd/actionlint"
)

// permissionsExcessiveRule reports permissions: write-all, which grants the
// token every write scope, and a named write scope on a job that publishes
// when every step of the job is understood and none uses it.
var permissionsExcessiveRule = &Rule{
	ID: "permissions-excessive", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary: "permissions: write-all, or a write scope that no step of a publishing job uses",
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
			continue
		}
		r.unusedScopes(w, j)
	}
	return nil
}

// unusedScopes reports the write scopes of a publishing job that none of
// its steps uses. Scopes set at the workflow level count only when the
// workflow has this one job: another job may need them.
func (r *rulePermissionsExcessive) unusedScopes(w *actionlint.Workflow, j *actionlint.Job) {
	p := j.Permissions
	if p == nil && len(w.Jobs) == 1 {
		p = w.Permissions
	}
	if p == nil || p.All != nil || !r.source().kinds.publishes(j) {
		return
	}
	for _, sc := range unusedWriteScopes(p, jobTokenScopes(w, j)) {
		fix := "set it to read or remove it"
		if sc.Name.Value == "id-token" {
			fix = "remove it"
		}
		r.Error(sc.Name.Pos, fmt.Sprintf("%s: write is granted to job %q, which publishes, but none of its steps uses it: every step and action of the job gets a token that %s; %s", sc.Name.Value, j.ID.Value, scopeWhat(sc.Name.Value), fix))
	}
}

// scopeWhat says what a write scope of the token lets its holder do.
func scopeWhat(scope string) string {
	switch scope {
	case "contents":
		return "can push to every branch and tag and make releases"
	case "packages":
		return "can publish the repository's packages, images included"
	case "pull-requests":
		return "can edit and comment on pull requests"
	case "issues":
		return "can edit and comment on issues"
	case "deployments":
		return "can create deployments"
	case "id-token":
		return "can ask for an OIDC token that cloud roles trusting this repository accept"
	default:
		return "can write to " + scope
	}
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
