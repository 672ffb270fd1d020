package lint

import (
	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// unavailableFilterRe matches actionlint's finding on a filter under an
// event that takes none.
var unavailableFilterRe = lazyre.New(`^"[a-z-]+" filter is not available for [a-z_]+ event\.`)

var emptyEventFilterCorrection = &Correction{
	ID:   "empty-event-filter",
	Rule: "events",
	Reason: "a filter under an event that takes none (branches: under create:) is a real mistake when it lists " +
		"branches the author meant to restrict to; an empty one (tags: with no value) restricts nothing and changes " +
		"nothing, so it is info",
	apply: func(c *correctionContext, fd *Finding) bool {
		if !unavailableFilterRe.MatchString(fd.Message) {
			return true
		}
		if f := unfilteredEventFilter(c.workflow, fd); f != nil && filterIsEmpty(f) {
			fd.Severity = SeverityInfo
		}
		return true
	},
}

// filterIsEmpty reports whether a filter lists nothing: actionlint reads
// "tags:" with no value as one empty pattern.
func filterIsEmpty(f *actionlint.WebhookEventFilter) bool {
	for _, v := range f.Values {
		if v != nil && v.Value != "" {
			return false
		}
	}
	return true
}
