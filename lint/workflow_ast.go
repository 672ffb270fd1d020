package lint

import (
	"slices"

	"github.com/rhysd/actionlint"
)

// This file holds small queries on actionlint's workflow syntax tree that
// several rules share.

// tagsOnly reports whether a push trigger filters on tags but not branches,
// so that pushes of branches do not start it.
func tagsOnly(e *actionlint.WebhookEvent) bool {
	return (e.Tags != nil || e.TagsIgnore != nil) && e.Branches == nil && e.BranchesIgnore == nil
}

// sortedJobIDs returns the workflow's job IDs in order.
func sortedJobIDs(w *actionlint.Workflow) []string {
	ids := make([]string, 0, len(w.Jobs))
	for id := range w.Jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
