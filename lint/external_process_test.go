package lint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeCommand writes an executable sh script named name into dir and
// returns its path. The tests of the external linters run such scripts in
// place of shellcheck and pyflakes.
func fakeCommand(t *testing.T, dir, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake linters are sh scripts")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLookUpCommand(t *testing.T) {
	bin := t.TempDir()
	exe := fakeCommand(t, bin, "fake-linter", "exit 0")
	t.Setenv("PATH", bin)
	cases := []struct {
		name     string
		wantPath string
		wantArgs []string
		wantErr  string
	}{
		{"fake-linter", exe, nil, ""},
		{exe, exe, nil, ""},
		{"fake-linter --norc -x", exe, []string{"--norc", "-x"}, ""},
		{`fake-linter "a b"`, exe, []string{"a b"}, ""},
		{"missing-linter", "", nil, `exec: "missing-linter": executable file not found in $PATH`},
		{"missing-linter --norc", "", nil, `exec: "missing-linter --norc": executable file not found in $PATH`},
	}
	for _, c := range cases {
		cmd, err := lookUpCommand(c.name, true)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%q: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.name, err)
			continue
		}
		if cmd.path != c.wantPath || !slices.Equal(cmd.args, c.wantArgs) || !cmd.combined {
			t.Errorf("%q: %+v, want path %s and args %q", c.name, cmd, c.wantPath, c.wantArgs)
		}
	}
}

// TestLookUpCommandNotInCurrentDir checks that a bare name does not resolve
// through a relative PATH entry to the current directory.
func TestLookUpCommandNotInCurrentDir(t *testing.T) {
	dir := t.TempDir()
	fakeCommand(t, dir, "fake-linter", "exit 0")
	t.Chdir(dir)
	t.Setenv("PATH", ".")
	_, err := lookUpCommand("fake-linter", false)
	if want := "fake-linter resolves to executable in current directory (./fake-linter)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	// a path is taken as it is
	if cmd, err := lookUpCommand("./fake-linter", false); err != nil || cmd.path != "./fake-linter" {
		t.Errorf("./fake-linter: %+v, %v", cmd, err)
	}
}

func TestExternalCommandOutput(t *testing.T) {
	dir := t.TempDir()
	run := func(body string, combined bool, args ...string) (string, error) {
		t.Helper()
		cmd := &externalCommand{path: fakeCommand(t, dir, "linter", body), args: []string{"--own"}, combined: combined}
		out, err := cmd.output(args, "the script\n")
		return string(out), err
	}
	// the command's own arguments come first, and stdin is the script
	if out, err := run(`echo "$@"; cat`, false, "-f", "json"); err != nil || out != "--own -f json\nthe script\n" {
		t.Errorf("output %q, %v", out, err)
	}
	// a linter exits 1 when it found something: that is its output
	if out, err := run("echo found; echo noise >&2; exit 1", false); err != nil || out != "found\n" {
		t.Errorf("exit 1: output %q, %v", out, err)
	}
	// combined: stderr is output too
	if out, err := run("echo found >&2; exit 1", true); err != nil || out != "found\n" {
		t.Errorf("combined: output %q, %v", out, err)
	}
	errCases := []struct {
		body     string
		combined bool
		want     string
	}{
		{"echo broken >&2; exit 2", false, `%s exited with status 2 but stdout was empty. stderr: "broken\n"`},
		{"exit 3", true, `%s exited with status 3 but stdout was empty. stderr: ""`},
		{"echo dying >&2; kill -9 $$", false, `%s was terminated. stderr: "dying\n"`},
	}
	for _, c := range errCases {
		_, err := run(c.body, c.combined)
		if want := fmt.Sprintf(c.want, filepath.Join(dir, "linter")); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", c.body, err, want)
		}
	}
	// a command that cannot start is the error as it is
	cmd := &externalCommand{path: filepath.Join(dir, "gone")}
	if _, err := cmd.output(nil, ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing executable: %v", err)
	}
}

// TestExternalCommandLargeScript feeds a script larger than a pipe's
// buffer: actionlint writes stdin before the process starts, and hangs on
// such a script.
func TestExternalCommandLargeScript(t *testing.T) {
	cmd := &externalCommand{path: fakeCommand(t, t.TempDir(), "linter", "wc -c")}
	script := strings.Repeat("echo 'a line of a very long script'\n", 10000)
	out, err := cmd.output(nil, script)
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint(len(script)) {
		t.Errorf("output %q, %v; want %d bytes counted", out, err, len(script))
	}
}

// TestProcessBatch checks that a runner's slots bound the processes of all
// its batches, and that a batch waits for its processes and returns the
// first error of their callbacks.
func TestProcessBatch(t *testing.T) {
	dir := t.TempDir()
	// the lock directory exists while a process runs: a second process at
	// the same time fails
	lock := filepath.Join(dir, "running")
	cmd := &externalCommand{path: fakeCommand(t, dir, "linter", fmt.Sprintf("mkdir %q || exit 9\nsleep 0.02\nrmdir %q\necho ok", lock, lock))}
	runner := newProcessRunner(1)
	var mu sync.Mutex
	var outs []string
	done := func(out []byte, err error) error {
		if err != nil {
			return err
		}
		mu.Lock()
		outs = append(outs, string(out))
		mu.Unlock()
		return nil
	}
	batches := []*processBatch{{runner: runner, cmd: cmd}, {runner: runner, cmd: cmd}}
	for i := range 6 {
		batches[i%2].start(nil, "", done)
	}
	for _, b := range batches {
		if err := b.wait(); err != nil {
			t.Fatal(err)
		}
	}
	if len(outs) != 6 || slices.ContainsFunc(outs, func(s string) bool { return s != "ok\n" }) {
		t.Errorf("outputs %q", outs)
	}

	b := &processBatch{runner: newProcessRunner(4), cmd: &externalCommand{path: fakeCommand(t, dir, "echo", "echo hi")}}
	b.start(nil, "", func([]byte, error) error { return nil })
	b.start(nil, "", func([]byte, error) error { return errors.New("unreadable output") })
	if err := b.wait(); err == nil || err.Error() != "unreadable output" {
		t.Errorf("wait: %v", err)
	}
	if err := b.wait(); err == nil {
		t.Error("a second wait lost the error")
	}
}
