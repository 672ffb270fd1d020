package lint

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
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

type credKind int

const (
	credUnknown credKind = iota
	credGitHubToken
	credOther
)

// cred is the credential a step authenticates with, and why gantry thinks so.
type cred struct {
	kind credKind
	why  string
}

// causedEvent is an event a step causes.
type causedEvent struct {
	event string // push, pull_request, release
	tag   bool   // a tag push
	ref   string // the branch (or tag) name; "" when unknown
	types []string
	desc  string // "the push to main"
	// explicit means only triggers whose filters name the ref count: a push
	// to gh-pages or of a tag is not what a plain on: push workflow waits for
	explicit bool
	// prBranch marks a push to a pull request's branch, which a push
	// trigger filtered on branches (the default branch) does not run for
	prBranch bool
}

// tokenEffect is something a step does that causes events.
type tokenEffect struct {
	what   string
	pos    Position
	cred   cred
	causes []causedEvent
}

// skipCIRe matches the commit message markers that skip push and
// pull_request workflows on purpose.
var skipCIRe = regexp.MustCompile(`(?i)\[(skip ci|ci skip|no ci|skip actions|actions skip)\]|\*\*\*no_ci\*\*\*`)

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
var generatedCommitRe = regexp.MustCompile(`(?i)\b(format|prettier|autofix|lint|fmt|docs?|documentation|changelog|changesets?|version|bump|sponsors?|contributors|readme|lkg|generate[ds]?|api-docs|alias)\b`)

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

// jobScan holds what one job's steps tell about credentials and refs.
type jobScan struct {
	r        *Repository
	w        *RepoWorkflow
	j        *RepoJob
	tagNames map[string]bool
	tagCmd   bool
	skipCI   bool
}

func newJobScan(r *Repository, w *RepoWorkflow, j *RepoJob) *jobScan {
	jc := &jobScan{r: r, w: w, j: j, tagNames: map[string]bool{}}
	for _, s := range j.Steps {
		run := s.Run()
		if run == nil {
			continue
		}
		for _, c := range s.Commands() {
			if len(c.Words) == 0 || c.Words[0] != "git" {
				continue
			}
			sub := c.Sub()
			if len(sub) == 0 {
				continue
			}
			switch sub[0] {
			case "tag":
				if hasFlag(sub, "-l", "--list", "-d", "--delete", "-v", "--verify", "--contains", "--points-at") {
					continue
				}
				jc.tagCmd = true
				if name, ok := firstPositional(sub[1:], "-m", "--message", "-F", "--file", "-u", "--local-user", "--cleanup"); ok {
					jc.tagNames[name] = true
				}
			case "commit":
				if skipCIRe.MatchString(strings.Join(sub, " ")) {
					jc.skipCI = true
				}
			}
		}
	}
	return jc
}

// firstPositional returns the first argument that is not an option (or the
// value of one of the options that take a value).
func firstPositional(args []string, valued ...string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if slices.Contains(valued, a) {
			i++
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		return a, true
	}
	return "", false
}

// effects returns what the step does that causes events.
func (jc *jobScan) effects(s *RepoStep) []tokenEffect {
	if run := s.Run(); run != nil {
		return jc.runEffects(s, run)
	}
	if s.Uses() == nil {
		return nil
	}
	return jc.actionEffects(s)
}

func (jc *jobScan) runEffects(s *RepoStep, run *actionlint.String) []tokenEffect {
	var out []tokenEffect
	f := s.File()
	for _, c := range s.Commands() {
		if len(c.Words) == 0 {
			continue
		}
		pos := jc.r.positionIn(f, run, c.Line, c.Col)
		switch {
		case c.Words[0] == "git":
			sub := c.Sub()
			if len(sub) == 0 || sub[0] != "push" {
				continue
			}
			causes := jc.gitPushCauses(s, sub[1:])
			if len(causes) == 0 {
				continue
			}
			out = append(out, tokenEffect{what: "git push", pos: pos, cred: jc.gitCred(s, &c), causes: causes})
		case c.Words[0] == "gh":
			sub := c.Sub()
			if len(sub) < 2 {
				continue
			}
			var causes []causedEvent
			what := "gh " + sub[0] + " " + sub[1]
			switch sub[0] + " " + sub[1] {
			case "pr create":
				base, _ := optValue(sub, "--base", "-B")
				causes = jc.prOpened(literalOr(base, ""))
			case "pr merge":
				causes = []causedEvent{
					{event: "push", desc: "the push of the merge to the base branch"},
					{event: "pull_request", types: []string{"closed"}, desc: "the closing of the merged pull request"},
					{event: "pull_request_target", types: []string{"closed"}, desc: "the closing of the merged pull request"},
				}
			case "release create":
				causes = jc.releaseCauses(hasFlag(sub, "--draft", "-d"), releaseTag(sub[2:]), true)
			default:
				continue
			}
			out = append(out, tokenEffect{what: what, pos: pos, cred: jc.ghCred(s, &c, run), causes: causes})
		case isSemanticRelease(c.Words):
			out = append(out, tokenEffect{what: "semantic-release", pos: pos, cred: jc.envCred(s, &c, "GH_TOKEN", "GITHUB_TOKEN"),
				causes: jc.releaseCauses(false, "", true)})
		}
	}
	return out
}

func isSemanticRelease(words []string) bool {
	for i, w := range words {
		if i > 2 {
			break
		}
		if w == "semantic-release" || strings.HasPrefix(w, "semantic-release@") {
			return i == 0 || words[0] == "npx" || words[0] == "bunx" || words[0] == "pnpx" || words[0] == "dlx" ||
				(i == 2 && (words[1] == "dlx" || words[1] == "exec"))
		}
	}
	return false
}

// releaseTag returns the tag argument of gh release create.
func releaseTag(args []string) string {
	t, _ := firstPositional(args, "-t", "--title", "-n", "--notes", "-F", "--notes-file", "--target", "--discussion-category",
		"--notes-start-tag", "-R", "--repo")
	return literalOr(t, "")
}

// literalOr returns s when it contains no expression or variable, else def.
func literalOr(s, def string) string {
	if s == "" || strings.Contains(s, "$") {
		return def
	}
	return s
}

func (jc *jobScan) actionEffects(s *RepoStep) []tokenEffect {
	pos := at(s.Uses())
	input := func(name string) string {
		if v := s.Input(name); v != nil {
			return strings.TrimSpace(v.Value)
		}
		return ""
	}
	tokenInput := func(name, def string) cred {
		if v := s.Input(name); v != nil {
			return jc.classify(s, nil, v.Value, "its "+name+" input", 0)
		}
		return cred{credGitHubToken, def}
	}
	what := s.Action
	var c cred
	var causes []causedEvent
	switch s.Action {
	case "stefanzweifel/git-auto-commit-action", "endbug/add-and-commit":
		if s.Action == "endbug/add-and-commit" && strings.EqualFold(input("push"), "false") {
			return nil
		}
		msg := input("commit_message") + input("message")
		if skipCIRe.MatchString(msg) {
			return nil
		}
		c = jc.gitCred(s, nil)
		branch := literalOr(input("branch")+input("new_branch"), "")
		if branch != "" {
			causes = append(causes, causedEvent{event: "push", ref: branch, desc: "its push to " + branch, explicit: branch != jc.currentBranch()})
		} else {
			causes = append(causes, jc.currentBranchPush("its push")...)
		}
		if tag := input("tag_name") + input("tagging_message") + input("tag"); tag != "" {
			causes = append(causes, causedEvent{event: "push", tag: true, desc: "its tag push", explicit: true})
		}
	case "ad-m/github-push-action":
		if strings.EqualFold(input("ssh"), "true") {
			return nil
		}
		c = tokenInput("github_token", "its github_token input")
		if strings.EqualFold(input("tags"), "true") {
			causes = append(causes, causedEvent{event: "push", tag: true, desc: "its tag push", explicit: true})
		}
		branch := literalOr(input("branch"), "")
		desc := "its push"
		if branch != "" {
			desc += " to " + branch
		}
		causes = append(causes, causedEvent{event: "push", ref: branch, desc: desc, explicit: branch != "" && branch != jc.currentBranch()})
	case "peter-evans/create-pull-request":
		if skipCIRe.MatchString(input("commit-message")) {
			return nil
		}
		c = tokenInput("token", "the default token of peter-evans/create-pull-request")
		causes = jc.prOpened(literalOr(input("base"), ""))
		branch := literalOr(input("branch"), "create-pull-request/patch")
		causes = append(causes, causedEvent{event: "push", ref: branch, desc: "its push of " + branch, explicit: true})
	case "softprops/action-gh-release", "ncipollo/release-action", "actions/create-release":
		if s.Action == "actions/create-release" {
			c = jc.envCred(s, nil, "GITHUB_TOKEN")
		} else {
			c = tokenInput("token", "the default token of "+s.Action)
		}
		draft := strings.EqualFold(input("draft"), "true")
		tag := input("tag_name") + input("tag")
		causes = jc.releaseCauses(draft, literalOr(tag, ""), tag != "")
	case "googleapis/release-please-action", "google-github-actions/release-please-action":
		c = tokenInput("token", "the default token of "+s.Action)
		causes = append(jc.prOpened(literalOr(input("target-branch"), "")),
			causedEvent{event: "push", desc: "its push of the release branch", explicit: true})
		causes = append(causes, jc.releaseCauses(false, "", true)...)
	case "cycjimmy/semantic-release-action":
		c = jc.envCred(s, nil, "GH_TOKEN", "GITHUB_TOKEN")
		causes = jc.releaseCauses(false, "", true)
	case "changesets/action":
		c = jc.envCred(s, nil, "GITHUB_TOKEN")
		causes = jc.prOpened("")
		if input("publish") != "" && !strings.EqualFold(input("createGithubReleases"), "false") {
			causes = append(causes, jc.releaseCauses(false, "", true)...)
		}
	case "pascalgn/automerge-action":
		c = jc.envCred(s, nil, "GITHUB_TOKEN")
		causes = []causedEvent{
			{event: "push", desc: "the push of the merge to the base branch"},
			{event: "pull_request", types: []string{"closed"}, desc: "the closing of the merged pull request"},
		}
	case "actions/github-script":
		c = tokenInput("github-token", "the default token of actions/github-script")
		causes = scriptCauses(input("script"))
	default:
		return nil
	}
	if len(causes) == 0 {
		return nil
	}
	return []tokenEffect{{what: what, pos: pos, cred: c, causes: causes}}
}

// scriptCauses reads the GitHub API calls of a github-script script.
func scriptCauses(script string) []causedEvent {
	var out []causedEvent
	if strings.Contains(script, ".createRelease(") {
		out = append(out, causedEvent{event: "release", types: []string{"created", "published", "released", "prereleased"}, desc: "the release it creates"})
	}
	if strings.Contains(script, ".pulls.create(") {
		out = append(out, causedEvent{event: "pull_request", types: []string{"opened"}, desc: "the pull request it opens"},
			causedEvent{event: "pull_request_target", types: []string{"opened"}, desc: "the pull request it opens"})
	}
	if strings.Contains(script, ".pulls.merge(") {
		out = append(out, causedEvent{event: "push", desc: "the push of the merge to the base branch"})
	}
	if strings.Contains(script, ".git.createRef(") {
		if strings.Contains(script, "refs/tags/") {
			out = append(out, causedEvent{event: "push", tag: true, desc: "the tag it creates", explicit: true})
		} else {
			out = append(out, causedEvent{event: "push", desc: "the branch it creates", explicit: true})
		}
	}
	return out
}

// prOpened are the events of opening a pull request against base.
func (jc *jobScan) prOpened(base string) []causedEvent {
	if jc.skipCI {
		return nil
	}
	desc := "the pull request it opens"
	return []causedEvent{
		{event: "pull_request", ref: base, types: []string{"opened", "synchronize"}, desc: desc},
		{event: "pull_request_target", ref: base, types: []string{"opened", "synchronize"}, desc: desc},
	}
}

// releaseCauses are the events of publishing a release; a tag that does not
// exist yet is created (and pushed) with it unless the workflow runs for
// tag pushes.
func (jc *jobScan) releaseCauses(draft bool, tag string, mayCreateTag bool) []causedEvent {
	types := []string{"created", "published", "released", "prereleased"}
	desc := "the release it publishes"
	if draft {
		types, desc = []string{"created"}, "the draft release it creates"
	}
	out := []causedEvent{{event: "release", types: types, desc: desc}}
	if mayCreateTag && !draft && !jc.runsForTags() {
		d := "the tag it creates"
		if tag != "" {
			d = "the tag " + tag + " it creates"
		}
		out = append(out, causedEvent{event: "push", tag: true, ref: tag, desc: d, explicit: true})
	}
	return out
}

// runsForTags reports whether the workflow runs for tag pushes (so the tag
// of its release already exists).
func (jc *jobScan) runsForTags() bool {
	t := jc.w.Trigger("push")
	return t != nil && t.Tags.set
}

// gitPushCauses parses git push arguments into the refs it pushes.
func (jc *jobScan) gitPushCauses(s *RepoStep, args []string) []causedEvent {
	var pos []string
	tags, follow := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--delete" || a == "-d" || a == "--dry-run" || a == "-n":
			return nil
		case a == "--tags":
			tags = true
		case a == "--follow-tags":
			follow = true
		case a == "--all" || a == "--mirror" || a == "--branches":
			pos = append(pos, "\x00any")
		case a == "-o" || a == "--push-option" || a == "--repo" || a == "--receive-pack" || a == "--exec":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			pos = append(pos, a)
		}
	}
	var out []causedEvent
	if tags || follow {
		out = append(out, causedEvent{event: "push", tag: true, desc: "its tag push", explicit: true})
	}
	refspecs := pos
	if len(pos) > 0 && pos[0] != "\x00any" {
		refspecs = pos[1:] // the remote
	}
	if len(refspecs) == 0 {
		if tags && !follow {
			return out
		}
		return append(out, jc.currentBranchPush("this push")...)
	}
	for i := 0; i < len(refspecs); i++ {
		spec := refspecs[i]
		if spec == "\x00any" {
			out = append(out, causedEvent{event: "push", desc: "this push"})
			continue
		}
		if spec == "tag" && i+1 < len(refspecs) {
			i++
			out = append(out, jc.tagPush(refspecs[i]))
			continue
		}
		spec = strings.TrimPrefix(spec, "+")
		if strings.HasPrefix(spec, ":") {
			continue // deletion
		}
		dst := spec
		if k := strings.LastIndexByte(spec, ':'); k >= 0 {
			dst = spec[k+1:]
		}
		switch {
		case strings.HasPrefix(dst, "refs/tags/"):
			out = append(out, jc.tagPush(strings.TrimPrefix(dst, "refs/tags/")))
		case strings.HasPrefix(dst, "refs/heads/"):
			out = append(out, jc.branchPush(strings.TrimPrefix(dst, "refs/heads/")))
		case dst == "HEAD" || dst == "@":
			out = append(out, jc.currentBranchPush("this push")...)
		case jc.tagNames[dst]:
			out = append(out, jc.tagPush(dst))
		case strings.Contains(dst, "$"):
			if jc.tagCmd {
				out = append(out, causedEvent{event: "push", tag: true, desc: "its tag push", explicit: true})
			} else {
				out = append(out, jc.branchPush(""))
			}
		default:
			out = append(out, jc.branchPush(dst))
		}
	}
	return slices.DeleteFunc(out, func(c causedEvent) bool { return c.event == "" })
}

func (jc *jobScan) tagPush(name string) causedEvent {
	name = literalOr(name, "")
	desc := "its tag push"
	if name != "" {
		desc = "its push of tag " + name
	}
	return causedEvent{event: "push", tag: true, ref: name, desc: desc, explicit: true}
}

func (jc *jobScan) branchPush(name string) causedEvent {
	if jc.skipCI {
		return causedEvent{}
	}
	desc := "this push"
	if name != "" {
		desc = "this push to " + name
	}
	return causedEvent{event: "push", ref: name, desc: desc, explicit: name == "" || name != jc.currentBranch()}
}

// currentBranchPush is a push of the checked-out branch: the branch of the
// workflow's push trigger when it names one, and the pull request's head
// branch (a synchronize event) when the job checks out github.head_ref.
func (jc *jobScan) currentBranchPush(desc string) []causedEvent {
	if jc.skipCI {
		return nil
	}
	branch := ""
	co := jc.lastCheckout(len(jc.j.Steps))
	if co != nil {
		if ref := co.Input("ref"); ref != nil {
			v := strings.TrimSpace(ref.Value)
			if !strings.Contains(v, "${{") {
				branch = strings.TrimPrefix(v, "refs/heads/")
			} else if exprRefs(v, func(p string) bool { return p == "github.head_ref" }) {
				return []causedEvent{
					{event: "push", desc: desc + " to the pull request's branch", prBranch: true},
					{event: "pull_request", types: []string{"synchronize"}, desc: desc + " to the pull request's branch", prBranch: true},
					{event: "pull_request_target", types: []string{"synchronize"}, desc: desc + " to the pull request's branch", prBranch: true},
				}
			}
		}
	}
	if branch == "" {
		if jc.onlyTagTriggered() {
			return nil // a detached tag checkout has no branch to push
		}
		branch = jc.triggerBranch()
	}
	if branch != "" {
		desc += " to " + branch
	}
	return []causedEvent{{event: "push", ref: branch, desc: desc}}
}

// triggerBranch returns the branch the workflow runs on when its only
// trigger is a push to one literal branch.
func (jc *jobScan) triggerBranch() string {
	if t := jc.w.Trigger("push"); t != nil && len(jc.w.Triggers) == 1 {
		if lits, all := t.Branches.literals(); all && len(lits) == 1 {
			return lits[0]
		}
	}
	return ""
}

// currentBranch returns the branch the job has checked out, when known.
func (jc *jobScan) currentBranch() string {
	if co := jc.lastCheckout(len(jc.j.Steps)); co != nil {
		if ref := co.Input("ref"); ref != nil {
			if v := strings.TrimSpace(ref.Value); !strings.Contains(v, "${{") {
				return strings.TrimPrefix(v, "refs/heads/")
			}
			return ""
		}
	}
	return jc.triggerBranch()
}

// onlyTagTriggered reports whether the workflow runs only for tag pushes.
func (jc *jobScan) onlyTagTriggered() bool {
	t := jc.w.Trigger("push")
	return t != nil && len(jc.w.Triggers) == 1 && t.Tags.set && !t.Branches.set
}

// lastCheckout returns the last actions/checkout step before index i
// that checks out into the workspace root.
func (jc *jobScan) lastCheckout(i int) *RepoStep { return jc.checkoutAt(i, "") }

// checkoutAt returns the actions/checkout step before index i that owns
// the directory dir (relative to the workspace; "" is the root): the one
// whose path: is dir or its closest parent, the latest among equals.
func (jc *jobScan) checkoutAt(i int, dir string) *RepoStep {
	dir = cleanWorkDir(dir)
	var best *RepoStep
	bestLen := -1
	for k := 0; k < min(i, len(jc.j.Steps)); k++ {
		s := jc.j.Steps[k]
		if !s.Is("actions/checkout") {
			continue
		}
		p := ""
		if v := s.Input("path"); v != nil {
			p = cleanWorkDir(v.Value)
		}
		if p != "" && p != dir && !strings.HasPrefix(dir, p+"/") {
			continue
		}
		if len(p) >= bestLen {
			best, bestLen = s, len(p)
		}
	}
	return best
}

// cleanWorkDir cleans a directory relative to the workspace, with "" for
// the workspace itself.
func cleanWorkDir(d string) string {
	d = strings.TrimSpace(d)
	d = strings.TrimPrefix(d, "${{ github.workspace }}")
	d = strings.TrimPrefix(d, "$GITHUB_WORKSPACE")
	d = cleanRel(d)
	if d == "." {
		return ""
	}
	return d
}

// pushDir returns the directory a git command of step s runs in: the
// step's working directory, changed by cd commands before it. ok is false
// when a cd goes somewhere gantry cannot tell.
func pushDir(s *RepoStep, cmd *shellCmd) (string, bool) {
	dir := workingDir(s)
	if a, ok := s.Step.Exec.(*actionlint.ExecAction); ok {
		for _, in := range []string{"repository", "cwd"} {
			if v := a.Inputs[in]; v != nil && v.Value != nil && (s.Is("stefanzweifel/git-auto-commit-action") && in == "repository" || s.Is("endbug/add-and-commit") && in == "cwd") {
				dir = v.Value.Value
			}
		}
	}
	if strings.Contains(dir, "$") {
		return "", false
	}
	run := s.Run()
	if run == nil || cmd == nil {
		return dir, true
	}
	var stack []string
	for _, c := range s.Commands() {
		if c.Line > cmd.Line || c.Line == cmd.Line && c.Col >= cmd.Col {
			break
		}
		if len(c.Words) == 0 {
			continue
		}
		switch c.Words[0] {
		case "cd", "pushd":
			if len(c.Words) < 2 || strings.Contains(c.Words[1], "$") || strings.HasPrefix(c.Words[1], "/") || strings.HasPrefix(c.Words[1], "~") || c.Words[1] == "-" {
				return "", false
			}
			if c.Words[0] == "pushd" {
				stack = append(stack, dir)
			}
			dir = path.Join(dir, c.Words[1])
		case "popd":
			if len(stack) == 0 {
				return "", false
			}
			dir, stack = stack[len(stack)-1], stack[:len(stack)-1]
		}
	}
	return dir, true
}

// gitCred decides what credential a git push (cmd, or an action that
// pushes with the checkout's credentials when cmd is nil) uses.
func (jc *jobScan) gitCred(s *RepoStep, cmd *shellCmd) cred {
	if cmd != nil {
		for _, w := range cmd.Words {
			if strings.Contains(w, "://") && strings.Contains(w, "@") {
				return jc.classify(s, cmd, w, "the token in the push URL", 0)
			}
		}
	}
	idx := slices.Index(jc.j.Steps, s)
	dir, ok := pushDir(s, cmd)
	if !ok {
		return cred{}
	}
	co := jc.checkoutAt(idx, dir)
	start := 0
	if co != nil {
		start = slices.Index(jc.j.Steps, co) + 1
	}
	// the last reconfiguration of git's credentials before the push wins
	for k := idx; k >= start; k-- {
		st := jc.j.Steps[k]
		run := st.Run()
		if run == nil {
			continue
		}
		cmds := st.Commands()
		for i := len(cmds) - 1; i >= 0; i-- {
			c := cmds[i]
			if k == idx && cmd != nil && c.Line > cmd.Line {
				continue
			}
			if isGitAuthCommand(c) {
				return jc.classify(st, &c, strings.Join(c.Words, " "), "the token git is configured with", 0)
			}
		}
	}
	if co == nil {
		return cred{}
	}
	if repo := co.Input("repository"); repo != nil && !isThisRepository(repo.Value) {
		return cred{credOther, "another repository"}
	}
	if co.Input("ssh-key") != nil {
		return cred{credOther, "an ssh key"}
	}
	if pc := co.Input("persist-credentials"); pc != nil && strings.EqualFold(strings.TrimSpace(pc.Value), "false") {
		return cred{}
	}
	if tok := co.Input("token"); tok != nil {
		return jc.classify(co, nil, tok.Value, "the token input of actions/checkout", 0)
	}
	return cred{credGitHubToken, "the default credential that actions/checkout persists"}
}

// isThisRepository reports whether a repository: input names the workflow's
// own repository (not, say, ${{ github.repository }}.wiki).
func isThisRepository(v string) bool {
	v = strings.ReplaceAll(strings.TrimSpace(v), " ", "")
	return v == "${{github.repository}}"
}

func isGitAuthCommand(c shellCmd) bool {
	if len(c.Words) == 0 {
		return false
	}
	switch c.Words[0] {
	case "git":
		sub := c.Sub()
		if len(sub) >= 2 && sub[0] == "remote" && (sub[1] == "set-url" || sub[1] == "add") {
			return true
		}
		if len(sub) >= 1 && sub[0] == "config" {
			for _, w := range sub[1:] {
				lw := strings.ToLower(w)
				if strings.HasPrefix(lw, "url.") || strings.Contains(lw, "extraheader") || strings.HasPrefix(lw, "credential") {
					return true
				}
			}
		}
	case "gh":
		sub := c.Sub()
		return len(sub) >= 2 && sub[0] == "auth" && sub[1] == "setup-git"
	}
	return false
}

// ghCred decides what credential gh uses: GH_TOKEN, then GITHUB_TOKEN, or
// a gh auth login earlier in the step.
func (jc *jobScan) ghCred(s *RepoStep, cmd *shellCmd, run *actionlint.String) cred {
	for _, line := range strings.Split(run.Value, "\n") {
		if strings.Contains(line, "gh auth login") {
			return jc.classify(s, cmd, line, "the token of gh auth login", 0)
		}
	}
	return jc.envCred(s, cmd, "GH_TOKEN", "GITHUB_TOKEN")
}

// envCred classifies the first of the env variables that is set.
func (jc *jobScan) envCred(s *RepoStep, cmd *shellCmd, names ...string) cred {
	for _, n := range names {
		if cmd != nil {
			if v, ok := cmd.Assign[n]; ok {
				return jc.classify(s, cmd, v, n, 0)
			}
		}
		if v := s.Env(n); v != nil {
			return jc.classify(s, cmd, v.Value, "env "+n, 0)
		}
	}
	return cred{}
}

// classify decides what credential a value refers to: GITHUB_TOKEN
// (github.token, secrets.GITHUB_TOKEN), another secret or step output (a
// PAT or an app token), or unknown. Environment variables are followed.
func (jc *jobScan) classify(s *RepoStep, cmd *shellCmd, v, where string, depth int) cred {
	if depth > 3 {
		return cred{}
	}
	gh, other := false, false
	var envRefs []string
	spans, _ := exprSpans(v)
	for _, sp := range spans {
		actionlint.VisitExprNode(sp.node, func(node, _ actionlint.ExprNode, entering bool) {
			p, ok := contextPath(node)
			if !entering || !ok {
				return
			}
			switch {
			case p == "github.token" || p == "secrets.github_token":
				gh = true
			case strings.HasPrefix(p, "env."):
				envRefs = append(envRefs, strings.TrimPrefix(p, "env."))
			case strings.Count(p, ".") >= 1 && (strings.HasPrefix(p, "secrets.") || strings.HasPrefix(p, "steps.") ||
				strings.HasPrefix(p, "needs.") || strings.HasPrefix(p, "inputs.") || strings.HasPrefix(p, "vars.")):
				other = true
			}
		})
	}
	rest := v
	for i := len(spans) - 1; i >= 0; i-- {
		rest = rest[:spans[i].start] + rest[spans[i].end:]
	}
	envRefs = append(envRefs, shellVars(rest)...)
	for _, name := range envRefs {
		var val string
		found := false
		if cmd != nil {
			val, found = cmd.Assign[name]
		}
		if !found {
			if e := s.Env(name); e != nil {
				val, found = e.Value, true
			}
		}
		if !found {
			continue
		}
		switch jc.classify(s, nil, val, where, depth+1).kind {
		case credGitHubToken:
			gh = true
		case credOther:
			other = true
		}
	}
	switch {
	case other:
		return cred{credOther, where}
	case gh:
		return cred{credGitHubToken, "through " + where}
	}
	return cred{}
}
