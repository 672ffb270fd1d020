package buildcache_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
)

// strategy is one way to cache a build between CI runs.
type strategy struct {
	name string
	// prepare returns how to build with it, and how to measure its cache.
	prepare func(b *testing.B, svc buildkittest.Services) (mod func(*buildcache.BuildOptions), bytes func() int64)
}

var strategies = []strategy{
	{"per-stage local", func(b *testing.B, _ buildkittest.Services) (func(*buildcache.BuildOptions), func() int64) {
		dir := filepath.Join(b.TempDir(), "cache")
		return func(o *buildcache.BuildOptions) { o.Cache = "type=local,dir=" + dir },
			func() int64 { return buildkittest.DirSize(dir) }
	}},
	{"per-stage registry", func(b *testing.B, svc buildkittest.Services) (func(*buildcache.BuildOptions), func() int64) {
		repo := "gantry-bench/" + randomName()
		return func(o *buildcache.BuildOptions) { o.Cache = "type=registry,ref=" + svc.Registry + "/" + repo },
			func() int64 { return registryBytes(b, svc.Registry, repo) }
	}},
	{"per-stage+ancestors local", func(b *testing.B, _ buildkittest.Services) (func(*buildcache.BuildOptions), func() int64) {
		dir := filepath.Join(b.TempDir(), "cache")
		return func(o *buildcache.BuildOptions) { o.Cache = "type=local,dir=" + dir; o.ImportAncestors = true },
			func() int64 { return buildkittest.DirSize(dir) }
	}},
	{"single mode=max local", func(b *testing.B, _ buildkittest.Services) (func(*buildcache.BuildOptions), func() int64) {
		dir := filepath.Join(b.TempDir(), "cache")
		return func(o *buildcache.BuildOptions) {
				o.CacheFrom = []client.CacheOptionsEntry{{Type: "local", Attrs: map[string]string{"src": dir}}}
				// reset keeps it from growing: the best case for this baseline
				o.CacheTo = []client.CacheOptionsEntry{{Type: "local", Attrs: map[string]string{"dest": dir, "mode": "max", "reset": "true", "ignore-error": "true"}}}
			},
			func() int64 { return buildkittest.DirSize(dir) }
	}},
	{"inline mode=min image", func(b *testing.B, svc buildkittest.Services) (func(*buildcache.BuildOptions), func() int64) {
		repo := "gantry-bench/" + randomName()
		image := svc.Registry + "/" + repo + ":latest"
		return func(o *buildcache.BuildOptions) {
				o.Exports = []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{"name": image, "push": "true"}}}
				o.CacheFrom = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": image}}}
				o.CacheTo = []client.CacheOptionsEntry{{Type: "inline"}}
			},
			func() int64 { return registryBytes(b, svc.Registry, repo) }
	}},
}

// registryBytes sums the unique blobs (layers and configs) of every tag of
// a repository in the registry.
func registryBytes(tb testing.TB, registry, repo string) int64 {
	get := func(path string, v any) error {
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
		return json.NewDecoder(resp.Body).Decode(v)
	}
	var tags struct{ Tags []string }
	if err := get("/tags/list", &tags); err != nil {
		tb.Logf("registry bytes: %v", err)
		return 0
	}
	type desc struct {
		Digest string
		Size   int64
	}
	seen := map[string]bool{}
	var total int64
	add := func(d desc) {
		if !seen[d.Digest] {
			seen[d.Digest] = true
			total += d.Size
		}
	}
	for _, tag := range tags.Tags {
		var m struct {
			Config    desc
			Layers    []desc
			Manifests []desc
		}
		if err := get("/manifests/"+tag, &m); err != nil {
			tb.Logf("registry bytes: %v", err)
			continue
		}
		add(m.Config)
		for _, l := range m.Layers {
			add(l)
		}
		for _, sub := range m.Manifests {
			var sm struct {
				Config desc
				Layers []desc
			}
			if err := get("/manifests/"+sub.Digest, &sm); err == nil {
				add(sm.Config)
				for _, l := range sm.Layers {
					add(l)
				}
			}
		}
	}
	return total
}

// measurement is one build of the benchmark.
type measurement struct {
	seconds  float64
	executed int
	steps    int
	bytes    int64
}

// BenchmarkCacheStrategies compares gantry's per-stage caches with two
// baselines (an inline mode=min cache in the final image, and one mode=max
// cache for the whole build) on the rails-webpack app: a cold build, then a
// code change, a yarn.lock change and a Gemfile.lock change, every build on
// a fresh daemon (a new CI runner) that has only the cache. Run it with
// scripts/bench-build; it prints a table with ratios to per-stage.
func BenchmarkCacheStrategies(b *testing.B) {
	svc := buildkittest.Get(b)
	scenarios := []change{"", changeCode, changeYarn, changeGemfile}
	results := map[string][]measurement{}
	for i := 0; i < b.N; i++ {
		for _, st := range strategies {
			a := newApp(b, svc)
			// every app gets the same payloads, so that layer sizes show
			for _, c := range []change{changeCode, changeYarn, changeGemfile} {
				a.apply(b, c, 64<<10)
			}
			mod, size := st.prepare(b, svc)
			var ms []measurement
			for _, sc := range scenarios {
				if sc != "" {
					a.apply(b, sc, 64<<10)
				}
				d := buildkittest.StartDaemon(b, svc.Buildkitd)
				start := time.Now()
				r := a.build(b, d.Addr, "", mod)
				wall := time.Since(start).Seconds()
				d.Stop()
				ms = append(ms, measurement{seconds: wall, executed: r.Executed, steps: r.Steps, bytes: size()})
			}
			results[st.name] = ms
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scenario\tstrategy\twall s\texecuted\tcache bytes\twall ×\texecuted ×\tbytes ×\t")
	base := results[strategies[0].name]
	for i, sc := range scenarios {
		name := string(sc)
		if name == "" {
			name = "cold"
		} else {
			name += " change"
		}
		for _, st := range strategies {
			m := results[st.name][i]
			fmt.Fprintf(w, "%s\t%s\t%.2f\t%d/%d\t%d\t%s\t%s\t%s\t\n", name, st.name, m.seconds, m.executed, m.steps, m.bytes,
				ratio(m.seconds, base[i].seconds), ratio(float64(m.executed), float64(base[i].executed)), ratio(float64(m.bytes), float64(base[i].bytes)))
		}
	}
	w.Flush()
	fmt.Println("(ratios are to per-stage local; every build ran on a fresh buildkitd with only the cache)")
	for _, st := range strategies {
		total := 0
		for _, m := range results[st.name][1:] {
			total += m.executed
		}
		b.ReportMetric(float64(total), "executed-steps-after-changes/"+strings.ReplaceAll(st.name, " ", "-"))
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		if a == 0 {
			return "1.00"
		}
		return "∞"
	}
	return fmt.Sprintf("%.2f", a/b)
}
