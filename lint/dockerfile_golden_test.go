package lint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// TestDockerfileRuleGoldens lints every fixture under
// testdata/dockerfile/<rule-id>/ (files named *.Dockerfile, or a folder with
// a Dockerfile and the files next to it) with only that rule enabled and
// compares the text output with <fixture>.golden (-update rewrites them).
// Fixtures named good* are look-alikes: their goldens must be empty.
func TestDockerfileRuleGoldens(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "testdata", "dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		id := e.Name()
		rule, ok := LookupRule(id)
		if !e.IsDir() || !ok || rule.CheckDockerfile == nil {
			t.Errorf("testdata/dockerfile/%s: no Dockerfile rule has this ID", id)
			continue
		}
		dir := filepath.Join(root, id)
		fixtures, _ := filepath.Glob(filepath.Join(dir, "*.Dockerfile"))
		subs, _ := filepath.Glob(filepath.Join(dir, "*", "Dockerfile"))
		fixtures = append(fixtures, subs...)
		var bad, good int
		for _, fx := range fixtures {
			key := strings.TrimSuffix(fx, ".Dockerfile")
			if filepath.Base(fx) == "Dockerfile" {
				key = filepath.Dir(fx)
			}
			name, _ := filepath.Rel(root, key)
			t.Run(filepath.ToSlash(name), func(t *testing.T) {
				l, err := New(Options{WorkDir: root, ProjectRoot: root, Config: &config.Config{},
					RuleFilter: func(r *Rule) bool { return r.ID == id }})
				if err != nil {
					t.Fatal(err)
				}
				res, err := l.LintPaths(context.Background(), []string{fx})
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				if err := (&TextReporter{W: &out}).Report(context.Background(), NewReport(res)); err != nil {
					t.Fatal(err)
				}
				isGood := strings.HasPrefix(filepath.Base(key), "good")
				if isGood {
					good++
					if out.Len() > 0 {
						t.Errorf("look-alike flagged:\n%s", out.String())
					}
				} else {
					bad++
					if len(res.Findings) == 0 {
						t.Errorf("no finding on a bad fixture")
					}
				}
				golden := key + ".golden"
				if *update {
					if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./lint -run TestDockerfileRuleGoldens -update)", err)
				}
				if !bytes.Equal(out.Bytes(), want) {
					t.Errorf("output differs from %s:\n%s", filepath.Base(golden), out.String())
				}
			})
		}
		if bad == 0 || good == 0 {
			t.Errorf("testdata/dockerfile/%s needs a bad and a good fixture", id)
		}
	}
}
