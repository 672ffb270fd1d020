package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// tokenNoTriggerRule flags steps that push commits or tags, open or merge
// pull requests, or publish releases with GITHUB_TOKEN while another
// workflow of the repository waits for that event: GitHub starts no
// workflow run for events caused by GITHUB_TOKEN (except workflow_dispatch
// and repository_dispatch).
var tokenNoTriggerRule = &Rule{
	ID: "token-no-trigger", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "a push, pull request or release made with GITHUB_TOKEN that another workflow waits for in vain",
	CheckRepository: checkTokenNoTrigger,
}

func checkTokenNoTrigger(r *Repository, _ any) []Finding {
	idx := newTriggerIndex(r)
	var out []Finding
	for _, w := range r.Workflows {
		if w.Context {
			continue
		}
		dispatches := dispatchesWorkflows(w.File.Src)
		for _, j := range w.Jobs {
			jc := newJobScan(r, w, j)
			for _, s := range j.Steps {
				for _, eff := range jc.effects(s) {
					if eff.cred.kind != credGitHubToken {
						continue
					}
					if fd, ok := idx.report(w, eff, dispatches); ok {
						if fd.Severity == 0 {
							fd.Severity = tokenEffectSeverity(eff, j)
						}
						out = append(out, fd)
					}
				}
			}
		}
	}
	return out
}

// generatedCommitRe matches what jobs that commit generated files say
// about themselves: formatting, lint fixes, docs, changelogs, version bumps,
// sponsor and contributor lists.
var generatedCommitRe = lazyre.New(`(?i)\b(format|prettier|autofix|lint|fmt|docs?|documentation|changelog|changesets?|version|bump|sponsors?|contributors|readme|lkg|generate[ds]?|api-docs|alias)\b`)

// tokenEffectSeverity weighs a finding by what the skipped runs would have
// checked: a push to a pull request's branch (its head goes unchecked), a
// release (its tests never run) or a push of a merge or of real changes is
// a warning, as is a bot pull request of real changes (dependency
// updates); a bot pull request or a pushed commit of generated files
// (formatting, docs, version bumps, by the job's own words) and a tag push
// are info, since nothing meaningful goes unchecked.
func tokenEffectSeverity(eff tokenEffect, j *RepoJob) Severity {
	branchPush, botPR := false, false
	for _, c := range eff.causes {
		switch {
		case c.prBranch || c.event == "release":
			return SeverityWarning
		case slices.Contains(c.types, "opened"):
			botPR = true
		case c.event == "push" && !c.tag:
			branchPush = true
		}
	}
	if jobGenerates(j) || !botPR && !branchPush {
		return SeverityInfo
	}
	return SeverityWarning
}

// jobGenerates reports whether a job's name, step names or commit inputs say
// it commits generated files.
func jobGenerates(j *RepoJob) bool {
	if j.Job.Name != nil && generatedCommitRe.MatchString(j.Job.Name.Value) || j.Job.ID != nil && generatedCommitRe.MatchString(j.Job.ID.Value) {
		return true
	}
	if w := j.Workflow; w != nil && generatedCommitRe.MatchString(w.Name) {
		return true
	}
	for _, s := range j.Steps {
		if s.Step.Name != nil && generatedCommitRe.MatchString(s.Step.Name.Value) {
			return true
		}
		for _, in := range []string{"commit_message", "commit-message", "message"} {
			if v := s.Input(in); v != nil && generatedCommitRe.MatchString(v.Value) {
				return true
			}
		}
	}
	return false
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
	r       *Repository
	byEvent map[string][]*RepoWorkflow
	memo    map[string][]triggerMatch
	unions  map[string]*triggerUnion

	tagAll, tagExplicit         []*RepoWorkflow // push triggers that run for tags (that name tags)
	branchAll, branchUnfiltered []*RepoWorkflow // push triggers that run for branches (without a filter)
	branchWild                  []*RepoWorkflow // branch filters with patterns or ignores
	branchByLit                 map[string][]*RepoWorkflow
}

type triggerMatch struct {
	w    *RepoWorkflow
	t    *Trigger
	desc string // what causes the event
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

// union returns the workflows the events start, memoized by the events, so
// that a repository where many steps push to main costs one scan.
func (ix *triggerIndex) union(causes []causedEvent) *triggerUnion {
	var key strings.Builder
	for _, c := range causes {
		fmt.Fprintf(&key, "%s|%v|%s|%v|%v|%s\x00", c.event, c.tag, c.ref, c.types, c.explicit, c.desc)
	}
	if u, ok := ix.unions[key.String()]; ok {
		return u
	}
	u := &triggerUnion{in: map[*RepoWorkflow]bool{}}
	for _, c := range causes {
		for _, m := range ix.triggered(c) {
			if u.in[m.w] {
				continue
			}
			u.in[m.w] = true
			m.desc = c.desc
			u.all = append(u.all, m)
			if dispatchable(m.w) {
				u.dispatchable++
			} else {
				u.notDispatchable = append(u.notDispatchable, m)
			}
		}
	}
	ix.unions[key.String()] = u
	return u
}

func newTriggerIndex(r *Repository) *triggerIndex {
	ix := &triggerIndex{r: r, byEvent: map[string][]*RepoWorkflow{}, memo: map[string][]triggerMatch{},
		unions: map[string]*triggerUnion{}, branchByLit: map[string][]*RepoWorkflow{}}
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
// when a person or an app causes it.
func (ix *triggerIndex) triggered(c causedEvent) []triggerMatch {
	key := fmt.Sprintf("%s|%v|%s|%v|%v", c.event, c.tag, c.ref, c.types, c.explicit)
	if m, ok := ix.memo[key]; ok {
		return m
	}
	var out []triggerMatch
	for _, w := range ix.candidates(c) {
		for _, t := range w.Triggers {
			if t.Event == c.event && triggerFires(t, c) {
				out = append(out, triggerMatch{w: w, t: t})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b triggerMatch) int { return strings.Compare(a.w.File.RelPath, b.w.File.RelPath) })
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

func (ix *triggerIndex) report(w *RepoWorkflow, eff tokenEffect, dispatches bool) (Finding, bool) {
	u := ix.union(eff.causes)
	list, total := u.all, len(u.all)
	if dispatches {
		list, total = u.notDispatchable, len(u.notDispatchable)
	}
	if u.in[w] && (!dispatches || !dispatchable(w)) {
		total-- // the workflow itself
	}
	var hits []triggerMatch
	for _, m := range list {
		if len(hits) == maxDownstreams {
			break
		}
		if m.w != w {
			hits = append(hits, m)
		}
	}
	if total <= 0 || len(hits) == 0 {
		return Finding{}, false
	}
	first := hits[0]
	target := fmt.Sprintf("workflow %s (on: %s)", first.w.File.Path, first.t.Event)
	if first.w.Name != first.w.File.RelPath {
		target = fmt.Sprintf("workflow %q (%s, on: %s)", first.w.Name, first.w.File.Path, first.t.Event)
	}
	if total > 1 {
		target += fmt.Sprintf(" and %d more", total-1)
	}
	msg := fmt.Sprintf("%s authenticates with GITHUB_TOKEN (%s), and events caused by GITHUB_TOKEN start no workflow runs: %s will not trigger %s; use a GitHub App token or a personal access token",
		eff.what, eff.cred.why, first.desc, target)
	var rel []Location
	for _, h := range hits {
		rel = append(rel, related(h.w.File, Position{h.t.Pos.Line, h.t.Pos.Col},
			fmt.Sprintf("does not run for %s", h.desc)))
	}
	fd := finding(w.File, eff.pos, msg, rel...)
	for _, h := range hits {
		for _, hj := range h.w.Jobs {
			if jobPublishes(hj.Job) {
				fd.Severity = SeverityWarning // a skipped deploy or release is always worth knowing
			}
		}
	}
	return fd, true
}
