package buildcache

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/grpc"
)

// fakeAuth answers the session's credential requests with one login.
type fakeAuth struct {
	auth.UnimplementedAuthServer
	user, secret string
	mu           sync.Mutex
	hosts        []string
}

func (f *fakeAuth) Register(*grpc.Server) {}

func (f *fakeAuth) Credentials(_ context.Context, req *auth.CredentialsRequest) (*auth.CredentialsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hosts = append(f.hosts, req.Host)
	return &auth.CredentialsResponse{Username: f.user, Secret: f.secret}, nil
}

// TestLookupEntries reads registry entries with the session's credentials
// from a registry that wants them, and local entries from disk.
func TestLookupEntries(t *testing.T) {
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.buildkit.cacheconfig.v0","digest":"sha256:` + strings.Repeat("c", 64) + `","size":1},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:` + strings.Repeat("a", 64) + `","size":1}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/v2/" {
			return
		}
		if r.URL.Path == "/v2/team/app/manifests/cache-bundle" {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write([]byte(manifest))
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	reg := func(stage string) client.CacheOptionsEntry {
		return client.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{"ref": host + "/team/app:cache-" + stage}}
	}
	entries := []client.CacheOptionsEntry{
		reg("bundle"), reg("npm"),
		{Type: "local", Attrs: map[string]string{"dest": t.TempDir() + "/bundle"}},
		{Type: "gha", Attrs: map[string]string{"scope": "bundle"}},
	}
	for _, tc := range []struct {
		name  string
		login *fakeAuth
		want  string
	}{
		{"the session's login", &fakeAuth{user: "ci", secret: "s3cret"}, "1 0 0 0"},
		{"a wrong login", &fakeAuth{user: "ci", secret: "nope"}, "0 0 0 0"},
		{"no login", &fakeAuth{}, "0 0 0 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &builder{session: []session.Attachable{tc.login}}
			got, digests := b.lookupEntries(context.Background(), entries)
			if want := digest.FromString(manifest); got[0] != nil && digests[entries[0].Attrs["ref"]] != want {
				t.Errorf("bundle's manifest digest %q, want %s", digests[entries[0].Attrs["ref"]], want)
			}
			var counts []string
			for _, e := range got {
				counts = append(counts, strconv.Itoa(len(e)))
			}
			if strings.Join(counts, " ") != tc.want {
				t.Errorf("blobs per entry: %v, want %s", counts, tc.want)
			}
			if got[0] != nil && !got[0]["sha256:"+strings.Repeat("a", 64)] {
				t.Errorf("bundle's entry: %v; want its layer", got[0])
			}
			if len(tc.login.hosts) == 0 || tc.login.hosts[0] != host {
				t.Errorf("credentials asked for %v, want %s", tc.login.hosts, host)
			}
		})
	}
	// Docker Hub's credentials are asked for under the name BuildKit uses
	login := &fakeAuth{}
	(&builder{session: []session.Attachable{login}}).sessionAuth(context.Background(), "index.docker.io")
	if len(login.hosts) != 1 || login.hosts[0] != "registry-1.docker.io" {
		t.Errorf("Docker Hub credentials asked for %v", login.hosts)
	}
}

// TestEntryCovers: a stage's entry may wait only when the target's entry
// names every blob of it.
func TestEntryCovers(t *testing.T) {
	target := parseEntryManifest([]byte(`{"layers":[{"digest":"a"},{"digest":"b"},{"digest":"c"}]}`))
	for _, tc := range []struct {
		stage entryBlobs
		want  bool
	}{
		{parseEntryManifest([]byte(`{"layers":[{"digest":"a"},{"digest":"b"}]}`)), true},
		{parseEntryManifest([]byte(`{"manifests":[{"digest":"a"}]}`)), true},
		{parseEntryManifest([]byte(`{"layers":[{"digest":"a"},{"digest":"d"}]}`)), false}, // the stage changed since
		{parseEntryManifest([]byte(`not json`)), false},
		{nil, false},
	} {
		if got := target.covers(tc.stage); got != tc.want {
			t.Errorf("covers(%v) = %v, want %v", tc.stage, got, tc.want)
		}
	}
	if entryBlobs(nil).covers(target) {
		t.Error("a missing target entry covers nothing")
	}
}

// TestRanStages: only a step that starts unmarked as cached, with inputs,
// counts as run; a cache hit, a source (FROM an image) and the pull of a
// cached step's lazy layers do not.
func TestRanStages(t *testing.T) {
	now := time.Now()
	in := []digest.Digest{"sha256:" + digest.Digest(strings.Repeat("1", 64))}
	st := &client.SolveStatus{Vertexes: []*client.Vertex{
		{Name: "[bundle 2/2] RUN bundle install", Inputs: in, Started: &now, Cached: true},
		{Name: "[bundle 2/2] RUN bundle install", Started: &now},                  // a lazy layer's pull
		{Name: "[base 1/6] FROM docker.io/library/ruby:3.3", Started: &now},       // a source
		{Name: "[npm 1/2] COPY package.json yarn.lock ./", Inputs: in},            // not started yet
		{Name: "[assets 1/4] COPY . .", Inputs: in, Started: &now},                // runs
		{Name: "[internal] load build context", Inputs: in, Started: &now},        // not a step
		{Name: "[main 2/5] COPY . .", Inputs: in, Started: &now, Completed: &now}, // ran
	}}
	if got := strings.Join(ranStages(st), ","); got != "assets,main" {
		t.Errorf("ranStages: %s, want assets,main", got)
	}
}

// TestWaitable: a stage's solve waits only when the target's entry covers
// the stage's entry; never the target's, never without the target's entry,
// never with --no-cache.
func TestWaitable(t *testing.T) {
	store := t.TempDir()
	job := func(stage string, final bool) solveJob {
		return solveJob{final: final, exports: []client.CacheOptionsEntry{{Type: "local", Attrs: map[string]string{"dest": filepath.Join(store, stage)}}}}
	}
	jobs := []solveJob{job("base", false), job("bundle", false), job("npm", false), job("assets", false), job("main", true)}
	layer := func(s string) ocispecs.Descriptor {
		return writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte(s))
	}
	entry := func(stage string, layers ...string) {
		var ds []ocispecs.Descriptor
		for _, l := range layers {
			ds = append(ds, layer(l))
		}
		writeEntry(t, store, filepath.Join(store, stage), ds...)
	}
	entry("base", "l1")
	entry("bundle", "l1", "l2-new") // a build of another target changed it
	entry("assets", "l1", "l3")
	// npm's entry is missing
	b := &builder{localStore: store}
	got := func(opts BuildOptions) string {
		b.opts = opts
		var out []string
		waits, _ := b.waitable(context.Background(), jobs)
		for _, w := range waits {
			out = append(out, strconv.FormatBool(w))
		}
		return strings.Join(out, " ")
	}
	if g := got(BuildOptions{}); g != "false false false false false" {
		t.Errorf("without the target's entry: %s", g)
	}
	entry("main", "l1", "l2-old", "l3", "l4")
	if g := got(BuildOptions{}); g != "true false false true false" {
		t.Errorf("waitable: %s, want base and assets only", g)
	}
	if g := got(BuildOptions{NoCache: true}); g != "false false false false false" {
		t.Errorf("with no-cache: %s", g)
	}
}

// TestTagRegistryEntry: a stage's registry entry becomes a copy of the
// target's manifest, read by digest: the same manifest with an annotation
// naming the target's, so a manifest of its own (a registry deletes a
// manifest with all its tags), PUT under the stage's tag with the session's
// credentials; its lookup then gives the target's digest as its version.
func TestTagRegistryEntry(t *testing.T) {
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.buildkit.cacheconfig.v0","digest":"sha256:` + strings.Repeat("c", 64) + `","size":1},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:` + strings.Repeat("a", 64) + `","size":1}],` +
		`"annotations":{"buildkit":"kept"}}`
	dg := digest.FromString(manifest)
	var mu sync.Mutex
	tags := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ref, isManifest := strings.CutPrefix(r.URL.Path, "/v2/team/app/manifests/")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/v2/":
		case isManifest && r.Method == "PUT":
			if ct := r.Header.Get("Content-Type"); ct != "application/vnd.oci.image.manifest.v1+json" {
				t.Errorf("PUT with content type %s", ct)
			}
			tags[ref], _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusCreated)
		case isManifest && (r.Method == "GET" || r.Method == "HEAD"):
			body := tags[ref]
			if ref == dg.String() {
				body = []byte(manifest)
			}
			if body == nil {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Docker-Content-Digest", digest.FromBytes(body).String())
			w.Write(body)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	b := &builder{session: []session.Attachable{&fakeAuth{user: "ci", secret: "s3cret"}}}
	if err := b.tagRegistryEntry(context.Background(), host+"/team/app:cache-assets", dg); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Layers      []ocispecs.Descriptor
		Annotations map[string]string
	}
	if err := json.Unmarshal(tags["cache-assets"], &got); err != nil {
		t.Fatalf("%v: %s", err, tags["cache-assets"])
	}
	if digest.FromBytes(tags["cache-assets"]) == dg || got.Annotations[copyOfAnnotation] != dg.String() || got.Annotations[copyTagAnnotation] != "cache-assets" ||
		got.Annotations["buildkit"] != "kept" || len(got.Layers) != 1 {
		t.Errorf("cache-assets is %s; want the target's manifest, a copy of %s", tags["cache-assets"], dg)
	}
	blobs, version := b.registryEntryBlobs(context.Background(), host+"/team/app:cache-assets")
	if version != dg || !blobs["sha256:"+strings.Repeat("a", 64)] {
		t.Errorf("lookup of the copy: version %s, blobs %v; want %s and the target's layer", version, blobs, dg)
	}
	if err := b.tagRegistryEntry(context.Background(), host+"/team/app:cache-npm", digest.FromString("not there")); err == nil {
		t.Error("a manifest the registry does not have was copied")
	}
}
