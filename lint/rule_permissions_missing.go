package lint

import (
	"fmt"
	"strings"

	"github.com/rhysd/actionlint"
)

// permissionsMissingRule reports a workflow whose jobs run with the default
// GITHUB_TOKEN permissions because neither the workflow nor the job sets
// permissions:.
var permissionsMissingRule = &Rule{
	ID: "permissions-missing", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityInfo, DefaultOff: true,
	Summary: "jobs that run with the repository's default GITHUB_TOKEN permissions because no permissions: block is set",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &rulePermissionsMissing{workflowRuleBase: newWorkflowRuleBase("permissions-missing")}
	},
}

type rulePermissionsMissing struct {
	workflowRuleBase
}

// onlyCalled reports whether a workflow runs only as a reusable workflow:
// its token is then the caller's, capped by the caller's permissions.
func onlyCalled(w *actionlint.Workflow) bool {
	if len(w.On) == 0 {
		return false
	}
	for _, e := range w.On {
		if e.EventName() != "workflow_call" {
			return false
		}
	}
	return true
}

// VisitWorkflowPre reports the first job that relies on the default token
// permissions, once per workflow.
func (r *rulePermissionsMissing) VisitWorkflowPre(w *actionlint.Workflow) error {
	if w.Permissions != nil || onlyCalled(w) {
		return nil
	}
	var bare []string
	var first *actionlint.Job
	for _, j := range jobsInOrder(w) {
		if j.Permissions != nil {
			continue
		}
		if first == nil {
			first = j
		}
		bare = append(bare, j.ID.Value)
	}
	if first == nil {
		return nil
	}
	which := fmt.Sprintf("job %q runs", bare[0])
	if len(bare) > 1 {
		which = fmt.Sprintf("%d jobs (%s) run", len(bare), strings.Join(bare, ", "))
	}
	r.Error(first.Pos, which+" with the repository's default GITHUB_TOKEN permissions, which are write to every scope in repositories created before February 2023 and in many organisations: add a top-level permissions: block naming only what the jobs need (permissions: contents: read for a build)")
	return nil
}
