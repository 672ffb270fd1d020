package lint

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
)

// This file holds small queries on actionlint's workflow syntax tree that
// several rules share.

// tagsOnly reports whether a push trigger filters on tags but not branches,
// so that pushes of branches do not start it.
func tagsOnly(e *actionlint.WebhookEvent) bool {
	return (e.Tags != nil || e.TagsIgnore != nil) && e.Branches == nil && e.BranchesIgnore == nil
}

// jobIDsInOrder returns the keys of the workflow's jobs in document order
// (by the position of the job, then by key). Workflow.Jobs is a map, so ranging over
// it visits jobs in a different order on every run.
func jobIDsInOrder(w *actionlint.Workflow) []string {
	ids := make([]string, 0, len(w.Jobs))
	for id, j := range w.Jobs {
		if j != nil {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		pa, pb := w.Jobs[a].Pos, w.Jobs[b].Pos
		if pa != nil && pb != nil && (pa.Line != pb.Line || pa.Col != pb.Col) {
			return cmp.Or(cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Col, pb.Col))
		}
		return strings.Compare(a, b)
	})
	return ids
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

// inputValue returns a with: input's value, or "".
func inputValue(ex *actionlint.ExecAction, name string) string {
	if in := ex.Inputs[name]; in != nil && in.Value != nil {
		return strings.TrimSpace(in.Value.Value)
	}
	return ""
}
