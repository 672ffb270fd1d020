package lint

import (
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/gantry-ci/gantry/internal/parallel"
)

// This file runs the repository rules: one model per repository root, its
// memos filled up front, then every enabled rule concurrently over it.

// runRepositoryRules builds the repository model of each repository root
// among the linted files and runs the enabled repository rules on it.
func (l *Linter) runRepositoryRules(files []*File) []Finding {
	var repoRules []*Rule
	for _, r := range gantryRules {
		if r.CheckRepository != nil {
			repoRules = append(repoRules, r)
		}
	}
	if len(repoRules) == 0 {
		return nil
	}
	var roots []string
	byRoot := map[string][]*File{}
	for _, f := range files {
		if _, ok := byRoot[f.Root]; !ok {
			roots = append(roots, f.Root)
		}
		byRoot[f.Root] = append(byRoot[f.Root], f)
	}
	var out []Finding
	for _, root := range roots {
		fs := byRoot[root]
		cfg := fs[0].cfg
		var enabled []*Rule
		for _, r := range repoRules {
			if l.ruleRuns(cfg, r) {
				enabled = append(enabled, r)
			}
		}
		if len(enabled) == 0 {
			continue
		}
		repo := l.buildRepository(root, fs)
		repo.cfg = cfg
		repo.enabled = func(id string) bool {
			rule, ok := LookupRule(id)
			return ok && l.ruleRuns(cfg, rule)
		}
		// the rules only read the model (its memos are precomputed or
		// locked), so they run concurrently; results keep the rule order
		results := make([][]Finding, len(enabled))
		var wg sync.WaitGroup
		sem := make(chan struct{}, max(l.opts.Jobs, 1))
		for i, r := range enabled {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				results[i] = runRepositoryRule(repo, r, ruleOptions(cfg, r))
			}()
		}
		wg.Wait()
		// the findings ScanWorkflow made as the files were linted
		for _, f := range fs {
			out = append(out, f.early...)
		}
		for _, fs := range results {
			for _, fd := range fs {
				if !repo.context[fd.File] {
					out = append(out, fd)
				}
			}
		}
	}
	return out
}

// runRepositoryRule runs one rule, turning a panic into an internal-error
// finding on the first linted file so that the rest of the run goes on.
func runRepositoryRule(repo *Repository, r *Rule, opts any) (fs []Finding) {
	defer func() {
		if p := recover(); p != nil {
			file := ""
			for _, w := range repo.Workflows {
				if !w.Context {
					file = w.File.Path
					break
				}
			}
			if file == "" && len(repo.Dockerfiles) > 0 {
				file = repo.Dockerfiles[0].Path
			}
			fs = []Finding{{RuleID: internalErrorRule.ID, File: file, Line: 1, Column: 1,
				Message: fmt.Sprintf("internal error in repository rule %s: %v; please report it: %s", r.ID, p, firstFrames(string(debug.Stack())))}}
		}
	}()
	fs = r.CheckRepository(repo, opts)
	for i := range fs {
		if fs[i].RuleID == "" {
			fs[i].RuleID = r.ID
		}
	}
	return fs
}

// precompute fills the memos that rules would otherwise fill lazily, so
// that the repository rules can run concurrently: the effective triggers of
// every workflow (recursive through callers), every run: step's commands and
// every workflow's line offsets. The memos filled later (value lines,
// Dockerfiles read from disk, other files' line offsets) take r.mu. The
// commands and line offsets of one workflow depend on nothing else, so jobs
// workers fill them.
func (r *Repository) precompute(jobs int) {
	for _, w := range r.Workflows {
		r.EffectiveTriggers(w)
	}
	parallel.Each(len(r.Workflows), jobs, func(i int) {
		w := r.Workflows[i]
		if w.Scanned {
			return // no rule reads its tree now: ScanWorkflow did
		}
		r.lineStarts(w.File)
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				s.Commands()
			}
		}
	})
	r.concurrent = true
	r.jobs = jobs
}
