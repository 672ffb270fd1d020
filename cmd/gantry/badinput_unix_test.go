//go:build unix

package main

import (
	"os"
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
