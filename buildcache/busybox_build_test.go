package buildcache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/internal/testenv"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

// buildkitOrSkip connects to the BuildKit daemon of scripts/services. It
// skips when GANTRY_BUILDKIT_ADDR is unset, unless CI is set.
func buildkitOrSkip(t *testing.T) (*client.Client, string) {
	t.Helper()
	addr, bb := testenv.Getenv(t, "GANTRY_BUILDKIT_ADDR"), testenv.Getenv(t, "GANTRY_BUSYBOX")
	c, err := client.New(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bb
}

// copyTree copies the app into a temporary directory that the test may change.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// stageSteps counts, per stage, the Dockerfile steps BuildKit ran and the
// ones it took from the cache, from the vertex names ("[bundle 2/2] RUN ...").
type stageSteps map[string]*struct{ cached, executed int }

// String lists the counts as "stage cached/executed" in stage-name order.
func (s stageSteps) String() string {
	var names []string
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d cached/%d run", n, s[n].cached, s[n].executed))
	}
	return strings.Join(parts, ", ")
}

var vertexStage = regexp.MustCompile(`^\[([a-z0-9_.-]+) \d+/\d+\] `)

// solveBusybox builds a target of the app's Dockerfile.busybox with the
// dockerfile.v0 frontend and returns its step counts.
func solveBusybox(t *testing.T, c *client.Client, app, busybox, target, out string) stageSteps {
	t.Helper()
	bbDir := t.TempDir()
	b, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bbDir, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	mounts := map[string]fsutil.FS{}
	for name, dir := range map[string]string{"context": app, "dockerfile": app, "busybox": bbDir} {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		mounts[name] = fs
	}
	opt := client.SolveOpt{
		Frontend: "dockerfile.v0",
		FrontendAttrs: map[string]string{
			"filename":        "Dockerfile.busybox",
			"target":          target,
			"context:busybox": "local:busybox",
			"build-arg:SHA":   "0123abc",
		},
		LocalMounts: mounts,
	}
	if out != "" {
		opt.Exports = []client.ExportEntry{{Type: client.ExporterLocal, OutputDir: out}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ch := make(chan *client.SolveStatus)
	steps := stageSteps{}
	var logs strings.Builder
	var eg errgroup.Group
	eg.Go(func() error {
		_, err := c.Solve(ctx, nil, opt, ch)
		return err
	})
	eg.Go(func() error {
		seen := map[string]bool{}
		for st := range ch {
			for _, l := range st.Logs {
				logs.Write(l.Data)
			}
			for _, v := range st.Vertexes {
				m := vertexStage.FindStringSubmatch(v.Name)
				if m == nil || v.Completed == nil || seen[v.Digest.String()] {
					continue
				}
				seen[v.Digest.String()] = true
				s := steps[m[1]]
				if s == nil {
					s = &struct{ cached, executed int }{}
					steps[m[1]] = s
				}
				if v.Cached {
					s.cached++
				} else {
					s.executed++
				}
			}
		}
		return nil
	})
	if err := eg.Wait(); err != nil {
		t.Fatalf("building %s: %v\n%s", target, err, logs.String())
	}
	return steps
}

// TestBusyboxVariantBuilds builds testdata/apps/rails-webpack's
// Dockerfile.busybox on a real BuildKit daemon, checks what the image holds,
// and that the stage graph isolates changes: a code change re-runs no step
// of bundle and npm, a yarn.lock change none of bundle, a Gemfile.lock
// change none of npm.
func TestBusyboxVariantBuilds(t *testing.T) {
	c, busybox := buildkitOrSkip(t)
	app := copyTree(t, filepath.Join("..", "testdata", "apps", "rails-webpack"))
	// a unique comment so that this run never hits an earlier run's cache
	stamp := "build " + time.Now().Format(time.RFC3339Nano)
	appendFile(t, filepath.Join(app, "app/javascript/components/hello.js"), []byte("\n// "+stamp+"\n"))
	appendFile(t, filepath.Join(app, "yarn.lock"), []byte("\n# "+stamp+"\n"))
	appendFile(t, filepath.Join(app, "Gemfile.lock"), []byte("\n# "+stamp+"\n"))

	out := t.TempDir()
	cold := solveBusybox(t, c, app, busybox, "main", out)
	t.Logf("first build: %s", cold)
	for _, stage := range []string{"base", "builder", "bundle", "npm", "assets", "main"} {
		if cold[stage] == nil {
			t.Errorf("first build: no step of stage %s", stage)
		}
	}
	// base and builder do not read the app, so an earlier run may have cached them
	for _, stage := range []string{"bundle", "npm", "assets", "main"} {
		if cold[stage] == nil || cold[stage].executed == 0 {
			t.Errorf("first build: stage %s ran no step: %+v", stage, cold[stage])
		}
	}
	for _, f := range []string{
		"app/vendor/bundle/ruby/3.0.0/gems/rails-6.1.3.2/lib/rails.rb",
		"app/public/packs/manifest.json",
		"lib/apk/db/installed",
		"usr/local/bundle/specifications/bundler-2.2.16.gemspec",
	} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("image lacks %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "app/vendor/bundle/ruby/3.0.0/cache/rails-6.1.3.2.gem")); err == nil {
		t.Error("the gem cache was not removed in the bundle stage")
	}
	if _, err := os.Stat(filepath.Join(out, "app/node_modules")); err == nil {
		t.Error("node_modules reached the final image")
	}
	manifest, _ := os.ReadFile(filepath.Join(out, "app/public/packs/manifest.json"))
	if !strings.Contains(string(manifest), `"admin.js"`) || !strings.Contains(string(manifest), `"application.js"`) {
		t.Errorf("packs manifest: %s", manifest)
	}

	for _, c2 := range []struct {
		change     string
		file       string
		reran, not []string
	}{
		{"code", "app/javascript/components/hello.js", []string{"assets", "main"}, []string{"base", "builder", "bundle", "npm"}},
		{"yarn.lock", "yarn.lock", []string{"npm", "assets", "main"}, []string{"base", "builder", "bundle"}},
		{"Gemfile.lock", "Gemfile.lock", []string{"bundle", "assets", "main"}, []string{"base", "builder", "npm"}},
	} {
		comment := "\n# change " + stamp + "\n"
		if strings.HasSuffix(c2.file, ".js") {
			comment = "\n// change " + stamp + "\n"
		}
		appendFile(t, filepath.Join(app, c2.file), []byte(comment))
		steps := solveBusybox(t, c, app, busybox, "main", "")
		t.Logf("%s change: %s", c2.change, steps)
		for _, s := range c2.reran {
			if steps[s] == nil || steps[s].executed == 0 {
				t.Errorf("%s change: stage %s ran no step: %+v", c2.change, s, steps[s])
			}
		}
		for _, s := range c2.not {
			if steps[s] != nil && steps[s].executed > 0 {
				t.Errorf("%s change: stage %s ran %d steps, want all cached", c2.change, s, steps[s].executed)
			}
		}
	}
}

func appendFile(t *testing.T, p string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}
