package lint

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/parallel"
)

// This file builds the repository model from the linted files, loading the
// rest of the repository's workflows and dependabot.yml for context.

// newRepository returns an empty model of the repository at root, whose
// rules run under cfg.
func (l *Linter) newRepository(root string, cfg *config.Config) *Repository {
	// its maps are made on first use (put): the model of one workflow,
	// built as it is linted, fills few of them
	return &Repository{Root: root, maxSize: l.opts.MaxFileSize, jobs: 1, cfg: cfg,
		enabled: func(id string) bool {
			rule, ok := LookupRule(id)
			return ok && l.ruleRuns(cfg, rule)
		}}
}

// buildRepository builds the model of the repository at root from its
// linted files, loading the workflows and dependabot.yml that were not
// linted from disk for context.
func (l *Linter) buildRepository(root string, cfg *config.Config, files []*File) *Repository {
	r := l.newRepository(root, cfg)
	seen := map[string]bool{}
	for _, f := range files {
		if f.Kind != KindWorkflow {
			continue
		}
		// built as the file was linted (scanWorkflow), unless its scan
		// crashed; its calls are linked again, in this repository
		w := f.model
		if w == nil && f.Workflow != nil {
			w = newRepoWorkflow(f, false)
		}
		if w != nil {
			w.Calls, w.Callers = nil, nil
			r.addWorkflow(w)
		}
	}
	for _, f := range files {
		seen[f.RelPath] = true
		switch f.Kind {
		case KindAction:
			if f.YAML != nil && f.YAML.Root != nil {
				r.Actions = append(r.Actions, f)
			}
		case KindDockerfile:
			if !f.Invalid {
				r.Dockerfiles = append(r.Dockerfiles, f)
			}
		case KindDependabot:
			if f.YAML != nil {
				r.Dependabot = f
			}
		}
	}
	l.loadContext(r, seen)
	slices.SortFunc(r.Workflows, func(a, b *RepoWorkflow) int { return strings.Compare(a.File.RelPath, b.File.RelPath) })
	r.linkCalls()
	r.precompute(l.opts.Jobs)
	return r
}

// loadContext reads the workflows under .github/workflows and dependabot.yml
// that are not among the linted files, so that linting one file still sees
// the rest of its repository.
func (l *Linter) loadContext(r *Repository, seen map[string]bool) {
	dir := filepath.Join(r.Root, ".github", "workflows")
	ents, err := os.ReadDir(dir)
	if err == nil && linkedWorkflowFolder(r.Root) == "" {
		ents = slices.DeleteFunc(ents, func(e os.DirEntry) bool {
			return e.IsDir() || !isYAML(e.Name()) || seen[".github/workflows/"+e.Name()]
		})
		// a pre-commit run lints one workflow and loads the others: read
		// and parse them on every worker, then add them in order
		loaded := make([]*File, len(ents))
		models := make([]*RepoWorkflow, len(ents))
		parallel.Each(len(ents), l.opts.Jobs, func(i int) {
			f := l.contextFile(r, filepath.Join(dir, ents[i].Name()), ".github/workflows/"+ents[i].Name(), KindWorkflow)
			if f == nil {
				return
			}
			loaded[i] = f
			if _, _, _, bomb := aliasBomb(f.Src); !bomb {
				if f.Workflow, _ = actionlint.Parse(f.Src); f.Workflow != nil {
					models[i] = newRepoWorkflow(f, true)
				}
			}
		})
		for i, f := range loaded {
			if f == nil {
				continue
			}
			put(&r.context, f.Path, true)
			if models[i] != nil {
				r.addWorkflow(models[i])
			}
		}
	}
	if r.Dependabot == nil {
		for _, n := range []string{"dependabot.yml", "dependabot.yaml"} {
			rel := ".github/" + n
			if seen[rel] {
				break
			}
			f := l.contextFile(r, filepath.Join(r.Root, ".github", n), rel, KindDependabot)
			if f == nil {
				continue
			}
			put(&r.context, f.Path, true)
			if doc, _ := parseYAML(f.Src); doc != nil {
				f.YAML = doc
				r.Dependabot = f
			}
			break
		}
	}
}

func (l *Linter) contextFile(r *Repository, abs, rel string, kind FileKind) *File {
	// a symbolic link is no context: GitHub does not run a linked workflow
	st, err := os.Lstat(abs)
	if err != nil || !st.Mode().IsRegular() || st.Size() > l.opts.MaxFileSize {
		return nil
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return nil
	}
	if _, _, bin := binaryAt(src); bin {
		return nil
	}
	return &File{Path: l.displayPath(abs), AbsPath: abs, Root: r.Root, RelPath: rel, Kind: kind, Src: src}
}

// addWorkflow adds a workflow's model to the repository.
func (r *Repository) addWorkflow(w *RepoWorkflow) {
	r.Workflows = append(r.Workflows, w)
	put(&r.byRel, w.File.RelPath, w)
}

// newRepoWorkflow builds the model of one parsed workflow.
func newRepoWorkflow(f *File, context bool) *RepoWorkflow {
	w := &RepoWorkflow{File: f, Workflow: f.Workflow, Context: context, jobByID: map[string]*RepoJob{}}
	w.Name = f.RelPath
	if n := f.Workflow.Name; n != nil && n.Value != "" {
		w.Name = n.Value
	}
	for _, ev := range f.Workflow.On {
		w.Triggers = append(w.Triggers, newTrigger(ev))
	}
	for _, id := range jobIDsInOrder(f.Workflow) {
		j := f.Workflow.Jobs[id]
		rj := &RepoJob{ID: id, Job: j, Workflow: w}
		if j.ID != nil {
			rj.ID = j.ID.Value
		}
		// the job's steps, allocated together
		steps := make([]RepoStep, len(j.Steps))
		if len(j.Steps) > 0 {
			rj.Steps = make([]*RepoStep, 0, len(j.Steps))
		}
		for i, s := range j.Steps {
			if s == nil {
				continue
			}
			rs := &steps[i]
			*rs = RepoStep{Job: rj, Index: i, Step: s}
			if a, ok := s.Exec.(*actionlint.ExecAction); ok && a.Uses != nil {
				rs.Action, rs.Ref = splitUses(a.Uses.Value)
			}
			rj.Steps = append(rj.Steps, rs)
		}
		w.Jobs = append(w.Jobs, rj)
		w.jobByID[strings.ToLower(rj.ID)] = rj
	}
	return w
}

// splitUses splits a uses: value into the lower-case action and its ref.
func splitUses(uses string) (action, ref string) {
	uses = strings.TrimSpace(uses)
	if strings.HasPrefix(uses, "docker://") || strings.HasPrefix(uses, "./") {
		return uses, ""
	}
	if i := strings.LastIndexByte(uses, '@'); i >= 0 {
		return strings.ToLower(uses[:i]), uses[i+1:]
	}
	return strings.ToLower(uses), ""
}

func newTrigger(ev actionlint.Event) *Trigger {
	t := &Trigger{Event: strings.ToLower(ev.EventName())}
	switch e := ev.(type) {
	case *actionlint.WebhookEvent:
		t.Pos = e.Pos
		if e.Hook != nil && e.Hook.Pos != nil {
			t.Pos = e.Hook.Pos
		}
		if e.Types != nil {
			t.Types = []string{}
			for _, s := range e.Types {
				t.Types = append(t.Types, strings.ToLower(s.Value))
			}
		}
		t.Branches = newRefFilter(e.Branches, e.BranchesIgnore)
		t.Tags = newRefFilter(e.Tags, e.TagsIgnore)
		t.HasPaths = e.Paths != nil || e.PathsIgnore != nil
		for _, s := range e.Workflows {
			t.Workflows = append(t.Workflows, s.Value)
		}
	case *actionlint.ScheduledEvent:
		t.Pos = e.Pos
	case *actionlint.WorkflowDispatchEvent:
		t.Pos = e.Pos
	case *actionlint.RepositoryDispatchEvent:
		t.Pos = e.Pos
		if e.Types != nil {
			t.Types = []string{}
			for _, s := range e.Types {
				t.Types = append(t.Types, strings.ToLower(s.Value))
			}
		}
	case *actionlint.WorkflowCallEvent:
		t.Pos = e.Pos
	case *actionlint.ImageVersionEvent:
		t.Pos = e.Pos
	}
	if t.Pos == nil {
		t.Pos = &actionlint.Pos{Line: 1, Col: 1}
	}
	return t
}

func newRefFilter(inc, ign *actionlint.WebhookEventFilter) refFilter {
	var f refFilter
	if inc != nil {
		f.set = true
		f.include = []string{}
		for _, v := range inc.Values {
			f.include = append(f.include, v.Value)
		}
	}
	if ign != nil {
		f.set = true
		for _, v := range ign.Values {
			f.ignore = append(f.ignore, v.Value)
		}
	}
	return f
}

// linkCalls resolves the local reusable-workflow calls of every workflow.
func (r *Repository) linkCalls() {
	for _, w := range r.Workflows {
		for _, j := range w.Jobs {
			c := j.Job.WorkflowCall
			if c == nil || c.Uses == nil {
				continue
			}
			u := strings.TrimSpace(c.Uses.Value)
			if !strings.HasPrefix(u, "./") || actionlint.ContainsExpression(u) {
				continue
			}
			call := &ReusableCall{Caller: w, Job: j, Path: strings.TrimPrefix(u, "./")}
			call.Callee = r.byRel[call.Path]
			w.Calls = append(w.Calls, call)
			if call.Callee != nil {
				call.Callee.Callers = append(call.Callee.Callers, call)
			}
		}
	}
}
