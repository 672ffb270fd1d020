package actions

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

// prFiles serves the files of pull request 7 over two pages.
func prFiles(gh *fakeGitHub) {
	gh.handle("GET /repos/acme/app/pulls/7/files", func(c apiCall) (int, any) {
		if strings.Contains(c.Query, "page=2") {
			return http.StatusOK, []map[string]any{
				{"filename": "Dockerfile", "status": "removed", "patch": "@@ -1 +0,0 @@\n-FROM x"},
				{"filename": "logo.png", "status": "added"}, // binary: no patch
			}
		}
		return http.StatusOK, withHeaders{gh.nextPage("/repos/acme/app/pulls/7/files", 2), []map[string]any{{
			"filename": ".github/workflows/ci.yml", "status": "modified",
			"patch": "@@ -1,4 +1,6 @@\n name: ci\n+on: push\n jobs:\n-  old:\n+  build:\n+    runs-on: x\n     steps:\n@@ -20 +22,2 @@\n+x\n+y",
		}}}
	})
}

func TestReviewReporterCommentsOnlyOnChangedLines(t *testing.T) {
	gh := newFakeGitHub(t, "tok")
	prFiles(gh)
	const wf = ".github/workflows/ci.yml"
	already := lint.Finding{RuleID: "r5", Severity: lint.SeverityWarning, File: wf, Line: 5, Column: 5, Message: "already said"}
	gh.handle("GET /repos/acme/app/pulls/7/comments", func(apiCall) (int, any) {
		return http.StatusOK, []map[string]any{
			{"path": wf, "line": 5, "body": reviewBody(&already)},
			{"path": wf, "line": 2, "body": "a human's comment"},
		}
	})
	var posted apiCall
	gh.handle("POST /repos/acme/app/pulls/7/reviews", func(c apiCall) (int, any) {
		posted = c
		return http.StatusOK, map[string]any{"id": 1, "html_url": "https://github.example.com/acme/app/pull/7#pullrequestreview-1"}
	})
	findings := []lint.Finding{
		{RuleID: "r2", Severity: lint.SeverityError, File: wf, Line: 2, Column: 1, Message: "on line 2 | added", DocsURL: "https://docs/r2"},
		{RuleID: "r3", Severity: lint.SeverityWarning, File: wf, Line: 3, Column: 1, Message: "context line"},
		already,
		{RuleID: "r22", Severity: lint.SeverityInfo, File: wf, Line: 22, Column: 1, Message: "second hunk"},
		{RuleID: "r1", Severity: lint.SeverityError, File: "Dockerfile", Line: 1, Column: 1, Message: "removed file"},
		{RuleID: "rf", Severity: lint.SeverityError, File: wf, Line: 0, Message: "whole file"},
	}
	var out bytes.Buffer
	also := &GitHubReporter{W: &out, Getenv: envMap(nil)}
	v := &ReviewReporter{Client: gh.client(), Context: prContext(), Also: also, W: &out, Getenv: envMap(nil)}
	if err := v.Report(context.Background(), testReport(findings...)); err != nil {
		t.Fatal(err)
	}
	if posted.Method == "" {
		t.Fatalf("no review posted:\n%s", out.String())
	}
	if posted.Body["commit_id"] != "head1111" || posted.Body["event"] != "COMMENT" {
		t.Errorf("review %v", posted.Body)
	}
	comments, _ := posted.Body["comments"].([]any)
	var got []string
	for _, c := range comments {
		m := c.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v:%v", m["path"], m["line"], m["side"]))
		if m["position"] != nil {
			t.Errorf("comment uses position: %v", m)
		}
	}
	want := []string{wf + ":2:RIGHT", wf + ":22:RIGHT"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("comments on %v, want %v (only added lines, not already commented)", got, want)
	}
	first := comments[0].(map[string]any)["body"]
	if first != "**:x: error** [`r2`](https://docs/r2): on line 2 \\| added\n<!-- gantry -->" {
		t.Errorf("comment body %q", first)
	}
	if body := fmt.Sprint(posted.Body["body"]); !strings.HasPrefix(body, "gantry found 3 problems on lines this pull request changes; 3 more elsewhere") {
		t.Errorf("review body %q", body)
	}
	if !strings.Contains(out.String(), "gantry: posted a review with 2 comments") || strings.Count(out.String(), "::error file=") != 3 {
		t.Errorf("output:\n%s", out.String())
	}
	if also.Changed == nil || !also.Changed.Contains(wf, 22) {
		t.Error("the workflow commands did not get the changed lines")
	}
	for _, c := range gh.recorded() {
		if c.Path == "/api/v3/repos/acme/app/pulls/7/files" && !strings.Contains(c.Query, "per_page=100") {
			t.Errorf("files listed without per_page: %s", c.Query)
		}
	}
}

func TestReviewReporterForbiddenAndNotAPullRequest(t *testing.T) {
	gh := newFakeGitHub(t, "tok")
	prFiles(gh)
	gh.handle("GET /repos/acme/app/pulls/7/comments", func(apiCall) (int, any) { return http.StatusOK, []any{} })
	gh.handle("POST /repos/acme/app/pulls/7/reviews", forbidden)
	r := testReport(lint.Finding{RuleID: "r", Severity: lint.SeverityError, File: ".github/workflows/ci.yml", Line: 2, Message: "m"})
	var out bytes.Buffer
	v := &ReviewReporter{Client: gh.client(), Context: prContext(), Also: &GitHubReporter{W: &out, Getenv: envMap(nil)}, W: &out, Getenv: envMap(nil)}
	if err := v.Report(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "::notice title=gantry::this token may not do this: posting the review (a pull request from a fork") ||
		!strings.Contains(out.String(), "\n::error file=.github/workflows/ci.yml,line=2,title=r::m\n") {
		t.Errorf("output:\n%s", out.String())
	}

	out.Reset()
	push := &runenv.Context{EventName: "push", Repository: "acme/app", SHA: "abc"}
	v = &ReviewReporter{Client: gh.client(), Context: push, Also: &GitHubReporter{W: &out, Getenv: envMap(nil)}, W: &out, Getenv: envMap(nil)}
	if err := v.Report(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "::notice title=gantry::review comments need a pull_request event; this is a push event\n::error ") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestReviewReporterUnknownHead reviews a pull request whose head commit is
// unknown (an issue_comment event, where GITHUB_SHA is the default branch's
// last commit): the review names no commit, so GitHub takes the pull
// request's latest, instead of GITHUB_SHA, which it would refuse.
func TestReviewReporterUnknownHead(t *testing.T) {
	gh := newFakeGitHub(t, "tok")
	prFiles(gh)
	gh.handle("GET /repos/acme/app/pulls/7/comments", func(apiCall) (int, any) { return http.StatusOK, []any{} })
	var posted apiCall
	gh.handle("POST /repos/acme/app/pulls/7/reviews", func(c apiCall) (int, any) {
		posted = c
		return http.StatusOK, map[string]any{"id": 1}
	})
	comment := &runenv.Context{EventName: "issue_comment", Repository: "acme/app", SHA: "main9999",
		PullRequest: &runenv.PullRequest{Number: 7, Via: "issue_comment"}}
	var out bytes.Buffer
	v := &ReviewReporter{Client: gh.client(), Context: comment, W: &out, Getenv: envMap(nil)}
	r := testReport(lint.Finding{RuleID: "r", Severity: lint.SeverityError, File: ".github/workflows/ci.yml", Line: 2, Message: "m"})
	if err := v.Report(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if posted.Method == "" || posted.Body["commit_id"] != nil {
		t.Errorf("review %v, want one without commit_id\n%s", posted.Body, out.String())
	}
}
