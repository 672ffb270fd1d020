package lint

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/stagegraph"
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
	docker    map[string]*stagegraph.StageGraph // Dockerfiles parsed from disk
	effective map[*RepoWorkflow][]*EffectiveTrigger
	maxSize   int64
	// mu guards the lazily filled memos once rules run concurrently.
	mu         sync.Mutex
	concurrent bool
	// jobs is how many goroutines a rule may spread its work over
	// (Options.Jobs).
	jobs int
	// enabled reports whether a rule runs for this repository.
	enabled func(id string) bool
	// cfg is the repository's gantry config.
	cfg *config.Config
}

// put sets (*m)[k] to v, making the map on first use.
func put[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
}

// RepoWorkflow is one workflow of the repository model.
type RepoWorkflow struct {
	// File is the workflow file.
	File *File
	// Workflow is the parsed workflow; nil for a scanned workflow once its
	// syntax tree is dropped (Options.DropTrees), like Jobs.
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
	// Scanned is true for a linted workflow that the rules' ScanWorkflow
	// checked as it was linted (see Rule.ScanWorkflow). CheckRepository
	// reads what it needs of it from Facts: when the run drops syntax
	// trees (Options.DropTrees) its Workflow is nil and it has no Jobs.
	Scanned bool

	jobByID map[string]*RepoJob
	facts   map[string]any // by rule ID, from ScanWorkflow
}

// Facts returns what the rule's ScanWorkflow kept of the workflow, or nil.
func (w *RepoWorkflow) Facts(ruleID string) any { return w.facts[ruleID] }

// dropTree lets the workflow's syntax tree go: the model keeps its name,
// triggers and facts.
func (w *RepoWorkflow) dropTree() {
	w.Workflow, w.Jobs, w.jobByID = nil, nil, nil
	w.File.Workflow, w.File.jobKinds = nil, nil
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
	put(&r.effective, w, nil) // cycle guard
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
	put(&r.effective, w, out)
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

// DockerfileGraph returns the stage graph of the Dockerfile at the slash
// path rel (relative to the root): the linted file's, or one parsed once
// from disk. It is nil when there is no such file or it does not parse.
func (r *Repository) DockerfileGraph(rel string) *stagegraph.StageGraph {
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
	var g *stagegraph.StageGraph
	abs := filepath.Join(r.Root, filepath.FromSlash(rel))
	if st, err := os.Stat(abs); err == nil && st.Mode().IsRegular() && st.Size() <= cmp.Or(r.maxSize, DefaultMaxFileSize) {
		if src, err := os.ReadFile(abs); err == nil {
			g, _ = parseDockerfile(src)
		}
	}
	put(&r.docker, rel, g)
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

// workingDir returns the working directory of a run step (step, then job
// and workflow defaults), or "" for the repository root.
func workingDir(s *RepoStep) string {
	if r, ok := s.Step.Exec.(*actionlint.ExecRun); ok && r.WorkingDirectory != nil {
		return r.WorkingDirectory.Value
	}
	for _, d := range []*actionlint.Defaults{s.Job.Job.Defaults, s.Job.Workflow.Workflow.Defaults} {
		if d != nil && d.Run != nil && d.Run.WorkingDirectory != nil {
			return d.Run.WorkingDirectory.Value
		}
	}
	return ""
}

// viaNote says through which caller a reusable workflow runs for the event.
func viaNote(et *EffectiveTrigger) string {
	if len(et.Via) == 0 {
		return ""
	}
	return fmt.Sprintf(" (this reusable workflow runs for it through %s)", et.Root.File.Path)
}
