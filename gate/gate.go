// Package gate is gantry's push gate: the decision that the push policy of
// .github/gantry.yaml (typed in package config) gives for a GitHub Actions
// run, with a table of rules, values and verdicts, and the image tags the
// run gets. It does not lint: a policy's require-lint is answered by the
// LintCheck the caller passes.
package gate

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/table"
	"github.com/gantry-ci/gantry/internal/text"
)

// Verdicts of a push gate rule.
const (
	// VerdictPass means the rule allows the push.
	VerdictPass = "pass"
	// VerdictDeny means the rule denies the push.
	VerdictDeny = "deny"
	// VerdictNotRun means the rule was not evaluated because an earlier rule
	// already denied the push (used for the lint check, which is costly).
	VerdictNotRun = "not run"
)

// GateRule is one row of a push decision: the rule, the value it looked at
// and its verdict, with the reason for a denial.
type GateRule struct {
	// Rule names the check: event, pull_request_target, release, ref, fork,
	// draft, label or lint.
	Rule string
	// Value is what the rule looked at, such as "pull_request" or "branch main".
	Value string
	// Verdict is VerdictPass, VerdictDeny or VerdictNotRun.
	Verdict string
	// Detail explains the verdict.
	Detail string
}

// PushDecision is the push gate's answer for one run, with its reasons.
type PushDecision struct {
	// Push is true when every rule passed.
	Push bool
	// Reason is one line: why the push is allowed, or the first denial.
	Reason string
	// Rules are the evaluated rules in order.
	Rules []GateRule
	// Tags are the rendered image tags (see RenderTags), even when denied.
	Tags []string
	// SkippedTags are templates that produced no tag for this run.
	SkippedTags []SkippedTag
}

// LintCheck runs gantry lint on the repository and returns how many
// findings of severity error it reported.
type LintCheck func(ctx context.Context) (errors int, err error)

// Decide evaluates the push policy p for the run c. lint runs only when the
// policy requires a clean lint and every other rule passed; it may be nil
// when the policy does not require lint. Decide never panics on a partial
// context: anything it cannot establish denies the push (fail closed).
func Decide(ctx context.Context, p *config.PushPolicy, c *runenv.Context, lint LintCheck) *PushDecision {
	if p == nil {
		p = config.DefaultPushPolicy()
	}
	d := &PushDecision{}
	d.Tags, d.SkippedTags = RenderTags(p.Tags, c)
	add := func(rule, value, verdict, detail string) {
		d.Rules = append(d.Rules, GateRule{rule, value, verdict, detail})
	}

	add(evaluateEvent(p, c))
	if c.EventName == "pull_request_target" {
		if p.AllowPullRequestTarget {
			add("pull_request_target", "yes", VerdictPass, "push.allow-pull-request-target is true")
		} else {
			add("pull_request_target", "yes", VerdictDeny, "pull_request_target runs with the base repository's secrets on code from the pull request; set push.allow-pull-request-target: true to allow it")
		}
	}
	if c.Release != nil {
		add(evaluateRelease(c.Release))
	}
	add(evaluateRef(p, c))
	if c.Dependabot && c.PullRequest == nil {
		add(evaluateDependabot(p))
	}
	if pr := c.PullRequest; pr != nil {
		switch {
		case c.Dependabot:
			add(evaluateDependabot(p))
		case pr.HeadRepo == "" && pr.Via == "issue_comment":
			add("fork", "unknown", VerdictDeny, "an issue_comment payload does not say which repository the pull request's code comes from, so gantry cannot tell a fork")
		case pr.HeadRepo == "":
			add("fork", "unknown", VerdictDeny, "the pull request's head repository is unknown (a deleted fork?)")
		case pr.Fork() && !p.AllowForks:
			add("fork", pr.HeadRepo, VerdictDeny, fmt.Sprintf("pull requests from forks (%s) do not push; set push.allow-forks: true to allow them", pr.HeadRepo))
		case pr.Fork():
			add("fork", pr.HeadRepo, VerdictPass, "push.allow-forks is true")
		default:
			add("fork", pr.HeadRepo+" (same repository)", VerdictPass, "")
		}
		switch {
		case pr.Draft && !p.AllowDrafts:
			add("draft", "yes", VerdictDeny, "draft pull requests do not push; mark it ready for review, or set push.allow-drafts: true")
		case pr.Draft:
			add("draft", "yes", VerdictPass, "push.allow-drafts is true")
		default:
			add("draft", "no", VerdictPass, "")
		}
	}
	if p.RequireLabel != "" {
		switch {
		case c.PullRequest == nil:
			add("label", "not a pull request", VerdictPass, "push.require-label applies to pull requests only")
		case slices.Contains(c.PullRequest.Labels, p.RequireLabel):
			add("label", p.RequireLabel, VerdictPass, "")
		default:
			add("label", labelsValue(c.PullRequest.Labels), VerdictDeny, fmt.Sprintf("the pull request does not have the label %q (push.require-label)", p.RequireLabel))
		}
	}
	if p.RequireLint {
		switch {
		case denied(d.Rules):
			add("lint", "-", VerdictNotRun, "not run: the push is already denied")
		case lint == nil:
			add("lint", "-", VerdictDeny, "push.require-lint is set but no lint check was given")
		default:
			n, err := lint(ctx)
			switch {
			case err != nil:
				add("lint", "failed", VerdictDeny, fmt.Sprintf("gantry lint could not run: %v", err))
			case n > 0:
				add("lint", text.Count(n, "error"), VerdictDeny, fmt.Sprintf("gantry lint reported %s (push.require-lint)", text.Count(n, "error")))
			default:
				add("lint", "0 errors", VerdictPass, "")
			}
		}
	}

	d.Push = !denied(d.Rules)
	if d.Push {
		d.Reason = allowReason(c)
	} else {
		for _, r := range d.Rules {
			if r.Verdict == VerdictDeny {
				d.Reason = r.Detail
				break
			}
		}
	}
	return d
}

// evaluateDependabot is the fork rule for a run Dependabot started, which
// GitHub runs as a fork's pull request: its branch is in this repository,
// but the run has a read-only token and Dependabot's secrets only, so a
// push would fail for want of the registry's credentials, or push with
// Dependabot's.
func evaluateDependabot(p *config.PushPolicy) (string, string, string, string) {
	if p.AllowForks {
		return "fork", "dependabot[bot]", VerdictPass, "push.allow-forks is true"
	}
	return "fork", "dependabot[bot]", VerdictDeny, "runs that Dependabot starts do not push: GitHub runs them as a fork's pull request, with a read-only token and Dependabot's secrets only; set push.allow-forks: true to allow them"
}

func denied(rules []GateRule) bool {
	return slices.ContainsFunc(rules, func(r GateRule) bool { return r.Verdict == VerdictDeny })
}

func labelsValue(ls []string) string {
	if len(ls) == 0 {
		return "no labels"
	}
	return strings.Join(ls, ", ")
}

func evaluateEvent(p *config.PushPolicy, c *runenv.Context) (string, string, string, string) {
	ev := c.EventName
	switch {
	case ev == "":
		return "event", "unknown", VerdictDeny, "the event is unknown (GITHUB_EVENT_NAME is not set; pass --event-name)"
	case actionlint.AllWebhookTypes[ev] == nil:
		return "event", ev, VerdictDeny, fmt.Sprintf("unknown event %q: gantry does not push for events it does not know", ev)
	case !slices.Contains(p.Events, ev):
		return "event", ev, VerdictDeny, fmt.Sprintf("event %s is not in push.events (%s)", ev, listOrNone(p.Events))
	}
	return "event", ev, VerdictPass, ""
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// pullRequestEvents are the events whose payload carries the pull request
// the run is for.
var pullRequestEvents = []string{"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}

// pushingReleaseActions are the release activities that push: a release
// made public (published, and released or prereleased, which GitHub sends
// beside it), not one drafted, edited, unpublished or deleted.
var pushingReleaseActions = []string{"published", "released", "prereleased"}

func evaluateRelease(r *runenv.Release) (string, string, string, string) {
	if slices.Contains(pushingReleaseActions, r.Action) {
		return "release", r.Action, VerdictPass, ""
	}
	value := cmp.Or(r.Action, "unknown")
	return "release", value, VerdictDeny, fmt.Sprintf("a release that is %s does not push: only %s do (limit the workflow with on.release.types: [published])", value, strings.Join(pushingReleaseActions, ", "))
}

func evaluateRef(p *config.PushPolicy, c *runenv.Context) (string, string, string, string) {
	if pr := c.PullRequest; pr != nil {
		value := "pull request"
		if pr.Number > 0 {
			value += fmt.Sprintf(" #%d", pr.Number)
		}
		if pr.BaseRef == "" {
			switch pr.Via {
			case "issue_comment":
				return "ref", value, VerdictDeny, "the pull request's base branch is unknown: an issue_comment payload does not name it"
			case "workflow_run":
				return "ref", value, VerdictDeny, "the base branch of the pull request that triggered this workflow_run is unknown (GitHub does not list a fork's pull requests in the payload)"
			}
			return "ref", value, VerdictDeny, "the pull request's base branch is unknown"
		}
		value += " into " + pr.BaseRef
		m, ok := config.MatchGlob(p.Branches, pr.BaseRef, c.DefaultBranch)
		if ok {
			return "ref", value, VerdictPass, "base branch matches " + m
		}
		return "ref", value, VerdictDeny, branchDenial(p, c, pr.BaseRef, "the base branch", m)
	}
	if strings.HasPrefix(c.Ref, "refs/pull/") || slices.Contains(pullRequestEvents, c.EventName) {
		// GitHub sets GITHUB_REF_TYPE=branch for refs/pull/N/merge: without
		// the payload's pull request, this is no branch push
		return "ref", cmp.Or(c.Ref, "unknown"), VerdictDeny, fmt.Sprintf("a %s run without its pull request in the event payload: gantry cannot check the fork, draft and branch rules", cmp.Or(c.EventName, "pull request"))
	}
	if c.Deleted {
		return "ref", cmp.Or(c.Ref, "unknown"), VerdictDeny, "the push deleted its ref"
	}
	switch c.RefType {
	case "tag":
		value := "tag " + c.RefName
		m, ok := config.MatchGlob(p.GitTags, c.RefName, "")
		switch {
		case ok:
			return "ref", value, VerdictPass, "matches push.git-tags " + m
		case m != "":
			return "ref", value, VerdictDeny, fmt.Sprintf("git tag %s is excluded by %s in push.git-tags", c.RefName, m)
		}
		return "ref", value, VerdictDeny, fmt.Sprintf("git tag %s does not match push.git-tags (%s)", c.RefName, listOrNone(p.GitTags))
	case "branch":
		value := "branch " + c.RefName
		m, ok := config.MatchGlob(p.Branches, c.RefName, c.DefaultBranch)
		if ok {
			return "ref", value, VerdictPass, "matches push.branches " + m
		}
		return "ref", value, VerdictDeny, branchDenial(p, c, c.RefName, "branch", m)
	}
	if c.Ref == "" {
		return "ref", "unknown", VerdictDeny, "the git ref is unknown (GITHUB_REF is not set)"
	}
	return "ref", c.Ref, VerdictDeny, fmt.Sprintf("ref %s is neither a branch nor a tag", c.Ref)
}

// branchDenial says why branch is denied; excludedBy is the "!" pattern
// of push.branches that excluded it, if one did (see config.MatchGlob).
func branchDenial(p *config.PushPolicy, c *runenv.Context, branch, what, excludedBy string) string {
	if excludedBy != "" {
		return fmt.Sprintf("%s %s is excluded by %s in push.branches", what, branch, excludedBy)
	}
	msg := fmt.Sprintf("%s %s does not match push.branches (%s)", what, branch, listOrNone(p.Branches))
	if c.DefaultBranch == "" && slices.Contains(p.Branches, config.DefaultBranchPattern) {
		msg += "; the default branch is unknown without an event payload (pass --event)"
	} else if slices.Contains(p.Branches, config.DefaultBranchPattern) {
		msg += "; the default branch is " + c.DefaultBranch
	}
	return msg
}

func allowReason(c *runenv.Context) string {
	switch {
	case c.PullRequest != nil:
		return fmt.Sprintf("%s for pull request #%d into %s is allowed", c.EventName, c.PullRequest.Number, c.PullRequest.BaseRef)
	case c.RefType == "tag":
		return fmt.Sprintf("%s of tag %s is allowed", c.EventName, c.RefName)
	case c.OnDefaultBranch():
		return fmt.Sprintf("%s on the default branch %s is allowed", c.EventName, c.RefName)
	}
	return fmt.Sprintf("%s on branch %s is allowed", c.EventName, c.RefName)
}

// Verdict is "push" or "no push", for headings.
func (d *PushDecision) Verdict() string {
	if d.Push {
		return "push"
	}
	return "no push"
}

// Table formats the decision as a short plain-text table for logs.
func (d *PushDecision) Table() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "push gate: %s: %s\n", d.Verdict(), d.Reason)
	rows := [][]string{{"RULE", "VALUE", "VERDICT"}}
	for _, r := range d.Rules {
		detail := ""
		if r.Verdict == VerdictDeny {
			detail = r.Detail
		}
		rows = append(rows, []string{r.Rule, r.Value, r.Verdict, detail})
	}
	b.WriteString(table.Format("  ", rows))
	if len(d.Tags) > 0 {
		fmt.Fprintf(&b, "tags: %s\n", strings.Join(d.Tags, ", "))
	}
	for _, s := range d.SkippedTags {
		fmt.Fprintf(&b, "tag %s skipped: %s\n", s.Template, s.Reason)
	}
	return b.String()
}

// Markdown formats the decision for the job summary.
func (d *PushDecision) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Push gate: %s\n\n%s\n\n", d.Verdict(), text.EscapeMarkdown(d.Reason))
	b.WriteString("| rule | value | verdict | detail |\n|---|---|---|---|\n")
	for _, r := range d.Rules {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.Rule, text.EscapeMarkdown(r.Value), r.Verdict, text.EscapeMarkdown(r.Detail))
	}
	if len(d.Tags) > 0 {
		fmt.Fprintf(&b, "\nTags: %s\n", text.EscapeMarkdown(strings.Join(d.Tags, ", ")))
	}
	for _, s := range d.SkippedTags {
		fmt.Fprintf(&b, "\nTag `%s` skipped: %s\n", strings.ReplaceAll(s.Template, "`", "'"), text.EscapeMarkdown(s.Reason))
	}
	return b.String() + "\n"
}

// WriteGateOutputs writes the decision to $GITHUB_OUTPUT as push=true|false,
// reason and tags (one per line), and appends it to the job summary.
func (d *PushDecision) WriteGateOutputs(getenv runenv.Getenv) error {
	err := runenv.SetOutputs(getenv, []string{"push", "reason", "tags"}, map[string]string{
		"push":   fmt.Sprint(d.Push),
		"reason": d.Reason,
		"tags":   strings.Join(d.Tags, "\n"),
	})
	if err != nil {
		return err
	}
	return runenv.AppendSummary(getenv, d.Markdown())
}
