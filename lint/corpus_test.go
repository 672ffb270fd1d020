package lint

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/gantry-ci/gantry/internal/testenv"
)

// corpusDir returns a folder of the shared third-party corpus.
func corpusDir(t testing.TB, parts ...string) string {
	t.Helper()
	return testenv.CorpusDir(t, parts...)
}

// datasetEntry is one workflow of actionlint's realworld dataset.zip: its
// flat name (owner_repo_.github_workflows_file.yml) and content.
type datasetEntry struct {
	Name string
	Src  []byte
}

// realworldDataset reads the 1,503 real-world workflows of dataset.zip in
// place (once per test binary), sorted by name.
func realworldDataset(tb testing.TB) []datasetEntry {
	tb.Helper()
	zipPath := filepath.Join(corpusDir(tb, "actionlint", "realworld"), "dataset.zip")
	datasetOnce.Do(func() { datasetEntries, datasetErr = readZip(zipPath) })
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

func readZip(zipPath string) ([]datasetEntry, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var out []datasetEntry
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
		out = append(out, datasetEntry{Name: filepath.Base(zf.Name), Src: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
