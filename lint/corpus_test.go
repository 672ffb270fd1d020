package lint

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// corpusDir returns a folder of the shared third-party corpus
// (../shared/corpus from the project root). Locally the test is skipped when
// the corpus is absent; in CI (CI set) that is a failure.
func corpusDir(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "shared", "corpus"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared corpus missing in CI: %v", err)
		}
		t.Skipf("shared corpus not found: %v", err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// realworldFiles extracts actionlint's 1,503 real-world workflows into a
// temporary directory (once per test binary) and returns their paths.
func realworldFiles(t testing.TB) []string {
	t.Helper()
	zipPath := filepath.Join(corpusDir(t, "actionlint", "realworld"), "dataset.zip")
	realworldOnce.Do(func() {
		realworldPaths, realworldErr = extractZip(zipPath)
	})
	if realworldErr != nil {
		t.Fatal(realworldErr)
	}
	return realworldPaths
}

var (
	realworldOnce  sync.Once
	realworldPaths []string
	realworldErr   error
)

func extractZip(zipPath string) ([]string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	dir, err := os.MkdirTemp("", "gantry-realworld-")
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !isYAML(zf.Name) {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 1<<22))
		rc.Close()
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, filepath.Base(zf.Name))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}
