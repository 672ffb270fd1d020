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
	// the advice is what the fix adds, which concurrency-group-unscoped
	// never flags: cancelling only pull request runs, never pushes
	advice := "add concurrency: group: " + scopedGroup
	if c := suggestedCancel(w); c != "" {
		advice += ", cancel-in-progress: " + c
	}
	r.Errorf(first.Hook.Pos, "workflow runs on %s with no concurrency, so every new commit starts a run while the superseded ones keep going; %s",
		strings.Join(names, " and "), advice)
	return nil
}

// suggestedCancel returns the cancel-in-progress value that cancels the
// superseded runs of pull requests but never a push, or "" when the
// workflow runs for no pull request.
func suggestedCancel(w *actionlint.Workflow) string {
	var events []string
	for _, e := range branchTriggers(w) {
		events = append(events, e.Hook.Value)
	}
	switch pr, prt := slices.Contains(events, "pull_request"), slices.Contains(events, "pull_request_target"); {
	case pr && prt:
		return "${{ startsWith(github.event_name, 'pull_request') }}"
	case pr:
		return "${{ github.event_name == 'pull_request' }}"
	case prt:
		return "${{ github.event_name == 'pull_request_target' }}"
	}
	return ""
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
