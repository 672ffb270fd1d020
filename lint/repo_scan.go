package lint

// This file runs the repository rules' ScanWorkflow on each workflow as it
// is linted, so that its syntax tree need not live until the repository
// rules run (Options.DropTrees).

// scanWorkflow builds the repository model of a workflow that was just
// linted and, unless some rule needs it whole later, runs the enabled
// rules' ScanWorkflow on it. The findings go to f.early and the facts to
// the model, which the repository model takes over (buildRepository).
func (l *Linter) scanWorkflow(wk *worker, f *File) {
	if f.Workflow == nil {
		return
	}
	rules := l.repositoryRules(f.cfg)
	if len(rules) == 0 {
		return // no repository model is built
	}
	r := l.newRepository(f.Root, f.cfg)
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
		f.releaseSource(&wk.packing, l.opts.DropText)
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

// scanWith runs one rule's ScanWorkflow, a panic reported in the workflow
// (see guardRule) with no facts.
func scanWith(r *Repository, w *RepoWorkflow, rule *Rule, opts any) (fs []Finding, facts any) {
	fs = guardRule(rule, func() string { return w.File.Path }, func() []Finding {
		found, kept := rule.ScanWorkflow(r, w, opts)
		facts = kept
		return found
	})
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
