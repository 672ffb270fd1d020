package lint

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// brokenWorkflow has an error in every linter's eyes: linting it through a
// link would show.
const brokenWorkflow = "on: push\njobs:\n  test:\n    runs-on: ubuntu-lastest\n    steps:\n      - run: echo hi\n"

func TestWorkflowSymlink(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		links map[string]string // link name: target, relative to the link
		paths []string          // linted paths; none: the repository
		want  []string          // files with a workflow-symlink finding
	}{
		{
			name:  "a linked workflow",
			files: map[string]string{"shared/ci.yml": brokenWorkflow, ".github/workflows/lint.yml": goodWorkflow},
			links: map[string]string{".github/workflows/ci.yml": "../../shared/ci.yml"},
			want:  []string{".github/workflows/ci.yml"},
		},
		{
			name:  "a linked workflow named on the command line (pre-commit)",
			files: map[string]string{"shared/ci.yml": brokenWorkflow},
			links: map[string]string{".github/workflows/ci.yml": "../../shared/ci.yml"},
			paths: []string{".github/workflows/ci.yml"},
			want:  []string{".github/workflows/ci.yml"},
		},
		{
			name:  "a link that points nowhere",
			links: map[string]string{".github/workflows/ci.yaml": "../../gone.yaml"},
			want:  []string{".github/workflows/ci.yaml"},
		},
		{
			name:  "a link that points nowhere, named on the command line (pre-commit)",
			links: map[string]string{".github/workflows/ci.yaml": "../../gone.yaml"},
			paths: []string{".github/workflows/ci.yaml"},
			want:  []string{".github/workflows/ci.yaml"},
		},
		{
			name:  "a linked .github",
			files: map[string]string{"ci/workflows/ci.yml": brokenWorkflow},
			links: map[string]string{".github": "ci"},
			want:  []string{".github"},
		},
		{
			name:  "a linked .github/workflows",
			files: map[string]string{"ci/ci.yml": brokenWorkflow, ".github/dependabot.yml": "version: 2\nupdates: []\n"},
			links: map[string]string{".github/workflows": "../ci"},
			want:  []string{".github/workflows"},
		},
		{
			name:  "a workflow named through a linked .github",
			files: map[string]string{"ci/workflows/ci.yml": brokenWorkflow},
			links: map[string]string{".github": "ci"},
			paths: []string{".github/workflows/ci.yml"},
			want:  []string{".github/workflows/ci.yml"},
		},
		{
			name:  "the workflows folder named through a linked .github",
			files: map[string]string{"ci/workflows/ci.yml": brokenWorkflow},
			links: map[string]string{".github": "ci"},
			paths: []string{".github/workflows"},
			want:  []string{".github/workflows/ci.yml"},
		},
		{
			name:  "a workflow named through a linked .github/workflows",
			files: map[string]string{"ci/ci.yml": brokenWorkflow, ".github/dependabot.yml": "version: 2\nupdates: []\n"},
			links: map[string]string{".github/workflows": "../ci"},
			paths: []string{".github/workflows/ci.yml"},
			want:  []string{".github/workflows/ci.yml"},
		},
		// look-alikes: links GitHub does follow, or that hide no workflow
		{
			name:  "a linked .github of issue templates",
			files: map[string]string{"meta/ISSUE_TEMPLATE/bug.md": "# bug\n"},
			links: map[string]string{".github": "meta"},
		},
		{
			name:  "a linked action.yml and Dockerfile",
			files: map[string]string{"shared/action.yml": "name: x\ndescription: x\nruns:\n  using: composite\n  steps: []\n", "shared/Dockerfile": "FROM scratch\n", ".github/workflows/ci.yml": goodWorkflow},
			links: map[string]string{".github/actions/x/action.yml": "../../../shared/action.yml", "docker/Dockerfile": "../shared/Dockerfile"},
		},
		{
			name:  "a linked file that is not a workflow",
			files: map[string]string{"docs/README.md": "# ci\n", ".github/workflows/ci.yml": goodWorkflow},
			links: map[string]string{".github/workflows/README.md": "../../docs/README.md"},
		},
		{
			name:  "a linked workflow in a subfolder, which GitHub does not read anyway",
			files: map[string]string{"shared/ci.yml": brokenWorkflow, ".github/workflows/ci.yml": goodWorkflow},
			links: map[string]string{".github/workflows/old/ci.yml": "../../../shared/ci.yml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, tt.files)
			for name, target := range tt.links {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, p); err != nil {
					t.Fatal(err)
				}
			}
			res := lintDir(t, dir, Options{Config: &config.Config{}}, tt.paths...)
			var got []string
			for _, f := range res.Findings {
				if f.RuleID == workflowSymlinkRule.ID {
					got = append(got, f.File)
					continue
				}
				if f.Severity == SeverityError {
					// the linked file is not linked into the run
					t.Errorf("unexpected finding %s", f.String())
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("workflow-symlink findings on %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWorkflowSymlinkConfig turns the rule off in the config, as a
// repository that keeps a linked workflow on purpose would.
func TestWorkflowSymlinkConfig(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		".git/HEAD":           "ref: refs/heads/main\n",
		"shared/ci.yml":       goodWorkflow,
		".github/gantry.yaml": "rules:\n  workflow-symlink: off\n",
	})
	if err := os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../shared/ci.yml", filepath.Join(dir, ".github", "workflows", "ci.yml")); err != nil {
		t.Fatal(err)
	}
	res := lintDir(t, dir, Options{})
	if len(res.Findings) != 0 {
		t.Errorf("findings with the rule off: %q", findingLines(res))
	}
}
