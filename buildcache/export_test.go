package buildcache

import (
	"context"
	"path/filepath"

	contentlocal "github.com/containerd/containerd/v2/plugins/content/local"
)

// CheckLocalEntry is checkLocalEntry of a per-stage entry, for the external tests.
func CheckLocalEntry(dir string) string { return checkLocalEntry(stageEntry(dir)) }

// UnusedBlobs returns the blobs of a per-stage local cache's store that no
// entry names, for the external tests.
func UnusedBlobs(store string) ([]string, error) {
	cs, err := contentlocal.NewStore(store)
	if err != nil {
		return nil, err
	}
	unused, _, err := unusedBlobs(context.Background(), cs, stageEntry(filepath.Join(store, "main")))
	var out []string
	for _, dg := range unused {
		out = append(out, dg.String())
	}
	return out, err
}
