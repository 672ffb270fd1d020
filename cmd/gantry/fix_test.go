package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixableWorkflow = "on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    if: github.ref == \"refs/heads/main\"\n    steps:\n      - run: echo \"::set-output name=v::1\"\n"

const fixedWorkflow = "on: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    if: github.ref == 'refs/heads/main'\n    steps:\n      - run: echo \"v=1\" >> \"$GITHUB_OUTPUT\"\n"

func TestLintFix(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	write(t, dir, ".git/HEAD", "")
	write(t, dir, ".github/workflows/ci.yml", fixableWorkflow)
	path := filepath.Join(dir, ".github", "workflows", "ci.yml")
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// dry run: a diff on stdout, nothing changed, the exit code of what
	// would remain (a warning: 0)
	code, out, errs := gantry(t, dir, "", "lint", "--no-shellcheck", "--fix=dry-run")
	if code != 0 || !strings.HasPrefix(out, "--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ ") ||
		!strings.Contains(out, "+    if: github.ref == 'refs/heads/main'\n") || !strings.Contains(errs, "would fix 2 findings in 1 file") ||
		!strings.Contains(errs, "timeout-missing") {
		t.Errorf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	if read() != fixableWorkflow {
		t.Fatal("a dry run changed the file")
	}

	// --fix: safe fixes only; timeout-missing (opinionated) remains, a warning
	code, out, errs = gantry(t, dir, "", "lint", "--no-shellcheck", "--fix")
	if code != 0 || read() != fixedWorkflow || !strings.Contains(out, "timeout-missing") || !strings.Contains(errs, "fixed 2 findings in 1 file") {
		t.Errorf("--fix: exit %d\n%s\n%s\n%s", code, out, errs, read())
	}
	// timeout-missing is info on this short job (a warning only on long-running or billed jobs)
	if code, _, _ := gantry(t, dir, "", "lint", "--no-shellcheck", "--fix", "--fail-on", "info"); code != 1 {
		t.Errorf("--fix --fail-on info with a finding left: exit %d", code)
	}

	// --fix=all --fix-only timeout-missing: the opinionated fix
	code, _, errs = gantry(t, dir, "", "lint", "--no-shellcheck", "--fix=all", "--fix-only", "timeout-missing", "--fail-on", "warning")
	if code != 0 || !strings.Contains(read(), "    runs-on: ubuntu-latest\n    timeout-minutes: 30\n") {
		t.Errorf("--fix=all --fix-only: exit %d %s\n%s", code, errs, read())
	}

	// nothing left: a second run is quiet and changes nothing
	before := read()
	code, out, errs = gantry(t, dir, "", "lint", "--no-shellcheck", "--fix=all", "--fail-on", "warning")
	if code != 0 || read() != before || strings.Contains(errs, "fixed") {
		t.Errorf("second run: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestLintFixUsage(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	write(t, dir, ".github/workflows/ci.yml", fixableWorkflow)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--fix=sometimes"}, `--fix must be safe, all or dry-run`},
		{[]string{"--fix-only", "expresion"}, `--fix-only: unknown rule "expresion" (did you mean "expression"?)`},
		{[]string{"--fix-only", "job-needs"}, `--fix-only: rule "job-needs" has no fix`},
		{[]string{"--fix-only", "timeout-missing"}, `the fix of "timeout-missing" is opinionated: add --fix=all`},
	} {
		code, _, errs := gantry(t, dir, "", append([]string{"lint", "--no-shellcheck"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, errs)
		}
	}
}

func TestLintFixStdin(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	code, out, errs := gantry(t, dir, fixableWorkflow, "lint", "--no-shellcheck", "--fix", "--stdin-filename", "ci.yml", "-")
	if code != 0 || out != fixedWorkflow || !strings.Contains(errs, "timeout-missing") {
		t.Errorf("stdin: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = gantry(t, dir, fixableWorkflow, "lint", "--no-shellcheck", "--fix=dry-run", "--stdin-filename", "ci.yml", "-")
	if code != 0 || !strings.HasPrefix(out, "--- a/ci.yml\n") {
		t.Errorf("stdin dry run: exit %d\n%s", code, out)
	}
}

func TestLintJSONCarriesFixes(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	write(t, dir, ".git/HEAD", "")
	write(t, dir, ".github/workflows/ci.yml", fixableWorkflow)
	code, out, _ := gantry(t, dir, "", "lint", "--no-shellcheck", "--format", "json")
	if code != 1 || strings.Contains(out, `"fix":{`) {
		t.Errorf("json without --show-fixes carries fixes: exit %d\n%s", code, out)
	}
	code, out, errs := gantry(t, dir, "", "lint", "--no-shellcheck", "--format", "json", "--show-fixes")
	if code != 1 || !strings.Contains(out, `"fix":{`) || !strings.Contains(out, `"new":"'refs/heads/main'"`) ||
		!strings.Contains(out, `"new":"    timeout-minutes: 30\n"`) || !strings.Contains(out, `"safe":false`) {
		t.Errorf("json: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ := gantry(t, dir, "", "lint", "--no-shellcheck"); code != 1 || strings.Contains(out, "fix") {
		t.Errorf("text output mentions fixes: %s", out)
	}
}
