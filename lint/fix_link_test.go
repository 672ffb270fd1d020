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

// TestFixThroughLinks: --fix writes through a symbolic link whose target is
// in the repository, and leaves a link to a file outside it as it is, with
// the fix reported as left out.
func TestFixThroughLinks(t *testing.T) {
	input := fixReadFile(t, filepath.Join(fixGoldenDir, "volatile.in.Dockerfile"))
	for _, tc := range []struct {
		name    string
		dir     string // where the link is and gantry runs, under the folder that holds .git
		target  string // the link's target, from the folder above that one
		outside bool   // the target is outside the repository
	}{
		{"link within the repository", ".", "repo/docker/Dockerfile.app", false},
		{"link to another project", ".", "other-project/Dockerfile", true},
		// a service with a .github of its own in a monorepo: FindRoot's
		// root is the service, the repository is the git work tree
		{"link within a monorepo", "svc", "repo/shared/Dockerfile", false},
		{"link out of a monorepo", "svc", "other-project/Dockerfile", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := t.TempDir()
			repo := filepath.Join(top, "repo", tc.dir)
			target := filepath.Join(top, filepath.FromSlash(tc.target))
			fixWriteFile(t, target, input)
			mkdirs(t, []string{filepath.Join(top, "repo", ".git"), filepath.Join(repo, ".github")}...)
			if err := os.Symlink(target, filepath.Join(repo, "Dockerfile")); err != nil {
				t.Fatal(err)
			}
			fr := fixVolatile(t, repo, filepath.Join(repo, "Dockerfile"))
			got, _ := os.ReadFile(target)
			if changed := !bytes.Equal(got, input); changed == tc.outside {
				t.Errorf("target changed: %v, want %v", changed, !tc.outside)
			}
			if tc.outside {
				if len(fr.Fixed) != 0 || len(fr.Failures) == 0 || !strings.Contains(fr.Failures[0].Reason, "outside the repository") {
					t.Errorf("fixed %d files, failures %+v; want the fix left out as outside the repository", len(fr.Fixed), fr.Failures)
				}
			} else if len(fr.Fixed) != 1 || len(fr.Failures) != 0 {
				t.Errorf("fixed %d files, failures %+v; want the file fixed", len(fr.Fixed), fr.Failures)
			}
			if fi, err := os.Lstat(filepath.Join(repo, "Dockerfile")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link was replaced: %v", err)
			}
		})
	}
}

// TestFixLinkedServiceFolder: a monorepo's service folder reached through a
// symbolic link (gantry run from ~/work/svc, a link to ~/src/mono/svc)
// belongs to the git work tree it lies in, as git finds it: a relative link
// from the service to a shared Dockerfile of the monorepo is fixed.
func TestFixLinkedServiceFolder(t *testing.T) {
	input := fixReadFile(t, filepath.Join(fixGoldenDir, "volatile.in.Dockerfile"))
	top := t.TempDir()
	mono := filepath.Join(top, "src", "mono")
	target := filepath.Join(mono, "shared", "Dockerfile")
	fixWriteFile(t, target, input)
	mkdirs(t, []string{filepath.Join(mono, ".git"), filepath.Join(mono, "svc", ".github"), filepath.Join(top, "work")}...)
	if err := os.Symlink(filepath.Join("..", "shared", "Dockerfile"), filepath.Join(mono, "svc", "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	svc := filepath.Join(top, "work", "svc")
	if err := os.Symlink(filepath.Join(mono, "svc"), svc); err != nil {
		t.Fatal(err)
	}
	fr := fixVolatile(t, svc, filepath.Join(svc, "Dockerfile"))
	if len(fr.Fixed) != 1 || len(fr.Failures) != 0 {
		t.Errorf("fixed %d files, failures %+v; want the file fixed", len(fr.Fixed), fr.Failures)
	}
	if got, _ := os.ReadFile(target); bytes.Equal(got, input) {
		t.Error("the shared Dockerfile was not fixed")
	}
}

// TestFixThroughLinkedFolder: a file under a folder of the repository that
// is a symbolic link to another project's folder is outside the
// repository, whether or not that project has a .git of its own (which
// makes FindRoot take the linked folder for a repository).
func TestFixThroughLinkedFolder(t *testing.T) {
	input := fixReadFile(t, filepath.Join(fixGoldenDir, "volatile.in.Dockerfile"))
	for _, tc := range []struct {
		name  string
		marks []string // what the other project holds
	}{
		{"plain folder", nil},
		{"git repository", []string{".git"}},
		{"folder with a .github", []string{".github"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := t.TempDir()
			repo, other := filepath.Join(top, "repo"), filepath.Join(top, "other-project")
			target := filepath.Join(other, "docker", "Dockerfile")
			fixWriteFile(t, target, input)
			mkdirs(t, filepath.Join(repo, ".git"))
			for _, m := range tc.marks {
				mkdirs(t, filepath.Join(other, m))
			}
			if err := os.Symlink(filepath.Join("..", "other-project"), filepath.Join(repo, "vendored")); err != nil {
				t.Fatal(err)
			}
			fr := fixVolatile(t, repo, filepath.Join(repo, "vendored", "docker", "Dockerfile"))
			if len(fr.Fixed) != 0 || len(fr.Failures) == 0 || !strings.Contains(fr.Failures[0].Reason, "outside the repository") {
				t.Errorf("fixed %d files, failures %+v; want the fix left out as outside the repository", len(fr.Fixed), fr.Failures)
			}
			if got, _ := os.ReadFile(target); !bytes.Equal(got, input) {
				t.Error("the other project's Dockerfile was rewritten")
			}
		})
	}
}

// fixVolatile runs --fix=all with volatile-arg-early alone, from workDir, on file.
func fixVolatile(t *testing.T, workDir, file string) *FixResult {
	t.Helper()
	l, err := New(Options{WorkDir: workDir, Config: &config.Config{Rules: map[string]*config.RuleConfig{}},
		RuleFilter: func(r *Rule) bool { return r.ID == "volatile-arg-early" }})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := l.Fix(context.Background(), []string{file}, FixOptions{Mode: FixModeAll})
	if err != nil {
		t.Fatal(err)
	}
	return fr
}

// mkdirs creates the folders.
func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
