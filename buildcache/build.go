package buildcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/platforms"
	"github.com/docker/cli/cli/config"
	"github.com/gofrs/flock"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/ociindex"
	"github.com/moby/buildkit/identity"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	digest "github.com/opencontainers/go-digest"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"

	"github.com/gantry-ci/gantry/stagegraph"
)

// BuildOptions is what to build and how.
type BuildOptions struct {
	// ContextDir is the build context directory (default ".").
	ContextDir string
	// Dockerfile is the Dockerfile's path (default ContextDir/Dockerfile).
	Dockerfile string
	// Target is the stage to build ("" is the last stage).
	Target string
	// BuildArgs are --build-arg values. (gantry build sets SHA to the
	// commit being built in GitHub Actions.)
	BuildArgs map[string]string
	// Platforms are the target platforms, e.g. linux/amd64; none is the
	// build platform, as in BuildKit.
	Platforms []string
	// BuildPlatform is the builder's platform, which BuildKit's Dockerfile
	// frontend sets $BUILDPLATFORM and friends to: its first worker's.
	// Build asks the daemon when it is empty.
	BuildPlatform string
	// NamedContexts maps a name to docker-image://REF, oci-layout://PATH[:TAG]
	// or a directory (--build-context).
	NamedContexts map[string]string
	// Secrets are --secret values: id=ID,src=FILE or id=ID,env=VAR.
	Secrets []string
	// Cache is the --cache spec (see ParseCacheSpec); "" builds without
	// exporting or importing caches, in one solve.
	Cache string
	// CacheFrom and CacheTo are extra cache imports and exports of the
	// target's solve, passed to BuildKit as given (like buildctl's
	// --import-cache and --export-cache), e.g. {Type: "inline"}.
	CacheFrom, CacheTo []client.CacheOptionsEntry
	// Exports are the build's outputs, applied to the target only, e.g.
	// {Type: "image", Attrs: {"name": ..., "push": "true"}}.
	Exports []client.ExportEntry
	// Session are extra session attachables, such as a registry auth
	// provider. When none of them serves registry auth, Build attaches one
	// that reads the Docker config (~/.docker/config.json, credential helpers).
	Session []session.Attachable
	// ImportAncestors makes every solve import its ancestors' cache entries
	// too (CacheEntry.Ancestors), and the target every entry, for
	// comparison (scripts/bench-build). By default a solve imports only its
	// own entry, which holds its ancestors' steps too (every entry is
	// mode=max): BuildKit v0.34 loses cache hits when a solve imports
	// entries that overlap (it matches each step in one entry only, picked
	// at random, and a chain that wanders into an ancestor's entry cannot
	// continue in the stage's own). A solve whose own local or registry
	// entry is missing imports the entries of its nearest cached ancestors
	// instead (see fallbackEntry).
	ImportAncestors bool
	// SolveInWaves runs the solves in dependency waves, each wave after the
	// previous one finished, instead of all at once; for comparison
	// (scripts/bench-build). At once, BuildKit merges the steps that the
	// solves share, and no solve waits for another's export.
	SolveInWaves bool
	// CacheReadOnly imports the --cache entries and CacheFrom but exports
	// nothing, not even CacheTo: the solves are those of a build that
	// exports (each stage's imports its own entry, or its nearest cached
	// ancestors' when that is missing), all at once, without exports. gantry
	// push sets it when the push gate denies the push: a run that may not
	// publish an image (a pull request, a fork's) does not write the cache
	// that the default branch's builds read either.
	CacheReadOnly bool
	// NoCache builds every step again (the imports still load; nothing matches).
	NoCache bool
	// Progress is the progress display: auto, tty, plain, rawjson or quiet.
	Progress string
	// ProgressOut receives the progress display (default os.Stderr).
	ProgressOut io.Writer
	// Builder is the daemon's address, recorded in the report.
	Builder string
	// Getenv reads the gha cache's ACTIONS_* variables (default os.Getenv).
	Getenv func(string) string
}

// BuildResult is a finished build.
type BuildResult struct {
	// Report tells what each stage did.
	Report *Report
	// ImageDigest is the digest of the image the exports produced, if any.
	ImageDigest string
	// ExporterResponse is BuildKit's exporter response of the target's solve.
	ExporterResponse map[string]string
}

// ErrorKind classifies build failures for exit codes.
type ErrorKind int

const (
	// KindUsage is bad options or an unreadable Dockerfile or context.
	KindUsage ErrorKind = iota + 1
	// KindBuild is a failed build: a step failed, or BuildKit rejected the Dockerfile.
	KindBuild
	// KindInternal is a failure of gantry itself.
	KindInternal
)

// BuildError is a failed build. Daemon failures are *UnreachableError instead.
type BuildError struct {
	Kind ErrorKind
	// Stage is the stage whose solve failed, if known.
	Stage string
	Err   error
	// Report is what the build did until it failed (may be nil).
	Report *Report
}

func (e *BuildError) Error() string {
	if e.Stage != "" && e.Kind == KindBuild {
		return fmt.Sprintf("building stage %s: %v", e.Stage, e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *BuildError) Unwrap() error { return e.Err }

func usageErr(format string, args ...any) error {
	return &BuildError{Kind: KindUsage, Err: fmt.Errorf(format, args...)}
}

// workerPlatform is the platform of the daemon's first worker, which
// BuildKit's Dockerfile frontend takes as the build platform; "" when the
// daemon does not say.
func workerPlatform(ctx context.Context, c *client.Client) string {
	ws, err := c.ListWorkers(ctx)
	if err != nil || len(ws) == 0 || len(ws[0].Platforms) == 0 {
		return ""
	}
	return platforms.Format(ws[0].Platforms[0])
}

// buildGraph is the stage graph of the Dockerfile df as BuildKit evaluates
// it for this build, FROM lines reading $TARGETARCH of the first
// --platform (BuildKit solves each), $BUILDARCH of the builder and
// $TARGETSTAGE, and the target stage, which must be one BuildKit can build.
func buildGraph(df []byte, opts BuildOptions) (*stagegraph.StageGraph, *stagegraph.Stage, error) {
	platform := ""
	if len(opts.Platforms) > 0 {
		platform = opts.Platforms[0]
	}
	g, err := stagegraph.ParseStageGraphOptions(df, stagegraph.Options{BuildArgs: opts.BuildArgs, Platform: platform, BuildPlatform: opts.BuildPlatform, Target: opts.Target})
	if err != nil {
		return nil, nil, usageErr("%s: %v", opts.Dockerfile, err)
	}
	target, err := g.Target(opts.Target)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	if !g.Targetable(target) {
		if target.Name != "" {
			return nil, nil, usageErr("target %q is a stage whose name a later stage takes again; BuildKit's --target %s builds the later one", opts.Target, target.Name)
		}
		return nil, nil, usageErr("target %q is an unnamed stage; BuildKit can only target named stages (FROM ... AS name)", opts.Target)
	}
	return g, target, nil
}

// solveJob is one solve of a build: a stage target with its cache entries.
type solveJob struct {
	stage   *stagegraph.Stage
	target  string // frontend target attribute ("" for the last stage)
	imports []client.CacheOptionsEntry
	// fallback are the entries of the cached stages it is built on, for
	// when its own local or registry entry is missing (see fallbackEntry)
	fallback []*fallbackEntry
	exports  []client.CacheOptionsEntry
	outputs  []client.ExportEntry
	final    bool
}

// fallbackEntry is the cache entry of a stage that a solve's stage is
// built on, with the entries of the stages that stage is built on in turn.
// The solves of a build run at once and BuildKit merges the steps they
// share: a shared step is looked up in the cache of whichever solve reaches
// it first. A solve whose own entry is missing (evicted, or never exported)
// would find its ancestors' steps nowhere and run them again, so it imports
// the nearest entries that exist: its parents', or where one is missing,
// that parent's parents'.
type fallbackEntry struct {
	imp     client.CacheOptionsEntry
	parents []*fallbackEntry
}

// builder holds what every solve of one build shares.
type builder struct {
	c         *client.Client
	opts      BuildOptions
	attrs     map[string]string
	mounts    map[string]fsutil.FS
	ociStores map[string]content.Store
	session   []session.Attachable
	sharedKey string
	// cacheSpec is the parsed --cache spec (nil without one)
	cacheSpec *stagegraph.CacheSpec
	// registryFound says which registry entries exist, by reference, for
	// those looked up before the solves (see waitable); read-only after
	registryFound map[string]bool
	// registryDigest are the versions of the registry entries the lookup
	// before the solves found (see entryVersion), by reference; read-only after
	registryDigest map[string]digest.Digest
	// localStore is the store the per-stage entries of a type=local
	// --cache share ("" for other types)
	localStore string
	// collect are the local entries exported with reset=true: their stores
	// are cleaned once every solve is done
	collectMu sync.Mutex
	collect   []localEntry
	// published are the index.json files the target's solve published,
	// by entry directory (see copyTargetEntry)
	publishedMu sync.Mutex
	published   map[string][]byte

	coll *collector
	// ran is where the stages whose steps ran are noted, when solves
	// wait for them (see solveAtOnce); nil in waves
	ran      *stepsRan
	status   chan *client.SolveStatus
	statusWG sync.WaitGroup
}

// Build builds opts.Target on the daemon behind c. With a cache spec, it
// solves each cacheable stage of the target's cache plan on its own, in
// dependency waves (the stages of a wave in parallel), each exporting its
// own cache entry (mode=max) and importing its own (its ancestors' entries
// were imported by their solves in the earlier waves; see ImportAncestors);
// the target builds last, with its own entry, and the exports. The
// progress of every solve goes to one display. A cache import or export
// failure never fails the build: it is a warning in the report.
//
// Errors are *UnreachableError when the daemon goes away, else *BuildError.
func Build(ctx context.Context, c *client.Client, opts BuildOptions) (*BuildResult, error) {
	start := time.Now()
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.ContextDir == "" {
		opts.ContextDir = "."
	}
	if opts.Dockerfile == "" {
		opts.Dockerfile = filepath.Join(opts.ContextDir, "Dockerfile")
	}
	if fi, err := os.Stat(opts.ContextDir); err != nil || !fi.IsDir() {
		return nil, usageErr("build context %s is not a directory", opts.ContextDir)
	}
	df, err := os.ReadFile(opts.Dockerfile)
	if err != nil {
		return nil, usageErr("cannot read the Dockerfile: %v", err)
	}
	opts.BuildArgs = maps.Clone(opts.BuildArgs)
	if opts.BuildArgs == nil {
		opts.BuildArgs = map[string]string{}
	}
	if opts.BuildPlatform == "" {
		opts.BuildPlatform = workerPlatform(ctx, c)
	}
	g, target, err := buildGraph(df, opts)
	if err != nil {
		return nil, err
	}
	jobs, spec, err := solveWaves(g, target, opts)
	if err != nil {
		return nil, err
	}

	b := &builder{c: c, opts: opts, coll: newCollector(), cacheSpec: spec, published: map[string][]byte{}}
	if spec != nil && spec.Type == "local" {
		b.localStore = filepath.Clean(spec.Attrs["dir"])
	}
	if w := dropUnconfiguredGHA(jobs); w != nil {
		b.coll.addWarning(*w)
	}
	if err := b.prepare(); err != nil {
		return nil, err
	}

	// one progress display for every solve of the build
	mode := opts.Progress
	if mode == "" {
		mode = "auto"
	}
	out := opts.ProgressOut
	if out == nil {
		out = os.Stderr
	}
	disp, err := progressui.NewDisplay(out, progressui.DisplayMode(mode))
	if err != nil {
		return nil, usageErr("--progress %s: %v", mode, err)
	}
	b.status = make(chan *client.SolveStatus)
	dispDone := make(chan struct{})
	go func() {
		defer close(dispDone)
		// the display outlives ctx so that it can show why the build
		// stopped; the collector keeps the warnings it returns
		_, _ = disp.UpdateFrom(context.WithoutCancel(ctx), b.status)
	}()

	var solved solvesOutcome
	if opts.SolveInWaves {
		solved = b.solveInWaves(ctx, jobs)
	} else {
		b.ran = newStepsRan()
		solved = b.solveAtOnce(ctx, g, slices.Concat(jobs...))
	}
	final, failed, failedStage := solved.final, solved.failed, solved.failedStage
	b.statusWG.Wait()
	close(b.status)
	<-dispDone
	// the reset: once no solve of this build reads the stores any more
	for _, e := range b.collect {
		collectGarbage(ctx, e)
	}

	b.coll.succeeded = failed == nil
	rep := b.report(g, target, jobs, solved)
	rep.Started = start
	rep.Seconds = round2(time.Since(start).Seconds())
	if failed != nil {
		rep.Error = failed.Error()
		return &BuildResult{Report: rep}, classifyFailure(ctx, failed, failedStage, opts.Builder, rep)
	}
	res := &BuildResult{Report: rep}
	if final != nil {
		res.ExporterResponse = final.ExporterResponse
		res.ImageDigest = final.ExporterResponse["containerimage.digest"]
		rep.ImageDigest = res.ImageDigest
	}
	return res, nil
}

// solvesOutcome is what the solves of a build came to.
type solvesOutcome struct {
	// final is the target's response.
	final *client.SolveResponse
	// failed is the first failure, of a solve of failedStage.
	failed      error
	failedStage string
	// kept are the stages that kept their entry without a solve.
	kept []*stagegraph.Stage
	// fromTarget are the stages whose entry took the target's new one,
	// without a solve (see copiesTarget).
	fromTarget []*stagegraph.Stage
}

// fail records a solve's failure: the first, unless it was a cancellation
// and this one is not (a cancelled solve reports the failure that
// cancelled it second).
func (o *solvesOutcome) fail(err error, stage string) {
	if o.failed == nil || (errors.Is(o.failed, context.Canceled) && !errors.Is(err, context.Canceled)) {
		o.failed, o.failedStage = err, stage
	}
}

// solveInWaves runs the solves of jobs one dependency wave after another,
// the solves of a wave at once.
func (b *builder) solveInWaves(ctx context.Context, jobs [][]solveJob) (out solvesOutcome) {
	for _, wave := range jobs {
		eg, wctx := errgroup.WithContext(ctx)
		var mu sync.Mutex
		for _, j := range wave {
			eg.Go(func() error {
				resp, err := b.solve(wctx, j)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					out.fail(err, j.stage.DisplayName())
					return err
				}
				if j.final {
					out.final = resp
				}
				return nil
			})
		}
		_ = eg.Wait()
		if out.failed != nil {
			break
		}
	}
	return out
}

// classifyFailure turns a solve error into an *UnreachableError or a *BuildError.
func classifyFailure(ctx context.Context, err error, stage, addr string, rep *Report) error {
	if ctx.Err() != nil {
		what := "build canceled"
		if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			what = "build timed out"
		}
		return &BuildError{Kind: KindBuild, Stage: stage, Err: fmt.Errorf("%s: %w", what, context.Cause(ctx)), Report: rep}
	}
	if isConnectionLost(err) {
		return &UnreachableError{Addr: addr, During: true, Err: err}
	}
	return &BuildError{Kind: KindBuild, Stage: stage, Err: err, Report: rep}
}

// solveWaves returns the ordered solves of a build, grouped into waves: with
// a --cache spec, one solve per named stage of the cache plan (the solves of
// a wave run in parallel), then the target's solve; without, the target's
// solve alone. It returns the parsed --cache spec too (nil without one).
func solveWaves(g *stagegraph.StageGraph, target *stagegraph.Stage, opts BuildOptions) ([][]solveJob, *stagegraph.CacheSpec, error) {
	finalTarget := target.Name
	if target == g.Stages[len(g.Stages)-1] && target.Name == "" {
		finalTarget = ""
	}
	fj := solveJob{stage: target, target: finalTarget, outputs: opts.Exports, final: true,
		imports: slices.Clone(opts.CacheFrom)}
	if !opts.CacheReadOnly {
		fj.exports = slices.Clone(opts.CacheTo)
	}
	if opts.Cache == "" {
		return [][]solveJob{{fj}}, nil, nil
	}
	spec, err := stagegraph.ParseCacheSpec(opts.Cache)
	if err == nil {
		err = checkCacheSpec(spec)
	}
	if err != nil {
		return nil, nil, usageErr("--cache: %v", err)
	}
	cachePlan, err := g.CachePlan(opts.Target)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	waves, err := g.Waves(opts.Target)
	if err != nil {
		return nil, nil, usageErr("%v", err)
	}
	entryOf := func(name string) (imp, exp client.CacheOptionsEntry) {
		ia, ea := spec.ForStage(name)
		return cacheEntry(ia, false, opts.Getenv), cacheEntry(ea, true, opts.Getenv)
	}
	// fallbacks returns the entries of the cached stages st is built on: a
	// dependency without an entry of its own (unnamed) gives its own
	// dependencies' instead
	memo := map[*stagegraph.Stage][]*fallbackEntry{}
	var fallbacks func(st *stagegraph.Stage) []*fallbackEntry
	fallbacks = func(st *stagegraph.Stage) []*fallbackEntry {
		if fs, ok := memo[st]; ok {
			return fs
		}
		var out []*fallbackEntry
		for _, d := range st.Deps {
			if _, ok := cachePlan.Entry(d.CacheName); ok && d.Name != "" {
				imp, _ := entryOf(d.CacheName)
				out = append(out, &fallbackEntry{imp: imp, parents: fallbacks(d)})
			} else {
				out = append(out, fallbacks(d)...)
			}
		}
		memo[st] = out
		return out
	}
	var out [][]solveJob
	for _, wave := range waves {
		var jobs []solveJob
		for _, st := range wave {
			if st == target {
				continue
			}
			e, ok := cachePlan.Entry(st.CacheName)
			if !ok || st.Name == "" {
				// not cacheable on its own (or unnamed, so BuildKit cannot
				// target it): it builds inside the solves that need it
				continue
			}
			j := solveJob{stage: st, target: st.Name, fallback: fallbacks(st)}
			imports := e.Imports // its own entry
			if opts.ImportAncestors {
				imports = append(slices.Clone(e.Imports), e.Ancestors...)
			}
			for _, name := range imports {
				imp, _ := entryOf(name)
				j.imports = append(j.imports, imp)
			}
			// a read-only build keeps the stage's solve without its export:
			// the steps the solves share are found in each stage's own
			// entry, where the target's solve alone, importing overlapping
			// entries when its own is missing, loses hits (see
			// ImportAncestors)
			if !opts.CacheReadOnly {
				_, exp := entryOf(st.CacheName)
				j.exports = []client.CacheOptionsEntry{exp}
			}
			jobs = append(jobs, j)
		}
		if len(jobs) > 0 {
			out = append(out, jobs)
		}
	}
	// the target always has an entry of its own: the stages of the cache plan
	// cover what installs and compiles, the target's entry covers the
	// steps that assemble the image from them
	imp, exp := entryOf(target.CacheName)
	fj.imports = append(fj.imports, imp)
	fj.fallback = fallbacks(target)
	if opts.ImportAncestors {
		for _, e := range cachePlan.Entries {
			if e.Stage != target.CacheName {
				imp, _ := entryOf(e.Stage)
				fj.imports = append(fj.imports, imp)
			}
		}
	}
	if !opts.CacheReadOnly {
		fj.exports = append(fj.exports, exp)
	}
	out = append(out, []solveJob{fj})
	return out, &spec, nil
}

// cacheEntry completes a stage's cache attributes for BuildKit: exports
// never fail the build (ignore-error), and gha entries get the runner's
// cache service from ACTIONS_*. (Local exports carry reset=true from
// stagegraph.CacheSpec.ForStage.)
func cacheEntry(attrs map[string]string, export bool, getenv func(string) string) client.CacheOptionsEntry {
	a := maps.Clone(attrs)
	typ := a["type"]
	delete(a, "type")
	setDefault := func(k, v string) {
		if _, ok := a[k]; !ok && v != "" {
			a[k] = v
		}
	}
	if export {
		setDefault("mode", "max")
		setDefault("ignore-error", "true")
	}
	if typ == "gha" {
		setDefault("url", getenv("ACTIONS_CACHE_URL"))
		setDefault("url_v2", getenv("ACTIONS_RESULTS_URL"))
		setDefault("token", getenv("ACTIONS_RUNTIME_TOKEN"))
		if getenv("ACTIONS_CACHE_SERVICE_V2") != "" {
			setDefault("version", "2")
		}
	}
	return client.CacheOptionsEntry{Type: typ, Attrs: a}
}

// ghaUnconfigured says what a gha cache entry lacks to reach GitHub's
// cache service, the runner's token or URL; "" when it has both.
func ghaUnconfigured(e client.CacheOptionsEntry) string {
	var missing []string
	if e.Attrs["token"] == "" {
		missing = append(missing, "ACTIONS_RUNTIME_TOKEN")
	}
	if e.Attrs["url"] == "" && e.Attrs["url_v2"] == "" {
		missing = append(missing, "ACTIONS_RESULTS_URL")
	}
	return strings.Join(missing, " and ")
}

// dropUnconfiguredGHA removes from jobs the gha cache imports and exports
// that ghaUnconfigured finds lacking, and returns the warning that says so
// (nil when there were none). Without a token or a URL BuildKit fails the
// whole solve, not only its cache import or export: a build outside GitHub
// Actions has neither, and a workflow's run: steps do not see them (the
// runner gives them to JavaScript and container actions only).
func dropUnconfiguredGHA(jobs [][]solveJob) *Warning {
	missing := ""
	keep := func(es []client.CacheOptionsEntry) []client.CacheOptionsEntry {
		return slices.DeleteFunc(es, func(e client.CacheOptionsEntry) bool {
			if e.Type != "gha" {
				return false
			}
			m := ghaUnconfigured(e)
			if m != "" && missing == "" {
				missing = m
			}
			return m != ""
		})
	}
	for _, wave := range jobs {
		for i := range wave {
			wave[i].imports = keep(wave[i].imports)
			wave[i].exports = keep(wave[i].exports)
		}
	}
	if missing == "" {
		return nil
	}
	return &Warning{Kind: WarnCacheImport, Message: fmt.Sprintf("gha cache: %s not set, so GitHub's cache service cannot be reached; "+
		"built without the cache (outside GitHub Actions, or in a run: step, which does not see them: expose them with "+
		"crazy-max/ghaction-github-runtime, or give token= and url_v2= in --cache)", missing)}
}

// describeCache names a cache entry for the report: "local:DIR",
// "registry:REF", "gha:SCOPE", "s3:NAME".
func describeCache(e client.CacheOptionsEntry) string {
	switch e.Type {
	case "local":
		if d := e.Attrs["dest"]; d != "" {
			return "local:" + d
		}
		return "local:" + e.Attrs["src"]
	case "registry":
		return "registry:" + e.Attrs["ref"]
	case "gha":
		return "gha:" + e.Attrs["scope"]
	default:
		return e.Type + ":" + e.Attrs["name"]
	}
}

// prepare computes what every solve shares: frontend attributes, local
// mounts, named contexts and session attachables.
func (b *builder) prepare() error {
	o := b.opts
	ctxDir, err := filepath.Abs(o.ContextDir)
	if err != nil {
		return usageErr("%v", err)
	}
	dfPath, err := filepath.Abs(o.Dockerfile)
	if err != nil {
		return usageErr("%v", err)
	}
	// BuildKit reads the Dockerfile from the directory it is sent and does
	// not follow a symlink out of it: send the file the link names, as
	// docker build does (its NAME.dockerignore is the one beside it)
	if real, err := filepath.EvalSymlinks(dfPath); err == nil {
		dfPath = real
	}
	ctxFS, err := fsutil.NewFS(ctxDir)
	if err != nil {
		return usageErr("build context: %v", err)
	}
	// a local --cache directory inside the context (dir=.cache) is left
	// out of it: every build changes it, so a COPY . . would never be
	// cached, and the context would carry the whole cache to BuildKit
	if rel, ok := inside(ctxDir, b.localStore); ok {
		esc := strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(filepath.ToSlash(rel))
		if ctxFS, err = fsutil.NewFilterFS(ctxFS, &fsutil.FilterOpt{ExcludePatterns: []string{esc}}); err != nil {
			return usageErr("build context: %v", err)
		}
	}
	dfFS, err := fsutil.NewFS(filepath.Dir(dfPath))
	if err != nil {
		return usageErr("Dockerfile directory: %v", err)
	}
	b.mounts = map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS}
	b.attrs = map[string]string{"filename": filepath.Base(dfPath)}
	for k, v := range o.BuildArgs {
		b.attrs["build-arg:"+k] = v
	}
	if len(o.Platforms) > 0 {
		b.attrs["platform"] = strings.Join(o.Platforms, ",")
	}
	if o.NoCache {
		b.attrs["no-cache"] = ""
	}
	if len(o.NamedContexts) > 0 {
		nc, err := parseNamedContexts(o.NamedContexts)
		if err != nil {
			return &BuildError{Kind: KindUsage, Err: err}
		}
		maps.Copy(b.attrs, nc.attrs)
		maps.Copy(b.mounts, nc.mounts)
		b.ociStores = nc.ociStores
	}
	b.session = slices.Clone(o.Session)
	hasAuth := false
	for _, a := range b.session {
		if _, ok := a.(auth.AuthServer); ok {
			hasAuth = true
		}
	}
	if !hasAuth {
		b.session = append(b.session, authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
			AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(io.Discard)),
		}))
	}
	if len(o.Secrets) > 0 {
		sp, err := parseSecrets(o.Secrets)
		if err != nil {
			return &BuildError{Kind: KindUsage, Err: err}
		}
		b.session = append(b.session, sp)
	}
	// one shared key per context directory: BuildKit then sends only what
	// changed to the solves after the first
	sum := sha256.Sum256([]byte(ctxDir + "\x00" + dfPath))
	b.sharedKey = "gantry-" + hex.EncodeToString(sum[:8])
	return nil
}

// inside returns the path of dir relative to root when dir is below root
// (not root itself); ok is false otherwise, or when dir is "".
func inside(root, dir string) (rel string, ok bool) {
	if dir == "" {
		return "", false
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	rel, err = filepath.Rel(root, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// solve runs one solve and feeds its status to the display and the report.
func (b *builder) solve(ctx context.Context, j solveJob) (*client.SolveResponse, error) {
	id := identity.NewID()
	so := client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: maps.Clone(b.attrs),
		LocalMounts:   b.mounts,
		OCIStores:     b.ociStores,
		Session:       b.session,
		SharedKey:     b.sharedKey,
		Exports:       j.outputs,
		Ref:           id,
	}
	if j.target != "" {
		so.FrontendAttrs["target"] = j.target
	}
	var imps []importEntry
	var held []*flock.Flock // shared locks on the local entries it reads
	defer func() {
		for _, lk := range held {
			unlock(lk)
		}
	}()
	for _, im := range j.imports {
		// BuildKit's client writes into the attributes of local imports
		im.Attrs = maps.Clone(im.Attrs)
		ie := newImportEntry(im)
		switch im.Type {
		case "registry":
			if found, known := b.registryFound[im.Attrs["ref"]]; known {
				ie.present = found
			}
		case "local":
			e := b.localEntry(im.Attrs["src"])
			held = append(held, lockShared(ctx, e.store))
			if problem := checkLocalEntry(e); problem != "" {
				// BuildKit would skip it with a log line only; as a missing
				// entry, it makes the solve import its fallback entries
				b.coll.addWarning(Warning{Kind: WarnCacheImport, Stage: j.stage.DisplayName(),
					Message: fmt.Sprintf("local cache %s: %s; imported nothing (the next export replaces the entry)", e.dir, problem)})
				ie.present = false
				imps = append(imps, ie)
				continue
			}
			if im.Attrs["digest"] == "" && im.Attrs["tag"] == "" {
				im.Attrs, ie.present = localImport(e, im.Attrs)
			} else {
				ie.present = localCachePresent(e.dir)
			}
		}
		so.CacheImports = append(so.CacheImports, im)
		imps = append(imps, ie)
	}
	if ownMissing(j, imps) {
		fb, fbImps, fbHeld := b.fallbackImports(ctx, j.fallback, map[string]bool{})
		so.CacheImports = append(so.CacheImports, fb...)
		imps = append(imps, fbImps...)
		held = append(held, fbHeld...)
	}
	var staged []*localExport
	for _, ex := range j.exports {
		ex.Attrs = maps.Clone(ex.Attrs)
		if ex.Type == "local" {
			// export into a staging directory, published when complete
			e := b.localEntry(ex.Attrs["dest"])
			le, err := stageLocalExport(ctx, e)
			if err != nil {
				b.coll.addWarning(Warning{Kind: WarnCacheExport, Stage: j.stage.DisplayName(),
					Message: fmt.Sprintf("local cache %s: cannot write the cache directory: %v; exported nothing", e.dir, err)})
				continue
			}
			if reset, _ := strconv.ParseBool(ex.Attrs["reset"]); reset {
				b.addCollect(e)
			}
			le.ignoreError, _ = strconv.ParseBool(ex.Attrs["ignore-error"])
			staged = append(staged, le)
			ex.Attrs["dest"] = le.staging
			ex.Attrs["reset"] = "true"
		}
		so.CacheExports = append(so.CacheExports, ex)
	}
	b.coll.addSolve(id, j.stage.DisplayName(), imps)
	ch := make(chan *client.SolveStatus)
	b.statusWG.Add(1)
	go func() {
		defer b.statusWG.Done()
		for s := range ch {
			b.coll.add(id, s)
			if b.ran != nil {
				b.ran.note(ranStages(s))
			}
			b.status <- s
		}
	}()
	resp, err := b.c.Solve(ctx, nil, so, ch)
	for _, lk := range held {
		unlock(lk)
	}
	held = nil
	exportFailed := false
	if err != nil && (!j.final || len(j.outputs) == 0) {
		// BuildKit's client writes the index of a local export itself, after
		// the solve, and fails the solve when it cannot (a full disk): with
		// ignore-error, that is an export warning, as it is in the daemon
		for _, le := range staged {
			if le.ignoreError && strings.Contains(err.Error(), le.staging) {
				b.coll.addWarning(Warning{Kind: WarnCacheExport, Stage: j.stage.DisplayName(),
					Message: fmt.Sprintf("local cache %s: %v; the entry is unchanged", le.entry.dir, err)})
				err, resp, exportFailed = nil, &client.SolveResponse{}, true
				break
			}
		}
	}
	for _, le := range staged {
		if err == nil && !exportFailed {
			if perr := le.publish(ctx); perr != nil && !errors.Is(perr, errNotExported) {
				b.coll.addWarning(Warning{Kind: WarnCacheExport, Stage: j.stage.DisplayName(),
					Message: fmt.Sprintf("local cache %s: publishing the export failed: %v; the entry is unchanged", le.entry.dir, perr)})
			}
			if j.final && le.published != nil {
				b.publishedMu.Lock()
				b.published[le.entry.dir] = le.published
				b.publishedMu.Unlock()
			}
		}
		le.remove()
	}
	return resp, err
}

// ownMissing reports whether a solve's own local or registry entry (its
// import of a per-stage entry) is missing, so that it imports its fallback
// entries: every import it has is a local one found absent or a registry
// one that the lookup before the solves did not find.
func ownMissing(j solveJob, imps []importEntry) bool {
	if len(j.fallback) == 0 || len(imps) == 0 {
		return false
	}
	for _, ie := range imps {
		if (ie.typ != "local" && ie.typ != "registry") || ie.present {
			return false
		}
	}
	return true
}

// fallbackImports returns the imports of the nearest entries of fs that
// exist (a missing one gives its parents'), each once (seen holds their
// directories and references), with the shared locks it took on the stores
// of local ones. A registry entry counts only when the lookup before the
// solves looked it up (registryFound); one it did not is skipped.
func (b *builder) fallbackImports(ctx context.Context, fs []*fallbackEntry, seen map[string]bool) ([]client.CacheOptionsEntry, []importEntry, []*flock.Flock) {
	var out []client.CacheOptionsEntry
	var imps []importEntry
	var held []*flock.Flock
	for _, f := range fs {
		var key string
		switch f.imp.Type {
		case "local":
			key = f.imp.Attrs["src"]
		case "registry":
			key = f.imp.Attrs["ref"]
			if _, known := b.registryFound[key]; !known {
				continue
			}
		default:
			continue
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if imp, lk, ok := b.existingImport(ctx, f.imp); ok {
			out = append(out, imp)
			imps = append(imps, newImportEntry(f.imp))
			if lk != nil {
				held = append(held, lk)
			}
			continue
		}
		o, i, h := b.fallbackImports(ctx, f.parents, seen)
		out, imps, held = append(out, o...), append(imps, i...), append(held, h...)
	}
	return out, imps, held
}

// existingImport returns the import of a local or registry entry that
// exists, with the shared lock it holds on a local entry's store; ok is
// false when the entry is missing or incomplete.
func (b *builder) existingImport(ctx context.Context, imp client.CacheOptionsEntry) (client.CacheOptionsEntry, *flock.Flock, bool) {
	if imp.Type == "registry" {
		return imp, nil, b.registryFound[imp.Attrs["ref"]]
	}
	e := b.localEntry(imp.Attrs["src"])
	lk := lockShared(ctx, e.store)
	attrs, present := localImport(e, maps.Clone(imp.Attrs))
	if !present || checkLocalEntry(e) != "" {
		unlock(lk)
		return imp, nil, false
	}
	return client.CacheOptionsEntry{Type: "local", Attrs: attrs}, lk, true
}

// newImportEntry is the report's record of a cache import, present until
// found otherwise; a registry import names its "importing cache manifest"
// vertex.
func newImportEntry(im client.CacheOptionsEntry) importEntry {
	ie := importEntry{typ: im.Type, desc: describeCache(im), present: true}
	if im.Type == "registry" {
		ie.vertex = "importing cache manifest from " + im.Attrs["ref"]
	}
	return ie
}

// localEntry is the local cache entry at dir: a per-stage entry of the
// --cache spec, or an OCI layout directory given as is.
func (b *builder) localEntry(dir string) localEntry {
	if b.localStore != "" && filepath.Dir(filepath.Clean(dir)) == b.localStore {
		return stageEntry(dir)
	}
	return layoutEntry(dir)
}

// addCollect records an entry whose store collectGarbage cleans at the end.
func (b *builder) addCollect(e localEntry) {
	b.collectMu.Lock()
	defer b.collectMu.Unlock()
	for _, c := range b.collect {
		if c.store == e.store && (e.shared() || c.dir == e.dir) {
			return
		}
	}
	b.collect = append(b.collect, e)
}

// localCachePresent reports whether a local cache directory holds an entry.
func localCachePresent(dir string) bool {
	desc, err := ociindex.NewStoreIndex(dir).Get("latest")
	return err == nil && desc != nil
}

// report assembles the build's report.
func (b *builder) report(g *stagegraph.StageGraph, target *stagegraph.Stage, jobs [][]solveJob, outcome solvesOutcome) *Report {
	b.coll.mu.Lock()
	solveOf := map[string]string{} // stage display name -> id of its own solve
	for id, st := range b.coll.stageOf {
		solveOf[st] = id
	}
	b.coll.mu.Unlock()
	var solved []*stagegraph.Stage // stages with a solve of their own, in solve order
	exportOf := map[*stagegraph.Stage]string{}
	for _, wave := range jobs {
		for _, j := range wave {
			solved = append(solved, j.stage)
			if len(j.exports) > 0 {
				exportOf[j.stage] = describeCache(j.exports[0])
			}
		}
	}
	var infos []stageInfo
	for _, st := range g.NeededBy(target) {
		si := stageInfo{name: st.DisplayName(), label: stageLabel(g, st), cacheTo: exportOf[st],
			kept: slices.Contains(outcome.kept, st), fromTarget: slices.Contains(outcome.fromTarget, st)}
		for _, d := range st.Deps {
			si.deps = append(si.deps, d.DisplayName())
		}
		// the solve that built the stage: its own, else the target's when
		// its entry was kept or took the target's (the target's solve found
		// or ran its steps first), else the first one that ran and whose
		// stage needs it
		si.solve = solveOf[st.DisplayName()]
		if si.solve == "" && (si.kept || si.fromTarget) {
			si.solve = solveOf[target.DisplayName()]
		}
		if si.solve == "" {
			for _, s := range solved {
				if solveOf[s.DisplayName()] != "" && slices.Contains(g.NeededBy(s), st) {
					si.solve = solveOf[s.DisplayName()]
					break
				}
			}
		}
		infos = append(infos, si)
	}
	rep := b.coll.report(infos)
	rep.Target = target.DisplayName()
	rep.Builder = b.opts.Builder
	if b.cacheSpec != nil {
		rep.Cache = b.cacheSpec.Type
	}
	rep.CacheReadOnly = b.opts.CacheReadOnly && (b.cacheSpec != nil || len(b.opts.CacheFrom) > 0)
	for _, wave := range jobs {
		var names []string
		for _, j := range wave {
			names = append(names, j.stage.DisplayName())
		}
		rep.Waves = append(rep.Waves, names)
	}
	return rep
}

// stageLabel is the stage's name in BuildKit's step names: its name, or
// "stage-N" when unnamed, or "" for a one-stage Dockerfile.
func stageLabel(g *stagegraph.StageGraph, st *stagegraph.Stage) string {
	if len(g.Stages) == 1 {
		return ""
	}
	if st.Name != "" {
		return st.Name
	}
	return fmt.Sprintf("stage-%d", st.Index)
}
