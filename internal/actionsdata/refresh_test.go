package actionsdata

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/lint"
)

// fakeAPI answers the two GitHub REST calls Refresh makes, checks their
// method, path, token and ref, and records what was asked.
type fakeAPI struct {
	t        *testing.T
	releases map[string]string            // owner/repo -> latest tag
	actions  map[string]map[string]string // owner/repo -> ref -> action.yml
	mu       sync.Mutex
	asked    []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.asked = append(f.asked, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	if r.Method != http.MethodGet {
		f.t.Errorf("unexpected method %s %s", r.Method, r.URL)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer t0ken" {
		f.t.Errorf("%s: Authorization %q", r.URL, got)
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v3/repos/"), "/")
	if len(parts) < 3 {
		http.NotFound(w, r)
		return
	}
	repo := parts[0] + "/" + parts[1]
	switch {
	case len(parts) == 4 && parts[2] == "releases" && parts[3] == "latest":
		tag, ok := f.releases[repo]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"tag_name": tag})
	case len(parts) == 4 && parts[2] == "contents":
		ref := r.URL.Query().Get("ref")
		src, ok := f.actions[repo][ref]
		if !ok || parts[3] != "action.yml" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Not Found"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "file", "encoding": "base64", "name": "action.yml",
			"content": base64.StdEncoding.EncodeToString([]byte(src))})
	default:
		f.t.Errorf("unexpected request %s", r.URL)
		http.NotFound(w, r)
	}
}

func TestRefresh(t *testing.T) {
	node := func(v string) string { return "name: x\nruns:\n  using: '" + v + "'\n  main: index.js\n" }
	api := &fakeAPI{t: t,
		releases: map[string]string{"actions/checkout": "v8.0.1", "acme/sub-actions": "v3"},
		actions: map[string]map[string]string{
			"actions/checkout": {"v1": node("node12"), "v2": node("node12"), "v3": node("node16"),
				"v4": node("node20"), "v5": node("node24"), "v6": node("node24"), "v7": node("node24"), "v8": node("node24")},
		},
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c, err := actions.NewClient(srv.URL+"/api/v3", "t0ken", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	broken := &lint.BrokenMajors{Below: "v2", Since: "2025-01-30", Reason: "a service rejects it"}
	in := &lint.ActionData{Checked: "2026-01-01", Source: "s",
		RemovedRuntimes: map[string]string{"node12": "gone", "node16": "gone"},
		Actions: map[string]lint.ActionRelease{
			"actions/checkout": {Current: "v7", RuntimeRemoved: []string{"v1"}, Broken: broken},
			// no action.yml at the root: the old runtime data is kept
			"acme/sub-actions": {Current: "v2", RuntimeRemoved: []string{"v1", "v9"}},
		}}
	out, err := Refresh(context.Background(), c, in, "2026-12-03")
	if err != nil {
		t.Fatal(err)
	}
	want := &lint.ActionData{Checked: "2026-12-03", Source: "s", RemovedRuntimes: in.RemovedRuntimes,
		Actions: map[string]lint.ActionRelease{
			"actions/checkout": {Current: "v8", RuntimeRemoved: []string{"v1", "v2", "v3"}, Broken: broken},
			"acme/sub-actions": {Current: "v3", RuntimeRemoved: []string{"v1"}},
		}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("have %+v\nwant %+v", out, want)
	}
	if in.Checked != "2026-01-01" || in.Actions["actions/checkout"].Current != "v7" {
		t.Error("Refresh changed its input")
	}
	if !slices.Contains(api.asked, "GET /api/v3/repos/actions/checkout/contents/action.yml?ref=v3") ||
		!slices.Contains(api.asked, "GET /api/v3/repos/acme/sub-actions/contents/action.yaml?ref=v1") {
		t.Errorf("requests:\n%s", strings.Join(api.asked, "\n"))
	}
}

func TestRefreshFailsWithoutARelease(t *testing.T) {
	srv := httptest.NewServer(&fakeAPI{t: t})
	defer srv.Close()
	c, err := actions.NewClient(srv.URL+"/api/v3", "t0ken", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	in := &lint.ActionData{Actions: map[string]lint.ActionRelease{"acme/gone": {Current: "v1"}}}
	if _, err := Refresh(context.Background(), c, in, "2026-12-03"); err == nil || !strings.Contains(err.Error(), "acme/gone: latest release") {
		t.Errorf("want an error naming the action, have %v", err)
	}
}

// TestTableEncoding checks that lint/data/actions.json is in the form
// Encode writes, so that a refresh changes only what it refreshed.
func TestTableEncoding(t *testing.T) {
	path := filepath.Join("..", "..", "lint", "data", "actions.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d lint.ActionData
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	out, err := Encode(&d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(b) {
		t.Errorf("%s is not in Encode's form; rewrite it with Encode (scripts/refresh-actions-data does)", path)
	}
}
