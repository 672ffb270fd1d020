package buildcache_test

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
)

// fakeActionsCache is GitHub Actions' cache service v2, as BuildKit's gha
// cache (through tonistiigi/go-actions-cache) speaks it: three twirp calls
// of github.actions.results.api.v1.CacheService, and Azure block blobs at
// the signed URLs they hand out. It checks the bearer token of every call.
type fakeActionsCache struct {
	t     testing.TB
	url   string
	token string

	mu      sync.Mutex
	entries map[string]*cacheEntry // by key
	order   []string               // keys in the order they were created
	blocks  map[string]map[string][]byte
}

type cacheEntry struct {
	key, version string
	data         []byte
	committed    bool
}

func startActionsCache(t testing.TB) *fakeActionsCache {
	f := &fakeActionsCache{t: t, entries: map[string]*cacheEntry{}, blocks: map[string]map[string][]byte{}}
	f.token = fakeRuntimeToken()
	mux := http.NewServeMux()
	const svc = "/twirp/github.actions.results.api.v1.CacheService/"
	mux.HandleFunc("POST "+svc+"CreateCacheEntry", f.twirp(f.create))
	mux.HandleFunc("POST "+svc+"FinalizeCacheEntryUpload", f.twirp(f.finalize))
	mux.HandleFunc("POST "+svc+"GetCacheEntryDownloadURL", f.twirp(f.download))
	mux.HandleFunc("/blob/", f.blob)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// fakeRuntimeToken is an ACTIONS_RUNTIME_TOKEN: a JWT (unsigned: the client
// reads its claims without verifying) whose "ac" claim grants read and
// write on the branch's scope.
func fakeRuntimeToken() string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now().Unix()
	return enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." +
		enc(map[string]any{"ac": `[{"Scope":"refs/heads/main","Permission":3}]`, "nbf": now - 60, "exp": now + 3600}) +
		"." + base64.RawURLEncoding.EncodeToString([]byte("signature"))
}

type twirpError struct {
	status int
	code   string
	msg    string
}

// twirp decodes a JSON request, checks the token and encodes the answer.
func (f *fakeActionsCache) twirp(h func(req map[string]any) (any, *twirpError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			f.t.Errorf("%s: authorization %q, want the runtime token", r.URL.Path, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			f.t.Errorf("%s: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		resp, terr := h(req)
		w.Header().Set("Content-Type", "application/json")
		if terr != nil {
			w.WriteHeader(terr.status)
			json.NewEncoder(w).Encode(map[string]string{"code": terr.code, "msg": terr.msg})
			return
		}
		json.NewEncoder(w).Encode(resp)
	}
}

func str(req map[string]any, k string) string {
	s, _ := req[k].(string)
	return s
}

func (f *fakeActionsCache) create(req map[string]any) (any, *twirpError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := str(req, "key")
	if key == "" || str(req, "version") == "" {
		return nil, &twirpError{400, "invalid_argument", "key and version are required"}
	}
	if _, ok := f.entries[key]; ok {
		return nil, &twirpError{409, "already_exists", "cache entry with the same key, version, and scope already exists"}
	}
	f.entries[key] = &cacheEntry{key: key, version: str(req, "version")}
	f.order = append(f.order, key)
	return map[string]any{"ok": true, "signed_upload_url": f.url + "/blob/" + url.PathEscape(key)}, nil
}

func (f *fakeActionsCache) finalize(req map[string]any) (any, *twirpError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.entries[str(req, "key")]
	if e == nil || e.version != str(req, "version") {
		return nil, &twirpError{404, "not_found", "no reserved entry"}
	}
	size, _ := req["size_bytes"].(float64)
	if int(size) != len(e.data) {
		f.t.Errorf("finalize %s: size %d, uploaded %d bytes", e.key, int(size), len(e.data))
	}
	e.committed = true
	return map[string]any{"ok": true, "entry_id": strconv.Itoa(len(f.order))}, nil
}

// download matches the key exactly, then the restore keys as prefixes,
// newest entry first, as the service does.
func (f *fakeActionsCache) download(req map[string]any) (any, *twirpError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := []string{str(req, "key")}
	if rk, ok := req["restore_keys"].([]any); ok {
		for _, k := range rk {
			keys = append(keys, fmt.Sprint(k))
		}
	}
	if e := f.entries[keys[0]]; e != nil && e.committed {
		return map[string]any{"ok": true, "signed_download_url": f.url + "/blob/" + url.PathEscape(e.key), "matched_key": e.key}, nil
	}
	for _, prefix := range keys {
		for i := len(f.order) - 1; i >= 0; i-- {
			if e := f.entries[f.order[i]]; e.committed && strings.HasPrefix(e.key, prefix) {
				return map[string]any{"ok": true, "signed_download_url": f.url + "/blob/" + url.PathEscape(e.key), "matched_key": e.key}, nil
			}
		}
	}
	return map[string]any{"ok": false}, nil
}

// blob serves Azure's Put Block, Put Block List, Put Blob and Get Blob.
func (f *fakeActionsCache) blob(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/blob/")
	w.Header().Set("x-ms-request-id", "gantry-test")
	w.Header().Set("x-ms-version", "2023-11-03")
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.entries[key]
	if e == nil {
		http.Error(w, "BlobNotFound", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && q.Get("comp") == "block":
		b, _ := io.ReadAll(r.Body)
		if f.blocks[key] == nil {
			f.blocks[key] = map[string][]byte{}
		}
		f.blocks[key][q.Get("blockid")] = b
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPut && q.Get("comp") == "blocklist":
		var list struct {
			Latest      []string `xml:"Latest"`
			Committed   []string `xml:"Committed"`
			Uncommitted []string `xml:"Uncommitted"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&list); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var data []byte
		for _, id := range append(append(list.Latest, list.Committed...), list.Uncommitted...) {
			b, ok := f.blocks[key][id]
			if !ok {
				http.Error(w, "InvalidBlockList", http.StatusBadRequest)
				return
			}
			data = append(data, b...)
		}
		e.data = data
		delete(f.blocks, key)
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPut:
		e.data, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodGet:
		data := e.data
		rng := r.Header.Get("x-ms-range")
		if rng == "" {
			rng = r.Header.Get("Range")
		}
		status := http.StatusOK
		if from, ok := strings.CutPrefix(rng, "bytes="); ok {
			start, _ := strconv.Atoi(strings.TrimSuffix(from, "-"))
			if strings.Contains(strings.TrimSuffix(from, "-"), "-") {
				s, end, _ := strings.Cut(from, "-")
				start, _ = strconv.Atoi(s)
				if n, err := strconv.Atoi(end); err == nil && n+1 < len(data) {
					data = data[:n+1]
				}
			}
			if start > len(data) {
				start = len(data)
			}
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(e.data)-1, len(e.data)))
			data = data[start:]
			status = http.StatusPartialContent
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set("x-ms-blob-type", "BlockBlob")
		w.WriteHeader(status)
		w.Write(data)
	default:
		http.Error(w, "unsupported", http.StatusMethodNotAllowed)
	}
}

// uploaded returns the bytes committed to the service since entry n of
// f.order, and how many blob and index entries they are.
func (f *fakeActionsCache) uploaded(n int) (bytes, blobs, indexes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.order[n:] {
		if e := f.entries[k]; e.committed {
			bytes += len(e.data)
			if strings.HasPrefix(k, "index-") {
				indexes++
			} else {
				blobs++
			}
		}
	}
	return bytes, blobs, indexes
}

// TestGHACacheRoundTrip builds with per-stage caches in a fake of GitHub
// Actions' cache service v2, with the runner's ACTIONS_* variables: a cold
// build exports one entry per stage, and after a code change a fresh daemon
// that has nothing but the service re-runs no step of bundle or npm.
func TestGHACacheRoundTrip(t *testing.T) {
	svc := buildkittest.Get(t)
	f := startActionsCache(t)
	env := map[string]string{
		"ACTIONS_RESULTS_URL":      f.url + "/",
		"ACTIONS_RUNTIME_TOKEN":    f.token,
		"ACTIONS_CACHE_SERVICE_V2": "True",
	}
	withEnv := func(o *buildcache.BuildOptions) { o.Getenv = func(k string) string { return env[k] } }
	cache := "type=gha,scope=app"
	a := newApp(t, svc)

	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	cold := a.build(t, d.Addr, cache, withEnv)
	d.Stop()
	// blobs are keyed by digest, not by scope: the stages' entries share
	// them, and a build uploads each new blob once
	coldBytes, coldBlobs, coldIndexes := f.uploaded(0)
	t.Logf("cold build: uploaded %d bytes, %d blobs and %d indexes\n%s", coldBytes, coldBlobs, coldIndexes, table(cold))
	if n := cold.CacheWarnings(); n != 0 || cold.Executed == 0 {
		t.Fatalf("cold build: %d executed steps, cache warnings %v", cold.Executed, cold.Warnings)
	}
	f.mu.Lock()
	var indexes []string
	for _, k := range f.order {
		if strings.HasPrefix(k, "index-") && f.entries[k].committed {
			indexes = append(indexes, k)
		}
	}
	f.mu.Unlock()
	for _, stage := range []string{"bundle", "npm", "assets", "main"} {
		found := false
		for _, k := range indexes {
			found = found || strings.HasPrefix(k, "index-app-"+stage+"-")
		}
		if !found {
			t.Errorf("no index entry of scope app-%s; indexes %v", stage, indexes)
		}
	}

	if t.Failed() {
		t.FailNow()
	}
	a.apply(t, changeCode, 0)
	before := len(f.order)
	d = buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache, withEnv)
	upBytes, upBlobs, upIndexes := f.uploaded(before)
	t.Logf("code change on a fresh daemon: uploaded %d bytes, %d blobs and %d indexes\n%s", upBytes, upBlobs, upIndexes, table(r))
	if upBytes >= coldBytes {
		t.Errorf("a code change uploaded %d bytes, the cold build %d: the entries do not share the blobs that did not change", upBytes, coldBytes)
	}
	if n := r.CacheWarnings(); n != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	wantCachedFromImport(t, r, "bundle", "npm")
}

// TestGHACacheWithoutRunnerEnv builds with --cache type=gha where the
// runner's ACTIONS_* variables are not set (a laptop, or a workflow's run:
// step): the build succeeds without the cache, with a cache warning that
// names what is missing (exit 5), where BuildKit would fail every solve.
func TestGHACacheWithoutRunnerEnv(t *testing.T) {
	svc := buildkittest.Get(t)
	a := newApp(t, svc)
	r := a.build(t, svc.Addr, "type=gha,scope=app")
	if r.CacheWarnings() != 1 || !strings.Contains(r.Warnings[0].Message, "ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL not set") {
		t.Errorf("warnings %+v, want one that names ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL", r.Warnings)
	}
	for _, s := range r.Stages {
		if s.CacheTo != "" || len(s.CacheFrom) > 0 {
			t.Errorf("stage %s imported %v and exported %q", s.Name, s.CacheFrom, s.CacheTo)
		}
	}
}
