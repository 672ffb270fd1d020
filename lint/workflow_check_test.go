package lint

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/parallel"
)

// parityRoot is a folder of workflows that TestWorkflowCheckParity lints as
// one project: files are relative to root.
type parityRoot struct {
	name, root string
	files      []string
	// srcs holds the files' text when they are not on disk (realworld)
	srcs map[string][]byte
}

// TestWorkflowCheckParity lints actionlint's test workflows with
// actionlint's Linter and with gantry's workflowCheck, shellcheck and
// pyflakes on, and compares the errors and their order: those of err/,
// examples/ and ok/, projects/ with their configs, and every 10th
// real-world workflow; with -short only actionlint's shellcheck and
// pyflakes cases (shellcheck's start-up takes most of the time).
func TestWorkflowCheckParity(t *testing.T) {
	shellcheck := lookPathOrSkip(t, "shellcheck")
	pyflakes := lookPathOrSkip(t, "pyflakes", "pyflakes3")
	var roots []parityRoot
	for _, sub := range []string{"err", "examples", "ok"} {
		dir := corpusDir(t, "actionlint", sub)
		files := yamlFiles(t, dir, dir)
		if testing.Short() {
			files = slices.DeleteFunc(files, func(f string) bool {
				return !strings.Contains(f, "shellcheck") && !strings.Contains(f, "pyflakes")
			})
		}
		roots = append(roots, parityRoot{name: sub, root: dir, files: files})
	}
	if !testing.Short() {
		projects := corpusDir(t, "actionlint", "projects")
		ents, err := os.ReadDir(projects)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() {
				root := copyProject(t, filepath.Join(projects, e.Name()))
				roots = append(roots, parityRoot{name: "projects/" + e.Name(), root: root, files: yamlFiles(t, root, filepath.Join(root, "workflows"))})
			}
		}
		rw := parityRoot{name: "realworld", root: t.TempDir(), srcs: map[string][]byte{}}
		for i, m := range realworldDataset(t) {
			if i%10 == 0 {
				rw.files = append(rw.files, m.Name)
				rw.srcs[m.Name] = m.Src
			}
		}
		roots = append(roots, rw)
	}
	ext := newExternalLinters(shellcheck, pyflakes)
	compared, found := 0, 0
	for _, r := range roots {
		proj, err := actionlint.NewProject(r.root)
		if err != nil {
			t.Fatal(err)
		}
		al, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: shellcheck, Pyflakes: pyflakes, WorkingDir: r.root})
		if err != nil {
			t.Fatal(err)
		}
		check := &workflowCheck{workDir: r.root, ext: ext}
		// the files two at a time: shellcheck's start-up is most of the time
		problems := make([]string, len(r.files))
		counts := make([]int, len(r.files))
		parallel.Each(len(r.files), 2, func(i int) {
			f := r.files[i]
			src, ok := r.srcs[f]
			if !ok {
				var err error
				if src, err = os.ReadFile(filepath.Join(r.root, f)); err != nil {
					problems[i] = err.Error()
					return
				}
			}
			want, wantErr := al.Lint(f, src, proj)
			have, haveErr := check.Lint(f, src, proj)
			anyFirstUser(want)
			anyFirstUser(have)
			if fmt.Sprint(wantErr) != fmt.Sprint(haveErr) {
				problems[i] = fmt.Sprintf("%s/%s: error %v, actionlint's %v", r.name, f, haveErr, wantErr)
			} else if w, h := errorList(want), errorList(have); !slices.Equal(w, h) {
				problems[i] = fmt.Sprintf("%s/%s:\nhave:\n%s\nactionlint:\n%s", r.name, f, strings.Join(h, "\n"), strings.Join(w, "\n"))
			}
			counts[i] = len(have)
		})
		for i, p := range problems {
			if p != "" {
				t.Error(p)
			}
			compared++
			found += counts[i]
		}
	}
	t.Logf("%d workflows, %d errors", compared, found)
}

// anyFirstUser leaves out the rule of the errors about a local reusable
// workflow or action that cannot be read: actionlint reports them under
// the rule that asks first, and its Visitor visits jobs in map order (see
// firstUseProblems).
func anyFirstUser(errs []*actionlint.Error) {
	for _, e := range errs {
		for _, p := range firstUseProblems {
			if strings.HasPrefix(e.Message, p.prefix) {
				e.Kind = "(first user)"
			}
		}
	}
}

// errorList formats errors as "file:line:col: message [rule]", in their
// order except among errors that differ only by rule (the sort does not
// order those).
func errorList(errs []*actionlint.Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, fmt.Sprintf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind))
	}
	for i := 0; i < len(errs); {
		j := i + 1
		for j < len(errs) && compareErrors(errs[i], errs[j]) == 0 {
			j++
		}
		slices.Sort(out[i:j])
		i = j
	}
	return out
}

// yamlFiles returns the YAML files under dir, relative to root.
func yamlFiles(t *testing.T, root, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isYAML(d.Name()) {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// copyProject copies one of actionlint's test projects into a temporary
// folder, with its actionlint.yaml (which actionlint's tests pass as the
// config file) as .github/actionlint.yaml, where the project's config is.
func copyProject(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "actionlint.yaml" {
			rel = filepath.Join(".github", "actionlint.yaml")
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestWorkflowCheckRules checks that the rules come in actionlint's order,
// with shellcheck and pyflakes last, and that what the hook returns is
// what runs.
func TestWorkflowCheckRules(t *testing.T) {
	dir := t.TempDir()
	sc := fakeCommand(t, dir, "shellcheck", "echo '[]'")
	py := fakeCommand(t, dir, "pyflakes", "exit 0")
	var want []string
	al, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: sc, Pyflakes: py, OnRulesCreated: func(rs []actionlint.Rule) []actionlint.Rule {
		want = ruleNames(rs)
		return rs
	}})
	if err != nil {
		t.Fatal(err)
	}
	src := []byte("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n")
	if _, err := al.Lint("test.yml", src, nil); err != nil {
		t.Fatal(err)
	}
	var have []string
	check := &workflowCheck{workDir: dir, ext: newExternalLinters(sc, py), rules: func(rs []actionlint.Rule) []actionlint.Rule {
		have = ruleNames(rs)
		return []actionlint.Rule{&reportingRule{RuleBase: actionlint.NewRuleBase("test-rule", "")}}
	}}
	errs, err := check.Lint("test.yml", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(have, want) || len(have) != 17 || have[15] != "shellcheck" || have[16] != "pyflakes" {
		t.Errorf("rules %q, actionlint's %q", have, want)
	}
	// sorted by position then message, the same message at the same place
	// once, whichever rule said it
	sameLines(t, "errors", errorList(errs), []string{
		"test.yml:1:1: 'on' at the start [test-rule]",
		"test.yml:6:9: a step [test-rule]",
		"test.yml:6:9: b step [test-rule]",
	})
}

func ruleNames(rs []actionlint.Rule) []string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name())
	}
	return names
}

// reportingRule reports errors out of order and twice.
type reportingRule struct{ actionlint.RuleBase }

func (r *reportingRule) VisitStep(s *actionlint.Step) error {
	r.Error(s.Pos, "b step")
	r.Error(s.Pos, "a step")
	r.Error(s.Pos, "b step")
	return nil
}

func (r *reportingRule) VisitWorkflowPost(*actionlint.Workflow) error {
	r.Error(&actionlint.Pos{Line: 1, Col: 1}, "'on' at the start")
	return nil
}

// TestWorkflowCheckConfig checks that the project's config reaches the
// rules and that its paths: ignore patterns drop errors of the files they
// match, by the path the check is given.
func TestWorkflowCheckConfig(t *testing.T) {
	root := t.TempDir()
	cfg := `self-hosted-runner:
  labels: [my-runner]
paths:
  .github/workflows/quiet.yml:
    ignore: ['unknown Webhook event']
`
	if err := os.MkdirAll(filepath.Join(root, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".github", "actionlint.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	proj, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	src := []byte("on: pushed\njobs:\n  j:\n    runs-on: my-runner\n    steps:\n      - run: echo hi\n")
	check := &workflowCheck{workDir: root, ext: newExternalLinters("", "")}
	for path, want := range map[string]int{".github/workflows/quiet.yml": 0, ".github/workflows/loud.yml": 1} {
		errs, err := check.Lint(path, src, proj)
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != want || (want == 1 && !strings.Contains(errs[0].Message, `unknown Webhook event "pushed"`)) {
			t.Errorf("%s: %s", path, strings.Join(errorList(errs), "\n"))
		}
	}
}

// TestLintWorkflowLinterFails checks what a run reports when an external
// linter fails on a workflow: one internal-error finding, as when
// actionlint's Linter returned the error.
func TestLintWorkflowLinterFails(t *testing.T) {
	dir := t.TempDir()
	sc := fakeCommand(t, dir, "shellcheck", "exit 4")
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}, Shellcheck: sc})
	if err != nil {
		t.Fatal(err)
	}
	src := "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
	res, err := l.LintSource(context.Background(), "test.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("actionlint failed: `%[1]s --norc -f json -x --shell bash -e SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043 -` "+
		`did not run successfully while checking script at line:6,col:9: %[1]s exited with status 4 but stdout was empty. stderr: ""`, sc)
	if len(res.Findings) != 1 || res.Findings[0].RuleID != internalErrorRule.ID || res.Findings[0].Message != want {
		t.Errorf("findings:\n%s\nwant one internal-error: %s", severityText(res.Findings), want)
	}
}
