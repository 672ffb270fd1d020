package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/lint"
)

// docWorkflows are the workflow snippets of README.md and docs/*.md (the
// rule pages are left out: their bad examples are bad on purpose). A block
// with a top-level jobs: and on: is a workflow; a block that is a list of
// steps is wrapped into a minimal clean workflow; other YAML (gantry.yaml,
// fragments that show one key) is not a workflow. The key is
// "file:line" of the block.
func docWorkflows(t *testing.T) map[string]string {
	t.Helper()
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	blockRE := regexp.MustCompile("(?ms)^( *)```ya?ml\n(.*?)^ *```")
	const wrapper = "name: doc\non: push\npermissions:\n  contents: read\nconcurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n" +
		"jobs:\n  doc:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n"
	out := map[string]string{}
	for _, f := range files {
		if filepath.Base(f) == "rules.md" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range blockRE.FindAllSubmatchIndex(b, -1) {
			indent := string(b[m[2]:m[3]])
			var lines []string
			for _, l := range strings.Split(string(b[m[4]:m[5]]), "\n") {
				lines = append(lines, strings.TrimPrefix(l, indent))
			}
			body := strings.Join(lines, "\n")
			key := filepath.Base(f) + ":" + strconv.Itoa(1+strings.Count(string(b[:m[0]]), "\n"))
			switch {
			case regexp.MustCompile(`(?m)^jobs:`).MatchString(body) && regexp.MustCompile(`(?m)^(on|"on"):`).MatchString(body):
				out[key] = body
			case strings.HasPrefix(body, "- ") && regexp.MustCompile(`(?m)^  (uses|run):`).MatchString(body):
				var steps strings.Builder
				for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
					steps.WriteString("      " + l + "\n")
				}
				out[key] = wrapper + steps.String()
			}
		}
	}
	return out
}

// TestDocWorkflowsLintClean lints every workflow snippet of the README and
// docs: copy-paste examples must have no finding at warning or above, and
// each one that builds an image must say where its BuildKit builder comes
// from.
func TestDocWorkflowsLintClean(t *testing.T) {
	wfs := docWorkflows(t)
	if len(wfs) < 6 {
		t.Fatalf("found %d workflow snippets, want at least the 4 of github-action.md and the 2 of push.md: %v", len(wfs), wfs)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755)
	// the repository the docs assume keeps its actions current with Dependabot
	os.WriteFile(filepath.Join(dir, ".github", "dependabot.yml"), []byte("version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n"), 0o644)
	files := map[string]string{} // workflow file -> doc block
	i := 0
	for key, wf := range wfs {
		i++
		name := filepath.Join(".github", "workflows", fmt.Sprintf("doc%d.yml", i))
		files[name] = key
		if err := os.WriteFile(filepath.Join(dir, name), []byte(wf), 0o644); err != nil {
			t.Fatal(err)
		}
		if builds := regexp.MustCompile(`gantry (build|push)|command: (build|push)`).MatchString(wf); builds &&
			!regexp.MustCompile(`(?i)#.*(builder|buildkit)`).MatchString(wf) {
			t.Errorf("%s builds an image but does not say where its builder comes from:\n%s", key, wf)
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
	if len(res.Files) != len(wfs)+1 {
		t.Errorf("linted %d files, want %d", len(res.Files), len(wfs)+1)
	}
	for _, f := range res.Findings {
		if f.Severity >= lint.SeverityWarning {
			t.Errorf("%s: %s", files[f.File], f.String())
		} else {
			t.Logf("%s: %s", files[f.File], f.String())
		}
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
		Minimum                                   string   `yaml:"minimum_pre_commit_version"`
		Types                                     []string `yaml:"types"`
		TypesOr                                   []string `yaml:"types_or"`
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
		// pre-commit's default types, [file], leaves symbolic links out:
		// a linked workflow must reach gantry (workflow-symlink)
		if len(h.Types) != 0 || !slices.Equal(h.TypesOr, []string{"file", "symlink"}) {
			t.Errorf("hook %s: types %q, types_or %q, want [] and [file symlink]", h.ID, h.Types, h.TypesOr)
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
