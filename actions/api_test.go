package actions

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-ci/gantry/lint"
)

// TestPathMapperRepoPaths maps files to the paths GitHub annotates: relative
// to the nearest repository, where a submodule is part of the repository
// that holds it, and a second repository checked out into a folder
// (actions/checkout with path:) or a worktree is one of its own.
func TestPathMapperRepoPaths(t *testing.T) {
	ws := t.TempDir()
	for dir, gitFile := range map[string]string{
		".":                   "",
		"libs/lib":            "gitdir: ../../.git/modules/libs/lib\n",
		"libs/lib/deps/inner": "gitdir: ../../../../.git/modules/libs/lib/modules/deps/inner\n",
		"other":               "",
		"wt":                  "gitdir: /home/runner/main/.git/worktrees/wt\n",
	} {
		os.MkdirAll(filepath.Join(ws, dir), 0o755)
		if gitFile == "" {
			os.Mkdir(filepath.Join(ws, dir, ".git"), 0o755)
		} else {
			os.WriteFile(filepath.Join(ws, dir, ".git"), []byte(gitFile), 0o644)
		}
	}
	for _, tc := range []struct{ file, want string }{
		{"Dockerfile", "Dockerfile"},
		{"libs/lib/Dockerfile", "libs/lib/Dockerfile"},
		{"libs/lib/deps/inner/action.yml", "libs/lib/deps/inner/action.yml"},
		{"other/Dockerfile", "Dockerfile"},
		{"wt/.github/workflows/ci.yml", ".github/workflows/ci.yml"},
	} {
		abs := filepath.Join(ws, filepath.FromSlash(tc.file))
		r := &lint.Report{Files: []*lint.File{{Path: tc.file, AbsPath: abs}}}
		if got := newPathMapper(r, envMap(map[string]string{"GITHUB_WORKSPACE": ws})).repoPath(tc.file); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.file, got, tc.want)
		}
	}
}
