package actions

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

func prContext() *runenv.Context {
	return &runenv.Context{InActions: true, EventName: "pull_request", Repository: "acme/app", SHA: "merge0000", RunID: "42",
		ServerURL: "https://github.example.com", PullRequest: &runenv.PullRequest{Number: 7, HeadSHA: "head1111"}}
}

func manyFindings(n int) []lint.Finding {
	var fs []lint.Finding
	for i := 1; i <= n; i++ {
		sev := lint.SeverityWarning
		if i%20 == 0 {
			sev = lint.SeverityError
		}
		fs = append(fs, lint.Finding{RuleID: "timeout-missing", Severity: sev, File: fmt.Sprintf(".github/workflows/w%d.yml", i%3),
			Line: i, Column: 3, Message: fmt.Sprintf("finding %d", i), DocsURL: "https://docs/timeout-missing"})
	}
	return fs
}

func TestChecksReporterBatchesAnnotations(t *testing.T) {
	gh := newFakeGitHub(t, "s3cret")
	gh.handle("POST /repos/acme/app/check-runs", func(apiCall) (int, any) {
		return http.StatusCreated, map[string]any{"id": 99, "html_url": "https://github.example.com/acme/app/runs/99"}
	})
	gh.handle("PATCH /repos/acme/app/check-runs/99", func(apiCall) (int, any) { return http.StatusOK, map[string]any{"id": 99} })
	summary := filepath.Join(t.TempDir(), "summary.md")
	var out bytes.Buffer
	fixed := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	c := &ChecksReporter{Client: gh.client(), Context: prContext(), FailOn: lint.SeverityError, W: &out,
		Getenv: envMap(map[string]string{"GITHUB_STEP_SUMMARY": summary}), Now: func() time.Time { return fixed },
		Fallback: &GitHubReporter{W: &out}}
	if err := c.Report(context.Background(), testReport(manyFindings(120)...)); err != nil {
		t.Fatal(err)
	}
	calls := gh.recorded()
	if len(calls) != 5 {
		t.Fatalf("%d requests, want create, 3 annotation batches, complete: %+v", len(calls), calls)
	}
	create := calls[0]
	if create.Method != "POST" || create.Path != "/api/v3/repos/acme/app/check-runs" {
		t.Errorf("first request %s %s", create.Method, create.Path)
	}
	for k, want := range map[string]any{"name": "gantry", "head_sha": "head1111", "status": "in_progress",
		"details_url": "https://github.example.com/acme/app/actions/runs/42", "started_at": "2026-11-26T04:00:00Z"} {
		if create.Body[k] != want {
			t.Errorf("create %s = %v, want %v", k, create.Body[k], want)
		}
	}
	for i, want := range []int{50, 50, 20} {
		call := calls[1+i]
		if call.Method != "PATCH" || call.Path != "/api/v3/repos/acme/app/check-runs/99" {
			t.Errorf("batch %d: %s %s", i, call.Method, call.Path)
		}
		output, _ := call.Body["output"].(map[string]any)
		anns, _ := output["annotations"].([]any)
		if len(anns) != want || output["title"] == nil || output["summary"] == nil || call.Body["status"] != nil {
			t.Errorf("batch %d: %d annotations (want %d), output %v", i, len(anns), want, output)
		}
	}
	first := calls[1].Body["output"].(map[string]any)["annotations"].([]any)[0].(map[string]any)
	wantFirst := map[string]any{"path": ".github/workflows/w0.yml", "start_line": 60.0, "end_line": 60.0, "start_column": 3.0,
		"end_column": 3.0, "annotation_level": "failure", "title": "timeout-missing", "message": "finding 60\nhttps://docs/timeout-missing"}
	if fmt.Sprint(first) != fmt.Sprint(wantFirst) {
		t.Errorf("first annotation (errors go first)\n got %v\nwant %v", first, wantFirst)
	}
	last := calls[4].Body
	output, _ := last["output"].(map[string]any)
	if last["status"] != "completed" || last["conclusion"] != "failure" || last["completed_at"] != "2026-11-26T04:00:00Z" ||
		output["title"] != "6 errors, 114 warnings, 0 info" || output["annotations"] != nil ||
		!strings.Contains(fmt.Sprint(output["summary"]), "| [20:3](https://github.example.com/acme/app/blob/head1111/.github/workflows/w2.yml#L20) | :x: error |") {
		t.Errorf("completion: %v", last)
	}
	if out.String() != "gantry: check run \"gantry\": 6 errors, 114 warnings, 0 info, failure https://github.example.com/acme/app/runs/99\n" {
		t.Errorf("output: %q", out.String())
	}
	if md, err := os.ReadFile(summary); err != nil || !strings.Contains(string(md), "6 errors, 114 warnings") {
		t.Errorf("job summary: %s %v", md, err)
	}
}

func TestChecksReporterConclusionFollowsFailOn(t *testing.T) {
	for _, tc := range []struct {
		failOn lint.Severity
		sev    lint.Severity
		want   string
	}{
		{lint.SeverityError, lint.SeverityWarning, "success"},
		{lint.SeverityWarning, lint.SeverityWarning, "failure"},
		{0, lint.SeverityError, "success"},
	} {
		gh := newFakeGitHub(t, "tok")
		gh.handle("POST /repos/acme/app/check-runs", func(apiCall) (int, any) { return http.StatusCreated, map[string]any{"id": 1} })
		gh.handle("PATCH /repos/acme/app/check-runs/1", func(apiCall) (int, any) { return http.StatusOK, map[string]any{"id": 1} })
		c := &ChecksReporter{Client: gh.client(), Context: prContext(), FailOn: tc.failOn, W: &bytes.Buffer{}, Getenv: envMap(nil)}
		r := testReport(lint.Finding{RuleID: "r", Severity: tc.sev, File: "a.yml", Line: 1, Message: "m"})
		if err := c.Report(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		calls := gh.recorded()
		if got := calls[len(calls)-1].Body["conclusion"]; got != tc.want {
			t.Errorf("fail-on %v, finding %v: conclusion %v, want %s", tc.failOn, tc.sev, got, tc.want)
		}
	}
}

func TestChecksReporterForkFallsBackToWorkflowCommands(t *testing.T) {
	gh := newFakeGitHub(t, "read-only")
	gh.handle("POST /repos/acme/app/check-runs", forbidden)
	var out bytes.Buffer
	c := &ChecksReporter{Client: gh.client(), Context: prContext(), FailOn: lint.SeverityError, W: &out, Getenv: envMap(nil),
		Fallback: &GitHubReporter{W: &out, Getenv: envMap(nil)}}
	if err := c.Report(context.Background(), testReport(manyFindings(3)...)); err != nil {
		t.Fatal(err)
	}
	if n := len(gh.recorded()); n != 1 {
		t.Errorf("%d requests after the 403, want only the create", n)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "::notice title=gantry::this token cannot create check runs (a pull request from a fork gets a read-only GITHUB_TOKEN") {
		t.Errorf("first line is not the notice: %q", lines[0])
	}
	if len(lines) != 4 || lines[1] != "::warning file=.github/workflows/w0.yml,line=3,col=3,title=timeout-missing::finding 3%0Ahttps://docs/timeout-missing" {
		t.Errorf("fallback output:\n%s", out.String())
	}
}

func TestChecksReporterWithoutToken(t *testing.T) {
	var out bytes.Buffer
	c := &ChecksReporter{Context: prContext(), W: &out, Fallback: &GitHubReporter{W: &out, Getenv: envMap(nil)}}
	if err := c.Report(context.Background(), testReport(manyFindings(1)...)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "::notice title=gantry::no GitHub token") || !strings.Contains(out.String(), "\n::warning file=") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestChecksReporterServerErrorCompletesAndFallsBack(t *testing.T) {
	gh := newFakeGitHub(t, "tok")
	gh.handle("POST /repos/acme/app/check-runs", func(apiCall) (int, any) { return http.StatusCreated, map[string]any{"id": 5} })
	gh.handle("PATCH /repos/acme/app/check-runs/5", func(c apiCall) (int, any) {
		if c.Body["status"] == "completed" {
			return http.StatusOK, map[string]any{"id": 5}
		}
		return http.StatusBadGateway, map[string]any{"message": "Server Error"}
	})
	var out bytes.Buffer
	c := &ChecksReporter{Client: gh.client(), Context: prContext(), FailOn: lint.SeverityError, W: &out, Getenv: envMap(nil),
		Fallback: &GitHubReporter{W: &out, Getenv: envMap(nil)}}
	if err := c.Report(context.Background(), testReport(manyFindings(60)...)); err != nil {
		t.Fatal(err)
	}
	calls := gh.recorded()
	if len(calls) != 3 || calls[2].Body["conclusion"] != "failure" ||
		!strings.Contains(fmt.Sprint(calls[2].Body["output"]), "adding annotations to the check run: GitHub answered 502: Server Error") {
		t.Errorf("the run must still be completed, saying what failed: %+v", calls)
	}
	if !strings.HasPrefix(out.String(), "::warning title=gantry::adding annotations to the check run: GitHub answered 502") ||
		!strings.Contains(out.String(), "::error file=") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestChecksReporterCommentedPullRequest runs --format checks on an
// issue_comment event about pull request 7, whose payload names no head
// commit and whose GITHUB_SHA is the default branch's last commit: the check
// run goes on the pull request's head, read from the API, and on no commit
// when that cannot be read.
func TestChecksReporterCommentedPullRequest(t *testing.T) {
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"repository":{"full_name":"acme/app","default_branch":"main"},
	  "issue":{"number":7,"pull_request":{"url":"https://api.github.com/repos/acme/app/pulls/7"}}}`), 0o644)
	for _, tc := range []struct {
		name     string
		status   int    // of GET /pulls/7
		wantHead string // the check run's head_sha; "" for none
		wantOut  string
	}{
		{"readable", http.StatusOK, "head2222", "gantry: check run"},
		{"unreadable", http.StatusForbidden, "", "::notice title=gantry::the pull request's head commit is unknown (the issue_comment event does not name it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh := newFakeGitHub(t, "tok")
			gh.handle("GET /repos/acme/app/pulls/7", func(apiCall) (int, any) {
				if tc.status != http.StatusOK {
					return forbidden(apiCall{})
				}
				return http.StatusOK, map[string]any{"number": 7, "head": map[string]any{"sha": "head2222"}}
			})
			prFiles(gh)
			var head any
			gh.handle("POST /repos/acme/app/check-runs", func(c apiCall) (int, any) {
				head = c.Body["head_sha"]
				return http.StatusCreated, map[string]any{"id": 3}
			})
			gh.handle("PATCH /repos/acme/app/check-runs/3", func(apiCall) (int, any) { return http.StatusOK, map[string]any{"id": 3} })
			var out bytes.Buffer
			rep, err := NewReporter("checks", ReporterOptions{W: &out, Token: "tok", HTTPClient: gh.srv.Client(), Getenv: envMap(map[string]string{
				"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": event, "GITHUB_REPOSITORY": "acme/app",
				"GITHUB_SHA": "main9999", "GITHUB_REF": "refs/heads/main", "GITHUB_API_URL": gh.srv.URL + "/api/v3"})})
			if err != nil {
				t.Fatal(err)
			}
			if err := rep.Report(context.Background(), testReport(manyFindings(2)...)); err != nil {
				t.Fatal(err)
			}
			if tc.wantHead == "" && head != nil || tc.wantHead != "" && head != tc.wantHead {
				t.Errorf("check run on %v, want %q", head, tc.wantHead)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, out.String())
			}
		})
	}
}

// TestChecksReporterBoundsAnnotations: past MaxCheckAnnotations findings the
// check run gets no more annotation requests, and its summary says so.
func TestChecksReporterBoundsAnnotations(t *testing.T) {
	gh := newFakeGitHub(t, "tok")
	gh.handle("POST /repos/acme/app/check-runs", func(apiCall) (int, any) { return http.StatusCreated, map[string]any{"id": 8} })
	gh.handle("PATCH /repos/acme/app/check-runs/8", func(apiCall) (int, any) { return http.StatusOK, map[string]any{"id": 8} })
	c := &ChecksReporter{Client: gh.client(), Context: prContext(), FailOn: lint.SeverityError, W: &bytes.Buffer{}, Getenv: envMap(nil)}
	if err := c.Report(context.Background(), testReport(manyFindings(MaxCheckAnnotations+20)...)); err != nil {
		t.Fatal(err)
	}
	calls := gh.recorded()
	if want := 1 + MaxCheckAnnotations/AnnotationsPerRequest + 1; len(calls) != want {
		t.Fatalf("%d requests, want %d: create, %d annotation batches, complete", len(calls), want, want-2)
	}
	last := calls[len(calls)-1].Body
	if last["conclusion"] != "failure" || !strings.HasPrefix(fmt.Sprint(last["output"].(map[string]any)["summary"]),
		"_20 more findings not annotated: gantry annotates at most 1000 per check run") {
		t.Errorf("completion %v", last)
	}
}
