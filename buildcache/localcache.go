package buildcache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/images"
	contentlocal "github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/gofrs/flock"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// A type=local cache entry is an index.json naming a manifest, whose blobs
// live in a content store (blobs/sha256/...). The per-stage entries of
// --cache type=local,dir=PATH share one store: entry PATH/<stage> holds the
// stage's index.json, PATH/blobs every stage's blobs, once (a stage's
// mode=max entry names its ancestors' layers too, which a store per entry
// would hold again). An entry given as is (BuildOptions.CacheFrom, CacheTo)
// is one OCI layout directory, its own store. Several builds may use a
// cache at once: two jobs on one self-hosted runner sharing
// /tmp/.buildx-cache, on one daemon or several. BuildKit's client writes an
// export straight into the directory, so two writers collide in its ingest
// directory and one's cleanup (reset=true) can delete the blobs that the
// other's index names. gantry instead
//   - exports each entry into a staging directory beside it (.NAME.tmp-*),
//     seeded with hard links to the store's blobs so that BuildKit sends
//     only what is new;
//   - publishes a complete export: links its blobs into the store (a blob's
//     name is its digest, so two writers agree), then replaces the entry's
//     index.json with one rename. The last writer wins, and a reader sees
//     the old index or the new one, each with all its blobs;
//   - deletes the blobs that no entry's index names any more (the reset)
//     only under an exclusive lock on the store's cache.lock, the lock
//     BuildKit's own exporter and reset use; every solve that imports an
//     entry holds it shared, so the cleanup waits for a moment with no reader.

// localLockFile is the store's lock, shared with BuildKit's client.
const localLockFile = "cache.lock"

// stagingLockFile marks a staging directory as in use by a live writer.
const stagingLockFile = ".gantry-staging.lock"

// staleStaging is how old an unlocked staging directory must be before a
// cleanup removes it (a writer that was killed left it behind).
const staleStaging = time.Hour

// lockTimeout bounds waiting for a lock that a cleanup holds (cleanups are
// short); it is a guard against a stuck process, generous on a busy machine.
const lockTimeout = 2 * time.Minute

// localEntry is a local cache entry: dir holds its index.json, store the
// content store of its blobs.
type localEntry struct {
	dir   string
	store string
}

// stageEntry is a per-stage entry PATH/<stage> of --cache
// type=local,dir=PATH: its blobs are in the store PATH that every stage shares.
func stageEntry(dir string) localEntry {
	dir = filepath.Clean(dir)
	return localEntry{dir: dir, store: filepath.Dir(dir)}
}

// layoutEntry is an OCI layout directory: its own store.
func layoutEntry(dir string) localEntry {
	dir = filepath.Clean(dir)
	return localEntry{dir: dir, store: dir}
}

// shared reports whether the entry's blobs live in a store shared with other entries.
func (e localEntry) shared() bool { return e.dir != e.store }

// storeOf returns the store that holds the blob dg of the entry: the
// shared store, or the entry's own blobs/ when an earlier gantry wrote the
// entry with a store of its own and the shared store lacks dg.
func (e localEntry) storeOf(dg digest.Digest) string {
	if e.shared() && !exists(blobPath(e.store, dg)) && exists(blobPath(e.dir, dg)) {
		return e.dir
	}
	return e.store
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// lockShared takes a shared lock on the store dir's cache.lock. It returns
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

// readIndex reads an entry's index.json: nil without error when there is
// none (a cold cache).
func readIndex(dir string) (*ocispecs.Index, error) {
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
	for _, m := range idx.Manifests {
		if err := m.Digest.Validate(); err != nil {
			return nil, fmt.Errorf("index.json is corrupt: %v", err)
		}
	}
	return &idx, nil
}

// entryIndex returns an entry's index.json, nil when it cannot be read.
func entryIndex(e localEntry) []byte {
	b, err := os.ReadFile(filepath.Join(e.dir, "index.json"))
	if err != nil {
		return nil
	}
	return b
}

// readLatest reads the "latest" manifest descriptor of an entry's
// index.json: nil without error when there is no index (a cold cache).
func readLatest(dir string) (*ocispecs.Descriptor, error) {
	idx, err := readIndex(dir)
	if err != nil || idx == nil {
		return nil, err
	}
	for i := len(idx.Manifests) - 1; i >= 0; i-- {
		m := idx.Manifests[i]
		if m.Annotations[ocispecs.AnnotationRefName] == "latest" {
			return &m, nil
		}
	}
	return nil, nil
}

// checkLocalEntry says what is wrong with a local cache entry that would
// make BuildKit skip it without a word: "" when it is complete or absent.
func checkLocalEntry(e localEntry) string {
	desc, err := readLatest(e.dir)
	if err != nil {
		return err.Error()
	}
	if desc == nil {
		return ""
	}
	if !exists(blobPath(e.storeOf(desc.Digest), desc.Digest)) {
		return fmt.Sprintf("index.json names %s, which is missing", desc.Digest)
	}
	return ""
}

// localImport returns BuildKit's import attributes of a complete entry:
// its store as src and its manifest's digest, so that BuildKit's client
// reads the blobs from the store without looking for an index there.
func localImport(e localEntry, attrs map[string]string) (map[string]string, bool) {
	desc, err := readLatest(e.dir)
	if err != nil || desc == nil {
		return attrs, false
	}
	attrs["src"] = e.storeOf(desc.Digest)
	attrs["digest"] = desc.Digest.String()
	return attrs, true
}

// localExport is one local cache entry exported through a staging directory.
type localExport struct {
	entry   localEntry
	staging string // where BuildKit writes the export
	lock    *flock.Flock
	// ignoreError: a failed export is a warning, not a failed build
	ignoreError bool
	// published is the index.json that publish made the entry's
	published []byte
}

// stageLocalExport creates the staging directory beside the entry, locked
// as in use, and seeds it with hard links to the store's blobs.
func stageLocalExport(ctx context.Context, e localEntry) (*localExport, error) {
	parent, name := filepath.Dir(e.dir), filepath.Base(e.dir)
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
	le := &localExport{entry: e, staging: staging, lock: lk}
	// best effort: a blob that is not linked is sent again
	if rl := lockShared(ctx, e.store); rl != nil {
		_ = linkBlobs(e.store, staging)
		if e.shared() {
			_ = linkBlobs(e.dir, staging) // an entry with blobs of its own
		}
		unlock(rl)
	}
	return le, nil
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

// publish makes a complete export the entry's content: its blobs into the
// store, then its index.json in one rename. (collectGarbage deletes the
// blobs no index names any more.)
func (le *localExport) publish(ctx context.Context) error {
	desc, err := readLatest(le.staging)
	if err != nil || desc == nil {
		return errNotExported
	}
	if !exists(blobPath(le.staging, desc.Digest)) {
		return errNotExported
	}
	index, err := os.ReadFile(filepath.Join(le.staging, "index.json"))
	if err != nil {
		return err
	}
	e := le.entry
	lk, err := openEntry(ctx, e)
	if err != nil {
		return err
	}
	defer unlock(lk)
	if err := linkBlobs(le.staging, e.store); err != nil {
		return err
	}
	if layout, err := os.ReadFile(filepath.Join(le.staging, ocispecs.ImageLayoutFile)); err == nil {
		for _, d := range slices.Compact([]string{e.store, e.dir}) {
			if err := writeFileChanged(filepath.Join(d, ocispecs.ImageLayoutFile), layout); err != nil {
				return err
			}
		}
	}
	if err := writeFileChanged(filepath.Join(e.dir, "index.json"), index); err != nil {
		return err
	}
	le.published = index
	return nil
}

// openEntry creates the entry's directory and takes the shared lock on its
// store, under which an index.json may name the store's blobs.
func openEntry(ctx context.Context, e localEntry) (*flock.Flock, error) {
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return nil, err
	}
	lk := lockShared(ctx, e.store)
	if lk == nil {
		return nil, fmt.Errorf("cannot lock %s", filepath.Join(e.store, localLockFile))
	}
	return lk, nil
}

// copyEntry makes the entry dst of a shared store name what index, an
// index.json published into the same store by this build, names: dst's
// index.json is replaced in one rename, under the store's shared lock, once
// every blob it names is found there (the reset keeps them while an index
// names them).
func copyEntry(ctx context.Context, dst localEntry, index []byte) error {
	lk, err := openEntry(ctx, dst)
	if err != nil {
		return err
	}
	defer unlock(lk)
	var idx ocispecs.Index
	if err := json.Unmarshal(index, &idx); err != nil {
		return err
	}
	// another build's reset may have run since the publish, if that
	// build replaced the index that named these blobs
	for _, m := range idx.Manifests {
		raw, err := os.ReadFile(blobPath(dst.store, m.Digest))
		if err != nil {
			return err
		}
		blobs := parseEntryManifest(raw)
		if blobs == nil {
			return fmt.Errorf("manifest %s is corrupt", m.Digest)
		}
		for dg := range blobs {
			if !exists(blobPath(dst.store, digest.Digest(dg))) {
				return fmt.Errorf("%s is not in %s", dg, dst.store)
			}
		}
	}
	return writeFileChanged(filepath.Join(dst.dir, "index.json"), index)
}

// remove deletes the staging directory.
func (le *localExport) remove() {
	os.RemoveAll(le.staging)
	le.lock.Close()
}

// writeFileChanged replaces path with b (see writeFileAtomic) unless it
// holds b already.
func writeFileChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return writeFileAtomic(path, b)
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

// collectGarbage deletes the blobs of the entry's store that no entry's
// index names any more (with a shared store: the index of every entry
// beside it), the blobs/ that entries written by an earlier gantry kept of
// their own once their index names the shared store, and staging
// directories that killed writers left. It does so when it can take the
// store's lock at once; else a later build will.
func collectGarbage(ctx context.Context, e localEntry) {
	lk := flock.New(filepath.Join(e.store, localLockFile))
	defer lk.Close()
	if ok, err := lk.TryLock(); err != nil || !ok {
		return
	}
	cs, err := contentlocal.NewStore(e.store)
	if err != nil {
		return
	}
	unused, ownBlobs, err := unusedBlobs(ctx, cs, e)
	if err != nil {
		return // an unreadable index or manifest: delete nothing
	}
	for _, dg := range unused {
		_ = cs.Delete(ctx, dg)
	}
	for _, b := range ownBlobs {
		os.RemoveAll(b)
	}
	if e.shared() {
		removeStaleStaging(e.store, ".*.tmp-*")
	} else {
		removeStaleStaging(filepath.Dir(e.dir), "."+filepath.Base(e.dir)+".tmp-*")
	}
}

// unusedBlobs returns the blobs of the entry's store cs that no entry
// names, and the blobs/ directories of entries that an earlier gantry
// wrote and whose index now names the shared store.
func unusedBlobs(ctx context.Context, cs content.Store, e localEntry) (unused []digest.Digest, ownBlobs []string, err error) {
	entries := []string{e.store}
	if e.shared() {
		entries = nil
		ents, _ := os.ReadDir(e.store)
		for _, d := range ents {
			if d.IsDir() && !strings.HasPrefix(d.Name(), ".") && exists(filepath.Join(e.store, d.Name(), "index.json")) {
				entries = append(entries, filepath.Join(e.store, d.Name()))
			}
		}
	}
	referenced := map[digest.Digest]bool{}
	children := images.ChildrenHandler(cs)
	handler := images.HandlerFunc(func(ctx context.Context, desc ocispecs.Descriptor) ([]ocispecs.Descriptor, error) {
		referenced[desc.Digest] = true
		return children(ctx, desc)
	})
	for _, dir := range entries {
		idx, err := readIndex(dir)
		if err != nil {
			return nil, nil, err
		}
		if idx == nil {
			continue
		}
		ent := localEntry{dir: dir, store: e.store}
		own := false
		for _, m := range idx.Manifests {
			own = own || ent.storeOf(m.Digest) != e.store
		}
		if own {
			continue // its blobs are its own (an earlier gantry wrote it)
		}
		// a manifest that is missing names nothing that can be read: the
		// entry is unusable (checkLocalEntry), and no blob is kept for it,
		// or an entry of a stage no build exports any more would stop
		// every reset
		ms := slices.DeleteFunc(slices.Clone(idx.Manifests), func(m ocispecs.Descriptor) bool {
			return !exists(blobPath(e.store, m.Digest))
		})
		// sequential (no limiter): the map needs no lock
		if err := images.Walk(ctx, handler, ms...); err != nil {
			return nil, nil, err
		}
		if ent.shared() && exists(filepath.Join(dir, "blobs")) {
			ownBlobs = append(ownBlobs, filepath.Join(dir, "blobs"))
		}
	}
	err = cs.Walk(ctx, func(info content.Info) error {
		if !referenced[info.Digest] {
			unused = append(unused, info.Digest)
		}
		return nil
	})
	return unused, ownBlobs, err
}

// removeStaleStaging removes the staging directories in dir matching
// pattern that no live writer holds and that are older than staleStaging.
func removeStaleStaging(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < staleStaging {
			continue
		}
		lk := flock.New(filepath.Join(m, stagingLockFile))
		if ok, err := lk.TryLock(); err == nil && ok {
			os.RemoveAll(m)
		}
		lk.Close()
	}
}
