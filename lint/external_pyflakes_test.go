package lint

import (
	"fmt"
	"strings"
	"testing"
)

func TestPyflakesRule(t *testing.T) {
	const src = `on: push
jobs:
  step-shell:
    runs-on: ubuntu-latest
    steps:
      - run: import os
        shell: python
      - run: echo not python
  job-default:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: python {0}
    steps:
      - run: print(${{ github.sha }})
      - run: echo bash wins
        shell: bash
`
	dir := t.TempDir()
	// a finding, a syntax error quoting the code (on stderr), and \r\n
	out := "<stdin>:1:1: 'os' imported but unused\r\n<stdin>:1:7: unexpected EOF while parsing\nprint(\n      ^\n"
	lines := errorLines(t, src, fakeLinterCheck(t, dir, "pyflakes", out))
	var want []string
	for _, pos := range []string{"6:9", "15:9"} {
		want = append(want, "test.yml:"+pos+": pyflakes reported issue in this script: 1:1: 'os' imported but unused [pyflakes]",
			"test.yml:"+pos+": pyflakes reported issue in this script: 1:7: unexpected EOF while parsing [pyflakes]")
	}
	sameLines(t, "errors", lines, want)
	wantRuns := []string{" | import os", " | print(" + strings.Repeat("_", len("${{ github.sha }}")) + ")"}
	sameLines(t, "runs", fakeRuns(t, dir), wantRuns)
}

// TestPyflakesRuleWorkflowDefault checks the workflow's default shell, and
// a job's default that is not python over it.
func TestPyflakesRuleWorkflowDefault(t *testing.T) {
	const src = `on: push
defaults:
  run:
    shell: python
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: x = 1
  b:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: bash
    steps:
      - run: echo not python
`
	dir := t.TempDir()
	if lines := errorLines(t, src, fakeLinterCheck(t, dir, "pyflakes", "")); len(lines) != 0 {
		t.Errorf("errors: %q", lines)
	}
	if runs := fakeRuns(t, dir); len(runs) != 1 || runs[0] != " | x = 1" {
		t.Errorf("runs: %q", runs)
	}
}

func TestPyflakesRuleFails(t *testing.T) {
	const src = "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: import os\n        shell: python\n"
	check := fakeLinterCheck(t, t.TempDir(), "pyflakes", "<stdin>:1:1: 'os' imported but unused\n<stdin>:2:1: no line end")
	_, err := check.Lint("test.yml", []byte(src), nil)
	want := `error message from pyflakes does not end with \n nor \r\n while checking script at line:6,col:9. output: "<stdin>:2:1: no line end"`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}

	check.ext.pyflakes.path = fakeCommand(t, t.TempDir(), "pyflakes", "exit 2")
	_, err = check.Lint("test.yml", []byte(src), nil)
	want = fmt.Sprintf("`%[1]s` did not run successfully while checking script at line:6,col:9: %[1]s exited with status 2 but stdout was empty. stderr: \"\"",
		check.ext.pyflakes.path)
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}
