package buildcache_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// The app every integration test builds: a Rails + webpack shaped app whose
// busybox variant builds FROM scratch (no image can be pulled here).
var (
	appDir        = filepath.Join("..", "testdata", "apps", "rails-webpack")
	appDockerfile = "Dockerfile.busybox"
)

// buildTimeout bounds one build on 2 busy cores.
const buildTimeout = 5 * time.Minute

// app is a copy of the test app in a temporary directory, and busybox in
// a directory of its own, the named context "busybox" of Dockerfile.busybox.
type app struct {
	dir     string
	busybox string
	n       int // changes made, to make every change unique
}

func newApp(t testing.TB, svc buildkittest.Services) *app {
	t.Helper()
	a := &app{dir: t.TempDir(), busybox: t.TempDir()}
	copyTree(t, appDir, a.dir)
	copyFile(t, svc.Busybox, filepath.Join(a.busybox, "busybox"), 0o755)
	return a
}

func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		copyFile(t, p, target, info.Mode().Perm())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}

// change is one of the edits a developer makes between builds.
type change string

const (
	changeCode    change = "code"
	changeYarn    change = "yarn.lock"
	changeGemfile change = "Gemfile.lock"
	// changeNone is no change: the same build again
	changeNone change = "no"
)

// apply edits the app: a code file, yarn.lock or Gemfile.lock. With
// payload > 0 the edit carries that many random bytes, replacing the last
// payload, so the app keeps its size while every layer that sees it changes.
func (a *app) apply(t testing.TB, c change, payload int) {
	t.Helper()
	a.n++
	var file string
	switch c {
	case changeCode:
		file = filepath.Join(a.dir, "app", "gantry_change.rb")
	case changeYarn:
		file = filepath.Join(a.dir, "yarn.lock")
	case changeGemfile:
		file = filepath.Join(a.dir, "Gemfile.lock")
	}
	b, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	const marker = "\n# gantry test change "
	if i := bytes.Index(b, []byte(marker)); i >= 0 {
		b = b[:i]
	}
	extra := fmt.Sprintf("%s%d\n", marker, a.n)
	if payload > 0 {
		r := make([]byte, payload*3/4)
		rand.Read(r)
		extra += "# " + base64.StdEncoding.EncodeToString(r) + "\n"
	}
	if err := os.WriteFile(file, append(b, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// connect connects to the daemon at addr with a context bounded by
// buildTimeout; both are closed when the test ends.
func connect(t testing.TB, addr string) (context.Context, *client.Client) {
	t.Helper()
	return connectTLS(t, addr, buildcache.TLSOptions{})
}

func connectTLS(t testing.TB, addr string, tlsOpts buildcache.TLSOptions) (context.Context, *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	t.Cleanup(cancel)
	c, err := buildcache.Connect(ctx, addr, tlsOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ctx, c
}

// build builds the app's main stage on the daemon at addr.
func (a *app) build(t testing.TB, addr, cache string, mod ...func(*buildcache.BuildOptions)) *buildcache.Report {
	t.Helper()
	return a.buildWith(t, addr, buildcache.TLSOptions{}, cache, mod...)
}

// buildWith is build over a TLS connection.
func (a *app) buildWith(t testing.TB, addr string, tlsOpts buildcache.TLSOptions, cache string, mod ...func(*buildcache.BuildOptions)) *buildcache.Report {
	t.Helper()
	r, err := a.tryBuildWith(t, addr, tlsOpts, cache, mod...)
	if err != "" {
		t.Fatalf("build: %s", err)
	}
	return r
}

// tryBuildWith is buildWith that returns the error, with the end of the
// progress display, instead of failing the test: for builds in goroutines.
func (a *app) tryBuildWith(t testing.TB, addr string, tlsOpts buildcache.TLSOptions, cache string, mod ...func(*buildcache.BuildOptions)) (*buildcache.Report, string) {
	ctx, c := connectTLS(t, addr, tlsOpts)
	var progress bytes.Buffer
	opts := buildcache.BuildOptions{
		ContextDir:    a.dir,
		Dockerfile:    filepath.Join(a.dir, appDockerfile),
		Target:        "main",
		NamedContexts: map[string]string{"busybox": a.busybox},
		Cache:         cache,
		Progress:      "plain",
		ProgressOut:   &progress,
		Getenv:        func(string) string { return "" },
	}
	for _, m := range mod {
		m(&opts)
	}
	res, err := buildcache.Build(ctx, c, opts)
	if err != nil {
		return nil, fmt.Sprintf("%v\nprogress:\n%s", err, tail(progress.String(), 4000))
	}
	return res.Report, ""
}

// wantCachedFromImport checks that every step of the stages came from an
// imported cache entry.
func wantCachedFromImport(t testing.TB, r *buildcache.Report, stages ...string) {
	t.Helper()
	for _, name := range stages {
		s := r.Stage(name)
		if s == nil || s.Steps == 0 || s.Executed != 0 || s.CacheSource != "import" {
			t.Errorf("stage %s: %+v; want every step cached from the import", name, s)
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// executedStages lists the stages that executed at least one step.
func executedStages(r *buildcache.Report) []string {
	var out []string
	for _, s := range r.Stages {
		if s.Executed > 0 {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

func table(r *buildcache.Report) string {
	var b bytes.Buffer
	r.WriteTable(&b)
	return b.String()
}

// TestPerStageCacheFreshDaemon is the acceptance test: a cold build,
// then for each change a fresh daemon (a new CI runner) that has nothing but
// the exported caches; the report says which stages re-executed.
func TestPerStageCacheFreshDaemon(t *testing.T) {
	svc := buildkittest.Get(t)
	for _, backend := range []string{"local", "registry"} {
		t.Run(backend, func(t *testing.T) {
			a := newApp(t, svc)
			var cache string
			switch backend {
			case "local":
				cache = "type=local,dir=" + filepath.Join(t.TempDir(), "cache")
			case "registry":
				cache = fmt.Sprintf("type=registry,ref=%s/gantry-test/%s", svc.Registry, randomName())
			}

			d := buildkittest.StartDaemon(t, svc.Buildkitd)
			cold := a.build(t, d.Addr, cache)
			t.Logf("cold build:\n%s", table(cold))
			if cold.Cached != 0 || cold.Executed == 0 {
				t.Errorf("cold build: %d cached, %d executed steps; want 0 cached", cold.Cached, cold.Executed)
			}
			if n := cold.CacheWarnings(); n != 0 {
				t.Errorf("cold build: %d cache warnings: %v", n, cold.Warnings)
			}
			d.Stop()

			for _, tc := range []struct {
				change change
				want   []string // the stages that must re-execute, and only them
				clean  []string // the stages that must not execute a single step
				kept   []string // the stages whose entry is kept without a solve
				// the stages whose entry takes the target's, without a
				// solve: their steps ran, or it took the target's before
				fromTarget []string
			}{
				{changeCode, nil, []string{"bundle", "npm"}, []string{"base", "builder", "bundle", "npm"}, []string{"assets"}},
				{changeYarn, []string{"assets", "main", "npm"}, nil, []string{"base", "builder", "bundle"}, []string{"npm", "assets"}},
				// npm's entry took main's in the yarn.lock build: it takes the new one
				{changeGemfile, []string{"assets", "bundle", "main"}, nil, []string{"base", "builder"}, []string{"bundle", "npm", "assets"}},
				// the same build again, twice (a re-run job): when the target's
				// export writes the entry it had, bundle's, npm's and assets'
				// entries, which name it, are kept as they were
				{changeNone, []string{}, []string{"base", "builder", "bundle", "npm", "assets", "main"},
					[]string{"base", "builder", "bundle", "npm", "assets"}, nil},
				{changeNone, []string{}, []string{"base", "builder", "bundle", "npm", "assets", "main"},
					[]string{"base", "builder", "bundle", "npm", "assets"}, nil},
			} {
				if tc.change != changeNone {
					a.apply(t, tc.change, 0)
				}
				before, beforeCopies := entryVersions(t, cache), copyOf(t, cache)
				d := buildkittest.StartDaemon(t, svc.Buildkitd)
				r := a.build(t, d.Addr, cache)
				d.Stop()
				t.Logf("%s change on a fresh daemon:\n%s", tc.change, table(r))
				// an entry is exported again exactly when a step of its
				// stage ran; a kept one is what it was
				after := entryVersions(t, cache)
				// a registry entry that took the target's is a manifest of its
				// own that names the target's: compare what it copies
				beforeCopy := maps.Clone(before)
				maps.Copy(beforeCopy, beforeCopies)
				afterCopy := maps.Clone(after)
				maps.Copy(afterCopy, copyOf(t, cache))
				if tc.change == changeNone && after["main"] != before["main"] {
					// the target's export wrote another manifest: the
					// entries that named its old one take the new one
					tc.kept, tc.fromTarget = nil, nil
					for _, name := range []string{"base", "builder", "bundle", "npm", "assets"} {
						if beforeCopy[name] == before["main"] {
							tc.fromTarget = append(tc.fromTarget, name)
						} else {
							tc.kept = append(tc.kept, name)
						}
					}
				}
				var kept, fromTarget []string
				for _, s := range r.Stages {
					if s.EntryKept {
						kept = append(kept, s.Name)
					}
					if s.EntryFromTarget {
						fromTarget = append(fromTarget, s.Name)
						if afterCopy[s.Name] != after["main"] {
							t.Errorf("%s change: stage %s took the target's entry, but it does not name main's", tc.change, s.Name)
						}
					}
					if s.EntryKept && after[s.Name] != before[s.Name] {
						t.Errorf("%s change: stage %s's entry was kept, but it changed", tc.change, s.Name)
					}
					// (with no change, the target's export may write what it had)
					if !s.EntryKept && after[s.Name] == before[s.Name] && (tc.change != changeNone || s.Name != "main") {
						t.Errorf("%s change: stage %s's entry was not kept, but it is unchanged", tc.change, s.Name)
					}
				}
				if strings.Join(kept, ",") != strings.Join(tc.kept, ",") {
					t.Errorf("%s change: kept entries of %v, want %v", tc.change, kept, tc.kept)
				}
				if strings.Join(fromTarget, ",") != strings.Join(tc.fromTarget, ",") {
					t.Errorf("%s change: entries that took the target's: %v, want %v", tc.change, fromTarget, tc.fromTarget)
				}
				if n := r.CacheWarnings(); n != 0 {
					t.Errorf("%s change: cache warnings: %v", tc.change, r.Warnings)
				}
				for _, name := range tc.clean {
					s := r.Stage(name)
					if s == nil || s.Steps == 0 {
						t.Fatalf("%s change: no steps reported for stage %s", tc.change, name)
					}
					if s.Executed != 0 || s.Cached != s.Steps {
						t.Errorf("%s change: stage %s executed %d of %d steps; want all cached", tc.change, name, s.Executed, s.Steps)
					}
					if s.CacheSource != "import" {
						t.Errorf("%s change: stage %s cache source %q, want import", tc.change, name, s.CacheSource)
					}
				}
				if tc.want != nil {
					if got := executedStages(r); strings.Join(got, ",") != strings.Join(tc.want, ",") {
						t.Errorf("%s change: executed stages %v, want %v", tc.change, got, tc.want)
					}
				}
			}
		})
	}
}

// newLocalCachedApp is a new app built once, cold, on a daemon of its own,
// into a per-stage local cache: its directory and --cache spec.
func newLocalCachedApp(t *testing.T, svc buildkittest.Services) (a *app, dir, cache string) {
	t.Helper()
	a = newApp(t, svc)
	dir = filepath.Join(t.TempDir(), "cache")
	cache = "type=local,dir=" + dir
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	a.build(t, d.Addr, cache)
	d.Stop()
	return a, dir, cache
}

// TestPerStageCacheReadOnly is a build whose push the gate denied (a pull
// request): after a code change on a fresh daemon it imports the entries,
// so no bundle or yarn install runs, and it writes nothing into the cache;
// also with the target's own entry gone.
func TestPerStageCacheReadOnly(t *testing.T) {
	svc := buildkittest.Get(t)
	a, dir, cache := newLocalCachedApp(t, svc)
	readOnly := func(o *buildcache.BuildOptions) { o.CacheReadOnly = true }

	for _, evict := range []bool{false, true} {
		if evict {
			if err := os.RemoveAll(filepath.Join(dir, "main")); err != nil {
				t.Fatal(err)
			}
		}
		a.apply(t, changeCode, 0)
		before, size := entryVersions(t, cache), buildkittest.DirSize(dir)
		d := buildkittest.StartDaemon(t, svc.Buildkitd)
		r := a.build(t, d.Addr, cache, readOnly)
		d.Stop()
		t.Logf("read-only build after a code change (main's entry evicted: %v):\n%s", evict, table(r))
		if !r.CacheReadOnly || r.CacheWarnings() != 0 {
			t.Errorf("read only %v, cache warnings %v", r.CacheReadOnly, r.Warnings)
		}
		for _, s := range r.Stages {
			if s.CacheTo != "" {
				t.Errorf("stage %s exported %s", s.Name, s.CacheTo)
			}
		}
		// no bundle install or yarn install runs; the solves start at
		// once, so which reaches a lockfile COPY first, and whether that
		// cheap step runs again, is up to BuildKit (as in
		// TestPerStageCacheOtherTarget)
		for _, name := range []string{"bundle", "npm"} {
			s := r.Stage(name)
			if s == nil || s.CacheSource != "import" {
				t.Fatalf("stage %s: %+v; want it imported", name, s)
			}
			for _, d := range s.Details {
				if strings.Contains(d.Name, "] RUN ") && !d.Cached {
					t.Errorf("stage %s: %s ran again", name, d.Name)
				}
			}
		}
		if after := entryVersions(t, cache); !maps.Equal(after, before) {
			t.Errorf("entries changed: %v -> %v", before, after)
		}
		if got := buildkittest.DirSize(dir); got != size {
			t.Errorf("the cache went from %d to %d bytes", size, got)
		}
	}
}

// TestPerStageCacheOtherTarget builds the assets target after a
// Gemfile.lock change (a test job, say), which exports the entries of bundle
// and assets but not main's; then main on a fresh daemon. main's entry no
// longer covers bundle's or assets', so their solves do not wait for a step
// of theirs to run: they start at once with their own entries, as every
// solve did before solves waited, and the other entries are kept.
// (Which of the solves that start together reaches a shared step first is
// up to BuildKit, so whether bundle's COPY runs again in main's solve is
// not asserted; TestWaitable checks the decision itself.)
func TestPerStageCacheOtherTarget(t *testing.T) {
	svc := buildkittest.Get(t)
	a := newApp(t, svc)
	cache := "type=local,dir=" + filepath.Join(t.TempDir(), "cache")
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	a.build(t, d.Addr, cache)
	d.Stop()

	a.apply(t, changeGemfile, 0)
	d = buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache, func(o *buildcache.BuildOptions) { o.Target = "assets" })
	d.Stop()
	t.Logf("assets after a Gemfile.lock change:\n%s", table(r))
	if s := r.Stage("bundle"); s == nil || s.Executed == 0 {
		t.Fatalf("stage bundle: %+v; want it run for the new Gemfile.lock", s)
	}

	d = buildkittest.StartDaemon(t, svc.Buildkitd)
	r = a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("main on a fresh daemon:\n%s", table(r))
	if r.CacheWarnings() != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	var kept []string
	for _, s := range r.Stages {
		if s.EntryKept {
			kept = append(kept, s.Name)
		}
	}
	if strings.Join(kept, ",") != "base,builder,npm" {
		t.Errorf("kept entries of %v, want [base builder npm]", kept)
	}
	if s := r.Stage("bundle"); s == nil || !slices.ContainsFunc(s.CacheFrom, func(c string) bool { return strings.HasSuffix(c, "/cache/bundle") }) {
		t.Errorf("stage bundle: %+v; want it solved with its own entry", s)
	}
}

// newRegistryCachedApp is a new app built once, cold, on a daemon of its
// own, into a per-stage registry cache: its repository and --cache spec.
func newRegistryCachedApp(t *testing.T, svc buildkittest.Services) (a *app, repo, cache string) {
	t.Helper()
	a = newApp(t, svc)
	repo = "gantry-test/" + randomName()
	cache = fmt.Sprintf("type=registry,ref=%s/%s", svc.Registry, repo)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	a.build(t, d.Addr, cache)
	d.Stop()
	return a, repo, cache
}

// TestPerStageRegistryEviction is TestPerStageCacheEviction with a
// registry: with npm's tag deleted, npm's solve imports builder's entry in
// place of its own (the entries are looked up before the build), at most
// npm's steps run, npm's tag is pushed again, and the next build runs
// nothing.
func TestPerStageRegistryEviction(t *testing.T) {
	svc := buildkittest.Get(t)
	a, repo, cache := newRegistryCachedApp(t, svc)

	deleteTag(t, svc.Registry, repo, "cache-npm")
	r := buildAfterEviction(t, svc, a, cache, "npm's tag deleted")
	if r.CacheWarnings() != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	var dg string
	if err := registryGet(svc.Registry, repo, "/manifests/cache-npm", &dg); err != nil || dg == "" {
		t.Errorf("npm's entry was not pushed again: %v", err)
	}
	wantFallbackThenNothing(t, svc, a, cache, r, repo+":cache-builder")
}

// TestRegistryCopyEviction: after a yarn.lock change, npm's and assets'
// registry entries are copies of main's, manifests of their own, so that
// deleting npm's (a registry deletes a manifest with every tag on it, and
// an image expiry removes them together) leaves the others, and the next
// build runs at most npm's steps.
func TestRegistryCopyEviction(t *testing.T) {
	svc := buildkittest.Get(t)
	a, repo, cache := newRegistryCachedApp(t, svc)

	a.apply(t, changeYarn, 0)
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("yarn.lock change, fresh daemon:\n%s", table(r))
	if s := r.Stage("npm"); s == nil || !s.EntryFromTarget {
		t.Fatalf("stage npm: %+v; want its entry a copy of main's", s)
	}
	deleteTag(t, svc.Registry, repo, "cache-npm")
	for _, tag := range []string{"cache-main", "cache-assets", "cache-bundle"} {
		var dg string
		if err := registryGet(svc.Registry, repo, "/manifests/"+tag, &dg); err != nil {
			t.Errorf("deleting npm's copy of main's entry deleted %s: %v", tag, err)
		}
	}
	buildAfterEviction(t, svc, a, cache, "npm's copy of main's entry deleted")
}

// buildAfterEviction builds on a fresh daemon after npm's entry was
// evicted (what names the eviction in the log) and checks that at most
// npm's steps ran, logging every step when others did.
func buildAfterEviction(t *testing.T, svc buildkittest.Services, a *app, cache, what string) *buildcache.Report {
	t.Helper()
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("%s, fresh daemon:\n%s", what, table(r))
	if got := executedStages(r); len(got) > 1 || (len(got) == 1 && got[0] != "npm") {
		t.Errorf("executed stages %v, want at most npm", got)
		for _, st := range r.Stages {
			for _, sp := range st.Details {
				t.Logf("  %s: cached %v, executed %v", sp.Name, sp.Cached, sp.Executed)
			}
		}
	}
	return r
}

// wantFallbackThenNothing checks a build r after npm's entry was evicted:
// npm's solve imported builder's entry (its description ends in builder)
// in place of its own; then a next build on a fresh daemon runs nothing.
// It returns that next build's report.
func wantFallbackThenNothing(t *testing.T, svc buildkittest.Services, a *app, cache string, r *buildcache.Report, builder string) *buildcache.Report {
	t.Helper()
	if s := r.Stage("npm"); s == nil || !slices.ContainsFunc(s.CacheFrom, func(c string) bool { return strings.HasSuffix(c, builder) }) {
		t.Errorf("stage npm: %+v; want builder's entry imported in place of its own", s)
	}
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r = a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("next build, fresh daemon:\n%s", table(r))
	if r.Executed != 0 {
		t.Errorf("executed stages %v, want none", executedStages(r))
	}
	return r
}

// entryVersions returns a version of each stage's entry of a cache spec,
// by stage: the index.json of a type=local entry, the manifest digest of a
// type=registry one.
func entryVersions(t *testing.T, cache string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if dir, ok := strings.CutPrefix(cache, "type=local,dir="); ok {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name(), "index.json")); err == nil {
				out[e.Name()] = string(b)
			}
		}
		return out
	}
	ref, ok := strings.CutPrefix(cache, "type=registry,ref=")
	if !ok {
		t.Fatalf("entryVersions: cache %s", cache)
	}
	host, repo, _ := strings.Cut(ref, "/")
	for _, stage := range []string{"base", "builder", "bundle", "npm", "assets", "main"} {
		var dg string
		if err := registryGet(host, repo, "/manifests/cache-"+stage, &dg); err == nil {
			out[stage] = dg
		}
	}
	return out
}

// copyOf returns, for each registry entry that is a copy of the target's
// (see copyOfAnnotation), the digest of the manifest it copies.
func copyOf(t *testing.T, cache string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ref, ok := strings.CutPrefix(cache, "type=registry,ref=")
	if !ok {
		return out
	}
	host, repo, _ := strings.Cut(ref, "/")
	for _, stage := range []string{"base", "builder", "bundle", "npm", "assets"} {
		var m struct{ Annotations map[string]string }
		if err := registryGet(host, repo, "/manifests/cache-"+stage, &m); err == nil && m.Annotations["org.gantry-ci.cache.copy-of"] != "" {
			out[stage] = m.Annotations["org.gantry-ci.cache.copy-of"]
		}
	}
	return out
}

// TestPerStageCacheEviction deletes npm's entry from a local cache (a
// cache service evicting it, or a user): on a fresh daemon, the next build
// re-runs at most npm's steps (the entries of the stages built on npm hold
// its layers too), exports npm's entry again, and the build after it runs
// nothing. The store keeps no blob that no entry names.
func TestPerStageCacheEviction(t *testing.T) {
	svc := buildkittest.Get(t)
	a, dir, cache := newLocalCachedApp(t, svc)
	full := buildkittest.DirSize(dir)

	if err := os.RemoveAll(filepath.Join(dir, "npm")); err != nil {
		t.Fatal(err)
	}
	r := buildAfterEviction(t, svc, a, cache, "npm's entry evicted")
	if r.CacheWarnings() != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	checkEntries(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "npm", "index.json")); err != nil {
		t.Errorf("npm's entry was not exported again: %v", err)
	}
	// with its own entry missing, npm's solve imports its parent's instead
	r = wantFallbackThenNothing(t, svc, a, cache, r, filepath.Join(dir, "builder"))
	wantCachedFromImport(t, r, "npm")
	// the same content as after the first build, give or take the indexes
	if size := buildkittest.DirSize(dir); float64(size) > 1.05*float64(full) {
		t.Errorf("the cache grew from %d to %d bytes", full, size)
	}
}

// TestPerStageCacheCorruptEntry truncates npm's index.json: like an
// evicted entry, npm's solve imports builder's entry in place of its own,
// with a warning that names the corrupt index, and exports npm's again.
func TestPerStageCacheCorruptEntry(t *testing.T) {
	svc := buildkittest.Get(t)
	a, dir, cache := newLocalCachedApp(t, svc)
	if err := os.WriteFile(filepath.Join(dir, "npm", "index.json"), []byte(`{"schemaVersion":2,"manif`), 0o644); err != nil {
		t.Fatal(err)
	}
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("npm's index.json corrupt, fresh daemon:\n%s", table(r))
	if r.CacheWarnings() != 1 || !strings.Contains(r.Warnings[0].Message, "index.json is corrupt") {
		t.Errorf("warnings %v, want one about npm's corrupt index.json", r.Warnings)
	}
	if s := r.Stage("npm"); s == nil || !slices.Contains(s.CacheFrom, "local:"+filepath.Join(dir, "builder")) {
		t.Errorf("stage npm: %+v; want builder's entry imported in place of its own", s)
	}
	checkEntries(t, dir)
}

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("app-%x", b)
}

// TestLocalCacheBounded rebuilds ten times with changes that each bring new
// layers, and checks that the local cache's store then holds no blob that no
// entry names, and stays within 1.5x of its size after the first build (not
// 1.0x: on some builds BuildKit exports the COPY . . layers of assets and
// main, the same files, as two blobs). The control run without the reset
// shows that such rebuilds leave unnamed blobs and grow it past the bound.
func TestLocalCacheBounded(t *testing.T) {
	svc := buildkittest.Get(t)
	if testing.Short() {
		testenv.SkipOrFail(t, "20 builds (-short)")
	}
	const rebuilds = 10
	const payload = 256 << 10
	changes := []change{changeCode, changeYarn, changeGemfile}
	run := func(t *testing.T, extra string, rebuilds int) (first, last int64, unused int) {
		a := newApp(t, svc)
		dir := filepath.Join(t.TempDir(), "cache")
		cache := "type=local,dir=" + dir + extra
		d := buildkittest.StartDaemon(t, svc.Buildkitd)
		// every file that changes later carries its payload from the start,
		// so the app's size is the same for every build
		for _, c := range changes {
			a.apply(t, c, payload)
		}
		a.build(t, d.Addr, cache)
		first = buildkittest.DirSize(dir)
		for i := 0; i < rebuilds; i++ {
			a.apply(t, changes[i%len(changes)], payload)
			r := a.build(t, d.Addr, cache)
			if r.CacheWarnings() != 0 {
				t.Fatalf("rebuild %d: cache warnings %v", i+1, r.Warnings)
			}
		}
		last = buildkittest.DirSize(dir)
		names, err := buildcache.UnusedBlobs(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("cache size after the first build %d bytes, after %d rebuilds %d bytes (%.2fx); %d blobs no entry names", first, rebuilds, last, float64(last)/float64(first), len(names))
		return first, last, len(names)
	}
	t.Run("reset", func(t *testing.T) {
		first, last, unused := run(t, "", rebuilds)
		if float64(last) > 1.5*float64(first) {
			t.Errorf("the local cache grew from %d to %d bytes (%.2fx), want at most 1.5x", first, last, float64(last)/float64(first))
		}
		if unused != 0 {
			t.Errorf("%d blobs no entry names are left", unused)
		}
	})
	t.Run("control-without-reset", func(t *testing.T) {
		// four rebuilds are enough to leave the bound behind
		first, last, unused := run(t, ",reset=false", 4)
		if float64(last) <= 1.5*float64(first) || unused == 0 {
			t.Errorf("without reset the cache stayed at %.2fx with %d unnamed blobs: the changes do not exercise growth, so the checks above prove nothing", float64(last)/float64(first), unused)
		}
	})
}

// slowApp is a context with busybox and the slow Dockerfile.
func slowApp(t testing.TB, svc buildkittest.Services, name string) string {
	dir := t.TempDir()
	copyFile(t, filepath.Join("..", "testdata", "build", name, "Dockerfile"), filepath.Join(dir, "Dockerfile"), 0o644)
	copyFile(t, svc.Busybox, filepath.Join(dir, "busybox"), 0o755)
	return dir
}

// signalWriter closes seen when what it is written contains want.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestDaemonKilledMidBuild kills a fresh daemon while a step runs: Build
// returns an *UnreachableError saying the connection was lost, promptly.
func TestDaemonKilledMidBuild(t *testing.T) {
	svc := buildkittest.Get(t)
	dir := slowApp(t, svc, "slow")
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	ctx, c := connect(t, d.Addr)
	w := &signalWriter{want: "RUN [\"/bin/busybox\", \"sleep\"", seen: make(chan struct{})}
	type result struct {
		res *buildcache.BuildResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := buildcache.Build(ctx, c, buildcache.BuildOptions{
			ContextDir: dir, Builder: d.Addr, Progress: "plain", ProgressOut: w,
			Cache:  "type=local,dir=" + filepath.Join(t.TempDir(), "cache"),
			Getenv: func(string) string { return "" },
		})
		done <- result{res, err}
	}()
	select {
	case <-w.seen:
	case r := <-done:
		t.Fatalf("the build ended before the slow step started: %v\n%s", r.err, w.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("the slow step did not start within 3 minutes:\n%s", w.String())
	}
	killed := time.Now()
	d.Kill()
	select {
	case r := <-done:
		if r.err == nil {
			t.Fatal("the build succeeded although the daemon was killed")
		}
		var ue *buildcache.UnreachableError
		if !errors.As(r.err, &ue) || !ue.During || !errors.Is(r.err, buildcache.ErrDaemonUnreachable) {
			t.Fatalf("error %T %q, want an *UnreachableError during the build", r.err, r.err)
		}
		if !strings.Contains(r.err.Error(), "lost the connection to BuildKit") {
			t.Errorf("error %q does not say the connection was lost", r.err)
		}
		if r.res == nil || r.res.Report == nil || r.res.Report.Error == "" {
			t.Errorf("no report of the failed build")
		}
		t.Logf("returned %s after the kill: %v", time.Since(killed).Round(time.Millisecond), r.err)
	case <-time.After(2 * time.Minute):
		t.Fatal("Build hung after the daemon was killed")
	}
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// closedPortWith returns a loopback address where nothing listens, whose
// port number contains digits (e.g. "404").
func closedPortWith(t testing.TB, digits string) string {
	for p := 1024; p < 65536; p++ {
		if !strings.Contains(fmt.Sprint(p), digits) {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		l.Close()
		return addr
	}
	t.Fatalf("no free port with %s in it", digits)
	return ""
}

// TestRegistryCacheUnreachable builds with a registry cache where no registry
// listens: the build succeeds, and the report warns about the imports and
// exports that failed. The second case is the cause of a report that once
// missed every failed import on a busy machine: the registry's port had
// "404" in it, and an error quoting it counted as a cold cache.
func TestRegistryCacheUnreachable(t *testing.T) {
	svc := buildkittest.Get(t)
	for name, addr := range map[string]string{"random-port": closedPort(t), "port-with-404": closedPortWith(t, "404")} {
		t.Run(name, func(t *testing.T) {
			a := newApp(t, svc)
			cache := "type=registry,ref=" + addr + "/gantry/app"
			r := a.build(t, svc.Addr, cache)
			t.Logf("built:\n%s", table(r))
			var imports, exports int
			for _, w := range r.Warnings {
				switch w.Kind {
				case buildcache.WarnCacheImport:
					imports++
				case buildcache.WarnCacheExport:
					exports++
				}
				if w.Kind != buildcache.WarnDockerfile && !strings.Contains(w.Message, "connection refused") {
					t.Errorf("warning %q does not say why", w.Message)
				}
			}
			// every solve imports its own entry, and every import failed
			if want := solves(r); imports < want || exports == 0 {
				t.Errorf("%d import and %d export warnings, want at least %d imports and an export: %v", imports, exports, solves(r), r.Warnings)
			}
			if r.CacheWarnings() != imports+exports {
				t.Errorf("CacheWarnings() = %d, want %d", r.CacheWarnings(), imports+exports)
			}
		})
	}
}

// TestBuildOutputsAndContexts exports the target as an OCI layout, a local
// directory and an image pushed to the registry, with a named directory
// context, a secret, a platform and a build argument; then builds
// FROM that OCI layout as a named oci-layout:// context.
func TestBuildOutputsAndContexts(t *testing.T) {
	svc := buildkittest.Get(t)
	dir := t.TempDir()
	copyFile(t, svc.Busybox, filepath.Join(dir, "busybox"), 0o755)
	extra := t.TempDir()
	os.WriteFile(filepath.Join(extra, "note.txt"), []byte("from a named context\n"), 0o644)
	secret := filepath.Join(t.TempDir(), "token")
	os.WriteFile(secret, []byte("s3cr3t"), 0o600)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(`FROM scratch AS base
COPY busybox /bin/busybox

FROM base AS out
ARG SHA
COPY --from=extra note.txt /note.txt
RUN --mount=type=secret,id=token ["/bin/busybox", "sh", "-c", "/bin/busybox wc -c < /run/secrets/token > /secret-len && echo \"$SHA\" > /sha"]
`), 0o644)
	layout := filepath.Join(t.TempDir(), "layout")
	localOut := t.TempDir()
	image := svc.Registry + "/gantry-test/" + randomName() + ":out"
	var outs []client.ExportEntry
	for _, o := range []string{"type=oci,dest=" + layout + ",tar=false", "type=local,dest=" + localOut, "type=image,name=" + image + ",push=true"} {
		ex, err := buildcache.ParseOutput(o)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, ex)
	}
	ctx, c := connect(t, svc.Addr)
	sha := "0123456789abcdef0123456789abcdef01234567"
	res, err := buildcache.Build(ctx, c, buildcache.BuildOptions{
		ContextDir: dir, Progress: "quiet", Exports: outs,
		BuildArgs:     map[string]string{"SHA": sha},
		Platforms:     []string{"linux/amd64"},
		NamedContexts: map[string]string{"extra": extra},
		Secrets:       []string{"id=token,src=" + secret},
		Getenv:        func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"note.txt": "from a named context", "secret-len": "6", "sha": sha} {
		b, err := os.ReadFile(filepath.Join(localOut, file))
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s = %q (%v), want %q", file, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(layout, "index.json")); err != nil {
		t.Errorf("no OCI layout: %v", err)
	}
	if !strings.HasPrefix(res.ImageDigest, "sha256:") {
		t.Errorf("image digest %q; exporter response %v", res.ImageDigest, res.ExporterResponse)
	}
	// with a platform, BuildKit prefixes step names with it: the report
	// still finds the stage
	if s := res.Report.Stage("out"); s == nil || s.Steps != 2 {
		t.Errorf("report: %+v", res.Report.Stages)
	}

	// the layout as a named context
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "Dockerfile"), []byte("FROM prebuilt\nRUN [\"/bin/busybox\", \"cp\", \"/note.txt\", \"/copied.txt\"]\n"), 0o644)
	out2 := t.TempDir()
	ex, _ := buildcache.ParseOutput("type=local,dest=" + out2)
	if _, err := buildcache.Build(ctx, c, buildcache.BuildOptions{
		ContextDir: dir2, Progress: "quiet", Exports: []client.ExportEntry{ex},
		NamedContexts: map[string]string{"prebuilt": "oci-layout://" + layout},
		Getenv:        func(string) string { return "" },
	}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(out2, "copied.txt")); err != nil || strings.TrimSpace(string(b)) != "from a named context" {
		t.Errorf("build from the oci-layout context: %q, %v", b, err)
	}
}

// TestSymlinkedDockerfile builds a context whose Dockerfile is a symlink to
// a file in another directory (a Dockerfile shared by several services):
// gantry reads the stage graph through the link, and so must BuildKit,
// which is sent the directory of the file it names, with that file's
// NAME.dockerignore.
func TestSymlinkedDockerfile(t *testing.T) {
	svc := buildkittest.Get(t)
	root := t.TempDir()
	dir, shared := filepath.Join(root, "service"), filepath.Join(root, "shared")
	for _, d := range []string{dir, shared} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, svc.Busybox, filepath.Join(dir, "busybox"), 0o755)
	os.WriteFile(filepath.Join(dir, "kept.txt"), []byte("kept\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "ignored.txt"), []byte("ignored\n"), 0o644)
	os.WriteFile(filepath.Join(shared, "app.Dockerfile"), []byte("FROM scratch\nCOPY . /ctx/\n"), 0o644)
	os.WriteFile(filepath.Join(shared, "app.Dockerfile.dockerignore"), []byte("ignored.txt\n"), 0o644)
	if err := os.Symlink(filepath.Join("..", "shared", "app.Dockerfile"), filepath.Join(dir, "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ex, err := buildcache.ParseOutput("type=local,dest=" + out)
	if err != nil {
		t.Fatal(err)
	}
	ctx, c := connect(t, svc.Addr)
	if _, err := buildcache.Build(ctx, c, buildcache.BuildOptions{
		ContextDir: dir, Progress: "quiet", Exports: []client.ExportEntry{ex},
		Getenv: func(string) string { return "" },
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "ctx", "kept.txt")); err != nil {
		t.Errorf("the context was not copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "ctx", "ignored.txt")); err == nil {
		t.Errorf("app.Dockerfile.dockerignore beside the linked file was not applied")
	}
}

// TestBuildPlatformIsTheDaemons: $BUILDARCH is the architecture of the
// daemon's worker, not --platform's, as BuildKit sets it: the stages the
// build solves and reports are those BuildKit builds for
// FROM tools-$BUILDARCH when the target is another platform.
func TestBuildPlatformIsTheDaemons(t *testing.T) {
	svc := buildkittest.Get(t)
	native := runtime.GOARCH // the daemon runs on this machine
	other := "arm64"
	if native == "arm64" {
		other = "amd64"
	}
	dir := t.TempDir()
	df := "FROM scratch AS tools-amd64\nCOPY a /a\nFROM scratch AS tools-arm64\nCOPY a /a\nFROM tools-$BUILDARCH AS main\nCOPY a /b\n"
	for name, content := range map[string]string{"Dockerfile": df, "a": "a\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, c := connectTLS(t, svc.Addr, buildcache.TLSOptions{})
	res, err := buildcache.Build(ctx, c, buildcache.BuildOptions{ContextDir: dir, Platforms: []string{"linux/" + other},
		Progress: "plain", ProgressOut: io.Discard, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, s := range res.Report.Stages {
		stages = append(stages, s.Name)
	}
	if want := "tools-" + native + " main"; strings.Join(stages, " ") != want {
		t.Errorf("stages %v, want %s", stages, want)
	}
}
