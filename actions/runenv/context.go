// Package runenv is what a GitHub Actions run gives a step: the run context
// (event, refs, pull request) from the GITHUB_* variables and the event
// payload, step outputs, the job summary and workflow-command escaping. It
// imports no other gantry package, so that the push gate can read the run
// without linking the linter; the reporters live in package actions.
package runenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Getenv reads an environment variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Context is what a GitHub Actions run tells a step about itself, from the
// GITHUB_* variables and the event payload at GITHUB_EVENT_PATH.
type Context struct {
	// InActions is true when GITHUB_ACTIONS=true.
	InActions bool
	// EventName is GITHUB_EVENT_NAME, such as "push" or "pull_request".
	EventName string
	// Ref is GITHUB_REF, such as "refs/heads/main" or "refs/pull/7/merge".
	Ref string
	// RefName is the short ref: a branch or tag name.
	RefName string
	// RefType is "branch" or "tag" (GITHUB_REF_TYPE).
	RefType string
	// SHA is GITHUB_SHA: on pull_request it is the merge commit, not the head.
	SHA string
	// Repository is "owner/name" (GITHUB_REPOSITORY).
	Repository string
	// DefaultBranch is the repository's default branch, from the payload.
	DefaultBranch string
	// Actor is GITHUB_ACTOR.
	Actor string
	// Workflow, Job and RunID identify the run.
	Workflow, Job, RunID string
	// ServerURL and APIURL are github.com's or a GitHub Enterprise server's.
	ServerURL, APIURL string
	// PullRequest is set for events about a pull request: pull_request,
	// pull_request_target and their review events; an issue_comment on a
	// pull request; a workflow_run whose triggering run was for a pull
	// request or came from another repository (see PullRequest.Via).
	PullRequest *PullRequest
	// Release is the release of a release event.
	Release *Release
	// Deleted is true when a push event deleted its ref.
	Deleted bool
	// Dependabot is true when GitHub runs the code the run builds as it
	// runs a fork's pull request: Dependabot started the run (GITHUB_ACTOR
	// dependabot[bot]) on an event where GitHub then gives a read-only
	// token and Dependabot's secrets only, even when somebody else re-runs
	// it; or the run is a workflow_run after a run Dependabot started,
	// unless that run was for the default branch itself.
	Dependabot bool
	// Event is the raw event payload (nil when GITHUB_EVENT_PATH is unset).
	Event map[string]any
}

// PullRequest is the part of a pull request event that gantry decides on.
type PullRequest struct {
	Number   int
	HeadSHA  string
	HeadRef  string
	BaseRef  string
	HeadRepo string // "owner/name" of the head repository
	BaseRepo string // "owner/name" of the base repository
	Draft    bool
	Labels   []string
	// Via is the event the pull request was read from when it is not one
	// of the pull request events: "issue_comment" (whose payload names
	// neither branch nor head repository) or "workflow_run" (the run that
	// triggered this one); "" for pull request events.
	Via string
}

// Release is the part of a release event that gantry decides on.
type Release struct {
	// Action is the activity: published, released, prereleased, created,
	// edited, unpublished or deleted.
	Action string
	// Tag is the release's git tag.
	Tag string
	// Prerelease is true for a release marked as a pre-release.
	Prerelease bool
}

// Fork reports whether the pull request comes from another repository.
func (pr *PullRequest) Fork() bool {
	return pr != nil && pr.HeadRepo != "" && !strings.EqualFold(pr.HeadRepo, pr.BaseRepo)
}

// maxEventSize bounds the event payload gantry reads.
const maxEventSize = 64 << 20

// ContextFromEnv reads the run context. It fails only when GITHUB_EVENT_PATH
// names a file that cannot be read or is not a JSON object.
func ContextFromEnv(getenv Getenv) (*Context, error) {
	c := &Context{
		InActions:  getenv("GITHUB_ACTIONS") == "true",
		EventName:  getenv("GITHUB_EVENT_NAME"),
		Ref:        getenv("GITHUB_REF"),
		RefName:    getenv("GITHUB_REF_NAME"),
		RefType:    getenv("GITHUB_REF_TYPE"),
		SHA:        getenv("GITHUB_SHA"),
		Repository: getenv("GITHUB_REPOSITORY"),
		Actor:      getenv("GITHUB_ACTOR"),
		Workflow:   getenv("GITHUB_WORKFLOW"),
		Job:        getenv("GITHUB_JOB"),
		RunID:      getenv("GITHUB_RUN_ID"),
		ServerURL:  or(getenv("GITHUB_SERVER_URL"), "https://github.com"),
		APIURL:     or(getenv("GITHUB_API_URL"), "https://api.github.com"),
	}
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		ev, err := readEvent(p)
		if err != nil {
			return nil, err
		}
		c.Event = ev
		c.fromEvent()
	}
	if c.RefName == "" || c.RefType == "" {
		switch {
		case strings.HasPrefix(c.Ref, "refs/heads/"):
			c.RefName, c.RefType = or(c.RefName, strings.TrimPrefix(c.Ref, "refs/heads/")), or(c.RefType, "branch")
		case strings.HasPrefix(c.Ref, "refs/tags/"):
			c.RefName, c.RefType = or(c.RefName, strings.TrimPrefix(c.Ref, "refs/tags/")), or(c.RefType, "tag")
		}
	}
	if c.Actor == dependabotLogin && slices.Contains(dependabotRestricted, c.EventName) {
		c.Dependabot = true
	}
	if c.DefaultBranch == "" && c.EventName == "schedule" && c.RefType == "branch" {
		// scheduled runs are always on the default branch, and their
		// payload has no repository object to say which it is
		c.DefaultBranch = c.RefName
	}
	return c, nil
}

// dependabotLogin is the login of Dependabot's app: GITHUB_ACTOR of the
// runs it starts.
const dependabotLogin = "dependabot[bot]"

// dependabotRestricted are the events on which a run Dependabot starts
// gets a read-only GITHUB_TOKEN and Dependabot's secrets only, as a fork's
// pull request does (GitHub's "Troubleshooting Dependabot on GitHub
// Actions"). On pull_request_target that holds for a pull request that
// Dependabot opened, which is every one it starts a run for.
var dependabotRestricted = []string{"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment", "push", "create", "deployment", "deployment_status"}

func readEvent(path string) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the event payload (GITHUB_EVENT_PATH): %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEventSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the event payload %s: %w", path, err)
	}
	if len(b) > maxEventSize {
		return nil, fmt.Errorf("the event payload %s is larger than 64 MiB", path)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("the event payload %s is not a JSON object: %w", path, err)
	}
	return ev, nil
}

func (c *Context) fromEvent() {
	c.DefaultBranch = str(c.Event, "repository", "default_branch")
	if c.Repository == "" {
		c.Repository = str(c.Event, "repository", "full_name")
	}
	// Outside a runner (a saved payload replayed with gantry gate --event)
	// the GITHUB_REF and GITHUB_SHA variables are missing: take them from the
	// payload of the events that carry them.
	if c.Ref == "" {
		if ref := str(c.Event, "ref"); strings.HasPrefix(ref, "refs/") {
			c.Ref = ref // push, workflow_dispatch
		} else if tag := str(c.Event, "release", "tag_name"); tag != "" {
			c.Ref = "refs/tags/" + tag
		}
	}
	if c.SHA == "" {
		if after := str(c.Event, "after"); after != "" && strings.Trim(after, "0") != "" {
			c.SHA = after // push (all zeros for a deleted ref)
		}
	}
	c.Deleted, _ = c.Event["deleted"].(bool)
	if rel, ok := c.Event["release"].(map[string]any); ok && c.EventName == "release" {
		c.Release = &Release{Action: str(c.Event, "action"), Tag: str(rel, "tag_name")}
		c.Release.Prerelease, _ = rel["prerelease"].(bool)
	}
	switch c.EventName {
	case "issue_comment":
		c.PullRequest = commentedPullRequest(c.Event, c.Repository)
		return
	case "workflow_run":
		c.fromWorkflowRun()
		return
	}
	pr, ok := c.Event["pull_request"].(map[string]any)
	if !ok {
		return
	}
	p := &PullRequest{
		HeadSHA:  str(pr, "head", "sha"),
		HeadRef:  str(pr, "head", "ref"),
		BaseRef:  str(pr, "base", "ref"),
		HeadRepo: str(pr, "head", "repo", "full_name"),
		BaseRepo: str(pr, "base", "repo", "full_name"),
	}
	if n, ok := pr["number"].(float64); ok {
		p.Number = int(n)
	}
	p.Draft, _ = pr["draft"].(bool)
	p.Labels = labelNames(pr)
	if p.BaseRepo == "" {
		p.BaseRepo = c.Repository
	}
	c.PullRequest = p
}

// commentedPullRequest is the pull request an issue_comment event is about,
// or nil when the issue is not a pull request. The payload has its number
// and labels only: its branches and head repository stay unknown.
func commentedPullRequest(ev map[string]any, repo string) *PullRequest {
	issue, ok := ev["issue"].(map[string]any)
	if !ok || issue["pull_request"] == nil {
		return nil
	}
	p := &PullRequest{Via: "issue_comment", BaseRepo: repo, Labels: labelNames(issue)}
	if n, ok := issue["number"].(float64); ok {
		p.Number = int(n)
	}
	return p
}

// fromWorkflowRun reads a workflow_run event as the run that triggered it:
// its head branch and commit (GITHUB_REF and GITHUB_SHA of a workflow_run
// are the default branch and its last commit, whatever the triggering run
// built), and, when that run was for a pull request or came from another
// repository, that pull request.
func (c *Context) fromWorkflowRun() {
	wr, ok := c.Event["workflow_run"].(map[string]any)
	if !ok {
		return
	}
	headRepo := str(wr, "head_repository", "full_name")
	c.Dependabot = str(wr, "actor", "login") == dependabotLogin
	if !strings.HasPrefix(str(wr, "event"), "pull_request") && strings.EqualFold(headRepo, c.Repository) {
		c.Ref, c.RefName, c.RefType = "", "", ""
		if b := str(wr, "head_branch"); b != "" {
			c.Ref, c.RefName, c.RefType = "refs/heads/"+b, b, "branch"
		}
		c.SHA = str(wr, "head_sha")
		// a run for the default branch itself built what was merged
		// there: Dependabot's "@dependabot merge" push, whose own run
		// GitHub restricts, and a workflow_run after it is GitHub's way
		// to build that commit with the repository's secrets
		if c.DefaultBranch != "" && c.RefName == c.DefaultBranch {
			c.Dependabot = false
		}
		return
	}
	p := &PullRequest{
		Via:      "workflow_run",
		HeadSHA:  str(wr, "head_sha"),
		HeadRef:  str(wr, "head_branch"),
		HeadRepo: headRepo,
		BaseRepo: c.Repository,
	}
	// GitHub lists the pull requests of a run from the same repository
	// only; a fork's run lists none, so its base branch stays unknown
	if prs, ok := wr["pull_requests"].([]any); ok && len(prs) > 0 {
		if pr, ok := prs[0].(map[string]any); ok {
			p.BaseRef = str(pr, "base", "ref")
			if n, ok := pr["number"].(float64); ok {
				p.Number = int(n)
			}
		}
	}
	c.PullRequest = p
}

// labelNames returns the names in an issue's or pull request's labels.
func labelNames(obj map[string]any) []string {
	var out []string
	if ls, ok := obj["labels"].([]any); ok {
		for _, l := range ls {
			if m, ok := l.(map[string]any); ok {
				if name, ok := m["name"].(string); ok {
					out = append(out, name)
				}
			}
		}
	}
	return out
}

// HeadSHA is the commit a change is about: the pull request's head on
// pull_request events (GITHUB_SHA is a merge commit there), else GITHUB_SHA.
func (c *Context) HeadSHA() string {
	if c.PullRequest != nil && c.PullRequest.HeadSHA != "" {
		return c.PullRequest.HeadSHA
	}
	return c.SHA
}

// OnDefaultBranch reports whether the run is for a commit on the default
// branch itself: a branch ref equal to the payload's default branch, outside
// pull request events.
func (c *Context) OnDefaultBranch() bool {
	return c.PullRequest == nil && c.RefType == "branch" && c.DefaultBranch != "" && c.RefName == c.DefaultBranch
}

// str walks nested objects of a JSON payload and returns the string at the end.
func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[k]
	}
	s, _ := cur.(string)
	return s
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// SetOutput appends name=value to the file at $GITHUB_OUTPUT, using a
// random heredoc delimiter so that a value with newlines cannot inject
// other outputs. Outside Actions (no GITHUB_OUTPUT) it does nothing.
func SetOutput(getenv Getenv, name, value string) error {
	return appendKeyValue(getenv("GITHUB_OUTPUT"), name, value)
}

// SetOutputs writes several outputs in the order given by names.
func SetOutputs(getenv Getenv, names []string, values map[string]string) error {
	for _, n := range names {
		if err := SetOutput(getenv, n, values[n]); err != nil {
			return err
		}
	}
	return nil
}

func appendKeyValue(path, name, value string) error {
	if path == "" {
		return nil
	}
	if name == "" || strings.ContainsAny(name, "=\r\n") {
		return fmt.Errorf("invalid output name %q", name)
	}
	var entry string
	if strings.ContainsAny(value, "\r\n") {
		delim := tokenNotIn(value)
		entry = name + "<<" + delim + "\n" + value + "\n" + delim + "\n"
	} else {
		entry = name + "=" + value + "\n"
	}
	return appendFile(path, entry)
}

// tokenNotIn returns a random token that text does not contain: a
// delimiter that text cannot end early.
func tokenNotIn(text string) string {
	for {
		if token := "gantry_" + randomHex(); !strings.Contains(text, token) {
			return token
		}
	}
}

func randomHex() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// MaxSummarySize is GitHub's limit for one step's job summary.
const MaxSummarySize = 1 << 20

// ErrSummaryTooLarge is returned when a summary would exceed MaxSummarySize.
var ErrSummaryTooLarge = errors.New("job summary would exceed 1 MiB")

// AppendSummary appends markdown to the job summary ($GITHUB_STEP_SUMMARY).
// Outside Actions it does nothing. It refuses to grow the file past 1 MiB.
func AppendSummary(getenv Getenv, markdown string) error {
	path := getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	if size+int64(len(markdown)) > MaxSummarySize {
		return ErrSummaryTooLarge
	}
	return appendFile(path, markdown)
}

// EscapeData escapes a workflow command's message: %, CR and LF.
func EscapeData(s string) string {
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	return strings.ReplaceAll(s, "\n", "%0A")
}

// EscapeProperty escapes a workflow command property value: %, CR, LF, ':' and ','.
func EscapeProperty(s string) string {
	s = EscapeData(s)
	s = strings.ReplaceAll(s, ":", "%3A")
	return strings.ReplaceAll(s, ",", "%2C")
}

// StopCommands returns text wrapped in ::stop-commands:: and its random
// end token, so that the runner processes no line of text as a workflow
// command (text from a pull request, such as a file name, could otherwise
// start one, even after leading spaces). text ends with a newline.
func StopCommands(text string) string {
	token := tokenNotIn(text)
	return "::stop-commands::" + token + "\n" + text + "::" + token + "::\n"
}

// Mask tells the runner to hide secret in every later log line. It writes
// nothing for an empty secret, and one command per line of a multi-line one.
func Mask(w io.Writer, secret string) {
	for _, line := range strings.Split(secret, "\n") {
		if line = strings.TrimRight(line, "\r"); line != "" {
			fmt.Fprintf(w, "::add-mask::%s\n", EscapeData(line))
		}
	}
}

// WithEvent reads the environment through getenv, except that a non-empty
// path and name replace GITHUB_EVENT_PATH and GITHUB_EVENT_NAME (a saved
// payload, to decide on locally).
func WithEvent(getenv Getenv, path, name string) Getenv {
	return func(k string) string {
		switch {
		case k == "GITHUB_EVENT_PATH" && path != "":
			return path
		case k == "GITHUB_EVENT_NAME" && name != "":
			return name
		}
		return getenv(k)
	}
}

// SetDefaultSHA sets buildArgs["SHA"], when it is not set, to the commit
// being built in GitHub Actions: a pull request's head, not the merge
// commit.
func SetDefaultSHA(buildArgs map[string]string, getenv Getenv) {
	if _, ok := buildArgs["SHA"]; ok {
		return
	}
	if gh, err := ContextFromEnv(getenv); err == nil && gh.HeadSHA() != "" {
		buildArgs["SHA"] = gh.HeadSHA()
	}
}
