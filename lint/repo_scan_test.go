package lint

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// TestDropTreesRealworld lints the real-world workflows, regrouped into
// their repositories, with each repository rule alone, once checking every
// workflow whole in the repository pass and once scanning workflows as they
// are linted and dropping their trees (Options.DropTrees): the findings must
// be the same, so scanning finds what the whole check finds and no rule
// reads a tree that is gone.
func TestDropTreesRealworld(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "slow: lints 1,503 workflows for each repository rule (-short)")
	}
	dir := t.TempDir()
	repos := unzipRealworld(t, dir)
	for _, r := range Rules() {
		if r.CheckRepository == nil {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			only := func(x *Rule) bool { return x == r || x == internalErrorRule }
			opts := Options{WorkDir: dir, Config: &config.Config{}, RuleFilter: only, wholeWorkflows: true}
			kept := lintJSON(t, opts, repos)
			opts.wholeWorkflows, opts.DropTrees = false, true
			dropped := lintJSON(t, opts, repos)
			if !bytes.Equal(kept, dropped) {
				t.Errorf("findings differ with DropTrees: %s", firstDifference(kept, dropped))
			}
			if bytes.Contains(dropped, []byte(`"rule":"`+internalErrorRule.ID+`"`)) {
				t.Errorf("internal error with DropTrees")
			}
		})
	}
}

// TestDropTreesKeepsFew checks that a run with every rule on drops the
// syntax trees of nearly all the real-world workflows: those the rules need
// whole are a few percent (concurrency groups, workflow_run downloads).
func TestDropTreesKeepsFew(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "slow: lints 1,503 workflows (-short)")
	}
	dir := t.TempDir()
	repos := unzipRealworld(t, dir)
	res := lintDir(t, dir, Options{Config: &config.Config{}, DropTrees: true}, repos...)
	workflows, kept := 0, 0
	for _, f := range res.Files {
		if f.Kind != KindWorkflow {
			continue
		}
		workflows++
		if f.Workflow != nil {
			kept++
		}
	}
	t.Logf("%d of %d syntax trees kept", kept, workflows)
	if workflows < 1500 || kept > workflows/10 {
		t.Errorf("%d of %d syntax trees kept, want at most a tenth", kept, workflows)
	}
	// facts are plain data: a pointer into a syntax tree would keep it
	facts := 0
	for _, f := range res.Files {
		if f.model == nil {
			continue
		}
		for id, v := range f.model.facts {
			facts++
			if p := treePointer(reflect.ValueOf(v), map[uintptr]bool{}); p != "" {
				t.Errorf("%s: facts of %s hold a %s", f.Path, id, p)
			}
		}
	}
	if facts == 0 {
		t.Error("no facts kept, so the check above checks nothing")
	}
}

// TestDropTreesReport checks that the text a run lets go with its syntax
// trees (kept compressed) comes back for the reporters: the text report,
// which quotes a line under every finding, is the same with
// Options.DropTrees as without on the real-world workflows, every
// workflow's Report.Source is its file, and a workflow with a gantry-ignore
// comment keeps its text and its suppressions.
func TestDropTreesReport(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "slow: lints 1,503 workflows twice (-short)")
	}
	dir := t.TempDir()
	repos := unzipRealworld(t, dir)
	ignored := filepath.Join(dir, "suppressed", ".github", "workflows", "ci.yml")
	if err := os.MkdirAll(filepath.Dir(ignored), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "on: push\njobs:\n  test: # gantry-ignore: timeout-missing -- a test job\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
	if err := os.WriteFile(ignored, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	repos = append(repos, filepath.Dir(filepath.Dir(filepath.Dir(ignored))))
	report := func(drop bool) (string, *Result) {
		res := lintDir(t, dir, Options{Config: &config.Config{}, DropTrees: drop}, repos...)
		var b bytes.Buffer
		if err := (&TextReporter{W: &b}).Report(context.Background(), NewReport(res)); err != nil {
			t.Fatal(err)
		}
		return b.String(), res
	}
	kept, keptRes := report(false)
	dropped, res := report(true)
	if kept != dropped {
		t.Errorf("text report differs with DropTrees: %s", firstDifference([]byte(kept), []byte(dropped)))
	}
	if !strings.Contains(dropped, "\n    | ") {
		t.Error("the report quotes no line, so the comparison checks nothing")
	}
	// the lines SARIF reads, finding after finding and related location
	// after related location, files mixed as they come
	if got, want := quotedLines(NewReport(res)), quotedLines(NewReport(keptRes)); got != want {
		t.Errorf("Report.Lines differs with DropTrees: %s", firstDifference([]byte(want), []byte(got)))
	}
	r := NewReport(res)
	packed := 0
	for _, f := range res.Files {
		if f.Kind != KindWorkflow {
			continue
		}
		want, err := os.ReadFile(f.AbsPath)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Source(f.Path); !bytes.Equal(got, want) {
			t.Errorf("%s: Report.Source returns %d bytes, not the file's %d", f.Path, len(got), len(want))
		}
		if f.Src == nil {
			packed++
		}
		if f.AbsPath == ignored {
			if f.Src == nil {
				t.Errorf("%s: text with a gantry-ignore comment let go", f.Path)
			}
			for _, fd := range f.Findings {
				if fd.RuleID == "timeout-missing" {
					t.Errorf("%s: suppressed finding reported: %s", f.Path, fd.Message)
				}
			}
		}
	}
	t.Logf("%d workflows' text kept compressed", packed)
	if packed < 1300 {
		t.Errorf("%d workflows' text kept compressed, want nearly all", packed)
	}
}

// quotedLines returns the line of every finding and related location of
// r, through Report.Lines, in the order of the findings.
func quotedLines(r *Report) string {
	var b strings.Builder
	quote := func(file string, line int) {
		text, ok := r.Lines(file).Line(line)
		fmt.Fprintf(&b, "%s:%d %t %s\n", file, line, ok, text)
	}
	for _, f := range r.Findings {
		quote(f.File, f.Line)
		if f.EndLine > f.Line {
			quote(f.File, f.EndLine)
		}
		for _, rel := range f.Related {
			quote(rel.File, rel.Line)
		}
	}
	return b.String()
}

// TestDropTreesStdin checks that a workflow read from stdin, whose text
// cannot be read again, keeps it for the reporters with Options.DropTrees,
// whatever name it is given.
func TestDropTreesStdin(t *testing.T) {
	src := []byte("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n")
	for _, name := range []string{"<stdin>", ""} {
		l, err := New(Options{WorkDir: t.TempDir(), Config: &config.Config{}, DropTrees: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.LintSource(context.Background(), name, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Files) != 1 || res.Files[0].Src != nil || len(res.Findings) == 0 {
			t.Fatalf("%q: want one workflow whose text was let go, with findings; got %d files, %d findings", name, len(res.Files), len(res.Findings))
		}
		r := NewReport(res)
		if got := r.Source(name); !bytes.Equal(got, src) {
			t.Errorf("%q: Report.Source returns %q", name, got)
		}
		for _, fd := range res.Findings {
			want := strings.Split(string(src), "\n")[fd.Line-1]
			if got, ok := r.Lines(name).Line(fd.Line); !ok || got != want {
				t.Errorf("%q: line %d is %q (%t), want %q", name, fd.Line, got, ok, want)
			}
		}
	}
}

// treePointer returns the type of a value reachable from v that belongs to
// a syntax tree (actionlint's or a YAML parser's), or "".
func treePointer(v reflect.Value, seen map[uintptr]bool) string {
	if !v.IsValid() {
		return ""
	}
	if pkg := v.Type().PkgPath(); strings.Contains(pkg, "actionlint") || strings.Contains(pkg, "yaml") {
		return v.Type().String()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return ""
			}
			seen[v.Pointer()] = true
		}
		return treePointer(v.Elem(), seen)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p := treePointer(v.Index(i), seen); p != "" {
				return p
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if p := cmp.Or(treePointer(it.Key(), seen), treePointer(it.Value(), seen)); p != "" {
				return p
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if p := treePointer(v.Field(i), seen); p != "" {
				return p
			}
		}
	}
	return ""
}

// TestDropTreesFixing checks that fixing keeps the syntax trees whatever
// Options.DropTrees says: a dry-run fix and shown fixes come out the same
// with it as without, and AttachFixes refuses a result whose trees are gone.
func TestDropTreesFixing(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "repos", "action-outdated", "old-majors"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(drop bool, req Request) string {
		l, err := New(Options{WorkDir: dir, DropTrees: drop})
		if err != nil {
			t.Fatal(err)
		}
		req.Args = []string{dir}
		o, err := l.Run(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(o.Result.Findings)
		if err != nil {
			t.Fatal(err)
		}
		return string(o.Output) + string(b)
	}
	for name, req := range map[string]Request{
		"fix":        {Fix: &FixOptions{Mode: FixModeAll, DryRun: true}},
		"show-fixes": {ShowFixes: true},
	} {
		if kept, dropped := run(false, req), run(true, req); kept != dropped {
			t.Errorf("%s: DropTrees changes the outcome:\n--- with\n%s\n--- without\n%s", name, dropped, kept)
		} else if !strings.Contains(kept, `"fix":`) && !strings.Contains(kept, "+++") {
			t.Errorf("%s: no fix in the outcome, so the test tests nothing:\n%s", name, kept)
		}
	}
	l, err := New(Options{WorkDir: dir, DropTrees: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AttachFixes(context.Background(), res, FixOptions{Mode: FixModeAll}); err == nil {
		t.Error("AttachFixes attached fixes to a result whose syntax trees are gone")
	}
}

// TestDropText checks that Options.DropText lets the text of scanned
// workflows go without changing a finding, and keeps the text of a
// workflow with an inline suppression, which finish reads.
func TestDropText(t *testing.T) {
	dir := t.TempDir()
	wf := filepath.Join(dir, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	plain := "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
	ignored := "on: push\njobs:\n  test: # gantry-ignore: timeout-missing -- short\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
	for name, src := range map[string]string{"plain.yml": plain, "ignored.yml": ignored} {
		if err := os.WriteFile(filepath.Join(wf, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kept := lintDir(t, dir, Options{Config: &config.Config{}, DropTrees: true})
	dropped := lintDir(t, dir, Options{Config: &config.Config{}, DropTrees: true, DropText: true})
	if got, want := findingLines(dropped), findingLines(kept); !slices.Equal(got, want) {
		t.Errorf("DropText changes the findings:\n--- with\n%s\n--- without\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(kept.Findings) == 0 {
		t.Error("no findings, so the comparison above checks nothing")
	}
	r := NewReport(dropped)
	for path, want := range map[string]string{".github/workflows/plain.yml": "", ".github/workflows/ignored.yml": ignored} {
		if got := string(r.Source(path)); got != want {
			t.Errorf("%s: with DropText, Report.Source returns %q, want %q", path, got, want)
		}
	}
	if got := NewReport(kept).Source(".github/workflows/plain.yml"); string(got) != plain {
		t.Errorf("without DropText, Report.Source returns %q", got)
	}
}
