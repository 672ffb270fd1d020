package lint

import (
	"slices"

	"github.com/rhysd/actionlint"
)

// jobsInOrder returns a workflow's jobs in file order.
func jobsInOrder(w *actionlint.Workflow) []*actionlint.Job {
	js := make([]*actionlint.Job, 0, len(w.Jobs))
	for _, j := range w.Jobs {
		if j != nil && j.Pos != nil {
			js = append(js, j)
		}
	}
	slices.SortFunc(js, func(a, b *actionlint.Job) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	return js
}
