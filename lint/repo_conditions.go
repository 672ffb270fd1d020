package lint

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// This file decides whether if: conditions keep a job or a step from
// running under an event, for the rules that ask what runs for a fork's
// pull request.

// jobGated reports whether a job is kept from running under env by its
// if:, or by a job it needs that is (a skipped job skips its dependents
// unless their if: runs them anyway, as always() does).
func jobGated(env *evalEnv, j *RepoJob, depth int) bool {
	if gated(env, j.Job.If) {
		return true
	}
	if depth > 20 {
		return false
	}
	if c := j.Job.If; c != nil {
		v := strings.ToLower(c.Value)
		if strings.Contains(v, "always()") || strings.Contains(v, "cancelled()") || strings.Contains(v, "failure()") {
			return false
		}
	}
	for _, n := range j.Job.Needs {
		if dep := j.Workflow.Job(n.Value); dep != nil && jobGated(env, dep, depth+1) {
			return true
		}
	}
	return false
}

// gated reports whether a condition keeps a fork's pull request out: it is
// false for one, or it deliberately reads who or what triggered the run.
func gated(env *evalEnv, cond *actionlint.String) bool {
	if cond == nil {
		return false
	}
	v := env.evalCondition(cond)
	return v.truth == triFalse || v.truth == triUnknown && v.gate
}
