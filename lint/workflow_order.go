package lint

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"
)

// This file makes actionlint's checks of one workflow independent of Go's
// map order. actionlint's Visitor ranges over Workflow.Jobs, a map, and its
// rules share per-file caches of local reusable workflows and actions that
// report a problem only at the first use they see: a missing
// ./.github/workflows/x.yml called by two jobs was reported at either job,
// under workflow-call or expression, at random.

// inDocumentOrder wraps the rules of one file so that jobs are visited in
// document order. The Visitor calls every rule's VisitWorkflowPre, then the
// job and step callbacks job by job, then every rule's VisitWorkflowPost.
// The wrapped rules ignore the job and step callbacks; the first pass,
// jobOrder, makes the same calls on the rules job by job in document order
// when its VisitWorkflowPost runs, before any rule's VisitWorkflowPost.
func inDocumentOrder(rules []actionlint.Rule) []actionlint.Rule {
	order := &jobOrder{RuleBase: actionlint.NewRuleBase("gantry-job-order", ""), passes: make([]actionlint.Pass, len(rules))}
	out := make([]actionlint.Rule, 0, len(rules)+1)
	out = append(out, order)
	for i, r := range rules {
		order.passes[i] = r
		out = append(out, jobsDeferred{r})
	}
	return out
}

// jobOrder visits the jobs of a workflow in document order.
type jobOrder struct {
	actionlint.RuleBase
	passes []actionlint.Pass
}

// VisitWorkflowPost visits every job and its steps, in document order, with
// every pass, as actionlint's Visitor would.
func (o *jobOrder) VisitWorkflowPost(w *actionlint.Workflow) error {
	for _, id := range jobIDsInOrder(w) {
		j := w.Jobs[id]
		for _, p := range o.passes {
			if err := p.VisitJobPre(j); err != nil {
				return err
			}
		}
		for _, s := range j.Steps {
			for _, p := range o.passes {
				if err := p.VisitStep(s); err != nil {
					return err
				}
			}
		}
		for _, p := range o.passes {
			if err := p.VisitJobPost(j); err != nil {
				return err
			}
		}
	}
	return nil
}

// jobsDeferred is a rule whose job and step callbacks jobOrder makes.
type jobsDeferred struct{ actionlint.Rule }

// VisitJobPre does nothing: jobOrder calls the rule's own.
func (jobsDeferred) VisitJobPre(*actionlint.Job) error { return nil }

// VisitJobPost does nothing: jobOrder calls the rule's own.
func (jobsDeferred) VisitJobPost(*actionlint.Job) error { return nil }

// VisitStep does nothing: jobOrder calls the rule's own.
func (jobsDeferred) VisitStep(*actionlint.Step) error { return nil }

// actionlint reports a local reusable workflow or action that cannot be
// read or parsed once per file, at the first use its cache sees, under the
// rule that asked first (workflow-call or expression for workflows, action
// or expression for actions). Visiting in document order makes that stable;
// firstUseProblems also pins such a finding to the first `uses:` that names
// the file, under one rule, whichever rule asked first.
var firstUseProblems = []struct {
	prefix string // the message up to the quoted spec or directory
	rule   string
	action bool // the quoted value is a local action's directory
}{
	{`could not read reusable workflow file for `, "workflow-call", false},
	{`error while parsing reusable workflow `, "workflow-call", false},
	{`could not parse action metadata in `, "action", true},
}

// stableLocalUses rewrites actionlint's errors about local reusable
// workflows and actions so that they do not depend on the order rules ran
// in, nor on where the repository is checked out: the problems of
// firstUseProblems move to the first `uses:` naming the file, under one
// rule, and absolute paths inside root become relative ("./dir").
func stableLocalUses(errs []*actionlint.Error, w *actionlint.Workflow, root string) {
	if w == nil || root == "" {
		return
	}
	sep := string(filepath.Separator)
	for _, e := range errs {
		for _, p := range firstUseProblems {
			rest, ok := strings.CutPrefix(e.Message, p.prefix)
			if !ok {
				continue
			}
			quoted, err := strconv.QuotedPrefix(rest)
			if err != nil {
				break
			}
			name, _ := strconv.Unquote(quoted)
			var pos *actionlint.Pos
			if p.action {
				pos = firstLocalAction(w, root, name)
			} else {
				pos = firstWorkflowCall(w, name)
				// os.ReadFile's error repeats the absolute path
				abs := filepath.Join(root, filepath.FromSlash(name))
				e.Message = strings.Replace(e.Message, ": open "+abs+": ", ": ", 1)
			}
			if pos != nil {
				e.Line, e.Column, e.Kind = pos.Line, pos.Col, p.rule
			}
			break
		}
		e.Message = strings.ReplaceAll(e.Message, `"`+root+sep, `"./`)
	}
}

// firstWorkflowCall returns the position of the first job, in document
// order, that calls the reusable workflow spec.
func firstWorkflowCall(w *actionlint.Workflow, spec string) *actionlint.Pos {
	for _, id := range jobIDsInOrder(w) {
		if c := w.Jobs[id].WorkflowCall; c != nil && c.Uses != nil && c.Uses.Value == spec {
			return c.Uses.Pos
		}
	}
	return nil
}

// firstLocalAction returns the position of the first step, in document
// order, whose local action lives in dir.
func firstLocalAction(w *actionlint.Workflow, root, dir string) *actionlint.Pos {
	for _, id := range jobIDsInOrder(w) {
		for _, s := range w.Jobs[id].Steps {
			if a, ok := s.Exec.(*actionlint.ExecAction); ok && a.Uses != nil && strings.HasPrefix(a.Uses.Value, "./") &&
				filepath.Join(root, filepath.FromSlash(a.Uses.Value)) == dir {
				return a.Uses.Pos
			}
		}
	}
	return nil
}
