package lint

import (
	"cmp"
	"slices"

	"github.com/rhysd/actionlint"
)

// Correction is one deliberate difference between gantry's output and
// actionlint's: a finding actionlint gets wrong, or rates higher than it is
// worth, for a reason stated here. The parity tests run actionlint's own
// test suite with and without the corrections, so that every difference is
// attributed to one of them (lint/testdata/corrections/parity.golden).
type Correction struct {
	// ID names the correction in tests and docs.
	ID string
	// Rule is the actionlint rule whose findings it corrects.
	Rule string
	// Reason says why actionlint's output is wrong or overrated.
	Reason string
	// prepare, when set, returns a visitor that runs before actionlint's
	// rules and may adjust the parsed workflow they see; it counts what it
	// changed in c.prepared.
	prepare func(c *correctionContext) actionlint.Rule
	// apply, when set, corrects one finding of Rule. It returns false to
	// drop the finding; otherwise it may change its severity and message.
	apply func(c *correctionContext, fd *Finding) bool
}

// corrections are applied in order to every workflow's actionlint findings.
var corrections = []*Correction{
	shellcheckSeverityCorrection,
	shellcheckNotShellCorrection,
	shellcheckPlaceholderCorrection,
	shellcheckRunnerVarCorrection,
	shellcheckCIPolicyCorrection,
	ifCondConstantCorrection,
	runnerLabelCorrection,
	dynamicStrategyCorrection,
	workingDirOverrideCorrection,
	serviceImageSkipCorrection,
	concurrentStepsCorrection,
	emptySectionCorrection,
	emptyEventFilterCorrection,
	globOnceCorrection,
	scalarIndexCorrection,
	runnerWorkspaceCorrection,
	propertyCaseCorrection,
	untrustedAbsentCorrection,
	untrustedUnprivilegedCorrection,
	undefinedCosmeticCorrection,
	objectCosmeticCorrection,
	cacheHitAbsentCorrection,
	matrixOptionalKeyCorrection,
	actionRuntimeCorrection,
}

// Corrections returns gantry's corrections of actionlint's output.
func Corrections() []*Correction {
	out := make([]*Correction, len(corrections))
	copy(out, corrections)
	return out
}

// appliedCorrection records what a correction did to one finding.
type appliedCorrection struct {
	correction *Correction
	before     Finding
	// after is nil when the finding was dropped.
	after *Finding
}

// correctionContext is what corrections know about the linted workflow.
type correctionContext struct {
	workflow *actionlint.Workflow
	src      *workflowSource
	runs     map[actionlint.Pos]runStep
	// prepared counts the changes each prepare visitor made to the workflow.
	prepared map[*Correction]int
	// globbed holds the patterns glob-once has reported.
	globbed map[*actionlint.String]bool
	// byPos is the workflow's strings sorted by position, for stringAt.
	byPos []visitedString
}

// runStep is a run: step with the job it belongs to.
type runStep struct {
	job  *actionlint.Job
	step *actionlint.Step
	run  *actionlint.ExecRun
}

func newCorrectionContext(ws *workflowSource) *correctionContext {
	return &correctionContext{src: ws, runs: map[actionlint.Pos]runStep{}, prepared: map[*Correction]int{}}
}

// setWorkflow records the parsed workflow once actionlint has run.
func (c *correctionContext) setWorkflow(w *actionlint.Workflow) {
	c.workflow = w
	if w == nil {
		return
	}
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if r, ok := s.Exec.(*actionlint.ExecRun); ok && r.RunPos != nil {
				c.runs[*r.RunPos] = runStep{job: j, step: s, run: r}
			}
		}
	}
}

// runAt returns the run: step whose run key is at the finding's position,
// where actionlint reports shellcheck's findings.
func (c *correctionContext) runAt(fd *Finding) (runStep, bool) {
	r, ok := c.runs[actionlint.Pos{Line: fd.Line, Col: fd.Column}]
	return r, ok
}

// stringAt returns the string of the workflow that holds the position: the
// last one that starts at or before it. Findings on ${{ }} and on patterns
// are always inside a string.
func (c *correctionContext) stringAt(line, col int) *visitedString {
	if c.workflow == nil {
		return nil
	}
	if c.byPos == nil {
		for _, v := range c.src.strings(c.workflow) {
			if v.s.Pos != nil {
				c.byPos = append(c.byPos, v)
			}
		}
		slices.SortFunc(c.byPos, func(a, b visitedString) int {
			return cmp.Or(cmp.Compare(a.s.Pos.Line, b.s.Pos.Line), cmp.Compare(a.s.Pos.Col, b.s.Pos.Col))
		})
	}
	i, _ := slices.BinarySearchFunc(c.byPos, actionlint.Pos{Line: line, Col: col + 1}, func(v visitedString, p actionlint.Pos) int {
		return cmp.Or(cmp.Compare(v.s.Pos.Line, p.Line), cmp.Compare(v.s.Pos.Col, p.Col))
	})
	if i == 0 {
		return nil
	}
	return &c.byPos[i-1]
}

// correct applies the corrections to one workflow's actionlint findings
// (gantry's own rules are left alone) and returns the kept findings, with a
// record of every change when record is set. It corrects the findings in
// place: the result shares fs's array.
func correct(c *correctionContext, fs []Finding, record bool) ([]Finding, []appliedCorrection) {
	out := fs[:0]
	var log []appliedCorrection
	for i := range fs {
		fd := &fs[i]
		keep := true
		for _, cr := range corrections {
			if cr.apply == nil || cr.Rule != fd.RuleID {
				continue
			}
			before := *fd
			keep = cr.apply(c, fd)
			if !keep {
				if record {
					log = append(log, appliedCorrection{correction: cr, before: before})
				}
				break
			}
			if record && (fd.Severity != before.Severity || fd.Message != before.Message) {
				after := *fd
				log = append(log, appliedCorrection{correction: cr, before: before, after: &after})
			}
		}
		if keep {
			out = append(out, *fd)
		}
	}
	return out, log
}

// prepareRules returns the visitors of the corrections that adjust the
// parsed workflow before actionlint's rules see it.
func prepareRules(c *correctionContext) []actionlint.Rule {
	var out []actionlint.Rule
	for _, cr := range corrections {
		if cr.prepare != nil {
			out = append(out, cr.prepare(c))
		}
	}
	return out
}
