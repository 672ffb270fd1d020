package actions

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-github/v62/github"
)

// apiCall is one request the fake GitHub received.
type apiCall struct {
	Method, Path, Query, Auth string
	Body                      map[string]any
}

// fakeGitHub is an httptest server that speaks enough of GitHub's REST API
// for the reporters, records every request and checks the token on each.
// It serves under /api/v3, as GitHub Enterprise Server does.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	token  string
	mu     sync.Mutex
	calls  []apiCall
	routes map[string]func(c apiCall) (int, any) // "METHOD /path" without /api/v3
}

func newFakeGitHub(t *testing.T, token string) *fakeGitHub {
	f := &fakeGitHub{t: t, token: token, routes: map[string]func(apiCall) (int, any){}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) handle(route string, h func(c apiCall) (int, any)) { f.routes[route] = h }

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	c := apiCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization")}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &c.Body); err != nil {
			f.t.Errorf("%s %s: body is not a JSON object: %v", r.Method, r.URL.Path, err)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if c.Auth != "Bearer "+f.token {
		f.t.Errorf("%s %s: Authorization %q, want the token", r.Method, r.URL.Path, c.Auth)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Bad credentials"}`)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v3")
	if !ok {
		f.t.Errorf("%s %s: not under the API root /api/v3", r.Method, r.URL.Path)
	}
	h := f.routes[r.Method+" "+path]
	if h == nil {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Not Found"}`)
		return
	}
	status, body := h(c)
	if wh, ok := body.(withHeaders); ok {
		for k, v := range wh.header {
			w.Header()[k] = v
		}
		body = wh.body
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// withHeaders is a response body with extra headers, such as Link for pages.
type withHeaders struct {
	header http.Header
	body   any
}

// nextPage links to the next page of a list, as GitHub does.
func (f *fakeGitHub) nextPage(path string, page int) http.Header {
	return http.Header{"Link": {fmt.Sprintf("<%s/api/v3%s?page=%d&per_page=100>; rel=\"next\"", f.srv.URL, path, page)}}
}

// client returns a go-github client for the fake, as NewClient makes it from
// GITHUB_API_URL.
func (f *fakeGitHub) client() *github.Client {
	c, err := NewClient(f.srv.URL+"/api/v3", f.token, f.srv.Client())
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fakeGitHub) recorded() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// forbidden is GitHub's answer to a read-only token.
func forbidden(apiCall) (int, any) {
	return http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration",
		"documentation_url": "https://docs.github.com/rest/checks/runs#create-a-check-run"}
}
