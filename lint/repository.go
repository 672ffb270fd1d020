package lint

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/config"
)

// Repository is the model of one repository that repository rules check:
// every workflow with its triggers, jobs, steps and local reusable-workflow
// calls, the action metadata files, the Dockerfiles and dependabot.yml. It
// is built once per run from the files the engine already parsed, in time
// linear in their size.
type Repository struct {
	// Root is the absolute path of the repository.
	Root string
	// Workflows are the repository's workflows, sorted by path. Workflows
	// that were not linted in this run (when only some files were named)
	// are loaded for context so that cross-file rules see them; rules never
	// report findings in them.
	Workflows []*RepoWorkflow
	// Actions are the action metadata files (action.yml) that were linted.
	Actions []*File
	// Dockerfiles are the Dockerfiles that were linted.
	Dockerfiles []*File
	// Dependabot is .github/dependabot.yml, or nil when the repository has none.
	Dependabot *File

	byRel     map[string]*RepoWorkflow
	context   map[string]bool // display paths of files loaded only for context
	lines     map[*File][]int
	valLines  map[*actionlint.String]valueLinesMemo
	docker    map[string]*buildcache.StageGraph // Dockerfiles parsed from disk
	effective map[*RepoWorkflow][]*EffectiveTrigger
	maxSize   int64
	// mu guards the lazily filled memos once rules run concurrently.
	mu         sync.Mutex
	concurrent bool
	// enabled reports whether a rule runs for this repository.
	enabled func(id string) bool
	// cfg is the repository's gantry config.
	cfg *config.Config
}

// RepoWorkflow is one workflow of the repository model.
type RepoWorkflow struct {
	// File is the workflow file.
	File *File
	// Workflow is the parsed workflow (never nil in the model).
	Workflow *actionlint.Workflow
	// Name is the value of github.workflow: the name: or else the file path.
	Name string
	// Triggers are the events in on:, in source order.
	Triggers []*Trigger
	// Jobs are the workflow's jobs in source order.
	Jobs []*RepoJob
	// Calls are the jobs that call a local reusable workflow (./.github/workflows/x.yml).
	Calls []*ReusableCall
	// Callers are the calls of other workflows to this one.
	Callers []*ReusableCall
	// Context is true for workflows loaded only for context.
	Context bool

	jobByID map[string]*RepoJob
}

// Trigger is one event of a workflow's on: section with its filters.
type Trigger struct {
	// Event is the event name, such as "push" or "pull_request".
	Event string
	// Pos is the position of the event in on:.
	Pos *actionlint.Pos
	// Types are the activity types; nil means the event's defaults.
	Types []string
	// Branches and Tags filter the refs of push and pull_request events.
	Branches, Tags refFilter
	// HasPaths is true when paths or paths-ignore filters the event.
	HasPaths bool
	// Workflows are the workflow names of a workflow_run event.
	Workflows []string
}

// refFilter is a branches/branches-ignore (or tags/tags-ignore) pair.
type refFilter struct {
	set     bool
	include []string // patterns in order, "!" negates
	ignore  []string
}

// RepoJob is one job of a workflow.
type RepoJob struct {
	// ID is the job ID.
	ID string
	// Job is the parsed job.
	Job *actionlint.Job
	// Steps are the job's steps in order.
	Steps []*RepoStep
	// Workflow is the workflow of the job.
	Workflow *RepoWorkflow
}

// RepoStep is one step of a job.
type RepoStep struct {
	// Job is the step's job.
	Job *RepoJob
	// Index is the position of the step in the job.
	Index int
	// Step is the parsed step.
	Step *actionlint.Step
	// Action is the lower-case action of uses: without the ref ("actions/checkout",
	// "github/codeql-action/init", "./local", "docker://img"), or "" for run: steps.
	Action string
	// Ref is the ref after @ in uses:.
	Ref string

	commands       []shellCmd
	commandsParsed bool
}

// ReusableCall is a job that calls a local reusable workflow.
type ReusableCall struct {
	// Caller is the calling workflow.
	Caller *RepoWorkflow
	// Job is the calling job.
	Job *RepoJob
	// Callee is the called workflow, nil when the file is not in the repository.
	Callee *RepoWorkflow
	// Path is the called path relative to the repository root.
	Path string
}

// EffectiveTrigger is an event a workflow can run for, directly or through
// the callers of a reusable workflow (Via is the call chain, outermost first).
type EffectiveTrigger struct {
	*Trigger
	// Root is the workflow whose on: has the event.
	Root *RepoWorkflow
	// Via is the chain of calls from Root to the workflow, empty when direct.
	Via []*ReusableCall
}

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

// buildRepository builds the model of the repository at root from its
// linted files, loading the workflows and dependabot.yml that were not
// linted from disk for context.
func (l *Linter) buildRepository(root string, files []*File) *Repository {
	r := &Repository{Root: root, byRel: map[string]*RepoWorkflow{}, context: map[string]bool{},
		lines: map[*File][]int{}, valLines: map[*actionlint.String]valueLinesMemo{}, docker: map[string]*buildcache.StageGraph{}, effective: map[*RepoWorkflow][]*EffectiveTrigger{},
		maxSize: l.opts.MaxFileSize}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.RelPath] = true
		switch f.Kind {
		case KindWorkflow:
			if f.Workflow != nil {
				r.addWorkflow(f, false)
			}
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
	r.precompute()
	return r
}

// precompute fills the memos that rules would otherwise fill lazily, so
// that the repository rules can run concurrently: the effective triggers of
// every workflow (recursive through callers), every run: step's commands and
// every workflow's line offsets. The memos filled later (value lines,
// Dockerfiles read from disk, other files' line offsets) take r.mu.
func (r *Repository) precompute() {
	for _, w := range r.Workflows {
		r.EffectiveTriggers(w)
		r.lineStarts(w.File)
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				s.Commands()
			}
		}
	}
	r.concurrent = true
}

// loadContext reads the workflows under .github/workflows and dependabot.yml
// that are not among the linted files, so that linting one file still sees
// the rest of its repository.
func (l *Linter) loadContext(r *Repository, seen map[string]bool) {
	dir := filepath.Join(r.Root, ".github", "workflows")
	ents, err := os.ReadDir(dir)
	if err == nil {
		for _, e := range ents {
			rel := ".github/workflows/" + e.Name()
			if e.IsDir() || !isYAML(e.Name()) || seen[rel] {
				continue
			}
			f := l.contextFile(r, filepath.Join(dir, e.Name()), rel, KindWorkflow)
			if f == nil {
				continue
			}
			if _, _, _, bomb := aliasBomb(f.Src); bomb {
				continue
			}
			w, _ := actionlint.Parse(f.Src)
			if w == nil {
				continue
			}
			f.Workflow = w
			r.addWorkflow(f, true)
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
			if doc, _ := parseYAML(f.Src); doc != nil {
				f.YAML = doc
				r.Dependabot = f
			}
			break
		}
	}
}

func (l *Linter) contextFile(r *Repository, abs, rel string, kind FileKind) *File {
	st, err := os.Stat(abs)
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
	f := &File{Path: l.displayPath(abs), AbsPath: abs, Root: r.Root, RelPath: rel, Kind: kind, Src: src}
	r.context[f.Path] = true
	return f
}

func (r *Repository) addWorkflow(f *File, context bool) {
	w := &RepoWorkflow{File: f, Workflow: f.Workflow, Context: context, jobByID: map[string]*RepoJob{}}
	w.Name = f.RelPath
	if n := f.Workflow.Name; n != nil && n.Value != "" {
		w.Name = n.Value
	}
	for _, ev := range f.Workflow.On {
		w.Triggers = append(w.Triggers, newTrigger(ev))
	}
	ids := make([]string, 0, len(f.Workflow.Jobs))
	for id, j := range f.Workflow.Jobs {
		if j != nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, k int) bool {
		a, b := f.Workflow.Jobs[ids[i]], f.Workflow.Jobs[ids[k]]
		if a.Pos != nil && b.Pos != nil && (a.Pos.Line != b.Pos.Line || a.Pos.Col != b.Pos.Col) {
			return a.Pos.IsBefore(b.Pos)
		}
		return ids[i] < ids[k]
	})
	for _, id := range ids {
		j := f.Workflow.Jobs[id]
		rj := &RepoJob{ID: id, Job: j, Workflow: w}
		if j.ID != nil {
			rj.ID = j.ID.Value
		}
		for i, s := range j.Steps {
			if s == nil {
				continue
			}
			rs := &RepoStep{Job: rj, Index: i, Step: s}
			if a, ok := s.Exec.(*actionlint.ExecAction); ok && a.Uses != nil {
				rs.Action, rs.Ref = splitUses(a.Uses.Value)
			}
			rj.Steps = append(rj.Steps, rs)
		}
		w.Jobs = append(w.Jobs, rj)
		w.jobByID[strings.ToLower(rj.ID)] = rj
	}
	r.Workflows = append(r.Workflows, w)
	r.byRel[f.RelPath] = w
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

// Job returns the workflow's job with the ID, or nil.
func (w *RepoWorkflow) Job(id string) *RepoJob { return w.jobByID[strings.ToLower(id)] }

// Workflow returns the workflow at the slash path rel, or nil.
func (r *Repository) Workflow(rel string) *RepoWorkflow { return r.byRel[rel] }

// Linted reports whether the file was linted in this run (and not only
// loaded for context).
func (r *Repository) Linted(f *File) bool { return !r.context[f.Path] }

// Trigger returns the workflow's trigger for the event, or nil.
func (w *RepoWorkflow) Trigger(event string) *Trigger {
	for _, t := range w.Triggers {
		if t.Event == event {
			return t
		}
	}
	return nil
}

// Label names the workflow for messages: its name and path.
func (w *RepoWorkflow) Label() string {
	if w.Name != w.File.RelPath {
		return fmt.Sprintf("%q (%s)", w.Name, w.File.Path)
	}
	return w.File.Path
}

// maxCallersPerEvent caps the effective triggers of a reusable workflow
// that come from its callers, per event.
const maxCallersPerEvent = 4

// EffectiveTriggers returns the events the workflow can run for: its own
// triggers other than workflow_call, and, when it is a reusable workflow,
// the events of its callers (transitively, without cycles).
func (r *Repository) EffectiveTriggers(w *RepoWorkflow) []*EffectiveTrigger {
	if ts, ok := r.effective[w]; ok || r.concurrent {
		return ts // after precompute the map is complete and read-only
	}
	r.effective[w] = nil // cycle guard
	var out []*EffectiveTrigger
	for _, t := range w.Triggers {
		if t.Event != "workflow_call" {
			out = append(out, &EffectiveTrigger{Trigger: t, Root: w})
		}
	}
	if w.Trigger("workflow_call") != nil {
		// a few callers per event are enough to report on; the cap keeps a
		// reusable workflow called from hundreds of workflows cheap
		perEvent := map[string]int{}
		for _, c := range w.Callers {
			for _, et := range r.EffectiveTriggers(c.Caller) {
				if perEvent[et.Event] >= maxCallersPerEvent {
					continue
				}
				perEvent[et.Event]++
				via := append(slices.Clone(et.Via), c)
				out = append(out, &EffectiveTrigger{Trigger: et.Trigger, Root: et.Root, Via: via})
			}
		}
	}
	r.effective[w] = out
	return out
}

// RunsOn reports whether the workflow can run for the event, directly or
// through a caller, and returns the first such trigger.
func (r *Repository) RunsOn(w *RepoWorkflow, event string) *EffectiveTrigger {
	for _, t := range r.EffectiveTriggers(w) {
		if t.Event == event {
			return t
		}
	}
	return nil
}

// Env returns the value of an env variable visible to the step (step, job,
// then workflow env), or nil.
func (s *RepoStep) Env(name string) *actionlint.String {
	name = strings.ToLower(name)
	for _, e := range []*actionlint.Env{s.Step.Env, s.Job.Job.Env, s.Job.Workflow.Workflow.Env} {
		if e != nil && e.Vars != nil {
			if v := e.Vars[name]; v != nil && v.Value != nil {
				return v.Value
			}
		}
	}
	return nil
}

// Input returns the with: input of an action step, or nil.
func (s *RepoStep) Input(name string) *actionlint.String {
	a, ok := s.Step.Exec.(*actionlint.ExecAction)
	if !ok {
		return nil
	}
	if in := a.Inputs[strings.ToLower(name)]; in != nil {
		return in.Value
	}
	return nil
}

// InputKey returns the key of a with: input of an action step, or nil.
func (s *RepoStep) InputKey(name string) *actionlint.String {
	a, ok := s.Step.Exec.(*actionlint.ExecAction)
	if !ok {
		return nil
	}
	if in := a.Inputs[strings.ToLower(name)]; in != nil {
		return in.Name
	}
	return nil
}

// Run returns the run: script of a run step, or nil.
func (s *RepoStep) Run() *actionlint.String {
	if r, ok := s.Step.Exec.(*actionlint.ExecRun); ok {
		return r.Run
	}
	return nil
}

// Commands returns the simple commands of a run: step's script (nil for
// action steps), split once and shared by every rule.
func (s *RepoStep) Commands() []shellCmd {
	if !s.commandsParsed {
		if run := s.Run(); run != nil {
			s.commands = scriptCommands(run.Value)
		}
		s.commandsParsed = true
	}
	return s.commands
}

// Uses returns the uses: value of an action step, or nil.
func (s *RepoStep) Uses() *actionlint.String {
	if a, ok := s.Step.Exec.(*actionlint.ExecAction); ok {
		return a.Uses
	}
	return nil
}

// File returns the step's workflow file.
func (s *RepoStep) File() *File { return s.Job.Workflow.File }

// Is reports whether the step uses one of the actions (lower case, without ref).
func (s *RepoStep) Is(actions ...string) bool { return slices.Contains(actions, s.Action) }

// lineStarts returns the byte offsets of the lines of f.
func (r *Repository) lineStarts(f *File) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ls, ok := r.lines[f]; ok {
		return ls
	}
	ls := newSourceText(f.Src).lineStarts
	r.lines[f] = ls
	return ls
}

// sourceLine returns the text of the 1-based line of f, without its newline.
func (r *Repository) sourceLine(f *File, line int) string {
	ls := r.lineStarts(f)
	if line < 1 || line > len(ls) {
		return ""
	}
	end := len(f.Src)
	if line < len(ls) {
		end = ls[line] - 1
	}
	return strings.TrimSuffix(string(f.Src[ls[line-1]:end]), "\r")
}

// Position is a 1-based line and column in a file.
type Position struct{ Line, Col int }

// valueLines maps each line of a (possibly multi-line) YAML string value to
// the source position where the line's text starts, matching the lines in
// order. ok[i] is false for a line that was not found as such (a folded
// scalar joins source lines, escapes change quoted text).
func (r *Repository) valueLines(f *File, s *actionlint.String) (ps []Position, ok []bool) {
	r.mu.Lock()
	m, found := r.valLines[s]
	r.mu.Unlock()
	if found {
		return m.ps, m.ok
	}
	defer func() {
		r.mu.Lock()
		r.valLines[s] = valueLinesMemo{ps, ok}
		r.mu.Unlock()
	}()
	lines := strings.Split(s.Value, "\n")
	ps = make([]Position, len(lines))
	ok = make([]bool, len(lines))
	cursor, end := s.Pos.Line, r.spanEnd(f, s)
	for i, text := range lines {
		ps[i] = Position{Line: s.Pos.Line, Col: s.Pos.Col}
		t := strings.TrimSpace(text)
		if t == "" {
			continue
		}
		for ln := cursor; ln <= end; ln++ {
			src := r.sourceLine(f, ln)
			start := 0
			if ln == s.Pos.Line {
				start = min(max(s.Pos.Col-1, 0), len(src))
			}
			if k := strings.Index(src[start:], t); k >= 0 {
				lead := len(text) - len(strings.TrimLeft(text, " \t"))
				ps[i] = Position{Line: ln, Col: max(start+k+1-lead, 1)}
				ok[i] = true
				cursor = ln + 1
				break
			}
		}
	}
	return ps, ok
}

type valueLinesMemo struct {
	ps []Position
	ok []bool
}

// spanEnd returns the last source line the string value can occupy.
func (r *Repository) spanEnd(f *File, s *actionlint.String) int {
	n := strings.Count(s.Value, "\n") + len(strings.Fields(s.Value)) + 2
	return min(s.Pos.Line+n, len(r.lineStarts(f)))
}

// locate returns the position of the first occurrence of needle in the
// source of the value s, at or after line from.
func (r *Repository) locate(f *File, s *actionlint.String, from int, needle string) (Position, bool) {
	if needle == "" {
		return Position{}, false
	}
	for ln := max(from, s.Pos.Line); ln <= r.spanEnd(f, s); ln++ {
		src := r.sourceLine(f, ln)
		start := 0
		if ln == s.Pos.Line {
			start = min(max(s.Pos.Col-1, 0), len(src))
		}
		if k := strings.Index(src[start:], needle); k >= 0 {
			return Position{Line: ln, Col: start + k + 1}, true
		}
	}
	return Position{}, false
}

// positionIn returns the source position of byte offset off in line
// lineIdx of the string value s.
func (r *Repository) positionIn(f *File, s *actionlint.String, lineIdx, off int) Position {
	lines := strings.Split(s.Value, "\n")
	if lineIdx < 0 || lineIdx >= len(lines) {
		return Position{Line: s.Pos.Line, Col: s.Pos.Col}
	}
	ps, ok := r.valueLines(f, s)
	if ok[lineIdx] {
		return Position{Line: ps[lineIdx].Line, Col: ps[lineIdx].Col + off}
	}
	// look for the text at off, shortening it word by word
	from := s.Pos.Line
	for k := lineIdx - 1; k >= 0; k-- {
		if ok[k] {
			from = ps[k].Line
			break
		}
	}
	words := strings.Fields(lines[lineIdx][min(off, len(lines[lineIdx])):])
	for n := len(words); n > 0; n-- {
		if p, found := r.locate(f, s, from, strings.Join(words[:n], " ")); found {
			return p
		}
	}
	return Position{Line: s.Pos.Line, Col: s.Pos.Col}
}

// find returns the position of the first of the needles that occurs in
// the value s, or the value's position.
func (r *Repository) find(f *File, s *actionlint.String, needles ...string) Position {
	for _, n := range needles {
		for i, text := range strings.Split(s.Value, "\n") {
			if k := strings.Index(text, n); k >= 0 {
				ps, ok := r.valueLines(f, s)
				if ok[i] {
					return Position{Line: ps[i].Line, Col: ps[i].Col + k}
				}
				if p, found := r.locate(f, s, s.Pos.Line, n); found {
					return p
				}
			}
		}
	}
	return Position{Line: s.Pos.Line, Col: s.Pos.Col}
}

// at returns the position of a string value.
func at(s *actionlint.String) Position { return Position{Line: s.Pos.Line, Col: s.Pos.Col} }

// finding makes a finding at p in f.
func finding(f *File, p Position, msg string, related ...Location) Finding {
	return Finding{File: f.Path, Line: p.Line, Column: p.Col, Message: msg, Related: related}
}

// related makes a Location in f.
func related(f *File, p Position, msg string) Location {
	return Location{File: f.Path, Line: p.Line, Column: p.Col, Message: msg}
}

// DockerfileGraph returns the stage graph of the Dockerfile at the slash
// path rel (relative to the root): the linted file's, or one parsed once
// from disk. It is nil when there is no such file or it does not parse.
func (r *Repository) DockerfileGraph(rel string) *buildcache.StageGraph {
	rel = cleanRel(rel)
	for _, f := range r.Dockerfiles {
		if f.RelPath == rel {
			if f.Dockerfile == nil {
				return nil
			}
			return f.Dockerfile.Graph
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if g, ok := r.docker[rel]; ok {
		return g
	}
	var g *buildcache.StageGraph
	abs := filepath.Join(r.Root, filepath.FromSlash(rel))
	if st, err := os.Stat(abs); err == nil && st.Mode().IsRegular() && st.Size() <= cmp.Or(r.maxSize, DefaultMaxFileSize) {
		if src, err := os.ReadFile(abs); err == nil {
			g, _ = parseDockerfile(src)
		}
	}
	r.docker[rel] = g
	return g
}

// cleanRel cleans a slash path relative to the repository root.
func cleanRel(p string) string {
	p = filepath.ToSlash(filepath.Clean(filepath.FromSlash(strings.TrimPrefix(strings.TrimSpace(p), "./"))))
	return strings.TrimPrefix(p, "/")
}

// compositeStep is one step of a composite action (action.yml).
type compositeStep struct {
	// uses is the uses: value node, nil for run: steps.
	uses *yaml.Node
	// action and ref split uses: as in RepoStep.
	action, ref string
	// with is the with: mapping node, or nil.
	with *yaml.Node
}

// compositeSteps returns the steps of a composite action metadata file.
func compositeSteps(f *File) []compositeStep {
	if f.YAML == nil || f.YAML.Root == nil {
		return nil
	}
	runs := MappingValue(f.YAML.Root, "runs")
	steps := MappingValue(runs, "steps")
	if steps == nil || steps.Kind != yaml.SequenceNode {
		return nil
	}
	var out []compositeStep
	for _, n := range steps.Content {
		if n.Kind != yaml.MappingNode {
			continue
		}
		st := compositeStep{uses: MappingValue(n, "uses"), with: MappingValue(n, "with")}
		if st.uses != nil && st.uses.Kind == yaml.ScalarNode {
			st.action, st.ref = splitUses(st.uses.Value)
		} else {
			st.uses = nil
		}
		out = append(out, st)
	}
	return out
}
