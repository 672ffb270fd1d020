package lint

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gantry-ci/gantry/internal/precision"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// corpusDir returns a folder of the shared third-party corpus.
func corpusDir(t testing.TB, parts ...string) string {
	t.Helper()
	return testenv.CorpusDir(t, parts...)
}

// datasetEntry is one workflow of actionlint's realworld dataset.zip: its
// flat name (owner_repo_.github_workflows_file.yml) and content.
type datasetEntry = precision.Member

// realworldDataset reads the 1,503 real-world workflows of dataset.zip in
// place (once per test binary), sorted by name.
func realworldDataset(tb testing.TB) []datasetEntry {
	tb.Helper()
	zipPath := filepath.Join(corpusDir(tb, "actionlint", "realworld"), "dataset.zip")
	datasetOnce.Do(func() { datasetEntries, datasetErr = precision.ReadDataset(zipPath) })
	if datasetErr != nil {
		tb.Fatal(datasetErr)
	}
	return datasetEntries
}

// realworldFiles writes the real-world workflows into a temporary directory
// (once per test binary) and returns their paths.
func realworldFiles(tb testing.TB) []string {
	tb.Helper()
	entries := realworldDataset(tb)
	realworldOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gantry-realworld-")
		if err != nil {
			realworldErr = err
			return
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name)
			if err := os.WriteFile(p, e.Src, 0o644); err != nil {
				realworldErr = err
				return
			}
			realworldPaths = append(realworldPaths, p)
		}
	})
	if realworldErr != nil {
		tb.Fatal(realworldErr)
	}
	return realworldPaths
}

var (
	datasetOnce    sync.Once
	datasetEntries []datasetEntry
	datasetErr     error
	realworldOnce  sync.Once
	realworldPaths []string
	realworldErr   error
)
