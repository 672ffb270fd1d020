package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gantry runs the CLI in-process and returns its exit code and output.
func gantry(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const okWorkflow = "on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo ok\n"
const badWorkflow = "on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo ${{ nope.x }}\n"

func TestLintExitCodes(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	write(t, dir, ".github/workflows/ok.yml", okWorkflow)
	if code, out, errs := gantry(t, dir, "", "lint", "--no-shellcheck"); code != 0 || out != "" {
		t.Errorf("clean repo: exit %d, out %q, err %q", code, out, errs)
	}
	write(t, dir, ".github/workflows/bad.yml", badWorkflow)
	code, out, errs := gantry(t, dir, "", "lint", "--no-shellcheck")
	if code != 1 || !strings.Contains(out, ".github/workflows/bad.yml:7:23: error: undefined variable \"nope\"") || !strings.Contains(errs, "1 finding (1 error") {
		t.Errorf("bad repo: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := gantry(t, dir, "", "lint", "--fail-on", "none"); code != 0 {
		t.Errorf("--fail-on none: exit %d", code)
	}
	if code, _, errs := gantry(t, dir, "", "lint", "--fail-on", "fatal"); code != 2 || !strings.Contains(errs, "--fail-on") {
		t.Errorf("bad --fail-on: exit %d %s", code, errs)
	}
	if code, _, errs := gantry(t, dir, "", "lint", "--format", "xml"); code != 2 || !strings.Contains(errs, `unknown --format "xml"`) {
		t.Errorf("bad --format: exit %d %s", code, errs)
	}
	if code, _, errs := gantry(t, dir, "", "lint", "--no-such-flag"); code != 2 || !strings.Contains(errs, "unknown flag") {
		t.Errorf("bad flag: exit %d %s", code, errs)
	}
	write(t, dir, ".github/gantry.yaml", "rules:\n  expresion: off\n")
	if code, _, errs := gantry(t, dir, "", "lint"); code != 2 || !strings.Contains(errs, `.github/gantry.yaml:2:3: unknown rule "expresion" (did you mean "expression"?)`) {
		t.Errorf("bad config: exit %d %s", code, errs)
	}
}

func TestLintJSONAndStdin(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := gantry(t, dir, badWorkflow, "lint", "--format", "json", "--stdin-filename", "ci.yml", "-")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Summary       struct{ Files, Findings, Errors int }
		Findings      []struct {
			Rule, Severity, File, Message string
			Line, Column                  int
			DocsURL                       string `json:"docs_url"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	f := doc.Findings[0]
	if doc.SchemaVersion != 1 || doc.Summary.Files != 1 || doc.Summary.Errors != 1 || f.File != "ci.yml" || f.Line != 7 ||
		f.Rule != "expression" || f.Severity != "error" || !strings.HasPrefix(f.DocsURL, "https://") {
		t.Errorf("%+v", doc)
	}
	if code, _, errs := gantry(t, dir, "", "lint", "-", "x.yml"); code != 2 || !strings.Contains(errs, "stdin") {
		t.Errorf("mixed stdin: exit %d %s", code, errs)
	}
	// stdin over --max-file-size: only the limit and one byte are read, so
	// it is not linted as if it ended there, and --fix writes nothing
	big := badWorkflow + strings.Repeat("# padding\n", 200)
	code, out, _ = gantry(t, dir, big, "lint", "--max-file-size", "1000", "--stdin-filename", "ci.yml", "-")
	if code != 1 || !strings.Contains(out, "ci.yml:0:0: error: input is over the 1000 bytes limit") || strings.Contains(out, "[expression]") {
		t.Errorf("stdin over the limit: exit %d\n%s", code, out)
	}
	code, out, errs := gantry(t, dir, big, "lint", "--fix", "--max-file-size", "1000", "--stdin-filename", "ci.yml", "-")
	if code != 2 || out != "" || !strings.Contains(errs, "stdin is over the 1000 bytes limit: nothing was fixed or written") {
		t.Errorf("--fix of stdin over the limit: exit %d, stdout %d bytes\n%s", code, len(out), errs)
	}
}

func TestRulesAndExplain(t *testing.T) {
	code, out, _ := gantry(t, "", "", "rules")
	if code != 0 || !strings.Contains(out, "expression") || !strings.Contains(out, "unused-ignore") {
		t.Errorf("rules: %d\n%s", code, out)
	}
	code, out, _ = gantry(t, "", "", "explain", "unused-ignore")
	if code != 0 || !strings.HasPrefix(out, "# unused-ignore\n") || !strings.Contains(out, "## Bad") {
		t.Errorf("explain: %d\n%s", code, out)
	}
	code, out, _ = gantry(t, "", "", "explain", "expression")
	if code != 0 || !strings.Contains(out, "actionlint") {
		t.Errorf("explain upstream: %d\n%s", code, out)
	}
	if code, _, errs := gantry(t, "", "", "explain", "nope"); code != 2 || !strings.Contains(errs, "unknown rule") {
		t.Errorf("explain unknown: %d %s", code, errs)
	}
}

// TestSelfLint checks that gantry's own workflows and action.yml lint clean.
func TestSelfLint(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	code, out, errs := gantry(t, root, "", "lint", "--fail-on", "info")
	if code != 0 {
		t.Errorf("self-lint: exit %d\n%s\n%s", code, out, errs)
	}
}
