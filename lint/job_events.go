package lint

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// This file reads what a job's steps do that causes events (pushes of
// branches and tags, pull requests opened or merged, releases published)
// and with which credential, for the token-no-trigger rule.

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

// appendKey appends to b what decides which workflow runs the event
// starts: all but its description, as event|tag|ref|["type" ...]|explicit|prBranch.
func (c causedEvent) appendKey(b []byte) []byte {
	b = append(append(b, c.event...), '|')
	b = append(strconv.AppendBool(b, c.tag), '|')
	b = append(append(b, c.ref...), '|', '[')
	for i, t := range c.types {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendQuote(b, t)
	}
	b = append(b, ']', '|')
	b = append(strconv.AppendBool(b, c.explicit), '|')
	return strconv.AppendBool(b, c.prBranch)
}

// tokenEffect is something a step does that causes events.
type tokenEffect struct {
	what   string
	pos    Position
	cred   cred
	causes []causedEvent
}

// detached returns a copy of the effect whose strings share no memory
// with the workflow's source or syntax tree.
func (e tokenEffect) detached() tokenEffect {
	e.what, e.cred.why = strings.Clone(e.what), strings.Clone(e.cred.why)
	causes := make([]causedEvent, len(e.causes))
	for i, c := range e.causes {
		c.ref, c.desc = strings.Clone(c.ref), strings.Clone(c.desc)
		c.types = slices.Clone(c.types)
		for k := range c.types {
			c.types[k] = strings.Clone(c.types[k])
		}
		causes[i] = c
	}
	e.causes = causes
	return e
}

// skipCIRe matches the commit message markers that skip push and
// pull_request workflows on purpose.
var skipCIRe = lazyre.New(`(?i)\[(skip ci|ci skip|no ci|skip actions|actions skip)\]|\*\*\*no_ci\*\*\*`)

// jobScan holds what one job's steps tell about credentials and refs.
type jobScan struct {
	*jobCredentials
	r        *Repository
	w        *RepoWorkflow
	j        *RepoJob
	tagNames map[string]bool
	tagCmd   bool
	skipCI   bool
}

func newJobScan(r *Repository, w *RepoWorkflow, j *RepoJob) *jobScan {
	jc := &jobScan{jobCredentials: &jobCredentials{j: j}, r: r, w: w, j: j, tagNames: map[string]bool{}}
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
		// the position is worked out only for the commands that cause events
		pos := func() Position { return jc.r.positionIn(f, run, c.Line, c.Col) }
		switch {
		case c.Words[0] == "git":
			sub := c.Sub()
			if len(sub) == 0 || sub[0] != "push" {
				continue
			}
			causes := jc.gitPushCauses(s, &c, sub[1:])
			if len(causes) == 0 {
				continue
			}
			out = append(out, tokenEffect{what: "git push", pos: pos(), cred: jc.gitCred(s, &c), causes: causes})
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
			out = append(out, tokenEffect{what: what, pos: pos(), cred: jc.ghCred(s, &c, run), causes: causes})
		case isSemanticRelease(c.Words):
			out = append(out, tokenEffect{what: "semantic-release", pos: pos(), cred: jc.envCred(s, &c, "GH_TOKEN", "GITHUB_TOKEN"),
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

// gitPushCauses parses the arguments of git push (command cmd of step s)
// into the refs it pushes.
func (jc *jobScan) gitPushCauses(s *RepoStep, cmd *shellCmd, args []string) []causedEvent {
	current := func(desc string) []causedEvent { return jc.currentBranchPush(desc) }
	if dir, ok := pushDir(s, cmd); ok {
		if clone := jc.cloneOwning(slices.Index(jc.j.Steps, s), cmd, dir); clone != nil {
			current = func(desc string) []causedEvent { return jc.clonePush(clone, desc) }
		}
	}
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
		return append(out, current("this push")...)
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
			out = append(out, current("this push")...)
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

// clonePush is a push of the branch a git clone checked out: its --branch,
// or the repository's default branch; nothing when the branch is not literal.
func (jc *jobScan) clonePush(clone *gitClone, desc string) []causedEvent {
	if jc.skipCI || !clone.branchKnown {
		return nil
	}
	if clone.branch == "" {
		return []causedEvent{{event: "push", desc: desc}}
	}
	c := jc.branchPush(clone.branch)
	c.desc = desc + " to " + clone.branch
	return []causedEvent{c}
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
