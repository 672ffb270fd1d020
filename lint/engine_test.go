package lint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/config"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func lintDir(t *testing.T, dir string, opts Options, paths ...string) *Result {
	t.Helper()
	opts.WorkDir = dir
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.ReleaseHeap)
	res, err := l.LintPaths(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func findingLines(res *Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.String())
	}
	return out
}

const goodWorkflow = `on: push
concurrency: ci
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: echo hi
`

// TestBadFilesDoNotStopOthers lints a malformed, a binary, an empty, a huge
// and an alias-bomb file next to a good and a bad workflow: each problem
// file gets a positioned finding and the others are still linted.
func TestBadFilesDoNotStopOthers(t *testing.T) {
	dir := t.TempDir()
	bomb := "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 10; i++ {
		refs := strings.TrimSuffix(strings.Repeat("*a"+itoa(i-1)+", ", 9), ", ")
		bomb += "        a" + itoa(i) + ": &a" + itoa(i) + " [" + refs + "]\n"
	}
	bomb += "    steps:\n      - run: echo\n"
	writeFiles(t, dir, map[string]string{
		".github/workflows/good.yml":      goodWorkflow,
		".github/workflows/bad.yml":       "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n",
		".github/workflows/malformed.yml": "on: push\njobs:\n  test: [unclosed\n",
		".github/workflows/binary.yml":    "on: push\n\x00\x01\x02",
		".github/workflows/latin1.yml":    "on: push\nname: caf\xe9\n",
		".github/workflows/empty.yml":     "",
		".github/workflows/bomb.yml":      bomb,
		".github/workflows/huge.yml":      "on: push\n" + strings.Repeat("# padding\n", 2<<20),
	})
	var res *Result
	withinHangGuard(t, func() { res = lintDir(t, dir, Options{}) })
	byFile := map[string][]Finding{}
	for _, f := range res.Findings {
		byFile[f.File] = append(byFile[f.File], f)
	}
	expect := map[string]struct {
		rule string
		line int
		msg  string
	}{
		".github/workflows/bad.yml":       {"expression", 6, `undefined variable "foo"`},
		".github/workflows/malformed.yml": {"syntax-check", 2, "could not parse as YAML"},
		".github/workflows/binary.yml":    {"invalid-file", 2, "not text"},
		".github/workflows/latin1.yml":    {"invalid-file", 2, "not text"},
		".github/workflows/empty.yml":     {"syntax-check", 0, "empty"},
		".github/workflows/bomb.yml":      {"invalid-file", 12, "alias bomb"},
		".github/workflows/huge.yml":      {"invalid-file", 0, "over the 10.0 MiB limit"},
	}
	for file, want := range expect {
		fs := byFile[file]
		found := false
		for _, f := range fs {
			if f.RuleID == want.rule && (want.line == 0 || f.Line == want.line) && strings.Contains(f.Message, want.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want a %s finding at line %d containing %q, have %v", file, want.rule, want.line, want.msg, fs)
		}
	}
	if fs := byFile[".github/workflows/good.yml"]; len(fs) != 0 {
		t.Errorf("good.yml: unexpected findings %v", fs)
	}
	if len(res.Files) != 8 || res.InternalErrors != 0 {
		t.Errorf("files %d, internal errors %d", len(res.Files), res.InternalErrors)
	}
}

// TestAliasBombIsFast checks the alias-bomb guard answers without expanding
// the aliases.
func TestAliasBombIsFast(t *testing.T) {
	src := "on: push\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i := 1; i < 12; i++ {
		src += "x" + itoa(i) + ": &a" + itoa(i) + " [" + strings.TrimSuffix(strings.Repeat("*a"+itoa(i-1)+",", 9), ",") + "]\n"
	}
	var msg string
	var bomb bool
	// expanding the aliases would take hours: the guard must not
	withinHangGuard(t, func() { _, _, msg, bomb = aliasBomb([]byte(src)) })
	if !bomb || !strings.Contains(msg, "alias bomb") {
		t.Fatalf("not detected: %q", msg)
	}
	// ordinary anchors are not a bomb
	if _, _, _, bomb := aliasBomb([]byte("a: &x {b: 1}\nc: *x\nd: *x\n")); bomb {
		t.Error("small anchors reported as a bomb")
	}
}

// TestMissingPathIsAFinding checks that a path that does not exist is
// reported and the other paths are still linted.
func TestMissingPathIsAFinding(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"ci.yml": goodWorkflow, "README.md": "# hi\n"})
	res := lintDir(t, dir, Options{}, "nope.yml", "ci.yml", "README.md")
	lines := findingLines(res)
	if len(lines) != 2 || !strings.Contains(lines[1], "nope.yml:0:0: error: cannot read nope.yml: no such file or directory [invalid-file]") ||
		!strings.Contains(lines[0], "README.md:0:0: warning: cannot tell what README.md is") {
		t.Errorf("findings: %q", lines)
	}
	if len(res.Files) != 1 {
		t.Errorf("files: %d", len(res.Files))
	}
}

// TestDiscovery checks what a repository run picks up: root workflows, any
// action.yml, Dockerfiles; not nested .github/workflows, node_modules or
// ignored paths.
func TestDiscovery(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		".git/HEAD":                               "ref: refs/heads/main\n",
		".github/gantry.yaml":                     "ignore:\n  - legacy/**\n",
		".github/workflows/ci.yml":                goodWorkflow,
		".github/workflows/sub/notes.yml":         "not: a workflow\n",
		".github/workflows/readme.md":             "x",
		".github/dependabot.yml":                  "version: 2\n",
		"action.yml":                              "name: x\n",
		"actions/setup/action.yaml":               "name: y\n",
		"docker/Dockerfile":                       "FROM scratch\n",
		"docker/web.Dockerfile":                   "FROM scratch\n",
		"docker/Dockerfile.dev":                   "FROM scratch\n",
		"docker/Dockerfile.dockerignore":          "*\n",
		"node_modules/x/action.yml":               "name: z\n",
		"legacy/action.yml":                       "name: old\n",
		"examples/nested/.github/workflows/x.yml": goodWorkflow,
	})
	l, err := New(Options{WorkDir: filepath.Join(dir, "docker")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Files {
		got = append(got, string(f.Kind)+" "+f.RelPath)
	}
	want := []string{
		"dependabot .github/dependabot.yml",
		"workflow .github/workflows/ci.yml",
		"action action.yml",
		"action actions/setup/action.yaml",
		"dockerfile docker/Dockerfile",
		"dockerfile docker/Dockerfile.dev",
		"dockerfile docker/web.Dockerfile",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDeterministicOrder lints the same tree with one and many workers.
func TestDeterministicOrder(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 40 {
		files[".github/workflows/w"+itoa(i)+".yml"] = "on: push\nconcurrency: ci\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo ${{ x" + itoa(i) + " }}\n"
	}
	writeFiles(t, dir, files)
	one := findingLines(lintDir(t, dir, Options{Jobs: 1}))
	many := findingLines(lintDir(t, dir, Options{Jobs: 16}))
	if len(one) != 40 || strings.Join(one, "\n") != strings.Join(many, "\n") {
		t.Errorf("outputs differ or are incomplete: %d vs %d", len(one), len(many))
	}
	// the run sizes its first heap goal to its files (the gantry command's
	// setting): the same findings
	paced := findingLines(lintDir(t, dir, Options{Jobs: 16, SizeHeap: true}))
	if strings.Join(one, "\n") != strings.Join(paced, "\n") {
		t.Errorf("outputs differ with SizeHeap: %d vs %d", len(one), len(paced))
	}
}

func TestSourceBytes(t *testing.T) {
	files := []*File{{size: 1000}, {Src: make([]byte, 500)}, {size: 10, Src: make([]byte, 20)}, {size: 1 << 40}}
	if got, want := sourceBytes(files, 2000), uint64(3520); got != want {
		t.Errorf("sourceBytes = %d, want %d", got, want)
	}
}

func TestSuppressions(t *testing.T) {
	src := `on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      # gantry-ignore: expression -- fixture
      - run: echo ${{ foo.bar }}
      - run: echo ${{ baz.qux }} # gantry-ignore: expression
      - run: echo ${{ one.two }}
      # gantry-ignore: expression, if-cond -- only expression is used
      - run: echo ${{ three.four }}
      - run: echo hi # gantry-ignore: expression
      - run: echo hi # gantry-ignore: no-such-rule
      - run: echo hi # gantry-ignore:
`
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"w.yml": src})
	lines := findingLines(lintDir(t, dir, Options{RuleFilter: func(r *Rule) bool { return r.Source == SourceActionlint || r.Target == TargetAny }}, "w.yml"))
	want := []string{
		`w.yml:9:23: error: undefined variable "one". available variables are "env", "github", "inputs", "job", "matrix", "needs", "runner", "secrets", "steps", "strategy", "vars" [expression]`,
		`w.yml:10:7: info: unused gantry-ignore: no "if-cond" finding on line 11 [unused-ignore]`,
		`w.yml:12:22: info: unused gantry-ignore: no "expression" finding on line 12 [unused-ignore]`,
		`w.yml:13:22: info: gantry-ignore names unknown rule "no-such-rule"; run ` + "`gantry rules`" + ` to list them [unused-ignore]`,
		`w.yml:14:22: info: gantry-ignore comment names no rule; write ` + "`# gantry-ignore: rule-id -- reason`" + ` [unused-ignore]`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("have:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"rules: [a]\n", "g.yaml:1:8: rules must be a mapping, not a sequence"},
		{"rulez: {}\n", `g.yaml:1:1: unknown key "rulez" in config (known keys: rules, ignore, shellcheck, pyflakes, push)`},
		{"build:\n  target: app\n", `g.yaml:1:1: unknown key "build" in config (known keys: rules, ignore, shellcheck, pyflakes, push)`},
		{"rules:\n  expression: warning\npush:\n  allow_forks: true\n", `g.yaml:4:3: unknown key "allow_forks" in push (known keys: image, events, branches, git-tags, allow-forks, `},
		{"rules:\n  expresion: off\n", `g.yaml:2:3: unknown rule "expresion" (did you mean "expression"?)`},
		{"rules:\n  expression: loud\n", `g.yaml:2:15: rules.expression: "loud" is not off, on, error, warning or info`},
		{"rules:\n  expression:\n    severity: fatal\n", `g.yaml:3:15: rules.expression.severity must be error, warning or info, not "fatal"`},
		{"rules:\n  expression:\n    options: {a: 1}\n", `g.yaml:3:5: rule "expression" takes no options`},
		{"rules:\n  expression:\n    enable: true\n", `g.yaml:3:5: unknown key "enable" in rules.expression (known keys: enabled, severity, options)`},
		{"ignore:\n  - paths: ['[']\n", `g.yaml:2:13: invalid glob "["`},
		{"ignore:\n  - rules: [expression]\n", "g.yaml:2:5: ignore entry has no paths"},
		{"shellcheck: maybe\n", `g.yaml:1:13: shellcheck must be true or false, not "maybe"`},
		{"rules: {a: 1\n", "g.yaml:1:13: invalid yaml: did not find expected ',' or '}'"},
	} {
		_, err := parseConfig("g.yaml", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n have %v\n want %s", tc.src, err, tc.want)
		}
	}
	for _, ok := range []string{"", "# nothing\n", "rules:\n  expression: warning\n  if-cond: off\nignore:\n  - vendor/**\n  - {paths: [a.yml], rules: [expression]}\npush:\n  allow-forks: true\n"} {
		if _, err := parseConfig("g.yaml", []byte(ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestConfigApplies checks severities, disabled rules and path ignores.
func TestConfigApplies(t *testing.T) {
	dir := t.TempDir()
	bad := "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n"
	writeFiles(t, dir, map[string]string{
		".github/gantry.yaml":           "rules:\n  expression: warning\nignore:\n  - paths: [.github/workflows/quiet.yml]\n    rules: [expression]\n  - .github/workflows/skip.yml\n",
		".github/workflows/loud.yml":    bad,
		".github/workflows/quiet.yml":   bad,
		".github/workflows/skip.yml":    bad,
		".github/workflows/another.yml": bad,
	})
	res := lintDir(t, dir, Options{RuleFilter: onlyActionlint})
	var files []string
	for _, f := range res.Findings {
		if f.Severity != SeverityWarning {
			t.Errorf("severity not applied: %s", f.String())
		}
		files = append(files, f.File)
	}
	if strings.Join(files, ",") != ".github/workflows/another.yml,.github/workflows/loud.yml" {
		t.Errorf("files with findings: %v", files)
	}
	// an explicitly named file is linted even when a whole-file ignore matches it
	res = lintDir(t, dir, Options{RuleFilter: onlyActionlint}, ".github/workflows/skip.yml")
	if len(res.Findings) != 1 {
		t.Errorf("explicit file: %v", findingLines(res))
	}
}

// TestTextReporter checks the human format with a caret under the column.
func TestTextReporter(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"w.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo.bar }}\n"})
	res := lintDir(t, dir, Options{RuleFilter: onlyActionlint}, "w.yml")
	var b bytes.Buffer
	if err := (&TextReporter{W: &b}).Report(context.Background(), NewReport(res)); err != nil {
		t.Fatal(err)
	}
	want := "w.yml:6:23: error: undefined variable \"foo\". available variables are \"env\", \"github\", \"inputs\", \"job\", \"matrix\", \"needs\", \"runner\", \"secrets\", \"steps\", \"strategy\", \"vars\" [expression]\n" +
		"  |\n6 |       - run: echo ${{ foo.bar }}\n  |                       ^\n"
	if b.String() != want {
		t.Errorf("have:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	(&TextReporter{W: &b, Color: true}).Report(context.Background(), NewReport(res))
	if !strings.Contains(b.String(), "\x1b[31m") {
		t.Error("no colour")
	}
}

// TestRealworldNoPanic lints the 1,503 real-world workflows with every rule.
func TestRealworldNoPanic(t *testing.T) {
	paths := realworldFiles(t)
	l, err := New(Options{WorkDir: filepath.Dir(paths[0]), Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != len(paths) || res.InternalErrors != 0 {
		t.Fatalf("files %d of %d, internal errors %d", len(res.Files), len(paths), res.InternalErrors)
	}
	for _, f := range res.Findings {
		if f.RuleID == internalErrorRule.ID {
			t.Error(f.String())
		}
	}
	t.Logf("%d findings in %d files", len(res.Findings), len(res.Files))
}

// TestZizmorNoPanic lints every zizmor fixture (workflows and actions).
func TestZizmorNoPanic(t *testing.T) {
	dir := corpusDir(t, "zizmor")
	var paths []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isYAML(p) {
			paths = append(paths, p)
		}
		return nil
	})
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if res.InternalErrors != 0 || len(res.Files) != len(paths) {
		t.Fatalf("files %d of %d, internal errors %d", len(res.Files), len(paths), res.InternalErrors)
	}
	for _, f := range res.Findings {
		if f.RuleID == internalErrorRule.ID {
			t.Error(f.String())
		}
	}
}

// withinHangGuard runs f and fails the test if it has not returned within
// two minutes: a guard against hangs (such as an exponential expansion),
// generous for a loaded 2-core machine, not a speed goal.
func withinHangGuard(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("did not return within 2 minutes: hung")
	}
}

// TestReadFileStaleSize: the size found with a file saves a stat, but a
// file that grew or shrank since reads as it would with a stat when opened.
func TestReadFileStaleSize(t *testing.T) {
	dir := t.TempDir()
	l, err := New(Options{WorkDir: dir, MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		bytes int
		found int64 // the size when found
	}{
		{"same", 50, 50},
		{"grew under the limit", 50, 10},
		{"grew over the limit", 200, 10},
		{"shrank under the limit", 9, 200},
		{"over the limit", 200, 200},
		{"empty", 0, 0},
	} {
		p := filepath.Join(dir, "w.yml")
		if err := os.WriteFile(p, []byte(strings.Repeat("x", tt.bytes)), 0o644); err != nil {
			t.Fatal(err)
		}
		src, problem := l.readFile(p, tt.found, 0)
		wantSrc, wantProblem := l.readFile(p, 0, 0) // unknown: a stat when opened
		if string(src) != string(wantSrc) || problem != wantProblem {
			t.Errorf("%s: readFile = %d bytes, %q; with a stat when opened %d bytes, %q", tt.name, len(src), problem, len(wantSrc), wantProblem)
		}
	}
}

// TestLintThroughLinkedFolder: a folder named through a symbolic link, or
// a working directory reached through one (a shell's cd keeps the link in
// the path), is linted as the folder it points to, with paths through the
// link; a link inside it is not followed.
func TestLintThroughLinkedFolder(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	writeFiles(t, real, map[string]string{
		".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ x }}\n",
		"other/Dockerfile":         "FROM scratch\n",
	})
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	// a link inside the linked folder stays unfollowed
	if err := os.Symlink(filepath.Join(real, "other"), filepath.Join(real, "inner")); err != nil {
		t.Fatal(err)
	}
	files := func(res *Result) []string {
		var out []string
		for _, f := range res.Files {
			out = append(out, f.Path)
		}
		return out
	}
	for _, tt := range []struct {
		name, workDir string
		paths         []string
		want          []string
	}{
		{"named", base, []string{"link"}, []string{"link/.github/workflows/ci.yml", "link/other/Dockerfile"}},
		{"working directory", link, nil, []string{".github/workflows/ci.yml", "other/Dockerfile"}},
		{"the folder itself", base, []string{"real"}, []string{"real/.github/workflows/ci.yml", "real/other/Dockerfile"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := lintDir(t, tt.workDir, Options{}, tt.paths...)
			if got := files(res); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("linted %q, want %q", got, tt.want)
			}
			if len(res.Findings) == 0 {
				t.Error("no findings: the workflow was not linted")
			}
		})
	}
}
