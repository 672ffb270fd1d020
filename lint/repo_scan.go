package lint

import (
	"fmt"
	"runtime/debug"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/stagegraph"
)

// This file runs the repository rules' ScanWorkflow on each workflow as it
// is linted, so that its syntax tree need not live until the repository
// rules run (Options.DropTrees).

// scanWorkflow builds the repository model of a workflow that was just
// linted and, unless some rule needs it whole later, runs the enabled
// rules' ScanWorkflow on it. The findings go to f.early and the facts to
// the model, which the repository model takes over (buildRepository).
func (l *Linter) scanWorkflow(f *File) {
	if f.Workflow == nil {
		return
	}
	var rules []*Rule
	for _, r := range gantryRules {
		if r.CheckRepository != nil && l.ruleRuns(f.cfg, r) {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return // no repository model is built
	}
	r := l.fileRepository(f)
	w := newRepoWorkflow(f, false)
	r.addWorkflow(w)
	r.linkCalls()
	f.model = w
	if l.opts.wholeWorkflows || needsWholeWorkflow(r, w, rules) {
		return
	}
	w.Scanned = true
	f.raw = f.Findings // the file's own findings, which rules may read
	for _, rule := range rules {
		if rule.ScanWorkflow == nil {
			continue
		}
		fs, facts := scanWith(r, w, rule, ruleOptions(f.cfg, rule))
		f.early = append(f.early, fs...)
		if facts != nil {
			if w.facts == nil {
				w.facts = map[string]any{}
			}
			w.facts[rule.ID] = facts
		}
	}
	if l.dropsTrees() {
		w.dropTree()
	}
}

// needsWholeWorkflow reports whether the repository rules check the
// workflow whole, syntax tree included, once every file is linted: a
// reusable workflow, whose effective triggers come from its callers; a
// workflow that calls a local reusable workflow, whose with: inputs the
// callee's checks read; or one that a rule asks for (Rule.NeedsTree), or
// every workflow for a rule that does not scan workflows.
func needsWholeWorkflow(r *Repository, w *RepoWorkflow, rules []*Rule) bool {
	if w.Trigger("workflow_call") != nil || len(w.Calls) > 0 {
		return true
	}
	for _, rule := range rules {
		if rule.ScanWorkflow == nil && rule.NeedsTree == nil {
			return true
		}
		if rule.NeedsTree != nil && needsTree(r, w, rule) {
			return true
		}
	}
	return false
}

// needsTree asks the rule whether it needs the workflow whole. A rule that
// panics gets the workflow whole: the repository pass then runs it and
// reports the panic as an internal error, as it does for CheckRepository.
func needsTree(r *Repository, w *RepoWorkflow, rule *Rule) (keep bool) {
	defer func() {
		if recover() != nil {
			keep = true
		}
	}()
	return rule.NeedsTree(r, w)
}

// fileRepository is the repository model of one workflow being linted,
// for ScanWorkflow: its memos live as long as the scan.
func (l *Linter) fileRepository(f *File) *Repository {
	r := &Repository{Root: f.Root, byRel: map[string]*RepoWorkflow{}, context: map[string]bool{},
		lines: map[*File][]int{}, valLines: map[*actionlint.String]valueLinesMemo{},
		docker: map[string]*stagegraph.StageGraph{}, effective: map[*RepoWorkflow][]*EffectiveTrigger{},
		maxSize: l.opts.MaxFileSize, jobs: 1, cfg: f.cfg}
	cfg := f.cfg
	r.enabled = func(id string) bool {
		rule, ok := LookupRule(id)
		return ok && l.ruleRuns(cfg, rule)
	}
	return r
}

// scanWith runs one rule's ScanWorkflow, turning a panic into an
// internal-error finding in the workflow so that the rest of the run goes
// on.
func scanWith(r *Repository, w *RepoWorkflow, rule *Rule, opts any) (fs []Finding, facts any) {
	defer func() {
		if p := recover(); p != nil {
			fs = []Finding{{RuleID: internalErrorRule.ID, File: w.File.Path, Line: 1, Column: 1,
				Message: fmt.Sprintf("internal error in repository rule %s: %v; please report it: %s", rule.ID, p, firstFrames(string(debug.Stack())))}}
			facts = nil
		}
	}()
	fs, facts = rule.ScanWorkflow(r, w, opts)
	for i := range fs {
		if fs[i].RuleID == "" {
			fs[i].RuleID = rule.ID
		}
	}
	return fs, facts
}

// scanEach is the ScanWorkflow of a rule whose check of a workflow needs
// that workflow alone and keeps no facts.
func scanEach(check func(*Repository, *RepoWorkflow) []Finding) func(*Repository, *RepoWorkflow, any) ([]Finding, any) {
	return func(r *Repository, w *RepoWorkflow, _ any) ([]Finding, any) { return check(r, w), nil }
}

// unscanned returns the findings of check in the linted workflows that were
// not scanned as they were linted (the workflows checked whole), in order.
func unscanned(r *Repository, check func(*Repository, *RepoWorkflow) []Finding) []Finding {
	var out []Finding
	for _, w := range r.Workflows {
		if !w.Context && !w.Scanned {
			out = append(out, check(r, w)...)
		}
	}
	return out
}
