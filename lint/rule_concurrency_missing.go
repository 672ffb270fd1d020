package lint

import (
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
)

var concurrencyMissingRule = &Rule{
	ID: "concurrency-missing", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityInfo,
	Summary: "a push or pull_request workflow with no concurrency group lets superseded runs pile up",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleConcurrencyMissing{workflowRuleBase: newWorkflowRuleBase("concurrency-missing")}
	},
}

type ruleConcurrencyMissing struct {
	workflowRuleBase
}

// branchEvents are the triggers that start a run for every new commit of a
// branch or pull request, so superseded runs pile up without concurrency.
var branchEvents = []string{"push", "pull_request", "pull_request_target"}

// VisitWorkflowPre reports a branch-triggered workflow without concurrency.
func (r *ruleConcurrencyMissing) VisitWorkflowPre(w *actionlint.Workflow) error {
	if w.Concurrency != nil {
		return nil
	}
	for _, j := range w.Jobs {
		if j != nil && j.Concurrency != nil {
			return nil
		}
	}
	var first *actionlint.WebhookEvent
	var names []string
	for _, e := range branchTriggers(w) {
		if first == nil || e.Hook.Pos.IsBefore(first.Hook.Pos) {
			first = e
		}
		if !slices.Contains(names, e.Hook.Value) {
			names = append(names, e.Hook.Value)
		}
	}
	if first == nil {
		return nil
	}
	r.Errorf(first.Hook.Pos, "workflow runs on %s with no concurrency, so every new commit starts a run while the superseded ones keep going; add a concurrency group such as ${{ github.workflow }}-${{ github.ref }}",
		strings.Join(names, " and "))
	return nil
}

// branchTriggers returns the workflow's push, pull_request and
// pull_request_target triggers, leaving out pushes of tags only.
func branchTriggers(w *actionlint.Workflow) []*actionlint.WebhookEvent {
	var out []*actionlint.WebhookEvent
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || we.Hook == nil || we.Hook.Pos == nil || !slices.Contains(branchEvents, we.Hook.Value) {
			continue
		}
		if we.Hook.Value == "push" && tagsOnly(we) {
			continue
		}
		out = append(out, we)
	}
	return out
}
