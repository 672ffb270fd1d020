package lint

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gantry-ci/gantry/internal/parallel"
)

// tokenNoTriggerRule flags steps that push commits or tags, open or merge
// pull requests, or publish releases with GITHUB_TOKEN while another
// workflow of the repository waits for that event: GitHub starts no
// workflow run for events caused by GITHUB_TOKEN (except workflow_dispatch
// and repository_dispatch).
//
// Each workflow is scanned as it is linted for its GITHUB_TOKEN effects and
// what its jobs do; the repository pass matches the effects against the
// other workflows' triggers.
var tokenNoTriggerRule = &Rule{
	ID: tokenNoTriggerID, Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "a push, pull request or release made with GITHUB_TOKEN that another workflow waits for in vain",
	ScanWorkflow:    scanTokenNoTrigger,
	CheckRepository: checkTokenNoTrigger,
}

// tokenNoTriggerID is the ID of tokenNoTriggerRule, which reads its facts.
const tokenNoTriggerID = "token-no-trigger"

// tokenNoTriggerFacts is what token-no-trigger keeps of a scanned workflow:
// its GITHUB_TOKEN effects, which other workflows' triggers are matched
// against, and what its jobs do, for the effects of other workflows that
// would start it.
type tokenNoTriggerFacts struct {
	effects    []jobTokenEffect
	dispatches bool // dispatchesWorkflows, when there are effects
	kinds      workflowKinds
}

// jobTokenEffect is an effect of a step made with GITHUB_TOKEN, with what
// the step's job does (matters weighs the runs it misses by it).
type jobTokenEffect struct {
	tokenEffect
	publishes, updatesDependencies, checksCode bool
}

// workflowKinds is whether some job of a workflow checks code, and whether
// some job publishes.
type workflowKinds struct {
	checksCode, publishes bool
}

// scanTokenNoTrigger keeps the facts of a workflow; its findings depend on
// the other workflows, so the repository pass reports them.
func scanTokenNoTrigger(r *Repository, w *RepoWorkflow, _ any) ([]Finding, any) {
	facts := &tokenNoTriggerFacts{}
	facts.effects, facts.dispatches = githubTokenEffects(r, w)
	facts.kinds = workflowKindsOf(w)
	if len(facts.effects) == 0 && facts.kinds == (workflowKinds{}) {
		return nil, nil
	}
	return nil, facts
}

func checkTokenNoTrigger(r *Repository, _ any) []Finding {
	idx := newTriggerIndex(r)
	// the workflows are checked on r.jobs goroutines (their findings kept in
	// workflow order): a repository of many workflows asks the index many
	// questions, and the index is shared
	byWorkflow := make([][]Finding, len(r.Workflows))
	parallel.Each(len(r.Workflows), r.jobs, func(i int) {
		byWorkflow[i] = tokenNoTriggerIn(r, idx, r.Workflows[i])
	})
	return slices.Concat(byWorkflow...)
}

// tokenNoTriggerIn returns the findings of one workflow, from its facts
// when it was scanned.
func tokenNoTriggerIn(r *Repository, idx *triggerIndex, w *RepoWorkflow) []Finding {
	if w.Context {
		return nil
	}
	var effects []jobTokenEffect
	var dispatches bool
	if w.Scanned {
		if facts, ok := w.Facts(tokenNoTriggerID).(*tokenNoTriggerFacts); ok {
			effects, dispatches = facts.effects, facts.dispatches
		}
	} else {
		effects, dispatches = githubTokenEffects(r, w)
	}
	var out []Finding
	for _, eff := range effects {
		if fd, ok := idx.report(w, eff, dispatches); ok {
			out = append(out, fd)
		}
	}
	return out
}

// githubTokenEffects returns the effects of the workflow's steps made with
// GITHUB_TOKEN, in order, and whether it dispatches workflows (worked out
// only when there are effects). Their strings are copies: they outlive the
// syntax tree of a scanned workflow.
func githubTokenEffects(r *Repository, w *RepoWorkflow) ([]jobTokenEffect, bool) {
	var out []jobTokenEffect
	kinds := w.File.jobKinds
	for _, j := range w.Jobs {
		jc := newJobScan(r, w, j)
		for _, s := range j.Steps {
			for _, eff := range jc.effects(s) {
				if eff.cred.kind != credGitHubToken {
					continue
				}
				out = append(out, jobTokenEffect{tokenEffect: eff.detached(),
					publishes: kinds.publishes(j.Job), updatesDependencies: kinds.updatesDependencies(j.Job),
					checksCode: kinds.checksCode(j.Job)})
			}
		}
	}
	if len(out) == 0 {
		return nil, false
	}
	return out, dispatchesWorkflows(w.File.Src)
}

// workflowKindsOf works out what the workflow's jobs do, from its job memo.
func workflowKindsOf(w *RepoWorkflow) workflowKinds {
	var k workflowKinds
	for _, j := range w.Jobs {
		k.checksCode = k.checksCode || w.File.jobKinds.checksCode(j.Job)
		k.publishes = k.publishes || w.File.jobKinds.publishes(j.Job)
		if k.checksCode && k.publishes {
			break
		}
	}
	return k
}

// dispatchesWorkflows reports whether a workflow starts other workflows
// explicitly (workflow_dispatch or repository_dispatch), which works with
// GITHUB_TOKEN: its downstreams with those triggers do run.
func dispatchesWorkflows(src []byte) bool {
	s := string(src)
	for _, m := range []string{"gh workflow run", "/dispatches", "createWorkflowDispatch", "createDispatchEvent",
		"workflow-dispatch@", "repository-dispatch@", "trigger-workflow"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// triggerIndex finds the workflows an event would trigger, memoized by
// event, with push triggers indexed by the kind of ref and by literal
// branch names, so that many steps pushing many refs stay linear.
type triggerIndex struct {
	r *Repository
	// mu guards the memos: memo and unions (held while one is computed),
	// and kinds
	mu      sync.Mutex
	byEvent map[string][]*RepoWorkflow
	memo    map[string][]triggerMatch
	unions  map[string]*triggerUnion

	tagAll, tagExplicit         []*RepoWorkflow // push triggers that run for tags (that name tags)
	branchAll, branchUnfiltered []*RepoWorkflow // push triggers that run for branches (without a filter)
	branchWild                  []*RepoWorkflow // branch filters with patterns or ignores
	branchByLit                 map[string][]*RepoWorkflow

	kinds map[*RepoWorkflow]workflowKinds // memo of workflowDoes
	found []triggerMatch                  // triggered's buffer
}

type triggerMatch struct {
	w     *RepoWorkflow
	t     *Trigger
	cause *causedEvent // the event that would start it (set by report)
	// causeIndex is where cause is in the events a union was asked for:
	// unions are shared by effects whose events differ only in how the
	// message describes them, so report takes cause from its own effect
	causeIndex int
}

// triggerUnion is the workflows that any of an effect's events starts,
// once each, with those that can also be dispatched counted apart.
type triggerUnion struct {
	all, notDispatchable []triggerMatch
	in                   map[*RepoWorkflow]bool
	dispatchable         int
}

func dispatchable(w *RepoWorkflow) bool {
	return w.Trigger("workflow_dispatch") != nil || w.Trigger("repository_dispatch") != nil
}

// union returns the workflows the events start, memoized by what decides
// which runs they start (not by their descriptions), so that a repository
// where many steps push to main costs one scan. Each match's causeIndex
// says which of causes starts it.
func (ix *triggerIndex) union(causes []causedEvent) *triggerUnion {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// the union's key is the events' keys, each ended by a NUL byte
	var b []byte
	ends := make([]int, len(causes)) // where each event's key ends
	for i, c := range causes {
		b = c.appendKey(b)
		ends[i] = len(b)
		b = append(b, 0)
	}
	if u, ok := ix.unions[string(b)]; ok {
		return u
	}
	key := string(b)
	triggered := make([][]triggerMatch, len(causes))
	n, start := 0, 0 // n: at most this many; a union of hundreds grew by doubling
	for i := range causes {
		triggered[i] = ix.triggered(causes[i], key[start:ends[i]])
		n += len(triggered[i])
		start = ends[i] + 1
	}
	u := &triggerUnion{in: make(map[*RepoWorkflow]bool, n), all: make([]triggerMatch, 0, n)}
	for i := range causes {
		for _, m := range triggered[i] {
			if u.in[m.w] {
				continue
			}
			u.in[m.w] = true
			m.causeIndex = i
			u.all = append(u.all, m)
			if dispatchable(m.w) {
				u.dispatchable++
			} else {
				u.notDispatchable = append(u.notDispatchable, m)
			}
		}
	}
	ix.unions[key] = u
	return u
}

func newTriggerIndex(r *Repository) *triggerIndex {
	ix := &triggerIndex{r: r, byEvent: map[string][]*RepoWorkflow{}, memo: map[string][]triggerMatch{},
		unions: map[string]*triggerUnion{}, branchByLit: map[string][]*RepoWorkflow{},
		kinds: map[*RepoWorkflow]workflowKinds{}}
	for _, w := range r.Workflows {
		seen := map[string]bool{}
		for _, t := range w.Triggers {
			if seen[t.Event] {
				continue
			}
			seen[t.Event] = true
			ix.byEvent[t.Event] = append(ix.byEvent[t.Event], w)
			if t.Event != "push" {
				continue
			}
			if t.acceptsTagPushes() {
				ix.tagAll = append(ix.tagAll, w)
				if t.Tags.set {
					ix.tagExplicit = append(ix.tagExplicit, w)
				}
			}
			if !t.acceptsBranchPushes() {
				continue
			}
			ix.branchAll = append(ix.branchAll, w)
			lits, all := t.Branches.literals()
			switch {
			case !t.Branches.set:
				ix.branchUnfiltered = append(ix.branchUnfiltered, w)
			case all:
				for _, b := range lits {
					ix.branchByLit[b] = append(ix.branchByLit[b], w)
				}
			default:
				ix.branchWild = append(ix.branchWild, w)
			}
		}
	}
	return ix
}

// candidates returns the workflows that might run for the event.
func (ix *triggerIndex) candidates(c causedEvent) []*RepoWorkflow {
	if c.event != "push" {
		return ix.byEvent[c.event]
	}
	switch {
	case c.tag && c.explicit:
		return ix.tagExplicit
	case c.tag:
		return ix.tagAll
	case c.ref == "":
		if c.explicit {
			return nil
		}
		return ix.branchAll
	}
	out := slices.Concat(ix.branchByLit[c.ref], ix.branchWild)
	if !c.explicit {
		out = append(out, ix.branchUnfiltered...)
	}
	return out
}

// triggered returns the workflows (and their trigger) that the event starts
// when a person or an app causes it; key is its key (appendKey). Its
// caller (union) holds ix.mu.
func (ix *triggerIndex) triggered(c causedEvent, key string) []triggerMatch {
	if m, ok := ix.memo[key]; ok {
		return m
	}
	// the matches of hundreds of candidates collect in ix.found, kept
	// across calls, and are copied to a list of their size
	found := ix.found[:0]
	for _, w := range ix.candidates(c) {
		for _, t := range w.Triggers {
			if t.Event == c.event && triggerFires(t, c) {
				found = append(found, triggerMatch{w: w, t: t})
				break
			}
		}
	}
	ix.found = found
	var out []triggerMatch
	if len(found) > 0 {
		out = slices.Clone(found)
		slices.SortFunc(out, func(a, b triggerMatch) int { return strings.Compare(a.w.File.RelPath, b.w.File.RelPath) })
	}
	ix.memo[key] = out
	return out
}

// triggerFires reports whether the trigger runs for the caused event. Path
// filters make a branch push or pull request uncertain: those triggers are
// skipped (precision over recall).
func triggerFires(t *Trigger, c causedEvent) bool {
	switch c.event {
	case "push":
		if c.tag {
			if c.explicit && !t.Tags.set {
				return false
			}
			return t.acceptsTagPushes() && (c.ref == "" || t.Tags.matches(c.ref))
		}
		if c.explicit && (!t.Branches.set || c.ref == "") || c.prBranch && t.Branches.set {
			return false
		}
		return t.acceptsBranchPushes() && !t.HasPaths && (c.ref == "" || t.Branches.matches(c.ref))
	case "pull_request", "pull_request_target":
		return t.acceptsTypes(c.types) && !t.HasPaths && (c.ref == "" || t.Branches.matches(c.ref))
	case "release":
		return t.acceptsTypes(c.types)
	}
	return false
}

// maxDownstreams limits how many workflows one finding names.
const maxDownstreams = 5

// report builds the finding for an effect of a job in workflow w, or
// reports false when the effect starts no other workflow that waits for it.
// The runs that matter come first, so that the message names them.
func (ix *triggerIndex) report(w *RepoWorkflow, eff jobTokenEffect, dispatches bool) (Finding, bool) {
	u := ix.union(eff.causes)
	list, total := u.all, len(u.all)
	if dispatches {
		list, total = u.notDispatchable, len(u.notDispatchable)
	}
	if u.in[w] && (!dispatches || !dispatchable(w)) {
		total-- // the workflow itself
	}
	// the message names at most maxDownstreams runs, those that matter
	// first: keep no more of either kind (a repository of many workflows
	// lists hundreds)
	var matter, rest []triggerMatch
	for _, m := range list {
		m.cause = &eff.causes[m.causeIndex]
		switch {
		case m.w == w:
		case len(matter) < maxDownstreams && ix.matters(m, eff):
			matter = append(matter, m)
		case len(matter) < maxDownstreams && len(rest) < maxDownstreams:
			rest = append(rest, m)
		}
	}
	hits := append(matter, rest...)
	if total <= 0 || len(hits) == 0 {
		return Finding{}, false
	}
	hits = hits[:min(len(hits), maxDownstreams)]
	first := hits[0]
	target := fmt.Sprintf("workflow %s (on: %s)", first.w.File.Path, first.t.Event)
	if first.w.Name != first.w.File.RelPath {
		target = fmt.Sprintf("workflow %q (%s, on: %s)", first.w.Name, first.w.File.Path, first.t.Event)
	}
	if total > 1 {
		target += fmt.Sprintf(" and %d more", total-1)
	}
	msg := fmt.Sprintf("%s authenticates with GITHUB_TOKEN (%s), and events caused by GITHUB_TOKEN start no workflow runs: %s will not trigger %s; use a GitHub App token or a personal access token",
		eff.what, eff.cred.why, first.cause.desc, target)
	var rel []Location
	for _, h := range hits {
		rel = append(rel, related(h.w.File, Position{h.t.Pos.Line, h.t.Pos.Col},
			fmt.Sprintf("does not run for %s", h.cause.desc)))
	}
	fd := finding(w.File, eff.pos, msg, rel...)
	fd.Severity = SeverityInfo
	if len(matter) > 0 {
		fd.Severity = SeverityWarning
	}
	return fd, true
}

// matters reports whether a run that the event does not start is worth a
// warning, by what that run would have done:
//   - for a pull request a bot opens or a push to a pull request's branch,
//     the pull request's checks: a workflow that builds or tests the code;
//   - for a release, any workflow: it was set up to react to releases;
//   - for a push or a merge, a workflow that deploys or publishes (when the
//     pushing job does not publish itself), or one that builds or tests
//     dependency updates the pushing job neither built nor tested.
//
// Other runs re-check content the pushing workflow produced or tested
// itself (formatting, generated docs, version bumps, the merge of a tested
// pull request), or only analyse or lint a bot's pull request.
//
// What the pushing job does comes with the effect (eff).
func (ix *triggerIndex) matters(m triggerMatch, eff jobTokenEffect) bool {
	c := *m.cause
	switch {
	case c.event == "release":
		return true
	case c.prBranch || (c.event == "pull_request" || c.event == "pull_request_target") && !slices.Contains(c.types, "closed"):
		return ix.workflowDoes(m.w).checksCode
	}
	if ix.workflowDoes(m.w).publishes && !eff.publishes && pushCertain(m.t, c) {
		return true
	}
	return eff.updatesDependencies && !eff.checksCode && ix.workflowDoes(m.w).checksCode
}

// workflowDoes returns what the workflow's jobs do: from its facts when it
// was scanned, else from its job memo, memoized so that a repository with
// many workflows works it out once, not once per finding that names it.
func (ix *triggerIndex) workflowDoes(w *RepoWorkflow) workflowKinds {
	if w.Scanned {
		if facts, ok := w.Facts(tokenNoTriggerID).(*tokenNoTriggerFacts); ok {
			return facts.kinds
		}
		return workflowKinds{}
	}
	ix.mu.Lock()
	k, ok := ix.kinds[w]
	ix.mu.Unlock()
	if ok {
		return k
	}
	k = workflowKindsOf(w)
	ix.mu.Lock()
	ix.kinds[w] = k
	ix.mu.Unlock()
	return k
}

// pushCertain reports whether a push trigger runs for the push for sure:
// its branch is known, the trigger does not filter branches, or the push
// of an unknown branch (the branch the job runs on: for scheduled, manual
// and release runs, the default branch) meets a filter that takes the
// default branch. Tag pushes count: tag filters are written for the
// release tags that jobs push.
func pushCertain(t *Trigger, c causedEvent) bool {
	if c.event != "push" || c.tag || c.ref != "" || !t.Branches.set {
		return true
	}
	return slices.ContainsFunc(defaultBranches, t.Branches.matches)
}
