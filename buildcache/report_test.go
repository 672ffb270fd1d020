package buildcache

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

func TestParseStepName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stage string
		step  int
		ok    bool
	}{
		{"[bundle 2/3] RUN bundle install", "bundle", 2, true},
		{"[linux/amd64 bundle 2/3] RUN bundle install", "bundle", 2, true},
		{"[linux/amd64->arm64 npm 1/4] COPY package.json ./", "npm", 1, true},
		{"[stage-0  3/12] RUN make", "stage-0", 3, true},
		{"[ 1/12] FROM docker.io/library/alpine", "", 1, true},
		{"[1/2] COPY . .", "", 1, true},
		// look-alikes that are not stage steps
		{"[internal] load build definition from Dockerfile", "", 0, false},
		{"[context extra] load .dockerignore", "", 0, false},
		{"exporting cache to client directory", "", 0, false},
		{"importing cache manifest from 127.0.0.1:5000/app:cache-npm", "", 0, false},
		{"[auth] library/alpine:pull token for registry-1.docker.io", "", 0, false},
	} {
		stage, step, ok := parseStepName(tc.name)
		if stage != tc.stage || step != tc.step || ok != tc.ok {
			t.Errorf("parseStepName(%q) = %q, %d, %v; want %q, %d, %v", tc.name, stage, step, ok, tc.stage, tc.step, tc.ok)
		}
	}
}

func at(sec int) *time.Time {
	t := time.Date(2026, 1, 1, 0, 0, sec, 0, time.UTC)
	return &t
}

func vtx(name string, cached bool, start, end int, errMsg string) *client.Vertex {
	v := &client.Vertex{Digest: digest.FromString(name), Name: name, Cached: cached, Started: at(start), Error: errMsg}
	if end >= 0 {
		v.Completed = at(end)
	}
	return v
}

// TestCollectorAcrossSolves: a step executed in one solve and cached in a
// later one counts as executed; a step cached in the only solve that saw it
// counts as cached, even when an earlier status of that solve did not say so.
func TestCollectorAcrossSolves(t *testing.T) {
	c := newCollector()
	c.addSolve("s1", "bundle", []importEntry{{typ: "registry", desc: "registry:r:cache-bundle", vertex: "importing cache manifest from r:cache-bundle", present: true}})
	c.addSolve("s2", "main", []importEntry{{typ: "registry", desc: "registry:r:cache-bundle", vertex: "importing cache manifest from r:cache-bundle", present: true}})
	c.add("s1", &client.SolveStatus{Vertexes: []*client.Vertex{
		vtx("importing cache manifest from r:cache-bundle", false, 0, 1, ""),
		vtx("[base 1/1] COPY busybox /bin/busybox", false, 1, -1, ""), // started...
		vtx("[bundle 1/2] COPY Gemfile Gemfile.lock ./", false, 1, 2, ""),
		vtx("[bundle 2/2] RUN bundle install", false, 2, 9, ""),
	}})
	c.add("s1", &client.SolveStatus{Vertexes: []*client.Vertex{
		vtx("[base 1/1] COPY busybox /bin/busybox", true, 1, 1, ""), // ...then cached
		vtx("exporting cache to registry", false, 9, 10, "connection refused"),
	}})
	c.add("s2", &client.SolveStatus{Vertexes: []*client.Vertex{
		vtx("importing cache manifest from r:cache-bundle", false, 10, 11, ""),
		vtx("[base 1/1] COPY busybox /bin/busybox", true, 11, 11, ""),
		vtx("[bundle 1/2] COPY Gemfile Gemfile.lock ./", true, 11, 11, ""),
		vtx("[bundle 2/2] RUN bundle install", true, 11, 11, ""),
		vtx("[main 1/2] COPY . .", false, 11, 12, ""),
		vtx("[main 2/2] RUN false", false, 12, 13, "process did not complete successfully: exit code: 1"),
	}, Warnings: []*client.VertexWarning{{Short: []byte("FromAsCasing: 'as' and 'FROM' keywords' casing do not match")}}})
	r := c.report([]stageInfo{
		{name: "base", label: "base", solve: "s1"},
		{name: "bundle", label: "bundle", deps: []string{"base"}, solve: "s1", cacheTo: "registry:r:cache-bundle"},
		{name: "main", label: "main", deps: []string{"bundle"}, solve: "s2"},
	})
	want := map[string][4]int{ // steps, cached, executed
		"base":   {1, 1, 0},
		"bundle": {2, 0, 2},
		"main":   {2, 0, 2},
	}
	for name, w := range want {
		s := r.Stage(name)
		if s == nil {
			t.Fatalf("no stage %s", name)
		}
		if got := [4]int{s.Steps, s.Cached, s.Executed}; got != w {
			t.Errorf("%s: steps/cached/executed = %v, want %v", name, got[:3], w[:3])
		}
	}
	if got := r.Stage("base"); got.Result != "hit" || got.CacheSource != "import" || len(got.CacheFrom) != 1 {
		t.Errorf("base: result %s, source %s %v", got.Result, got.CacheSource, got.CacheFrom)
	}
	if got := r.Stage("bundle"); got.Result != "miss" || got.Seconds != 8 {
		t.Errorf("bundle: result %s, %.1fs; want miss, 8s", got.Result, got.Seconds)
	}
	if got := r.Stage("main"); got.Result != "failed" {
		t.Errorf("main: result %s, want failed", got.Result)
	}
	if r.Steps != 5 || r.Cached != 1 || r.Executed != 4 {
		t.Errorf("totals %d/%d/%d", r.Steps, r.Cached, r.Executed)
	}
	if r.CacheWarnings() != 1 || r.Warnings[0].Kind != WarnCacheExport || r.Warnings[0].Stage != "bundle" {
		t.Errorf("warnings: %+v", r.Warnings)
	}
	if len(r.Warnings) != 2 || r.Warnings[1].Kind != WarnDockerfile {
		t.Errorf("dockerfile warning missing: %+v", r.Warnings)
	}
}

// TestCollectorCanceledStep: a step that an interrupt (or another solve's
// failure) canceled did not finish, and counts as neither cached nor
// executed, as StageReport says.
func TestCollectorCanceledStep(t *testing.T) {
	c := newCollector()
	c.addSolve("s1", "slow", nil)
	c.add("s1", &client.SolveStatus{Vertexes: []*client.Vertex{
		vtx("[base 1/1] COPY busybox /bin/busybox", true, 0, 0, ""),
		vtx("[slow 1/1] RUN sleep 120", false, 0, -1, ""),
	}})
	c.add("s1", &client.SolveStatus{Vertexes: []*client.Vertex{
		vtx("[slow 1/1] RUN sleep 120", false, 0, 3, "context canceled: context canceled"),
	}})
	r := c.report([]stageInfo{{name: "base", label: "base", solve: "s1"}, {name: "slow", label: "slow", deps: []string{"base"}, solve: "s1"}})
	if s := r.Stage("slow"); s.Steps != 1 || s.Cached != 0 || s.Executed != 0 || s.Details[0].Executed {
		t.Errorf("slow: %d steps, %d cached, %d executed (%+v), want the canceled step in neither", s.Steps, s.Cached, s.Executed, s.Details)
	}
	if r.Executed != 0 || r.Cached != 1 {
		t.Errorf("totals: %d cached, %d executed; want 1, 0", r.Cached, r.Executed)
	}
}

// TestCollectorDockerfileWarningOnce: every solve of a build loads the
// Dockerfile, each in a vertex of its own, and BuildKit's linter warns about
// it in each; the report says each warning once, in the first solve's stage.
func TestCollectorDockerfileWarningOnce(t *testing.T) {
	c := newCollector()
	lint := []byte("StageNameCasing: Stage name 'Base' should be lowercase (line 1)")
	for i, stage := range []string{"base", "deps", "main"} {
		id := "s" + stage
		c.addSolve(id, stage, nil)
		load := digest.FromString(fmt.Sprintf("load build definition %d", i))
		c.add(id, &client.SolveStatus{Warnings: []*client.VertexWarning{{Vertex: load, Short: lint}}})
		c.add(id, &client.SolveStatus{Warnings: []*client.VertexWarning{{Vertex: load, Short: lint}}})
	}
	r := c.report(nil)
	if len(r.Warnings) != 1 || r.Warnings[0].Stage != "base" || r.Warnings[0].Kind != WarnDockerfile {
		t.Errorf("warnings %+v, want the lint warning once, of base", r.Warnings)
	}
}

// TestCollectorImportNotFound: importing an entry that does not exist yet
// (a cold cache) is no warning; any other import failure is.
func TestCollectorImportNotFound(t *testing.T) {
	c := newCollector()
	c.addSolve("s1", "npm", []importEntry{
		{typ: "registry", desc: "registry:r:cache-npm", vertex: "importing cache manifest from r:cache-npm", present: true},
		{typ: "registry", desc: "registry:r:cache-base", vertex: "importing cache manifest from r:cache-base", present: true},
	})
	c.add("s1", &client.SolveStatus{Vertexes: []*client.Vertex{
		vtx("importing cache manifest from r:cache-npm", false, 0, 1, "r:cache-npm: not found"),
		vtx("importing cache manifest from r:cache-base", false, 0, 1, "dial tcp 127.0.0.1:1: connect: connection refused"),
		vtx("[npm 1/1] RUN yarn", true, 1, 1, ""),
	}})
	r := c.report([]stageInfo{{name: "npm", label: "npm", solve: "s1"}})
	if r.CacheWarnings() != 1 || !strings.Contains(r.Warnings[0].Message, "cache-base") {
		t.Errorf("warnings %+v, want one for cache-base", r.Warnings)
	}
	if s := r.Stage("npm"); s.CacheSource != "builder" {
		t.Errorf("cache source %q, want builder (no import loaded)", s.CacheSource)
	}
}

func TestReportOutputs(t *testing.T) {
	r := &Report{Version: ReportVersion, Target: "main", Stages: []*StageReport{
		{Name: "base", Steps: 2, Cached: 2, Result: "hit", CacheSource: "import", CacheFrom: []string{"local:/c/base"}, EntryKept: true},
		{Name: "npm", Deps: []string{"base"}, Steps: 2, Executed: 2, Result: "miss", CacheSource: "none", EntryFromTarget: true},
		{Name: "main", Deps: []string{"base", "npm"}, Steps: 3, Cached: 1, Executed: 2, Result: "partial", CacheSource: "builder"},
	}, Steps: 7, Cached: 3, Executed: 4, Warnings: []Warning{{Kind: WarnCacheExport, Stage: "npm", Message: "exporting cache to registry: refused"}}}
	md := r.Markdown()
	for _, want := range []string{"```mermaid", "s0[\"base<br/>2/2 cached\"]:::hit", "s1 --> s2", "s0 --> s1", "classDef miss", "| npm | 2 | 0 | 2 |", ":warning: cache-export"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"STAGE", "import (base)", "warning: cache-export (npm)", "cache entries kept as they were (none of their steps ran): base\n",
		"cache entries that took the target's new entry, which holds their steps: npm\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := r.WriteJSON(&b); err != nil || !strings.Contains(b.String(), `"cache_source": "import"`) || strings.Count(b.String(), `"entry_kept": true`) != 1 ||
		strings.Count(b.String(), `"entry_from_target": true`) != 1 {
		t.Errorf("json: %v\n%s", err, b.String())
	}

	dir := t.TempDir()
	env := map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md")}
	b.Reset()
	if err := r.Publish(&b, filepath.Join(dir, "report.json"), func(k string) string { return env[k] }); err != nil || !strings.Contains(b.String(), "STAGE") {
		t.Fatalf("publish: %v\n%s", err, b.String())
	}
	if js, _ := os.ReadFile(filepath.Join(dir, "report.json")); !strings.Contains(string(js), `"cache_source": "import"`) {
		t.Errorf("published json: %s", js)
	}
	if md, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"]); !strings.Contains(string(md), r.Markdown()) {
		t.Errorf("job summary: %s", md)
	}
	env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "no", "summary.md")
	b.Reset()
	if err := r.Publish(&b, "", func(k string) string { return env[k] }); err != nil || !strings.Contains(b.String(), "gantry: warning: job summary:") {
		t.Errorf("an unwritable summary is a warning: %v\n%s", err, b.String())
	}
	for _, res := range []*BuildResult{nil, {}} {
		b.Reset()
		if err := res.Publish(&b, filepath.Join(dir, "none.json"), func(k string) string { return env[k] }); err != nil || b.Len() != 0 {
			t.Errorf("a build without a report publishes nothing: %v\n%s", err, b.String())
		}
	}
	b.Reset()
	if err := (&BuildResult{Report: r}).Publish(&b, "", func(string) string { return "" }); err != nil || !strings.Contains(b.String(), "STAGE") {
		t.Errorf("a build's report: %v\n%s", err, b.String())
	}
}

// TestIsNotFound: a cold cache is no warning, but a failure whose message
// quotes an address with "404" or "not found" in it is one. (A closed
// registry on port 40412 once counted as a cold cache, so the report missed
// every failed import of that build.)
func TestIsNotFound(t *testing.T) {
	for _, tc := range []struct {
		err  string
		want bool
	}{
		{"failed to configure registry cache importer: 127.0.0.1:5000/gantry/app:cache-npm: not found", true},
		{"failed to configure registry cache importer: unexpected status from HEAD request to http://r/v2/app/manifests/cache-npm: 404 Not Found", true},
		{"failed to configure registry cache importer: GET http://r/v2/app/manifests/cache-npm: MANIFEST_UNKNOWN: manifest unknown", true},
		{`failed to configure registry cache importer: failed to do request: Head "http://127.0.0.1:40412/v2/gantry/app/manifests/cache-assets": dial tcp 127.0.0.1:40412: connect: connection refused`, false},
		{`failed to configure registry cache importer: failed to do request: Head "http://127.0.0.1:34045/v2/not-found/app/manifests/cache-main": dial tcp 127.0.0.1:34045: connect: connection refused`, false},
		{"failed to configure registry cache importer: unexpected status from HEAD request to http://r/v2/app/manifests/cache-npm: 401 Unauthorized", false},
	} {
		if got := isNotFound(tc.err); got != tc.want {
			t.Errorf("isNotFound(%q) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
