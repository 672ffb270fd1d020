// Package testenv is how gantry's tests reach what lies outside the
// repository: the services that scripts/services starts, tools on PATH, and
// the shared third-party corpus. Locally a test whose requirement is absent
// is skipped; when CI is set, where scripts/test provides everything, it
// fails instead, so that no integration test silently skips in CI.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// SkipOrFail skips the test locally and fails it when CI is set.
func SkipOrFail(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s (CI must provide it: scripts/test)", msg)
	}
	tb.Skip(msg)
}

// Getenv returns an environment variable that `scripts/services start`
// sets, or skips (locally) or fails (in CI) when it is unset.
func Getenv(tb testing.TB, name string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		SkipOrFail(tb, "%s is not set: run eval \"$(scripts/services start)\" first", name)
	}
	return v
}

// LookPath returns the first of the named programs found on PATH, or skips
// (locally) or fails (in CI).
func LookPath(tb testing.TB, names ...string) string {
	tb.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	SkipOrFail(tb, "%s is not on PATH", names[0])
	return ""
}

// CorpusDir returns the absolute path of a folder of the shared
// third-party corpus (../shared/corpus from the repository root), or skips
// (locally) or fails (in CI) when it is absent.
func CorpusDir(tb testing.TB, parts ...string) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("cannot locate the testenv package")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..") // internal/testenv -> repository root
	p := filepath.Join(append([]string{root, "..", "shared", "corpus"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		SkipOrFail(tb, "shared corpus not found: %v", err)
	}
	return p
}
