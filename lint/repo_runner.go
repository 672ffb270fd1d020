package lint

import (
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/parallel"
)

// This file runs the repository rules: one model per repository root, its
// memos filled up front, then every enabled rule concurrently over it.

// runRepositoryRules builds the repository model of each repository root
// among the linted files and runs the enabled repository rules on it.
func (l *Linter) runRepositoryRules(files []*File) []Finding {
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
		enabled := l.repositoryRules(cfg)
		if len(enabled) == 0 {
			continue
		}
		repo := l.buildRepository(root, cfg, fs)
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

// repositoryRules returns the repository rules that run under cfg, in
// rule order.
func (l *Linter) repositoryRules(cfg *config.Config) []*Rule {
	var out []*Rule
	for _, r := range gantryRules {
		if r.CheckRepository != nil && l.ruleRuns(cfg, r) {
			out = append(out, r)
		}
	}
	return out
}

// runRepositoryRule runs one rule's CheckRepository, a panic reported on
// the first linted file (see guardRule).
func runRepositoryRule(repo *Repository, r *Rule, opts any) []Finding {
	firstFile := func() string {
		for _, w := range repo.Workflows {
			if !w.Context {
				return w.File.Path
			}
		}
		if len(repo.Dockerfiles) > 0 {
			return repo.Dockerfiles[0].Path
		}
		return ""
	}
	return guardRule(r, firstFile, func() []Finding { return r.CheckRepository(repo, opts) })
}

// guardRule runs check, a part of a repository rule, turning a panic into
// an internal-error finding in the file that where names so that the rest
// of the run goes on, and gives the findings the rule's ID.
func guardRule(r *Rule, where func() string, check func() []Finding) (fs []Finding) {
	defer func() {
		if p := recover(); p != nil {
			fs = []Finding{{RuleID: internalErrorRule.ID, File: where(), Line: 1, Column: 1,
				Message: fmt.Sprintf("internal error in repository rule %s: %v; please report it: %s", r.ID, p, firstFrames(string(debug.Stack())))}}
		}
	}()
	fs = check()
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
