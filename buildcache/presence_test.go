package buildcache

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth"
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

// TestEntriesPresent looks registry entries up with the session's
// credentials against a registry that wants them, and local entries on disk.
func TestEntriesPresent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/v2/" {
			return
		}
		if r.Method == http.MethodHead && r.URL.Path == "/v2/team/app/manifests/cache-bundle" {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("a", 64))
			w.Header().Set("Content-Length", "2")
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	reg := func(stage string) client.CacheOptionsEntry {
		return client.CacheOptionsEntry{Type: "registry", Attrs: map[string]string{"ref": host + "/team/app:cache-" + stage}}
	}
	dir := t.TempDir()
	entries := []client.CacheOptionsEntry{
		reg("bundle"), reg("npm"),
		{Type: "local", Attrs: map[string]string{"dest": dir + "/bundle"}},
		{Type: "gha", Attrs: map[string]string{"scope": "bundle"}},
	}
	for _, tc := range []struct {
		name  string
		login *fakeAuth
		want  string
	}{
		{"the session's login", &fakeAuth{user: "ci", secret: "s3cret"}, "true false false false"},
		{"a wrong login", &fakeAuth{user: "ci", secret: "nope"}, "false false false false"},
		{"no login", &fakeAuth{}, "false false false false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &builder{session: []session.Attachable{tc.login}}
			got := b.entriesPresent(context.Background(), entries)
			var words []string
			for _, p := range got {
				words = append(words, map[bool]string{true: "true", false: "false"}[p])
			}
			if strings.Join(words, " ") != tc.want {
				t.Errorf("present: %v, want %s", got, tc.want)
			}
			if len(tc.login.hosts) == 0 || tc.login.hosts[0] != host {
				t.Errorf("credentials asked for %v, want %s", tc.login.hosts, host)
			}
		})
	}
}
