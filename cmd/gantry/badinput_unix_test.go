//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLintPathsThatCannotBeRead: a named pipe (opening it would wait for a
// writer forever) and a symlink loop are invalid-file findings, and the
// file beside them is still linted: exit 1, not 2, and no hang.
func TestLintPathsThatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := syscall.Mkfifo("fifo.yml", 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, l := range [][2]string{{"loop2.yml", "loop1.yml"}, {"loop1.yml", "loop2.yml"}} {
		if err := os.Symlink(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	wf := "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n"
	if err := os.WriteFile("ok.yml", []byte(wf), 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runGantry(t, "lint", "--no-shellcheck", "--color", "never", "fifo.yml", "loop1.yml", "ok.yml")
		done <- result{code, stdout, stderr}
	}()
	select {
	case r := <-done:
		if r.code != exitFindings {
			t.Errorf("exit %d, want %d\n%s%s", r.code, exitFindings, r.stdout, r.stderr)
		}
		for _, w := range []string{"fifo.yml:0:0: error: not a regular file (a named pipe)", "loop1.yml:0:0: error: cannot read loop1.yml: too many levels of symbolic links", "ok.yml:6:"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
			}
		}
	case <-time.After(2 * time.Minute): // a guard against the hang, not a speed goal
		t.Fatal("gantry lint hangs on a named pipe")
	}
}

// TestLintDanglingLinks: a symbolic link that points nowhere, as a
// pre-commit hook names it among the staged files (types_or: [file,
// symlink]), is a finding beside the other files' findings, not a usage
// error that hides them: a linked workflow is workflow-symlink, a linked
// Dockerfile cannot be read.
func TestLintDanglingLinks(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir(".git", 0o755)
	write(t, dir, "Dockerfile", "FROM scratch\nCOPY a /a\n")
	write(t, dir, ".github/workflows/ok.yml", okWorkflow)
	for link, target := range map[string]string{".github/workflows/gone.yml": "../../gone.yml", "Dockerfile.old": "missing"} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runGantry(t, "lint", "--no-shellcheck", "--color", "never", "Dockerfile", ".github/workflows/gone.yml", "Dockerfile.old", ".github/workflows/ok.yml")
	if code != exitFindings {
		t.Errorf("exit %d, want %d\n%s%s", code, exitFindings, stdout, stderr)
	}
	for _, w := range []string{".github/workflows/gone.yml:0:0: error: this workflow is a symbolic link", "Dockerfile.old:0:0: error: cannot read Dockerfile.old: no such file or directory"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
}

// TestConfigNotARegularFile: a directory or a named pipe at
// .github/gantry.yaml is a config error naming it, exit 2, for every command
// that reads the config: not a repository without config, and not a hang.
func TestConfigNotARegularFile(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	for _, tc := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, ".github/gantry.yaml: cannot read config: not a regular file (a directory)"},
		{"named pipe", func(p string) error { return syscall.Mkfifo(p, 0o644) }, ".github/gantry.yaml: cannot read config: not a regular file (a named pipe)"},
	} {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, ".git"), 0o755)
		write(t, dir, ".github/workflows/ok.yml", okWorkflow)
		write(t, dir, "Dockerfile", "FROM scratch\nCOPY a /a\n")
		if err := tc.make(filepath.Join(dir, ".github", "gantry.yaml")); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, args := range [][]string{
			{"lint", "--no-shellcheck"},
			{"plan", "."},
			{"build", "--builder", "unix:///nonexistent/buildkitd.sock", "."},
		} {
			done := make(chan [2]string, 1)
			go func() {
				code, _, errs := gantry(t, dir, "", args...)
				done <- [2]string{strconv.Itoa(code), errs}
			}()
			select {
			case r := <-done:
				if r[0] != "2" || !strings.Contains(r[1], tc.want) {
					t.Errorf("%s: gantry %s: exit %s, want 2 and %q:\n%s", tc.name, args[0], r[0], tc.want, r[1])
				}
			case <-time.After(2 * time.Minute): // a guard against the hang, not a speed goal
				t.Fatalf("%s: gantry %s hangs", tc.name, args[0])
			}
		}
	}
}
