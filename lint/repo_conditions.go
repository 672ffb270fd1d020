package lint

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// This file decides whether if: conditions keep a job or a step from
// running under an event, for the rules that ask what runs for a fork's
// pull request.

// jobGated reports whether a job is kept from running under env by its
// if:, or by a job it needs that is.
func jobGated(env *evalEnv, j *RepoJob, _ int) bool {
	for _, c := range jobConditions(j) {
		if gated(env, c) {
			return true
		}
	}
	return false
}

// jobConditions returns the if: conditions that decide whether a job runs:
// its own and those of the jobs it needs, transitively (a skipped job
// skips its dependents unless their if: runs them anyway, as always()
// does).
func jobConditions(j *RepoJob) []*actionlint.String {
	var out []*actionlint.String
	seen := map[*RepoJob]bool{}
	var walk func(j *RepoJob, depth int)
	walk = func(j *RepoJob, depth int) {
		if seen[j] || depth > 20 {
			return
		}
		seen[j] = true
		c := j.Job.If
		if c != nil {
			out = append(out, c)
			v := strings.ToLower(c.Value)
			if strings.Contains(v, "always()") || strings.Contains(v, "cancelled()") || strings.Contains(v, "failure()") {
				return
			}
		}
		for _, n := range j.Job.Needs {
			if dep := j.Workflow.Job(n.Value); dep != nil {
				walk(dep, depth+1)
			}
		}
	}
	walk(j, 0)
	return out
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
