package lint

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/rhysd/actionlint"
)

// DefaultJobTimeout is GitHub's timeout for a job without timeout-minutes.
const DefaultJobTimeout = 360

// TimeoutOptions are the options of the timeout-missing rule.
type TimeoutOptions struct {
	// Min is the smallest timeout-minutes allowed; 0 means no minimum.
	Min float64 `yaml:"min"`
	// Max is the largest timeout-minutes allowed; 0 means no maximum.
	Max float64 `yaml:"max"`
	// Default is the timeout, in minutes, that a fix inserts.
	Default int `yaml:"default"`
}

// Validate checks that the range is sound and holds the default.
func (o *TimeoutOptions) Validate() error {
	switch {
	case o.Min < 0 || o.Max < 0:
		return errors.New("min and max must not be negative")
	case o.Max > 0 && o.Min > o.Max:
		return fmt.Errorf("min (%s) is larger than max (%s)", fmtMinutes(o.Min), fmtMinutes(o.Max))
	case o.Default <= 0:
		return errors.New("default must be a positive number of minutes")
	case float64(o.Default) < o.Min || (o.Max > 0 && float64(o.Default) > o.Max):
		return fmt.Errorf("default (%d) is outside the allowed range of min and max", o.Default)
	}
	return nil
}

func fmtMinutes(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

var timeoutMissingRule = &Rule{
	ID: "timeout-missing", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary:    "a job without timeout-minutes runs for up to 360 minutes when it hangs",
	NewOptions: func() any { return &TimeoutOptions{Default: 30} },
	NewWorkflowRule: func(opts any) actionlint.Rule {
		o, _ := opts.(*TimeoutOptions)
		if o == nil {
			o = &TimeoutOptions{Default: 30}
		}
		return &ruleTimeoutMissing{workflowRuleBase: newWorkflowRuleBase("timeout-missing"), opts: o}
	},
}

type ruleTimeoutMissing struct {
	workflowRuleBase
	opts *TimeoutOptions
}

// VisitJobPre checks the job's timeout-minutes.
func (r *ruleTimeoutMissing) VisitJobPre(j *actionlint.Job) error {
	if j.WorkflowCall != nil || j.ID == nil {
		return nil // a reusable workflow's jobs set their own timeouts
	}
	t := j.TimeoutMinutes
	if t == nil {
		// any job can hang, but the ones that take minutes or cost more than
		// a standard runner are where a hang hurts: warn for those only
		sev := SeverityInfo
		if jobHeavy(j, r.source().kinds) {
			sev = SeverityWarning
		}
		r.reportAt(sev, j.ID.Pos, "job %q has no timeout-minutes, so a hung step keeps the runner busy and billed for the default %d minutes",
			j.ID.Value, DefaultJobTimeout)
		return nil
	}
	if t.Expression != nil || t.Pos == nil {
		return nil
	}
	if r.opts.Min > 0 && t.Value < r.opts.Min {
		r.Errorf(t.Pos, "timeout-minutes %s of job %q is below the allowed minimum of %s", fmtMinutes(t.Value), j.ID.Value, fmtMinutes(r.opts.Min))
	}
	if r.opts.Max > 0 && t.Value > r.opts.Max {
		r.Errorf(t.Pos, "timeout-minutes %s of job %q is above the allowed maximum of %s", fmtMinutes(t.Value), j.ID.Value, fmtMinutes(r.opts.Max))
	}
	return nil
}
