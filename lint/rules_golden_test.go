package lint

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// ruleCase is one table entry of a rule's unit test: a file and the
// findings the rule must report on it, each as "line:col: part of the
// message". A case without findings is a look-alike the rule must not flag.
type ruleCase struct {
	name string
	// file is the name the source is linted as (default test.yml).
	file string
	src  string
	// config is an optional .github/gantry.yaml for the case.
	config string
	want   []string
	// sev, when set, is the severity every finding must have.
	sev Severity
}

// runRuleCases lints each case with only the given rule enabled.
func runRuleCases(t *testing.T, id string, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := lintWithRule(t, id, c.file, c.src, c.config)
			if len(fs) != len(c.want) {
				t.Fatalf("want %d findings, have %d:\n%s", len(c.want), len(fs), findingsText(fs))
			}
			for i, w := range c.want {
				pos, msg, _ := strings.Cut(w, ": ")
				have := fmt.Sprintf("%d:%d", fs[i].Line, fs[i].Column)
				if have != pos || !strings.Contains(fs[i].Message, msg) {
					t.Errorf("finding %d:\n want: %s\n have: %s: %s", i+1, w, have, fs[i].Message)
				}
				if c.sev != 0 && fs[i].Severity != c.sev {
					t.Errorf("finding %d has severity %s, want %s", i+1, fs[i].Severity, c.sev)
				}
				if fs[i].RuleID != id {
					t.Errorf("finding %d has rule %q, want %q", i+1, fs[i].RuleID, id)
				}
			}
		})
	}
}

// lintWithRule lints src as file with only rule id enabled.
func lintWithRule(t *testing.T, id, file, src, cfgText string) []Finding {
	t.Helper()
	if file == "" {
		file = "test.yml"
	}
	cfg := &config.Config{}
	if cfgText != "" {
		var err error
		if cfg, err = parseConfig("gantry.yaml", []byte(cfgText)); err != nil {
			t.Fatalf("config: %v", err)
		}
	}
	dir := t.TempDir()
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: cfg, RuleFilter: func(r *Rule) bool { return r.ID == id }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintSource(context.Background(), file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.RuleID != id {
			t.Errorf("finding of another rule: %s", f.String())
		}
	}
	return res.Findings
}

func findingsText(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %d:%d: %s [%s]\n", f.Line, f.Column, f.Message, f.RuleID)
	}
	return b.String()
}

// TestRuleGoldens lints every fixture under testdata/rules/<rule-id>/ with
// only that rule enabled and compares the text output, source snippets
// included, with the fixture's .golden file (go test ./lint -run
// TestRuleGoldens -update rewrites them). Fixtures named good* are the
// look-alikes a rule must not flag, so their goldens must be empty; a
// <fixture>.config file next to a fixture is used as its gantry.yaml.
func TestRuleGoldens(t *testing.T) {
	root := filepath.Join("..", "testdata", "rules")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		id := e.Name()
		if _, ok := LookupRule(id); !ok {
			t.Errorf("testdata/rules/%s: no rule has this ID", id)
			continue
		}
		seen[id] = true
		dir, err := filepath.Abs(filepath.Join(root, id))
		if err != nil {
			t.Fatal(err)
		}
		var fixtures []string
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isYAML(d.Name()) {
				rel, _ := filepath.Rel(dir, p)
				fixtures = append(fixtures, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		bad, good := 0, 0
		for _, fx := range fixtures {
			base := path.Base(fx)
			if base == "action.yml" || base == "action.yaml" {
				base = path.Base(path.Dir(fx)) // action fixtures are named by their folder
			}
			isGood := strings.HasPrefix(base, "good")
			t.Run(id+"/"+fx, func(t *testing.T) {
				out := lintFixture(t, dir, id, fx)
				if isGood {
					good++
					if out != "" {
						t.Errorf("look-alike fixture must not be flagged:\n%s", out)
					}
				} else {
					bad++
					if out == "" {
						t.Errorf("fixture has no finding: name look-alike fixtures good*")
					}
				}
				golden := filepath.Join(dir, strings.TrimSuffix(fx, filepath.Ext(fx))+".golden")
				if *update {
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./lint -run TestRuleGoldens -update)", err)
				}
				if string(want) != out {
					t.Errorf("output differs from %s:\n--- want\n%s--- have\n%s", golden, want, out)
				}
			})
		}
		if bad == 0 || good == 0 {
			t.Errorf("testdata/rules/%s needs fixtures with findings and good* look-alike fixtures (have %d and %d)", id, bad, good)
		}
	}
	for _, r := range gantryRules {
		if (r.NewWorkflowRule != nil || r.CheckAction != nil) && !seen[r.ID] {
			t.Errorf("rule %s has no fixtures in testdata/rules/%s", r.ID, r.ID)
		}
	}
}

func lintFixture(t *testing.T, dir, id, fx string) string {
	t.Helper()
	cfg := &config.Config{}
	cfgPath := filepath.Join(dir, strings.TrimSuffix(fx, filepath.Ext(fx))+".config")
	if b, err := os.ReadFile(cfgPath); err == nil {
		if cfg, err = parseConfig(cfgPath, b); err != nil {
			t.Fatal(err)
		}
	}
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: cfg, RuleFilter: func(r *Rule) bool { return r.ID == id }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), []string{fx})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := (&TextReporter{W: &b}).Report(context.Background(), NewReport(res)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
