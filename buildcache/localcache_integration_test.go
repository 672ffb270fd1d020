package buildcache_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// TestLocalCacheConcurrentWriters runs four builds at once into one local
// cache directory, two on each of two daemons, as jobs on one self-hosted
// runner sharing /tmp/.buildx-cache do: every build succeeds without a
// cache warning, every entry is complete, and a fresh daemon that imports
// the result after a code change re-runs no step of bundle or npm.
func TestLocalCacheConcurrentWriters(t *testing.T) {
	svc := buildkittest.Get(t)
	dir := filepath.Join(t.TempDir(), "cache")
	cache := "type=local,dir=" + dir
	daemons := []*buildkittest.Daemon{buildkittest.StartDaemon(t, svc.Buildkitd), buildkittest.StartDaemon(t, svc.Buildkitd)}
	const builds = 4
	apps := make([]*app, builds)
	for i := range apps {
		apps[i] = newApp(t, svc)
		// each job builds its own commit: the code differs, so the target's
		// entries differ while bundle's and npm's are the same
		for range i + 1 {
			apps[i].apply(t, changeCode, 0)
		}
	}
	var wg sync.WaitGroup
	reports := make([]*buildcache.Report, builds)
	errs := make([]string, builds)
	for i := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// a.build fails the test from this goroutine: record instead
			r, err := apps[i].tryBuildWith(t, daemons[i%len(daemons)].Addr, buildcache.TLSOptions{}, cache)
			reports[i], errs[i] = r, err
		}()
	}
	wg.Wait()
	for i := range builds {
		if errs[i] != "" {
			t.Errorf("build %d failed: %s", i, errs[i])
			continue
		}
		if n := reports[i].CacheWarnings(); n != 0 {
			t.Errorf("build %d: cache warnings %v", i, reports[i].Warnings)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	checkEntries(t, dir)

	// a new runner after a code change: only what sees the code runs
	a := apps[0]
	a.apply(t, changeCode, 0)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	t.Logf("code change on a fresh daemon:\n%s", table(r))
	if n := r.CacheWarnings(); n != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	wantCachedFromImport(t, r, "bundle", "npm")
}

// checkEntries checks that every entry of a local cache is complete: its
// index names a manifest whose blobs are all there, and no staging
// directory was left behind.
func checkEntries(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind in the cache: %s", e.Name())
			continue
		}
		if !e.IsDir() || e.Name() == "blobs" { // blobs: the store every entry shares
			continue
		}
		n++
		if problem := buildcache.CheckLocalEntry(filepath.Join(dir, e.Name())); problem != "" {
			t.Errorf("entry %s: %s", e.Name(), problem)
		}
	}
	if n == 0 {
		t.Errorf("no entry in %s", dir)
	}
}

// mountTmpfs mounts a tmpfs with the given options (e.g. "size=2m" or
// "ro") on a new directory, unmounted when the test ends. It needs root:
// elsewhere the test is skipped, or fails in CI.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	flags := uintptr(0)
	if opts == "ro" {
		flags, opts = syscall.MS_RDONLY, ""
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, opts); err != nil {
		testenv.SkipOrFail(t, "cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// cacheWarnings returns the report's warnings of a kind.
func cacheWarnings(r *buildcache.Report, kind string) []buildcache.Warning {
	var out []buildcache.Warning
	for _, w := range r.Warnings {
		if w.Kind == kind {
			out = append(out, w)
		}
	}
	return out
}

// TestLocalCacheNotWritable: a cache directory the build cannot write (a
// read-only file system) still serves its imports; every export is a
// warning that says why, and the entries are left as they were.
func TestLocalCacheNotWritable(t *testing.T) {
	svc := buildkittest.Get(t)
	ro := mountTmpfs(t, "ro")
	a := newApp(t, svc)
	r := a.build(t, svc.Addr, "type=local,dir="+filepath.Join(ro, "cache"))
	t.Logf("build into a read-only cache:\n%s", table(r))
	exports := cacheWarnings(r, buildcache.WarnCacheExport)
	if len(exports) != solves(r) {
		t.Errorf("%d export warnings, want one per solve: %v", len(exports), r.Warnings)
	}
	for _, w := range exports {
		if !strings.Contains(w.Message, "cannot write the cache directory") || !strings.Contains(w.Message, "read-only file system") {
			t.Errorf("warning %q does not say why", w.Message)
		}
	}
	if n := len(cacheWarnings(r, buildcache.WarnCacheImport)); n != 0 {
		t.Errorf("import warnings for an empty cache: %v", r.Warnings)
	}

	// a populated cache, seen through a read-only bind mount: the imports
	// load, the exports warn
	rw := t.TempDir()
	a.build(t, svc.Addr, "type=local,dir="+filepath.Join(rw, "cache"))
	roDir := t.TempDir()
	if err := syscall.Mount(rw, roDir, "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("bind mount: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(roDir, syscall.MNT_DETACH) })
	if err := syscall.Mount("", roDir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount read-only: %v", err)
	}
	dir := filepath.Join(roDir, "cache")
	a.apply(t, changeCode, 0)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r = a.build(t, d.Addr, "type=local,dir="+dir)
	t.Logf("code change, fresh daemon, read-only cache:\n%s", table(r))
	if s := r.Stage("bundle"); s == nil || s.Executed != 0 || s.CacheSource != "import" {
		t.Errorf("stage bundle: %+v; want every step cached from the read-only cache", s)
	}
	if len(cacheWarnings(r, buildcache.WarnCacheExport)) == 0 || len(cacheWarnings(r, buildcache.WarnCacheImport)) != 0 {
		t.Errorf("want export warnings only: %v", r.Warnings)
	}
	checkEntries(t, dir)
}

// TestLocalCacheDiskFull exports into a 2 MiB file system, too small for
// the app's cache: the build succeeds with export warnings that say the
// disk is full, no partial entry or staging directory is left, and the
// next build into the same cache imports what is there without a warning.
func TestLocalCacheDiskFull(t *testing.T) {
	svc := buildkittest.Get(t)
	small := mountTmpfs(t, "size=2m")
	dir := filepath.Join(small, "cache")
	cache := "type=local,dir=" + dir
	a := newApp(t, svc)
	a.apply(t, changeGemfile, 1<<20) // a 1 MiB layer in bundle and the target
	r := a.build(t, svc.Addr, cache)
	t.Logf("build into a full disk:\n%s", table(r))
	exports := cacheWarnings(r, buildcache.WarnCacheExport)
	if len(exports) == 0 {
		t.Fatalf("no export warning: %v", r.Warnings)
	}
	for _, w := range exports {
		if !strings.Contains(w.Message, "no space left on device") {
			t.Errorf("warning %q does not say the disk is full", w.Message)
		}
	}
	checkComplete(t, dir)

	a.apply(t, changeCode, 0)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r = a.build(t, d.Addr, cache)
	t.Logf("next build:\n%s", table(r))
	if n := len(cacheWarnings(r, buildcache.WarnCacheImport)); n != 0 {
		t.Errorf("the next build could not import what the full disk left: %v", r.Warnings)
	}
	checkComplete(t, dir)
}

// checkComplete is checkEntries for a cache that may hold no entry at all.
func checkComplete(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind in the cache: %s", e.Name())
		} else if !e.IsDir() || e.Name() == "blobs" {
			continue
		} else if problem := buildcache.CheckLocalEntry(filepath.Join(dir, e.Name())); problem != "" {
			t.Errorf("entry %s: %s", e.Name(), problem)
		}
	}
}

// TestLocalCacheCorruptIndex: an entry whose index.json is not JSON is a
// warning naming it, the stage builds without it, and the build's export
// replaces it, so the next build imports it again.
func TestLocalCacheCorruptIndex(t *testing.T) {
	svc := buildkittest.Get(t)
	dir := filepath.Join(t.TempDir(), "cache")
	cache := "type=local,dir=" + dir
	a := newApp(t, svc)
	a.build(t, svc.Addr, cache)
	index := filepath.Join(dir, "bundle", "index.json")
	if err := os.WriteFile(index, []byte(`{"schemaVersion": 2, "manifests": [`), 0o644); err != nil {
		t.Fatal(err)
	}

	a.apply(t, changeCode, 0)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("build with a corrupt bundle entry:\n%s", table(r))
	imports := cacheWarnings(r, buildcache.WarnCacheImport)
	if len(imports) != 1 || !strings.Contains(imports[0].Message, index[:len(index)-len("/index.json")]) || !strings.Contains(imports[0].Message, "index.json is corrupt") {
		t.Errorf("want one import warning naming the corrupt entry: %v", r.Warnings)
	}
	// without its entry, bundle imports its parents' entries instead, as
	// for a missing one (cc2a1dd), and runs again or takes its steps from
	// those or from the entries of main and assets, which hold its layers
	// too (their solves run at the same time, on the same daemon): which
	// of them the report names depends on the timing, but never its own
	own := "local:" + filepath.Join(dir, "bundle")
	if s := r.Stage("bundle"); s == nil || s.Steps == 0 || slices.Contains(s.CacheFrom, own) {
		t.Errorf("stage bundle: %+v; want it built without its own entry", s)
	}
	if s := r.Stage("npm"); s == nil || s.Executed != 0 {
		t.Errorf("stage npm: %+v; want it cached: its entry is fine", s)
	}
	checkEntries(t, dir)

	a.apply(t, changeCode, 0)
	d = buildkittest.StartDaemon(t, svc.Buildkitd)
	r = a.build(t, d.Addr, cache)
	t.Logf("next build:\n%s", table(r))
	if n := r.CacheWarnings(); n != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	if s := r.Stage("bundle"); s == nil || s.Executed != 0 || s.CacheSource != "import" {
		t.Errorf("stage bundle: %+v; want every step cached from the replaced entry", s)
	}
}

// solves counts the solves of a build: one per stage with an entry.
func solves(r *buildcache.Report) int {
	n := 0
	for _, w := range r.Waves {
		n += len(w)
	}
	return n
}

// TestLocalCacheTargetExportFails: when the target's entry cannot be
// written (here a read-only bind mount over it), a waiting stage whose
// steps ran cannot take the target's new entry: it solves and exports its
// own, as before, and the only warning is the target's export.
func TestLocalCacheTargetExportFails(t *testing.T) {
	svc := buildkittest.Get(t)
	a, dir, cache := newLocalCachedApp(t, svc)
	main := filepath.Join(dir, "main")
	if err := syscall.Mount(main, main, "", syscall.MS_BIND, ""); err != nil {
		testenv.SkipOrFail(t, "cannot bind mount (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(main, syscall.MNT_DETACH) })
	if err := syscall.Mount("", main, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount read-only: %v", err)
	}

	a.apply(t, changeCode, 0)
	before := entryVersions(t, cache)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("code change, main's entry read-only:\n%s", table(r))
	after := entryVersions(t, cache)
	exports := cacheWarnings(r, buildcache.WarnCacheExport)
	if len(exports) != 1 || exports[0].Stage != "main" || len(r.Warnings) != 1 {
		t.Errorf("want one warning, main's export: %v", r.Warnings)
	}
	if after["main"] != before["main"] {
		t.Error("main's read-only entry changed")
	}
	s := r.Stage("assets")
	if s == nil || s.EntryKept || s.EntryFromTarget || after["assets"] == before["assets"] || after["assets"] == before["main"] {
		t.Errorf("stage assets: %+v; want its entry exported by a solve of its own", s)
	}
	for _, name := range []string{"base", "builder", "bundle", "npm"} {
		if s := r.Stage(name); s == nil || !s.EntryKept || after[name] != before[name] {
			t.Errorf("stage %s: %+v; want its entry kept", name, s)
		}
	}
	checkEntries(t, dir)
}
