package lint

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// repositoryRulesOnly runs the repository rules and the engine's own
// findings (internal errors), nothing else.
func repositoryRulesOnly(r *Rule) bool { return r.Target == TargetRepository || r.Target == TargetAny }

// unzipRealworld extracts the realworld dataset (flat files named
// owner_repo_.github_workflows_name.yaml) into one repository directory per
// owner_repo under dir, and returns the repository directories.
func unzipRealworld(t testing.TB, dir string) []string {
	t.Helper()
	repos := map[string]bool{}
	for _, e := range realworldDataset(t) {
		repo, wf, ok := strings.Cut(e.Name, "_.github_workflows_")
		if !ok || repo == "" || wf == "" {
			continue
		}
		dst := filepath.Join(dir, repo, ".github", "workflows", wf)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, e.Src, 0o644); err != nil {
			t.Fatal(err)
		}
		repos[filepath.Join(dir, repo)] = true
	}
	var out []string
	for r := range repos {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// TestRepositoryRulesRealworld runs the repository rules over the 1,503
// real-world workflows of actionlint's dataset, regrouped into their
// repositories (so the cross-file rules see each repository's workflows
// together), and checks that nothing panics. It logs the hit count of each
// rule; GANTRY_SAMPLES=n also logs n findings of each rule for review.
func TestRepositoryRulesRealworld(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "slow: lints 1,503 workflows (-short)")
	}
	dir := t.TempDir()
	repos := unzipRealworld(t, dir)
	if len(repos) < 100 {
		t.Fatalf("only %d repositories in the dataset", len(repos))
	}
	res := lintDir(t, dir, Options{Config: &config.Config{}, RuleFilter: repositoryRulesOnly}, repos...)
	workflows := 0
	for _, f := range res.Files {
		if f.Kind == KindWorkflow {
			workflows++
		}
	}
	if workflows < 1500 {
		t.Errorf("linted %d workflows, want the 1,503 of the dataset", workflows)
	}
	counts := map[string]int{}
	byRule := map[string][]Finding{}
	for _, f := range res.Findings {
		counts[f.RuleID]++
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
		if f.RuleID == internalErrorRule.ID {
			t.Errorf("internal error: %s", f.String())
		}
	}
	t.Logf("%d workflows in %d repositories", workflows, len(repos))
	for _, r := range Rules() {
		if r.Target == TargetRepository {
			t.Logf("%-22s %5d findings", r.ID, counts[r.ID])
		}
	}
	if n, _ := strconv.Atoi(os.Getenv("GANTRY_SAMPLES")); n > 0 {
		for _, r := range Rules() {
			fs := byRule[r.ID]
			step := max(len(fs)/n, 1)
			for i := 0; i < len(fs) && i/step < n; i += step {
				t.Logf("sample %s", fs[i].String())
			}
		}
	}
}

// TestRepositoryRulesProjects runs the repository rules over actionlint's
// project fixtures (workflows with local actions and reusable workflows,
// some of them broken) with no panic.
func TestRepositoryRulesProjects(t *testing.T) {
	base := corpusDir(t, "actionlint", "projects")
	ents, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		root := filepath.Join(base, e.Name())
		var paths []string
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isYAML(d.Name()) && !strings.HasSuffix(d.Name(), "actionlint.yaml") {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Run(e.Name(), func(t *testing.T) {
			l, err := New(Options{WorkDir: root, ProjectRoot: root, Config: &config.Config{}, RuleFilter: repositoryRulesOnly})
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.LintPaths(context.Background(), paths)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				if f.RuleID == internalErrorRule.ID {
					t.Errorf("internal error: %s", f.String())
				}
			}
		})
	}
}
