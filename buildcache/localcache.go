package buildcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/images"
	contentlocal "github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/gofrs/flock"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// A type=local cache entry is an OCI layout directory (index.json and
// blobs/) that several builds may use at once: two jobs on one self-hosted
// runner sharing /tmp/.buildx-cache, on one daemon or several. BuildKit's
// client writes an export straight into the entry, so two writers collide
// in its ingest directory and one's cleanup (reset=true) can delete the
// blobs that the other's index names. gantry instead
//   - exports each entry into a staging directory beside it (.NAME.tmp-*),
//     seeded with hard links to the entry's blobs so that BuildKit sends only
//     what is new;
//   - publishes a complete export: links its blobs into the entry (a blob's
//     name is its digest, so two writers agree), then replaces index.json
//     with one rename. The last writer wins, and a reader sees the old
//     index or the new one, each with all its blobs;
//   - deletes the blobs the new index no longer names (the reset) only under
//     an exclusive lock on the entry's cache.lock, the lock BuildKit's own
//     exporter and reset use; every solve that imports the entry holds it
//     shared, so the cleanup waits for a moment with no reader.

// localLockFile is the entry's lock, shared with BuildKit's client.
const localLockFile = "cache.lock"

// stagingLockFile marks a staging directory as in use by a live writer.
const stagingLockFile = ".gantry-staging.lock"

// staleStaging is how old an unlocked staging directory must be before a
// cleanup removes it (a writer that was killed left it behind).
const staleStaging = time.Hour

// lockTimeout bounds waiting for a lock that a cleanup holds (cleanups are
// short); it is a guard against a stuck process, generous on a busy machine.
const lockTimeout = 2 * time.Minute

// lockShared takes a shared lock on the entry dir's cache.lock. It returns
// nil when the directory does not exist or cannot hold a lock file (a
// read-only cache): there is no cleanup to fear there.
func lockShared(ctx context.Context, dir string) *flock.Flock {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	lk := flock.New(filepath.Join(dir, localLockFile))
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	if ok, err := lk.TryRLockContext(ctx, 50*time.Millisecond); err != nil || !ok {
		lk.Close()
		return nil
	}
	return lk
}

// unlock releases a lock taken by lockShared (nil is fine).
func unlock(lk *flock.Flock) {
	if lk != nil {
		lk.Close()
	}
}

// blobPath is where a content store directory keeps the blob dg.
func blobPath(dir string, dg digest.Digest) string {
	return filepath.Join(dir, "blobs", dg.Algorithm().String(), dg.Encoded())
}

// readLatest reads the "latest" manifest descriptor of an entry's
// index.json: nil without error when there is no index (a cold cache).
func readLatest(dir string) (*ocispecs.Descriptor, error) {
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var idx ocispecs.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("index.json is corrupt: %v", err)
	}
	for i := len(idx.Manifests) - 1; i >= 0; i-- {
		m := idx.Manifests[i]
		if m.Annotations[ocispecs.AnnotationRefName] == "latest" {
			if err := m.Digest.Validate(); err != nil {
				return nil, fmt.Errorf("index.json is corrupt: %v", err)
			}
			return &m, nil
		}
	}
	return nil, nil
}

// checkLocalEntry says what is wrong with a local cache entry that would
// make BuildKit skip it without a word: "" when it is complete or absent.
func checkLocalEntry(dir string) string {
	desc, err := readLatest(dir)
	if err != nil {
		return err.Error()
	}
	if desc == nil {
		return ""
	}
	if _, err := os.Stat(blobPath(dir, desc.Digest)); err != nil {
		return fmt.Sprintf("index.json names %s, which is missing", desc.Digest)
	}
	return ""
}

// localExport is one local cache entry exported through a staging directory.
type localExport struct {
	dest    string // the entry
	staging string // where BuildKit writes the export
	lock    *flock.Flock
	reset   bool // delete the blobs the new index no longer names
}

// stageLocalExport creates the staging directory beside dest, locked as
// in use, and seeds it with hard links to dest's blobs.
func stageLocalExport(ctx context.Context, dest string, reset bool) (*localExport, error) {
	parent, name := filepath.Dir(filepath.Clean(dest)), filepath.Base(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(parent, "."+name+".tmp-")
	if err != nil {
		return nil, err
	}
	lk := flock.New(filepath.Join(staging, stagingLockFile))
	if ok, err := lk.TryLock(); err != nil || !ok {
		os.RemoveAll(staging)
		if err == nil {
			err = errors.New("staging directory locked")
		}
		return nil, err
	}
	e := &localExport{dest: dest, staging: staging, lock: lk, reset: reset}
	// best effort: a blob that is not linked is sent again
	if rl := lockShared(ctx, dest); rl != nil {
		_ = linkBlobs(dest, staging)
		unlock(rl)
	}
	return e, nil
}

// linkBlobs hard-links every blob of src that dst lacks into dst.
func linkBlobs(src, dst string) error {
	root := filepath.Join(src, "blobs")
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if _, err := os.Lstat(target); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.Link(p, target); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return nil
	})
}

// errNotExported is a staging directory without a complete export: the
// export failed (the status stream says why) and the entry is left as it was.
var errNotExported = errors.New("the export did not complete")

// publish makes a complete export the entry's content: its blobs, then its
// index.json in one rename. Then, with reset, it deletes the blobs the index
// no longer names, if no other build is using the entry at that moment.
func (e *localExport) publish(ctx context.Context) error {
	desc, err := readLatest(e.staging)
	if err != nil || desc == nil {
		return errNotExported
	}
	if _, err := os.Stat(blobPath(e.staging, desc.Digest)); err != nil {
		return errNotExported
	}
	index, err := os.ReadFile(filepath.Join(e.staging, "index.json"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.dest, 0o755); err != nil {
		return err
	}
	lk := lockShared(ctx, e.dest)
	if lk == nil {
		return fmt.Errorf("cannot lock %s", filepath.Join(e.dest, localLockFile))
	}
	err = linkBlobs(e.staging, e.dest)
	if err == nil {
		if layout, rerr := os.ReadFile(filepath.Join(e.staging, ocispecs.ImageLayoutFile)); rerr == nil {
			err = writeFileAtomic(filepath.Join(e.dest, ocispecs.ImageLayoutFile), layout)
		}
	}
	if err == nil {
		err = writeFileAtomic(filepath.Join(e.dest, "index.json"), index)
	}
	unlock(lk)
	if err != nil {
		return err
	}
	if e.reset {
		collectGarbage(ctx, e.dest)
	}
	return nil
}

// remove deletes the staging directory.
func (e *localExport) remove() {
	os.RemoveAll(e.staging)
	e.lock.Close()
}

// writeFileAtomic replaces path with b: a temporary file beside it, synced,
// then renamed over it.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// collectGarbage deletes the blobs of the entry dir that its index no
// longer names, and staging directories that killed writers left beside
// it, when it can take the entry's lock at once; else a later export will.
func collectGarbage(ctx context.Context, dir string) {
	lk := flock.New(filepath.Join(dir, localLockFile))
	defer lk.Close()
	if ok, err := lk.TryLock(); err != nil || !ok {
		return
	}
	cs, err := contentlocal.NewStore(dir)
	if err != nil {
		return
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return
	}
	var idx ocispecs.Index
	if json.Unmarshal(b, &idx) != nil {
		return
	}
	referenced := map[digest.Digest]bool{}
	children := images.ChildrenHandler(cs)
	handler := images.HandlerFunc(func(ctx context.Context, desc ocispecs.Descriptor) ([]ocispecs.Descriptor, error) {
		referenced[desc.Digest] = true
		return children(ctx, desc)
	})
	// sequential (no limiter): the map needs no lock
	if err := images.Walk(ctx, handler, idx.Manifests...); err != nil {
		return // an unreadable manifest: delete nothing
	}
	var unused []digest.Digest
	_ = cs.Walk(ctx, func(info content.Info) error {
		if !referenced[info.Digest] {
			unused = append(unused, info.Digest)
		}
		return nil
	})
	for _, dg := range unused {
		_ = cs.Delete(ctx, dg)
	}
	removeStaleStaging(dir)
}

// removeStaleStaging removes the staging directories of entry dir that no
// live writer holds and that are older than staleStaging.
func removeStaleStaging(dir string) {
	parent, name := filepath.Dir(filepath.Clean(dir)), filepath.Base(dir)
	matches, _ := filepath.Glob(filepath.Join(parent, "."+name+".tmp-*"))
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < staleStaging || !strings.HasPrefix(filepath.Base(m), "."+name+".tmp-") {
			continue
		}
		lk := flock.New(filepath.Join(m, stagingLockFile))
		if ok, err := lk.TryLock(); err == nil && ok {
			os.RemoveAll(m)
		}
		lk.Close()
	}
}
