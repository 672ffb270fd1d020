package lint

import (
	"os"
	"path/filepath"
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
