package buildcache_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
	"github.com/gantry-ci/gantry/internal/text"
)

// benchCache is one strategy's cache for one app.
type benchCache struct {
	// mod sets the build's cache options.
	mod func(*buildcache.BuildOptions)
	// blobs returns every blob the cache holds now, by digest, and the
	// total bytes it takes.
	blobs func() (map[string]int64, int64)
	// evict deletes npm's entry; nil when the strategy has no entry per stage.
	evict func()
}

// strategy is one way to cache a build between CI runs.
type strategy struct {
	name    string
	prepare func(b *testing.B, svc buildkittest.Services) benchCache
}

// localCache is a per-stage type=local cache in a new directory.
func localCache(b *testing.B, mod func(*buildcache.BuildOptions)) benchCache {
	dir := filepath.Join(b.TempDir(), "cache")
	return benchCache{
		mod:   func(o *buildcache.BuildOptions) { o.Cache = "type=local,dir=" + dir; mod(o) },
		blobs: func() (map[string]int64, int64) { return localBlobs(dir) },
		evict: func() { os.RemoveAll(filepath.Join(dir, "npm")) },
	}
}

var strategies = []strategy{
	{perStageLocal, func(b *testing.B, _ buildkittest.Services) benchCache {
		return localCache(b, func(*buildcache.BuildOptions) {})
	}},
	{"per-stage local, waves", func(b *testing.B, _ buildkittest.Services) benchCache {
		return localCache(b, func(o *buildcache.BuildOptions) { o.SolveInWaves = true })
	}},
	{"per-stage registry", func(b *testing.B, svc buildkittest.Services) benchCache {
		repo := "gantry-bench/" + randomName()
		return benchCache{
			mod:   func(o *buildcache.BuildOptions) { o.Cache = "type=registry,ref=" + svc.Registry + "/" + repo },
			blobs: func() (map[string]int64, int64) { return registryBlobs(b, svc.Registry, repo) },
			evict: func() { deleteTag(b, svc.Registry, repo, "cache-npm") },
		}
	}},
	{"single mode=max local", func(b *testing.B, _ buildkittest.Services) benchCache {
		dir := filepath.Join(b.TempDir(), "cache")
		return benchCache{
			mod: func(o *buildcache.BuildOptions) {
				o.CacheFrom = []client.CacheOptionsEntry{{Type: "local", Attrs: map[string]string{"src": dir}}}
				// reset keeps it from growing: the best case for this baseline
				o.CacheTo = []client.CacheOptionsEntry{{Type: "local", Attrs: map[string]string{"dest": dir, "mode": "max", "reset": "true", "ignore-error": "true"}}}
			},
			blobs: func() (map[string]int64, int64) { return localBlobs(dir) },
		}
	}},
	{inlineMin, func(b *testing.B, svc buildkittest.Services) benchCache {
		repo := "gantry-bench/" + randomName()
		image := svc.Registry + "/" + repo + ":latest"
		return benchCache{
			mod: func(o *buildcache.BuildOptions) {
				o.Exports = []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{"name": image, "push": "true"}}}
				o.CacheFrom = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": image}}}
				o.CacheTo = []client.CacheOptionsEntry{{Type: "inline"}}
			},
			blobs: func() (map[string]int64, int64) { return registryBlobs(b, svc.Registry, repo) },
		}
	}},
}

// localBlobs returns the blobs under a local cache directory (any store in
// it) and the bytes of every file in it.
func localBlobs(dir string) (map[string]int64, int64) {
	blobs := map[string]int64{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && filepath.Base(filepath.Dir(filepath.Dir(p))) == "blobs" {
			if fi, err := d.Info(); err == nil {
				blobs[d.Name()] = fi.Size()
			}
		}
		return nil
	})
	return blobs, buildkittest.DirSize(dir)
}

// registryGet GETs a path of a repository's registry API into v.
func registryGet(registry, repo, path string, v any) error {
	req, _ := http.NewRequest("GET", "http://"+registry+"/v2/"+repo+path, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if dg, ok := v.(*string); ok {
		*dg = resp.Header.Get("Docker-Content-Digest")
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// registryBlobs returns the unique blobs (layers and configs) of every tag
// of a repository in the registry, and their total bytes: blobs are shared
// by digest, so this is what the registry stores.
func registryBlobs(tb testing.TB, registry, repo string) (map[string]int64, int64) {
	var tags struct{ Tags []string }
	if err := registryGet(registry, repo, "/tags/list", &tags); err != nil {
		tb.Logf("registry blobs: %v", err)
		return nil, 0
	}
	type desc struct {
		Digest string
		Size   int64
	}
	blobs := map[string]int64{}
	var total int64
	add := func(ds ...desc) {
		for _, d := range ds {
			if _, ok := blobs[d.Digest]; !ok && d.Digest != "" {
				blobs[d.Digest] = d.Size
				total += d.Size
			}
		}
	}
	type manifest struct {
		Config    desc
		Layers    []desc
		Manifests []desc
	}
	for _, tag := range tags.Tags {
		var m manifest
		if err := registryGet(registry, repo, "/manifests/"+tag, &m); err != nil {
			tb.Logf("registry blobs: %v", err)
			continue
		}
		add(m.Config)
		add(m.Layers...)
		for _, sub := range m.Manifests {
			var sm manifest
			if err := registryGet(registry, repo, "/manifests/"+sub.Digest, &sm); err == nil {
				add(sm.Config)
				add(sm.Layers...)
			}
		}
	}
	return blobs, total
}

// deleteTag deletes the manifest a tag names (the registry's only way to
// delete a tag).
func deleteTag(tb testing.TB, registry, repo, tag string) {
	var dg string
	if err := registryGet(registry, repo, "/manifests/"+tag, &dg); err != nil || dg == "" {
		tb.Fatalf("evicting %s:%s: %v", repo, tag, err)
	}
	req, _ := http.NewRequest("DELETE", "http://"+registry+"/v2/"+repo+"/manifests/"+dg, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		tb.Fatalf("evicting %s:%s: %s", repo, tag, resp.Status)
	}
}

// measurement is one build of the benchmark.
type measurement struct {
	seconds  float64
	executed int
	steps    int
	bytes    int64 // the cache's bytes after the build
	written  int64 // bytes of the blobs the build added to the cache
}

// benchApp is an app of the benchmark: the rails-webpack busybox variant,
// with payloadKB of generated files in each of bundle and npm (and a
// quarter of that in assets' packs).
type benchApp struct {
	name      string
	payloadKB int
}

var benchApps = []benchApp{{"busybox", 0}, {"large", 16 << 10}}

// scenario is a build of the benchmark: a change, or an eviction.
type scenario struct {
	name   string
	change change
	evict  bool
}

var scenarios = []scenario{
	{name: "cold"},
	{name: "code change", change: changeCode},
	{name: "yarn.lock change", change: changeYarn},
	{name: "Gemfile.lock change", change: changeGemfile},
	{name: "npm entry evicted", evict: true},
}

// The strategies the goals name: gantry's, the one the ratios compare
// with, and the inline mode=min cache.
const (
	perStageLocal = "per-stage local"
	baseline      = "single mode=max local"
	inlineMin     = "inline mode=min image"
)

// BenchmarkCacheStrategies compares gantry's per-stage caches with two
// baselines (one mode=max cache for the whole build, and an inline
// mode=min cache in the final image) on the rails-webpack app and a
// larger variant: a cold build, a code change, a yarn.lock change, a
// Gemfile.lock change, and npm's entry evicted, every build on a fresh
// daemon (a new CI runner) that has only the cache. Each round gives every
// strategy an app and a cache of its own and runs each scenario with every
// strategy in turn, so that the builds a ratio compares run one after the
// other (-benchtime Nx: N rounds, the strategies' order rotated each
// round); the table shows medians. The goals' code change is then built
// codeRepeats more times per round by the strategies they compare (see
// repeatOrders), and their ratios are medians of the ratios of those
// builds: one build's wall time moves by ±15% on a quiet machine, and the
// machine drifts by more over a minute. Run it with scripts/bench-build.
func BenchmarkCacheStrategies(b *testing.B) {
	svc := buildkittest.Get(b)
	// results[app][strategy][scenario] are the rounds' measurements
	results := map[string]map[string][][]measurement{}
	// codeBuilds[app][strategy] are the repeated code changes' builds, in
	// the same order for each strategy of the goals
	codeBuilds := map[string]map[string][]measurement{}
	apps := benchApps
	if only := os.Getenv("BENCH_APPS"); only != "" {
		apps = slices.DeleteFunc(slices.Clone(benchApps), func(a benchApp) bool { return !slices.Contains(strings.Split(only, ","), a.name) })
	}
	repeats := codeRepeats
	if v := os.Getenv("BENCH_CODE_REPEATS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatalf("BENCH_CODE_REPEATS=%q: want a number of builds", v)
		}
		repeats = n
	}
	rounds := 0
	// b.Loop runs the body -benchtime times, and the function once (b.N
	// would run it with 1 first)
	for b.Loop() {
		for _, ba := range apps {
			if results[ba.name] == nil {
				results[ba.name] = map[string][][]measurement{}
				codeBuilds[ba.name] = map[string][]measurement{}
			}
			for _, r := range runRound(b, svc, ba, rounds, repeats) {
				name := r.st.name
				if results[ba.name][name] == nil {
					results[ba.name][name] = make([][]measurement, len(scenarios))
				}
				for i, m := range r.ms {
					results[ba.name][name][i] = append(results[ba.name][name][i], m)
				}
				if slices.Contains(goalStrategies, name) {
					codeBuilds[ba.name][name] = append(codeBuilds[ba.name][name], r.again...)
				}
			}
		}
		rounds++
	}
	for _, ba := range apps {
		printResults(ba, results[ba.name], codeBuilds[ba.name], rounds)
	}
}

// codeRepeats is how many more code changes each round builds with the
// strategies of the goals (BENCH_CODE_REPEATS): a multiple of
// len(repeatOrders) keeps their order balanced.
const codeRepeats = 4

// goalStrategies are the strategies the goals compare.
var goalStrategies = []string{perStageLocal, baseline, inlineMin}

// repeatOrders are the orders, by index in goalStrategies, in which the
// repeated code changes are built, one after another: per-stage local and
// the baseline are always next to each other and each goes first in half
// of them, and mode=min comes before both in half and after both in half.
var repeatOrders = [][]int{{0, 1, 2}, {1, 0, 2}, {2, 0, 1}, {2, 1, 0}}

// codeScenario is the index of the code change in scenarios.
var codeScenario = slices.IndexFunc(scenarios, func(s scenario) bool { return s.change == changeCode })

// strategyRun is one strategy's app and cache in a round.
type strategyRun struct {
	st    strategy
	a     *app
	cache benchCache
	seen  map[string]bool // the cache's blobs so far
	ms    []measurement   // by scenario
	again []measurement   // the repeated code changes
}

// runRound builds every scenario of one app with every strategy: each
// scenario with each strategy in turn, starting with the round's strategy
// in the rotation; then repeats more code changes with the strategies of
// the goals, in the orders of repeatOrders.
func runRound(b *testing.B, svc buildkittest.Services, ba benchApp, round, repeats int) []*strategyRun {
	runs := make([]*strategyRun, len(strategies))
	for i, st := range strategies {
		a := newApp(b, svc)
		if ba.payloadKB > 0 {
			if err := os.WriteFile(filepath.Join(a.dir, "docker", "busybox", "bin", "payload-kb"), []byte(fmt.Sprint(ba.payloadKB)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		// every app gets the same payloads, so that layer sizes show
		for _, c := range []change{changeCode, changeYarn, changeGemfile} {
			a.apply(b, c, 64<<10)
		}
		runs[i] = &strategyRun{st: st, a: a, cache: st.prepare(b, svc), seen: map[string]bool{}}
	}
	for _, sc := range scenarios {
		for k := range runs {
			r := runs[(k+round)%len(runs)]
			r.ms = append(r.ms, r.measure(b, svc, sc))
		}
	}
	goal := make([]*strategyRun, len(goalStrategies))
	for _, r := range runs {
		if k := slices.Index(goalStrategies, r.st.name); k >= 0 {
			goal[k] = r
		}
	}
	for i := range repeats {
		for _, k := range repeatOrders[i%len(repeatOrders)] {
			goal[k].again = append(goal[k].again, goal[k].measure(b, svc, scenarios[codeScenario]))
		}
	}
	return runs
}

// measure makes the scenario's change (or eviction) and builds on a fresh
// daemon. The writes of earlier builds are flushed first, so that their
// writeback does not slow this one.
func (r *strategyRun) measure(b *testing.B, svc buildkittest.Services, sc scenario) measurement {
	switch {
	case sc.evict && r.cache.evict == nil:
		return measurement{seconds: -1}
	case sc.evict:
		r.cache.evict()
	case sc.change != "":
		r.a.apply(b, sc.change, 64<<10)
	}
	d := buildkittest.StartDaemon(b, svc.Buildkitd)
	syscall.Sync()
	start := time.Now()
	rep := r.a.build(b, d.Addr, "", r.cache.mod)
	wall := time.Since(start).Seconds()
	d.Stop()
	m := measurement{seconds: wall, executed: rep.Executed, steps: rep.Steps}
	var blobs map[string]int64
	blobs, m.bytes = r.cache.blobs()
	for dg, size := range blobs {
		if !r.seen[dg] {
			r.seen[dg] = true
			m.written += size
		}
	}
	return m
}

// median returns the median of each field of the rounds' measurements.
func median(ms []measurement) measurement {
	med := func(f func(measurement) float64) float64 {
		v := make([]float64, len(ms))
		for i, m := range ms {
			v[i] = f(m)
		}
		slices.Sort(v)
		return sortedMedian(v)
	}
	return measurement{
		seconds:  med(func(m measurement) float64 { return m.seconds }),
		executed: int(med(func(m measurement) float64 { return float64(m.executed) })),
		steps:    int(med(func(m measurement) float64 { return float64(m.steps) })),
		bytes:    int64(med(func(m measurement) float64 { return float64(m.bytes) })),
		written:  int64(med(func(m measurement) float64 { return float64(m.written) })),
	}
}

// sortedMedian returns the median of v, sorted and not empty.
func sortedMedian(v []float64) float64 {
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// printResults prints one app's table, with ratios to the baseline, and
// the goals (code is every code change's builds by strategy).
func printResults(ba benchApp, res map[string][][]measurement, code map[string][]measurement, rounds int) {
	fmt.Printf("\napp %s (%d KiB generated per dependency stage), median of %d %s\n", ba.name, ba.payloadKB, rounds, text.Plural(rounds, "round", "rounds"))
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scenario\tstrategy\twall s\texecuted\tcache bytes\tnew bytes\twall ×\tbytes ×\tnew bytes ×\t")
	for i, sc := range scenarios {
		base := median(res[baseline][i])
		for _, st := range strategies {
			m := median(res[st.name][i])
			if m.seconds < 0 {
				fmt.Fprintf(w, "%s\t%s\t-\t-\t-\t-\t-\t-\t-\t\n", sc.name, st.name)
				continue
			}
			if base.seconds < 0 {
				base = m
			}
			fmt.Fprintf(w, "%s\t%s\t%.2f\t%d/%d\t%d\t%d\t%s\t%s\t%s\t\n", sc.name, st.name, m.seconds, m.executed, m.steps, m.bytes, m.written,
				ratio(m.seconds, base.seconds), ratio(float64(m.bytes), float64(base.bytes)), ratio(float64(m.written), float64(base.written)))
		}
	}
	w.Flush()
	fmt.Printf("(ratios are to %s; every build ran on a fresh buildkitd with only the cache; new bytes: blobs the build added to the cache, what actions/cache or a registry push uploads)\n", baseline)
	ps, mx, mn := code[perStageLocal], code[baseline], code[inlineMin]
	fmt.Printf("goal: code change, per-stage local wall / single mode=max: %s (at most 1.10; the median of %d ratios of builds made one after the other)\n", pairedRatio(ps, mx), len(ps))
	fmt.Printf("goal: code change, per-stage local wall / inline mode=min: %s (at most 0.50; single mode=max / inline mode=min: %s; each the median of %d ratios of builds among three made in a row)\n", pairedRatio(ps, mn), pairedRatio(mx, mn), len(ps))
	// two copies of a layer made in the same second are one blob (the
	// same tar), so one build's bytes move with the clock: the goal is
	// over the build of every scenario (but the eviction) in every round
	var psSum, mxSum float64
	var psBytes, mxBytes []float64
	for i := range scenarios {
		if res[baseline][i][0].seconds < 0 {
			continue
		}
		for k, m := range res[baseline][i] {
			psSum, mxSum = psSum+float64(res[perStageLocal][i][k].bytes), mxSum+float64(m.bytes)
		}
		p, m := median(res[perStageLocal][i]), median(res[baseline][i])
		psBytes, mxBytes = append(psBytes, float64(p.bytes)), append(mxBytes, float64(m.bytes))
	}
	fmt.Printf("goal: per-stage local cache bytes / single mode=max, over every scenario's builds: %s (at most 1.20); largest of the scenarios' medians: %s\n", ratio(psSum, mxSum), maxRatio(psBytes, mxBytes))
}

// maxRatio formats the largest ratio a[i]/b[i] ("-" when no b[i] > 0).
func maxRatio(a, b []float64) string {
	best, out := -1.0, "-"
	for i := range a {
		if b[i] > 0 && a[i]/b[i] > best {
			best, out = a[i]/b[i], ratio(a[i], b[i])
		}
	}
	return out
}

// pairedRatio is the median of the wall time ratios a[i]/b[i] of builds
// made one after the other, with the middle half of them (nearest ranks)
// when there are four or more.
func pairedRatio(a, b []measurement) string {
	if len(a) == 0 || len(a) != len(b) {
		return "-"
	}
	rs := make([]float64, len(a))
	for i := range a {
		rs[i] = a[i].seconds / b[i].seconds
	}
	slices.Sort(rs)
	mid := sortedMedian(rs)
	if len(rs) < 4 {
		return fmt.Sprintf("%.2f", mid)
	}
	return fmt.Sprintf("%.2f, middle half %.2f-%.2f", mid, rs[len(rs)/4], rs[len(rs)-1-len(rs)/4])
}

// ratio formats a/b to two decimals: "∞" for a/0, "1.00" for 0/0.
func ratio(a, b float64) string {
	if b == 0 {
		if a == 0 {
			return "1.00"
		}
		return "∞"
	}
	return fmt.Sprintf("%.2f", a/b)
}
