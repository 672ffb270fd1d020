package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestLintOneSmallFileIsFast runs the built gantry binary on one small
// workflow, as the pre-commit hook does with a staged file, and checks the
// whole process (start, config, lint, output) takes under 100 ms. The best of
// several runs is compared, so that a busy machine does not fail the test.
func TestLintOneSmallFileIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gantry")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := filepath.Join(dir, "repo")
	os.MkdirAll(filepath.Join(repo, ".git"), 0o755)
	os.MkdirAll(filepath.Join(repo, ".github", "workflows"), 0o755)
	wf := filepath.Join(repo, ".github", "workflows", "ci.yml")
	os.WriteFile(wf, []byte(`name: ci
on:
  push:
    branches: [main]
permissions:
  contents: read
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v6
      - run: make test
`), 0o644)
	var times []time.Duration
	for range 7 {
		cmd := exec.Command(bin, "lint", ".github/workflows/ci.yml")
		cmd.Dir = repo
		start := time.Now()
		out, err := cmd.CombinedOutput()
		times = append(times, time.Since(start))
		if err != nil {
			t.Fatalf("gantry lint: %v\n%s", err, out)
		}
	}
	slices.Sort(times)
	t.Logf("gantry lint of one small workflow: best %v, median %v, worst %v", times[0], times[len(times)/2], times[len(times)-1])
	if times[0] > 100*time.Millisecond {
		t.Errorf("linting one small file took %v at best, want under 100ms", times[0])
	}
}
