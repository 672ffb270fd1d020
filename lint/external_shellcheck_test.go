package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBlankPlaceholders(t *testing.T) {
	cases := []struct{ in, want string }{
		{"echo hi", "echo hi"},
		{"echo ${{ github.sha }}", "echo _________________"},
		{"if ${{ a }}; then echo ${{b}}; fi", "if ________; then echo ______; fi"},
		{"echo ${{ 'é' }}", "echo " + strings.Repeat("_", len("${{ 'é' }}"))},
		{"a ${{\nx }} b", "a ________ b"},
		{"echo ${{ never closed", "echo ${{ never closed"},
		{"${{ a }} ${{ open", "________ ${{ open"},
		{"echo }} ${{}}", "echo }} _____"},
	}
	for _, c := range cases {
		if have := blankPlaceholders(c.in); have != c.want {
			t.Errorf("blankPlaceholders(%q) = %q, want %q", c.in, have, c.want)
		}
	}
}

func TestShellcheckDialect(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "bash", "bash -e {0}": "bash", "sh": "sh", "sh -e {0}": "sh",
		"pwsh": "", "python": "", "bash2": "", "zsh": "", "shell": "", "": "",
	} {
		if have := shellcheckDialect(shell); have != want {
			t.Errorf("shellcheckDialect(%q) = %q, want %q", shell, have, want)
		}
	}
}

// fakeLinterCheck returns a check whose shellcheck or pyflakes is a fake
// command that saves its arguments and input in dir (args-N, stdin-N for
// its Nth run) and prints out.
func fakeLinterCheck(t *testing.T, dir, rule, out string) *workflowCheck {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "out"), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`n=$(ls %[1]q | grep -c '^args-')
echo "$@" >%[1]q/args-$n
cat >%[1]q/stdin-$n
cat %[2]q`, dir, filepath.Join(bin, "out"))
	cmd := &externalCommand{path: fakeCommand(t, bin, rule, body), combined: rule == "pyflakes"}
	ext := &externalLinters{runner: newProcessRunner(1)} // one at a time, to number the runs
	if rule == "shellcheck" {
		ext.shellcheck = cmd
	} else {
		ext.pyflakes = cmd
	}
	return &workflowCheck{workDir: dir, ext: ext}
}

// fakeRuns returns what the fake linter's runs saved, "args | stdin" each,
// sorted: the runs start in no set order.
func fakeRuns(t *testing.T, dir string) []string {
	t.Helper()
	var runs []string
	for i := 0; ; i++ {
		args, err := os.ReadFile(filepath.Join(dir, fmt.Sprint("args-", i)))
		if err != nil {
			slices.Sort(runs)
			return runs
		}
		stdin, err := os.ReadFile(filepath.Join(dir, fmt.Sprint("stdin-", i)))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, strings.TrimSuffix(string(args), "\n")+" | "+string(stdin))
	}
}

// sameLines reports the difference when have is not want.
func sameLines(t *testing.T, what string, have, want []string) {
	t.Helper()
	if !slices.Equal(have, want) {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
}

// errorLines lints src with check as test.yml and formats the errors as
// errorList does.
func errorLines(t *testing.T, src string, check *workflowCheck) []string {
	t.Helper()
	errs, err := check.Lint("test.yml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return errorList(errs)
}

func TestShellcheckRule(t *testing.T) {
	const src = `on: push
defaults:
  run:
    shell: sh
jobs:
  unix:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ github.sha }}
      - run: echo in bash
        shell: bash -e {0}
      - run: echo in python
        shell: python
  windows:
    runs-on: [self-hosted, Windows-2022]
    steps:
      - run: echo in sh
  job-default:
    runs-on: windows-latest
    defaults:
      run:
        shell: bash
    steps:
      - run: echo in bash
`
	const args = "--norc -f json -x --shell %s -e SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043 -"
	dir := t.TempDir()
	out := `[{"file":"-","line":2,"endLine":2,"column":6,"endColumn":22,"level":"info","code":2086,"message":"Double quote to prevent globbing and word splitting."}]`
	lines := errorLines(t, src, fakeLinterCheck(t, dir, "shellcheck", out))
	want := []string{
		"test.yml:9:9: shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing and word splitting [shellcheck]",
		"test.yml:10:9: shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing and word splitting [shellcheck]",
		"test.yml:17:9: shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing and word splitting [shellcheck]",
		"test.yml:24:9: shellcheck reported issue in this script: SC2086:info:1:6: Double quote to prevent globbing and word splitting [shellcheck]",
	}
	sameLines(t, "errors", lines, want)
	// the Windows job's step runs sh (the workflow's default), the
	// Windows job with a job default runs bash; the python step none
	wantRuns := []string{
		fmt.Sprintf(args, "bash") + " | set -eo pipefail\necho in bash\n",
		fmt.Sprintf(args, "bash") + " | set -eo pipefail\necho in bash\n",
		fmt.Sprintf(args, "sh") + " | set -e\necho _________________\n",
		fmt.Sprintf(args, "sh") + " | set -e\necho in sh\n",
	}
	sameLines(t, "runs", fakeRuns(t, dir), wantRuns)
}

// TestShellcheckRuleRunnerShell checks the default shells without defaults:
// pwsh on a Windows runner (not checked), bash elsewhere.
func TestShellcheckRuleRunnerShell(t *testing.T) {
	const src = `on: push
jobs:
  windows:
    runs-on: windows-latest
    steps:
      - run: echo skipped
      - run: echo checked
        shell: bash
  linux:
    runs-on: ubuntu-latest
    steps:
      - run: echo default
`
	dir := t.TempDir()
	if lines := errorLines(t, src, fakeLinterCheck(t, dir, "shellcheck", "[]")); len(lines) != 0 {
		t.Errorf("errors: %q", lines)
	}
	runs := fakeRuns(t, dir)
	if len(runs) != 2 || !strings.HasSuffix(runs[0], "echo checked\n") || !strings.HasSuffix(runs[1], "echo default\n") ||
		!strings.Contains(runs[0], "--shell bash") || !strings.Contains(runs[1], "--shell bash") {
		t.Errorf("runs: %q", runs)
	}
}

func TestShellcheckRuleFails(t *testing.T) {
	const src = "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
	check := fakeLinterCheck(t, t.TempDir(), "shellcheck", "not json")
	_, err := check.Lint("test.yml", []byte(src), nil)
	want := `could not parse JSON output from shellcheck: invalid character 'o' in literal null (expecting 'u'): stdout="not json"`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}

	check.ext.shellcheck.path = fakeCommand(t, t.TempDir(), "shellcheck", "echo cannot >&2; exit 3")
	_, err = check.Lint("test.yml", []byte(src), nil)
	want = fmt.Sprintf("`%[1]s --norc -f json -x --shell bash -e SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043 -` did not run successfully "+
		`while checking script at line:6,col:9: %[1]s exited with status 3 but stdout was empty. stderr: "cannot\n"`, check.ext.shellcheck.path)
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}
