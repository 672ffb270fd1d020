package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// renderFindings renders findings as golden text: one line per finding and
// one indented line per related location.
func renderFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s [%s]\n", f.File, f.Line, f.Column, f.Severity, f.Message, f.RuleID)
		for _, r := range f.Related {
			fmt.Fprintf(&b, "  related: %s:%d:%d: %s\n", r.File, r.Line, r.Column, r.Message)
		}
	}
	return b.String()
}

// TestRepositoryFixtures lints every fixture repository under
// testdata/repos/<rule>/<case>/ with only that rule and compares the
// findings with testdata/repos/<rule>/<case>.golden.
func TestRepositoryFixtures(t *testing.T) {
	base := filepath.Join("..", "testdata", "repos")
	rules, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rd := range rules {
		if !rd.IsDir() {
			continue
		}
		if _, ok := LookupRule(rd.Name()); !ok {
			t.Errorf("testdata/repos/%s names no rule", rd.Name())
			continue
		}
		cases, err := os.ReadDir(filepath.Join(base, rd.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, cd := range cases {
			if !cd.IsDir() {
				continue
			}
			n++
			rule, name := rd.Name(), cd.Name()
			t.Run(rule+"/"+name, func(t *testing.T) {
				dir, err := filepath.Abs(filepath.Join(base, rule, name))
				if err != nil {
					t.Fatal(err)
				}
				// the same findings whether every workflow is checked
				// whole or scanned as it is linted and its tree dropped;
				// a rule that panics on a dropped tree shows as an
				// internal error
				only := func(r *Rule) bool { return r.ID == rule || r == internalErrorRule }
				var have string
				for _, drop := range []bool{false, true} {
					l, err := New(Options{WorkDir: dir, RuleFilter: only, DropTrees: drop, wholeWorkflows: !drop})
					if err != nil {
						t.Fatal(err)
					}
					res, err := l.LintPaths(context.Background(), nil)
					if err != nil {
						t.Fatal(err)
					}
					if r := renderFindings(res.Findings); !drop {
						have = r
					} else if r != have {
						t.Errorf("scanning and dropping trees changes the findings:\n--- scanned\n%s--- whole\n%s", r, have)
					}
				}
				golden := filepath.Join(base, rule, name+".golden")
				if *update {
					if err := os.WriteFile(golden, []byte(have), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./lint -run TestRepositoryFixtures -update)", err)
				}
				if have != string(want) {
					t.Errorf("findings differ from %s:\n--- have\n%s--- want\n%s", golden, have, want)
				}
				// every fixture directory named "negatives" must stay clean,
				// every other one must find something
				if name == "negatives" || strings.HasSuffix(name, "-negative") {
					if have != "" {
						t.Errorf("look-alikes were flagged:\n%s", have)
					}
				} else if have == "" {
					t.Errorf("no finding in a positive fixture")
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no fixture repositories")
	}
	for _, r := range Rules() {
		if r.Target == TargetRepository {
			if _, err := os.Stat(filepath.Join(base, r.ID)); err != nil {
				t.Errorf("repository rule %s has no fixtures under testdata/repos/%s", r.ID, r.ID)
			}
		}
	}
}

// lintRepo writes files into a temporary repository and lints it with only
// the given rules. It returns the findings as "path:line:col: message" lines.
func lintRepo(t *testing.T, files map[string]string, rules ...string) []string {
	t.Helper()
	var out []string
	for _, f := range lintRepoFindings(t, files, rules...) {
		out = append(out, fmt.Sprintf("%s:%d:%d: %s", f.File, f.Line, f.Column, f.Message))
	}
	return out
}

// lintRepoFindings lints files as a repository with only the given rules.
func lintRepoFindings(t *testing.T, files map[string]string, rules ...string) []Finding {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(dedent(content)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}, RuleFilter: func(r *Rule) bool {
		for _, id := range rules {
			if r.ID == id {
				return true
			}
		}
		return false
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

// dedent removes the common leading indentation of a multi-line string and
// a leading newline, so that table tests can indent their YAML.
func dedent(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	if indent <= 0 {
		return s
	}
	for i, l := range lines {
		if len(l) >= indent {
			lines[i] = l[indent:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.Join(lines, "\n")
}

// job returns a workflow with one job of the given steps (indented by 6).
func job(on, steps string) string {
	return "on: " + on + "\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" + steps
}

// repoCase is one table test of a repository rule: files and the findings
// expected, each as a prefix of "path:line:col: message" (or, with
// severity set, "severity path:line:col: message").
type repoCase struct {
	name     string
	files    map[string]string
	want     []string
	severity bool
}

func runRepoCases(t *testing.T, rule string, cases []repoCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var have []string
			if c.severity {
				for _, f := range lintRepoFindings(t, c.files, rule) {
					have = append(have, fmt.Sprintf("%s %s:%d:%d: %s", f.Severity, f.File, f.Line, f.Column, f.Message))
				}
			} else {
				have = lintRepo(t, c.files, rule)
			}
			sort.Strings(have)
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			ok := len(have) == len(want)
			for i := 0; ok && i < len(want); i++ {
				ok = strings.HasPrefix(have[i], want[i])
			}
			if !ok {
				t.Errorf("findings:\n  %s\nwant (prefixes):\n  %s", strings.Join(have, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// TestRepositoryContext lints one file of a repository: the other
// workflows are loaded for context, so cross-file findings still appear,
// but findings in files that were not linted are dropped.
func TestRepositoryContext(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".github/workflows/bump.yml":   "on: workflow_dispatch\njobs:\n  bump:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v7\n      - run: git push origin HEAD:main\n",
		".github/workflows/deploy.yml": "name: deploy\non:\n  push:\n    branches: [main]\nconcurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy\n",
		".github/workflows/ci.yml":     "name: ci\non:\n  push:\n    branches: [main]\nconcurrency:\n  group: ${{ github.ref }}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
		".github/dependabot.yml":       "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n",
	}
	for p, c := range files {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lint := func(paths ...string) []string {
		res := lintDir(t, dir, Options{Config: &config.Config{}, RuleFilter: repositoryRulesOnly}, paths...)
		var out []string
		for _, f := range res.Findings {
			out = append(out, fmt.Sprintf("%s:%d [%s]", f.File, f.Line, f.RuleID))
		}
		return out
	}
	if have := lint(".github/workflows/bump.yml"); strings.Join(have, " ") != ".github/workflows/bump.yml:7 [token-no-trigger]" {
		t.Errorf("linting bump.yml alone: %q", have)
	}
	if have := lint(".github/workflows/deploy.yml"); strings.Join(have, " ") != ".github/workflows/deploy.yml:6 [concurrency-collision]" {
		t.Errorf("linting deploy.yml alone: %q", have)
	}
	if have := lint(); len(have) != 3 {
		t.Errorf("linting the repository: %q", have)
	}

	// stdin named after a file of the repository replaces that file: the
	// copy on disk is not loaded as a second workflow that it collides with
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}, RuleFilter: repositoryRulesOnly})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintSource(context.Background(), ".github/workflows/ci.yml", []byte(files[".github/workflows/ci.yml"]))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Message, `the group of "deploy"`) || len(res.Findings[0].Related) != 1 {
		t.Errorf("stdin copy of ci.yml: %+v", res.Findings)
	}
}

// TestRepositoryRulePanic checks that a crashing repository rule becomes an
// internal-error finding and the other rules still run.
func TestRepositoryRulePanic(t *testing.T) {
	w := &RepoWorkflow{File: &File{Path: "a.yml"}}
	repo := &Repository{Workflows: []*RepoWorkflow{w}}
	bad := &Rule{ID: "boom", CheckRepository: func(*Repository, any) []Finding { panic("kaboom") }}
	fs := runRepositoryRule(repo, bad, nil)
	if len(fs) != 1 || fs[0].RuleID != internalErrorRule.ID || fs[0].File != "a.yml" || !strings.Contains(fs[0].Message, "kaboom") {
		t.Errorf("findings: %+v", fs)
	}
}
