package main

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/lint"
)

// TestDocWorkflowsLintClean lints every workflow in docs/github-action.md
// (the yaml blocks that start with name:): copy-paste examples must pass
// gantry lint with no finding at all.
func TestDocWorkflowsLintClean(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "github-action.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(name: .*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d workflows in the doc, want the lint, SARIF, review and image ones", len(blocks))
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	wfs := filepath.Join(dir, ".github", "workflows")
	os.MkdirAll(wfs, 0o755)
	// the repository the docs assume keeps its actions current with Dependabot
	os.WriteFile(filepath.Join(dir, ".github", "dependabot.yml"), []byte("version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n"), 0o644)
	for i, m := range blocks {
		name := filepath.Join(wfs, "doc"+string(rune('a'+i))+".yml")
		if err := os.WriteFile(name, []byte(m[1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := lint.New(lint.Options{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != len(blocks)+1 {
		t.Errorf("linted %d files, want %d", len(res.Files), len(blocks))
	}
	for _, f := range res.Findings {
		t.Errorf("docs workflow: %s", f.String())
	}
}

// TestPreCommitHooks checks .pre-commit-hooks.yaml: both hooks, golang, a
// minimum pre-commit version, and files: patterns that select what gantry
// lints and nothing else.
func TestPreCommitHooks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID, Name, Entry, Language, Files, Exclude string
		Minimum                                   string `yaml:"minimum_pre_commit_version"`
	}
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	entries := map[string]string{}
	for _, h := range hooks {
		entries[h.ID] = h.Entry
		if h.Language != "golang" || h.Minimum == "" || h.Name == "" {
			t.Errorf("hook %s: language %q, minimum_pre_commit_version %q", h.ID, h.Language, h.Minimum)
		}
		files, exclude := regexp.MustCompile(h.Files), regexp.MustCompile(h.Exclude)
		for p, want := range map[string]bool{
			".github/workflows/ci.yml":      true,
			".github/workflows/deploy.yaml": true,
			".github/workflows/sub/x.yml":   false, // GitHub reads only the top level
			".github/dependabot.yml":        false,
			"action.yml":                    true,
			"actions/build/action.yaml":     true,
			"Dockerfile":                    true,
			"docker/app.Dockerfile":         true,
			"Dockerfile.dev":                true,
			"Dockerfile.dockerignore":       false,
			"config/deploy.yml":             false,
			"README.md":                     false,
			"myaction.yml":                  false,
		} {
			got := files.MatchString(p) && !exclude.MatchString(p)
			if got != want {
				t.Errorf("hook %s selects %s: %v, want %v", h.ID, p, got, want)
			}
			if base := path.Base(p); got && !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml") && !lint.IsDockerfileName(base) {
				t.Errorf("hook %s selects %s, which gantry does not lint", h.ID, p)
			}
		}
	}
	if entries["gantry-lint"] != "gantry lint" || entries["gantry-lint-fix"] != "gantry lint --fix" {
		t.Errorf("hooks %v", entries)
	}
}
