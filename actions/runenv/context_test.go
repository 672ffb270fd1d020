package runenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envMap(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestContextFromPullRequestEvent(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "event.json")
	os.WriteFile(ev, []byte(`{"repository":{"full_name":"acme/app","default_branch":"main"},
	  "pull_request":{"number":7,"draft":true,"labels":[{"name":"deploy"}],
	    "head":{"sha":"aaaa","ref":"feature","repo":{"full_name":"fork/app"}},
	    "base":{"ref":"main","repo":{"full_name":"acme/app"}}}}`), 0o644)
	c, err := ContextFromEnv(envMap(map[string]string{
		"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": ev, "GITHUB_SHA": "mmmm",
		"GITHUB_REF": "refs/pull/7/merge", "GITHUB_REPOSITORY": "acme/app",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HeadSHA() != "aaaa" || c.SHA != "mmmm" {
		t.Errorf("head sha %q, sha %q", c.HeadSHA(), c.SHA)
	}
	pr := c.PullRequest
	if !pr.Fork() || !pr.Draft || pr.Number != 7 || len(pr.Labels) != 1 || pr.Labels[0] != "deploy" || c.DefaultBranch != "main" {
		t.Errorf("pull request = %+v, default branch %q", pr, c.DefaultBranch)
	}
}

func TestContextRefFallback(t *testing.T) {
	c, err := ContextFromEnv(envMap(map[string]string{"GITHUB_REF": "refs/tags/v1.2.3"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.RefName != "v1.2.3" || c.RefType != "tag" || c.APIURL != "https://api.github.com" {
		t.Errorf("%+v", c)
	}
}

func TestContextBadEvent(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "e.json")
	os.WriteFile(p, []byte("[1,2"), 0o644)
	if _, err := ContextFromEnv(envMap(map[string]string{"GITHUB_EVENT_PATH": p})); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("err = %v", err)
	}
	if _, err := ContextFromEnv(envMap(map[string]string{"GITHUB_EVENT_PATH": filepath.Join(dir, "missing")})); err == nil {
		t.Error("missing payload accepted")
	}
}

func TestSetOutputMultilineCannotInject(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	env := envMap(map[string]string{"GITHUB_OUTPUT": out})
	if err := SetOutput(env, "reason", "a\npushed=true"); err != nil {
		t.Fatal(err)
	}
	if err := SetOutput(env, "pushed", "false"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "reason<<gantry_") || lines[3] != lines[0][len("reason<<"):] || lines[4] != "pushed=false" {
		t.Errorf("output file:\n%s", b)
	}
	if err := SetOutput(env, "bad=name", "x"); err == nil {
		t.Error("bad name accepted")
	}
}

func TestEscape(t *testing.T) {
	if got := EscapeData("50% done\r\nnext"); got != "50%25 done%0D%0Anext" {
		t.Errorf("EscapeData = %q", got)
	}
	if got := EscapeProperty("a:b,c%"); got != "a%3Ab%2Cc%25" {
		t.Errorf("EscapeProperty = %q", got)
	}
	var b strings.Builder
	Mask(&b, "line1\nline2\n")
	if b.String() != "::add-mask::line1\n::add-mask::line2\n" {
		t.Errorf("Mask = %q", b.String())
	}
}

func TestAppendSummaryLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "summary.md")
	env := envMap(map[string]string{"GITHUB_STEP_SUMMARY": p})
	if err := AppendSummary(env, "# ok\n"); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(env, strings.Repeat("x", MaxSummarySize)); err != ErrSummaryTooLarge {
		t.Errorf("err = %v", err)
	}
}
