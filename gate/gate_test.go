package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/config"
)

const eventsDir = "../testdata/events"

func envMap(m map[string]string) runenv.Getenv { return func(k string) string { return m[k] } }

// runnerEnv is what a GitHub runner sets for an event, besides the payload.
func runnerEnv(event, payload string, extra ...string) map[string]string {
	env := map[string]string{
		"GITHUB_ACTIONS":    "true",
		"GITHUB_EVENT_NAME": event,
		"GITHUB_REPOSITORY": "acme/shop",
	}
	if payload != "" {
		env["GITHUB_EVENT_PATH"] = filepath.Join(eventsDir, payload)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func mustPolicy(t *testing.T, yml string) *config.PushPolicy {
	t.Helper()
	if yml == "" {
		return config.DefaultPushPolicy()
	}
	cfg, err := config.Parse("gantry.yaml", []byte(yml), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.PushPolicy()
}

func TestDecideOverSavedEvents(t *testing.T) {
	const permissive = `
push:
  events: [push, pull_request, pull_request_target, workflow_dispatch, schedule, release]
  branches: ["**"]
  tags: ["{{sha}}", "{{branch}}", "pr-{{pr}}", "{{semver}}", "{{major}}.{{minor}}", latest]
`
	prSHA := "6dcb09b5b57875f334f61aebed695e2e4193db5e"
	mainSHA := "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
	tests := []struct {
		name     string
		env      map[string]string
		policy   string
		push     bool
		reason   string   // substring of the reason
		tags     []string // nil: not checked
		denyRule string   // the first denying rule
	}{
		{
			name: "push to main",
			env:  runnerEnv("push", "push-main.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			push: true, reason: "on the default branch main is allowed",
			tags: []string{mainSHA, "latest"},
		},
		{
			name: "push to main from the payload alone",
			env:  runnerEnv("push", "push-main.json"),
			push: true, tags: []string{mainSHA, "latest"},
		},
		{
			name: "push to a feature branch",
			env:  runnerEnv("push", "push-feature-branch.json", "GITHUB_REF", "refs/heads/feature/Checkout_v2"),
			push: false, reason: "branch feature/Checkout_v2 does not match push.branches ($default-branch); the default branch is main",
			denyRule: "ref",
		},
		{
			name: "push of a tag",
			env:  runnerEnv("push", "push-tag.json", "GITHUB_REF", "refs/tags/v1.4.2", "GITHUB_REF_NAME", "v1.4.2", "GITHUB_REF_TYPE", "tag", "GITHUB_SHA", mainSHA),
			push: true, reason: "push of tag v1.4.2 is allowed",
			tags: []string{mainSHA}, // latest only from the default branch
		},
		{
			name:   "push of a tag with semver tags",
			env:    runnerEnv("push", "push-tag.json"),
			policy: permissive,
			push:   true,
			tags:   []string{mainSHA, "1.4.2", "1.4"},
		},
		{
			name:   "push of a pre-release tag does not move major.minor",
			env:    runnerEnv("push", "push-tag-prerelease.json"),
			policy: permissive,
			push:   true,
			tags:   []string{"c3b1f6e0a81e3e5f00b1c1aa7b3a6c9d2e6f7a80", "2.0.0-rc.1"},
		},
		{
			name: "same-repo pull request under the default policy",
			env:  runnerEnv("pull_request", "pull_request-same-repo.json", "GITHUB_REF", "refs/pull/42/merge", "GITHUB_SHA", "e5bd3914e2e596debea16f433f57875b5b90bcd6"),
			push: false, reason: "event pull_request is not in push.events (push)", denyRule: "event",
			tags: []string{prSHA}, // the head, not the merge commit
		},
		{
			name:   "same-repo pull request when pull requests may push",
			env:    runnerEnv("pull_request", "pull_request-same-repo.json", "GITHUB_REF", "refs/pull/42/merge", "GITHUB_SHA", "e5bd3914e2e596debea16f433f57875b5b90bcd6"),
			policy: permissive,
			push:   true, reason: "pull_request for pull request #42 into main is allowed",
			tags: []string{prSHA, "feature-faster-assets", "pr-42"},
		},
		{
			name:   "Dependabot's pull request",
			env:    runnerEnv("pull_request", "pull_request-dependabot.json", "GITHUB_ACTOR", "dependabot[bot]"),
			policy: permissive,
			push:   false, reason: "runs that Dependabot starts do not push: GitHub runs them as a fork's pull request", denyRule: "fork",
		},
		{
			name:   "Dependabot's pull request when forks may push",
			env:    runnerEnv("pull_request", "pull_request-dependabot.json", "GITHUB_ACTOR", "dependabot[bot]"),
			policy: permissive + "  allow-forks: true\n",
			push:   true, tags: []string{prSHA, "dependabot-bundler-rails-7.2.1", "pr-42"},
		},
		{
			// GitHub's restrictions follow the run's actor, not the branch
			name:   "a person's pull request from a branch named dependabot/...",
			env:    runnerEnv("pull_request", "pull_request-dependabot.json", "GITHUB_ACTOR", "contributor"),
			policy: permissive,
			push:   true,
		},
		{
			name:   "Dependabot's push to its branch",
			env:    runnerEnv("push", "push-feature-branch.json", "GITHUB_ACTOR", "dependabot[bot]"),
			policy: permissive,
			push:   false, denyRule: "fork",
		},
		{
			name:   "workflow_run after Dependabot's pull request",
			env:    runnerEnv("workflow_run", "workflow_run-dependabot.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA, "GITHUB_ACTOR", "dependabot[bot]"),
			policy: "push:\n  events: [workflow_run]\n  tags: [\"{{sha}}\", \"pr-{{pr}}\", latest]\n",
			push:   false, reason: "runs that Dependabot starts do not push", denyRule: "fork",
		},
		{
			// a person re-ran it: the run built Dependabot's code all the same
			name:   "workflow_run after Dependabot's pull request, re-run by a person",
			env:    runnerEnv("workflow_run", "workflow_run-dependabot.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA, "GITHUB_ACTOR", "maintainer"),
			policy: "push:\n  events: [workflow_run]\n  tags: [\"{{sha}}\", \"pr-{{pr}}\", latest]\n",
			push:   false, denyRule: "fork",
		},
		{
			name:   "fork pull request",
			env:    runnerEnv("pull_request", "pull_request-fork.json", "GITHUB_REF", "refs/pull/44/merge"),
			policy: permissive,
			push:   false, reason: "pull requests from forks (mallory/shop) do not push", denyRule: "fork",
		},
		{
			name:   "fork pull request when forks are allowed",
			env:    runnerEnv("pull_request", "pull_request-fork.json", "GITHUB_REF", "refs/pull/44/merge"),
			policy: permissive + "  allow-forks: true\n",
			push:   true,
		},
		{
			name:   "pull request from a deleted fork",
			env:    runnerEnv("pull_request", "pull_request-deleted-fork.json"),
			policy: permissive + "  allow-forks: true\n",
			push:   false, reason: "head repository is unknown", denyRule: "fork",
		},
		{
			name:   "pull_request_target even when listed in events",
			env:    runnerEnv("pull_request_target", "pull_request_target-fork.json", "GITHUB_REF", "refs/heads/main"),
			policy: permissive + "  allow-forks: true\n",
			push:   false, reason: "set push.allow-pull-request-target: true", denyRule: "pull_request_target",
		},
		{
			name:   "pull_request_target explicitly allowed",
			env:    runnerEnv("pull_request_target", "pull_request_target-fork.json", "GITHUB_REF", "refs/heads/main"),
			policy: permissive + "  allow-forks: true\n  allow-pull-request-target: true\n",
			push:   true,
		},
		{
			name:   "draft pull request",
			env:    runnerEnv("pull_request", "pull_request-draft.json"),
			policy: permissive,
			push:   false, reason: "draft pull requests do not push", denyRule: "draft",
		},
		{
			name:   "draft pull request when drafts are allowed",
			env:    runnerEnv("pull_request", "pull_request-draft.json"),
			policy: permissive + "  allow-drafts: true\n",
			push:   true,
		},
		{
			name:   "required label missing",
			env:    runnerEnv("pull_request", "pull_request-same-repo.json"),
			policy: permissive + "  require-label: push-image\n",
			push:   false, reason: `does not have the label "push-image"`, denyRule: "label",
		},
		{
			name:   "required label present",
			env:    runnerEnv("pull_request", "pull_request-same-repo-labelled.json"),
			policy: permissive + "  require-label: push-image\n",
			push:   true,
		},
		{
			name:   "required label does not apply to a push",
			env:    runnerEnv("push", "push-main.json"),
			policy: "push:\n  require-label: push-image\n",
			push:   true,
		},
		{
			name: "workflow_dispatch under the default policy",
			env:  runnerEnv("workflow_dispatch", "workflow_dispatch.json", "GITHUB_REF", "refs/heads/main"),
			push: false, reason: "event workflow_dispatch is not in push.events", denyRule: "event",
		},
		{
			name:   "workflow_dispatch allowed on the default branch",
			env:    runnerEnv("workflow_dispatch", "workflow_dispatch.json"),
			policy: "push:\n  events: [push, workflow_dispatch]\n",
			push:   true, tags: []string{"latest"}, // no GITHUB_SHA and no sha in a dispatch payload
		},
		{
			name: "schedule under the default policy",
			env:  runnerEnv("schedule", "schedule.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			push: false, reason: "event schedule is not in push.events", denyRule: "event",
		},
		{
			name:   "schedule allowed: runs on the default branch",
			env:    runnerEnv("schedule", "schedule.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			policy: "push:\n  events: [schedule]\n",
			push:   true, tags: []string{mainSHA, "latest"},
		},
		{
			name:   "release event on a tag",
			env:    runnerEnv("release", "release.json", "GITHUB_SHA", mainSHA),
			policy: permissive,
			push:   true, tags: []string{mainSHA, "1.4.2", "1.4"},
		},
		{
			name: "unknown event",
			env:  runnerEnv("frobnicate", "unknown-event.json", "GITHUB_REF", "refs/heads/main"),
			push: false, reason: `unknown event "frobnicate"`, denyRule: "event",
		},
		{
			name:   "unknown event even with a permissive policy",
			env:    runnerEnv("frobnicate", "unknown-event.json", "GITHUB_REF", "refs/heads/main"),
			policy: permissive,
			push:   false, denyRule: "event",
		},
		{
			name: "no event at all",
			env:  map[string]string{},
			push: false, reason: "GITHUB_EVENT_NAME is not set", denyRule: "event",
		},
		{
			name: "push to main without a payload: default branch unknown",
			env:  runnerEnv("push", "", "GITHUB_REF", "refs/heads/main"),
			push: false, reason: "the default branch is unknown without an event payload", denyRule: "ref",
		},
		{
			name:   "git tag not matching push.git-tags",
			env:    runnerEnv("push", "push-tag.json"),
			policy: "push:\n  git-tags: [\"release-*\"]\n",
			push:   false, reason: "git tag v1.4.2 does not match push.git-tags (release-*)", denyRule: "ref",
		},
		{
			// GITHUB_REF and GITHUB_SHA of a workflow_run are the default
			// branch and its last commit; the run is judged as the one
			// that triggered it
			name:   "workflow_run after a fork's pull request",
			env:    runnerEnv("workflow_run", "workflow_run-fork-pull_request.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			policy: "push:\n  events: [push, workflow_run]\n  tags: [\"{{sha}}\", \"{{branch}}\", latest]\n",
			push:   false, reason: "GitHub does not list a fork's pull requests", denyRule: "ref",
			tags: []string{prSHA}, // neither the fork's "main" nor latest
		},
		{
			name:   "workflow_run after a fork's pull request, forks allowed",
			env:    runnerEnv("workflow_run", "workflow_run-fork-pull_request.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			policy: "push:\n  events: [push, workflow_run]\n  branches: [\"**\"]\n  allow-forks: true\n",
			push:   false, denyRule: "ref", // its base branch stays unknown
		},
		{
			name:   "workflow_run after a same-repo pull request",
			env:    runnerEnv("workflow_run", "workflow_run-pull_request.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			policy: "push:\n  events: [workflow_run]\n  tags: [\"{{sha}}\", \"pr-{{pr}}\", latest]\n",
			push:   true, reason: "workflow_run for pull request #42 into main is allowed",
			tags: []string{prSHA, "pr-42"},
		},
		{
			name:   "workflow_run after a push to main",
			env:    runnerEnv("workflow_run", "workflow_run-push.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", "1111111111111111111111111111111111111111"),
			policy: "push:\n  events: [workflow_run]\n",
			push:   true, reason: "workflow_run on the default branch main is allowed",
			tags: []string{mainSHA, "latest"}, // the commit the triggering run built
		},
		{
			// "@dependabot merge": Dependabot pushed the merge to main, whose
			// own push run GitHub restricts; the workflow_run after it is
			// GitHub's way to build main with its secrets
			name:   "workflow_run after Dependabot merged into main",
			env:    runnerEnv("workflow_run", "workflow_run-dependabot-merge.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", "1111111111111111111111111111111111111111", "GITHUB_ACTOR", "dependabot[bot]"),
			policy: "push:\n  events: [workflow_run]\n",
			push:   true, reason: "workflow_run on the default branch main is allowed",
			tags: []string{mainSHA, "latest"},
		},
		{
			// its direct push run is GitHub's restricted one
			name:   "Dependabot's merge pushed to main",
			env:    runnerEnv("push", "push-main.json", "GITHUB_ACTOR", "dependabot[bot]"),
			policy: "push:\n  events: [push]\n",
			push:   false, denyRule: "fork",
		},
		{
			name:   "issue_comment on a pull request",
			env:    runnerEnv("issue_comment", "issue_comment-pull_request.json", "GITHUB_REF", "refs/heads/main", "GITHUB_SHA", mainSHA),
			policy: "push:\n  events: [push, issue_comment]\n  branches: [\"**\"]\n  allow-forks: true\n  require-label: push-image\n",
			push:   false, reason: "an issue_comment payload does not name it", denyRule: "ref",
			tags: []string{mainSHA},
		},
		{
			name:   "pull_request without its payload is no branch push",
			env:    runnerEnv("pull_request", "", "GITHUB_REF", "refs/pull/44/merge", "GITHUB_REF_NAME", "44/merge", "GITHUB_REF_TYPE", "branch", "GITHUB_SHA", mainSHA),
			policy: permissive,
			push:   false, reason: "a pull_request run without its pull request in the event payload", denyRule: "ref",
		},
		{
			name:   "pull_request named on a push payload",
			env:    runnerEnv("pull_request", "push-feature-branch.json"),
			policy: permissive,
			push:   false, denyRule: "ref",
		},
		{
			name:   "deleted release",
			env:    runnerEnv("release", "release-deleted.json", "GITHUB_SHA", mainSHA),
			policy: permissive,
			push:   false, reason: "a release that is deleted does not push", denyRule: "release",
		},
		{
			name:   "release marked as a pre-release does not move major.minor",
			env:    runnerEnv("release", "release-prerelease.json", "GITHUB_SHA", mainSHA),
			policy: permissive,
			push:   true, tags: []string{mainSHA, "2.0.0"},
		},
		{
			name:   "push that deletes a tag",
			env:    runnerEnv("push", "push-tag-deleted.json"),
			policy: permissive,
			push:   false, reason: "the push deleted its ref", denyRule: "ref",
		},
		{
			name:   "fork pull request: {{branch}} is not the fork's branch name",
			env:    runnerEnv("pull_request", "pull_request-fork.json", "GITHUB_REF", "refs/pull/44/merge"),
			policy: permissive + "  allow-forks: true\n",
			push:   true, tags: []string{prSHA, "pr-44"},
		},
		{
			name:   "branches: ! excludes what an earlier pattern let in",
			env:    runnerEnv("push", "push-feature-branch.json"),
			policy: "push:\n  branches: [\"**\", \"!feature/**\"]\n",
			push:   false, reason: "branch feature/Checkout_v2 is excluded by !feature/** in push.branches", denyRule: "ref",
		},
		{
			name:   "git-tags: ! excludes release candidates",
			env:    runnerEnv("push", "push-tag-prerelease.json"),
			policy: "push:\n  git-tags: [\"v*\", \"!v*-rc*\"]\n",
			push:   false, reason: "git tag v2.0.0-rc.1 is excluded by !v*-rc* in push.git-tags", denyRule: "ref",
		},
		{
			name: "the default git-tags take tags with a slash",
			env:  runnerEnv("push", "", "GITHUB_REF", "refs/tags/release/1.0", "GITHUB_SHA", mainSHA),
			push: true, tags: []string{mainSHA},
		},
		{
			name:   "branch globs: * stays within one path part",
			env:    runnerEnv("push", "push-feature-branch.json"),
			policy: "push:\n  branches: [\"feature/*\"]\n",
			push:   true, tags: []string{"5b7c3b10d1b5b8a6b6dc21f7bd3e3a8c1f0e2d43"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := runenv.ContextFromEnv(envMap(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			d := Decide(context.Background(), mustPolicy(t, tt.policy), c, nil)
			if d.Push != tt.push {
				t.Fatalf("push = %v, want %v\n%s", d.Push, tt.push, d.Table())
			}
			if !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", d.Reason, tt.reason)
			}
			if tt.tags != nil && !slices.Equal(d.Tags, tt.tags) {
				t.Errorf("tags = %q, want %q (skipped %v)", d.Tags, tt.tags, d.SkippedTags)
			}
			if tt.denyRule != "" {
				var first string
				for _, r := range d.Rules {
					if r.Verdict == VerdictDeny {
						first = r.Rule
						break
					}
				}
				if first != tt.denyRule {
					t.Errorf("first denying rule = %q, want %q\n%s", first, tt.denyRule, d.Table())
				}
			}
		})
	}
}

func TestDecideRequireLint(t *testing.T) {
	c, err := runenv.ContextFromEnv(envMap(runnerEnv("push", "push-main.json")))
	if err != nil {
		t.Fatal(err)
	}
	p := mustPolicy(t, "push:\n  require-lint: true\n")
	calls := 0
	check := func(n int, err error) LintCheck {
		return func(context.Context) (int, error) { calls++; return n, err }
	}
	if d := Decide(context.Background(), p, c, check(0, nil)); !d.Push {
		t.Errorf("clean lint denied: %s", d.Table())
	}
	d := Decide(context.Background(), p, c, check(3, nil))
	if d.Push || d.Reason != "gantry lint reported 3 errors (push.require-lint)" {
		t.Errorf("lint errors: push %v, reason %q", d.Push, d.Reason)
	}
	d = Decide(context.Background(), p, c, check(0, errors.New("config error")))
	if d.Push || !strings.Contains(d.Reason, "could not run: config error") {
		t.Errorf("lint failure: push %v, reason %q", d.Push, d.Reason)
	}
	if d := Decide(context.Background(), p, c, nil); d.Push {
		t.Error("require-lint without a check allowed the push")
	}
	// lint does not run when another rule already denies
	calls = 0
	fork, _ := runenv.ContextFromEnv(envMap(runnerEnv("pull_request", "pull_request-fork.json")))
	d = Decide(context.Background(), p, fork, check(0, nil))
	if d.Push || calls != 0 || d.Rules[len(d.Rules)-1].Verdict != VerdictNotRun {
		t.Errorf("lint ran after a denial (calls %d): %s", calls, d.Table())
	}
}

func TestDecisionOutputs(t *testing.T) {
	dir := t.TempDir()
	out, summary := filepath.Join(dir, "out"), filepath.Join(dir, "summary")
	c, _ := runenv.ContextFromEnv(envMap(runnerEnv("pull_request", "pull_request-fork.json")))
	d := Decide(context.Background(), mustPolicy(t, "push:\n  events: [pull_request]\n  branches: [main]\n"), c, nil)
	if err := d.WriteGateOutputs(envMap(map[string]string{"GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": summary})); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	want := "push=false\nreason=pull requests from forks (mallory/shop) do not push; set push.allow-forks: true to allow them\ntags=6dcb09b5b57875f334f61aebed695e2e4193db5e\n"
	if string(b) != want {
		t.Errorf("outputs:\n%s\nwant:\n%s", b, want)
	}
	s, _ := os.ReadFile(summary)
	if !strings.Contains(string(s), "| fork | mallory/shop | deny |") {
		t.Errorf("summary:\n%s", s)
	}
	table := d.Table()
	for _, w := range []string{"push gate: no push: pull requests from forks", "RULE", "event", "pull_request", "fork", "deny"} {
		if !strings.Contains(table, w) {
			t.Errorf("table lacks %q:\n%s", w, table)
		}
	}
}

func TestRenderTags(t *testing.T) {
	tag := &runenv.Context{EventName: "push", RefType: "tag", RefName: "v1.2.3", SHA: "abcdef0123456789", DefaultBranch: "main"}
	branch := &runenv.Context{EventName: "push", RefType: "branch", RefName: "Feature/JIRA-12_fix#2", SHA: "abcdef0123456789", DefaultBranch: "main"}
	long := &runenv.Context{EventName: "push", RefType: "branch", RefName: strings.Repeat("x", 300), SHA: "abc"}
	long2 := &runenv.Context{EventName: "push", RefType: "branch", RefName: strings.Repeat("x", 299) + "y", SHA: "abc"}
	hash := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:4]) }
	longHash, long2Hash := hash(long.RefName), hash(long2.RefName)
	tests := []struct {
		c         *runenv.Context
		templates []string
		want      []string
		skipped   []string // reasons, in order
	}{
		{tag, []string{"{{tag}}", "{{semver}}", "v{{major}}", "{{major}}.{{minor}}", "{{minor}}.{{patch}}", "{{short_sha}}"},
			[]string{"v1.2.3", "1.2.3", "v1", "1.2", "2.3", "abcdef0"}, nil},
		{tag, []string{"{{branch}}", "latest", "pr-{{pr}}"}, nil,
			[]string{"the run is not for a branch", "latest is only pushed from the default branch (main)", "the run is not for a pull request"}},
		{branch, []string{"{{branch}}", "{{branch}}-{{short_sha}}", "{{tag}}", "{{semver}}"},
			[]string{"Feature-JIRA-12_fix-2", "Feature-JIRA-12_fix-2-abcdef0"},
			[]string{"the run is not for a git tag", "the run is not for a git tag"}},
		{&runenv.Context{RefType: "tag", RefName: "nightly", SHA: "abc"}, []string{"{{tag}}", "{{major}}"}, []string{"nightly"},
			[]string{`git tag "nightly" is not a semantic version such as v1.2.3`}},
		{&runenv.Context{RefType: "branch", RefName: "main"}, []string{"{{sha}}", "latest"}, nil,
			[]string{"the commit SHA is unknown (GITHUB_SHA is not set)", "latest is only pushed from the default branch, which is unknown without an event payload"}},
		{&runenv.Context{RefType: "branch", RefName: "..hidden"}, []string{"{{branch}}"}, []string{"hidden"}, nil},
		// a long value is cut, keeping a hash of the whole of it and the
		// template's other parts
		{long, []string{"{{branch}}", "{{sha}}-{{branch}}", "{{branch}}-{{short_sha}}"}, []string{
			strings.Repeat("x", 119) + "-" + longHash, "abc-" + strings.Repeat("x", 115) + "-" + longHash,
			strings.Repeat("x", 115) + "-" + longHash + "-abc"}, nil},
		{long2, []string{"{{branch}}"}, []string{strings.Repeat("x", 119) + "-" + long2Hash}, nil},
		// a value used twice is cut at both uses, and a value with no room
		// for its start keeps the hash alone: neither starts the tag with '-'
		{&runenv.Context{RefType: "branch", RefName: strings.Repeat("x", 120), SHA: "abc"}, []string{"{{branch}}-{{branch}}"},
			[]string{strings.Repeat("x", 54) + "-" + hash(strings.Repeat("x", 120)) + "-" + strings.Repeat("x", 54) + "-" + hash(strings.Repeat("x", 120))}, nil},
		{&runenv.Context{RefType: "branch", RefName: strings.Repeat("x", 20), SHA: "abc"}, []string{"{{branch}}-" + strings.Repeat("a", 120)},
			[]string{hash(strings.Repeat("x", 20))[:7] + "-" + strings.Repeat("a", 120)}, nil},
		{&runenv.Context{RefType: "branch", RefName: strings.Repeat("x", 128), SHA: "abc"}, []string{"{{branch}}"}, []string{strings.Repeat("x", 128)}, nil},
		// build metadata follows '_': '-' would make it a pre-release
		{&runenv.Context{RefType: "tag", RefName: "v1.2.3+build.5", SHA: "abc"}, []string{"{{semver}}", "{{major}}.{{minor}}", "{{patch}}"},
			[]string{"1.2.3_build.5", "1.2", "3"}, nil},
		{&runenv.Context{RefType: "tag", RefName: "v1.2.3-rc.1+build.5", SHA: "abc"}, []string{"{{semver}}"}, []string{"1.2.3-rc.1_build.5"}, nil},
		{branch, []string{"{{branch}}", "Feature-JIRA-12_fix-2"}, []string{"Feature-JIRA-12_fix-2"}, nil}, // duplicates collapse
	}
	for _, tt := range tests {
		got, skipped := RenderTags(tt.templates, tt.c)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v on %s %s: tags %q, want %q", tt.templates, tt.c.RefType, tt.c.RefName, got, tt.want)
		}
		var reasons []string
		for _, s := range skipped {
			reasons = append(reasons, s.Reason)
		}
		if !slices.Equal(reasons, tt.skipped) {
			t.Errorf("%v: skipped %q, want %q", tt.templates, reasons, tt.skipped)
		}
	}
}

// FuzzDecide feeds arbitrary payloads and policies to the gate: it must
// never panic, and must never allow a push for an event it does not know.
func FuzzDecide(f *testing.F) {
	for _, name := range []string{"push-main.json", "pull_request-fork.json", "release.json", "schedule.json"} {
		b, err := os.ReadFile(filepath.Join(eventsDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "push", "push:\n  events: [push, pull_request]\n  tags: [\"{{branch}}-{{short_sha}}\", \"{{major}}\"]\n")
	}
	f.Add([]byte(`{"pull_request":{"head":"x","labels":[1,{"name":2}],"number":"7"},"ref":5}`), "pull_request", "push:\n  allow-forks: true\n")
	f.Fuzz(func(t *testing.T, payload []byte, event, policy string) {
		dir := t.TempDir()
		p := filepath.Join(dir, "event.json")
		if err := os.WriteFile(p, payload, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := runenv.ContextFromEnv(envMap(map[string]string{"GITHUB_EVENT_PATH": p, "GITHUB_EVENT_NAME": event}))
		if err != nil {
			return
		}
		cfg, err := config.Parse("gantry.yaml", []byte(policy), nil)
		if err != nil {
			return
		}
		pol := cfg.PushPolicy()
		d := Decide(context.Background(), pol, c, func(context.Context) (int, error) { return 0, nil })
		if d.Push && !slices.Contains(pol.Events, event) {
			t.Errorf("pushed for event %q not in %v", event, pol.Events)
		}
		for _, tag := range d.Tags {
			if !config.ValidTag(tag) {
				t.Errorf("invalid tag %q", tag)
			}
		}
		_ = d.Table()
		_ = d.Markdown()
	})
}
