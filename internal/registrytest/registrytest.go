// Package registrytest starts private instances of Debian's docker-registry
// with htpasswd (bcrypt) basic auth on 127.0.0.1, for tests of pushes and
// registry credentials.
package registrytest

import (
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/internal/testenv"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"
)

// Service returns the value of an environment variable that
// `scripts/services start` sets. Without it the test is skipped, unless CI
// is set: then it fails.
func Service(tb testing.TB, name string) string {
	tb.Helper()
	return testenv.Getenv(tb, name)
}

// Registry is a running docker-registry that accepts one user.
type Registry struct {
	// Host is its 127.0.0.1:port.
	Host string
	// User and Password are the only accepted credentials.
	User, Password string

	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a registry (GANTRY_REGISTRY_BIN) that accepts user:password
// only. It is stopped when the test ends.
func Start(tb testing.TB, user, password string) *Registry {
	tb.Helper()
	return start(tb, user, password, false)
}

// StartReadOnly is Start for a registry in read-only mode: it answers
// lookups and pulls and rejects every upload, as a registry does for a
// credential that may pull but not push.
func StartReadOnly(tb testing.TB, user, password string) *Registry {
	tb.Helper()
	return start(tb, user, password, true)
}

func start(tb testing.TB, user, password string, readOnly bool) *Registry {
	tb.Helper()
	bin := Service(tb, "GANTRY_REGISTRY_BIN")
	dir := tb.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
  maintenance: {readonly: {enabled: %t}}
auth:
  htpasswd: {realm: gantry-test, path: %s}
http:
  addr: %s
  secret: gantry-test-secret
`, filepath.Join(dir, "data"), readOnly, filepath.Join(dir, "htpasswd"), host)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	r := &Registry{Host: host, User: user, Password: password, dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(r.done) }()
	tb.Cleanup(r.Stop)
	// a hang guard, generous for a loaded 2-core machine
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return r
			}
		}
		select {
		case <-r.done:
			log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			tb.Fatalf("docker-registry exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("docker-registry did not answer on %s: %v", host, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the registry and waits for it to exit.
func (r *Registry) Stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Kill()
	<-r.done
}

// DockerConfig writes a Docker config.json with a login for the registry
// (the registry's user and the given password) and returns its directory.
func (r *Registry) DockerConfig(tb testing.TB, password string) string {
	tb.Helper()
	dir := tb.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + password))
	cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, r.Host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Catalog returns the registry's /v2/_catalog answer.
func (r *Registry) Catalog(tb testing.TB) string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+r.Host+"/v2/_catalog", nil)
	req.SetBasicAuth(r.User, r.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// Auth is a remote option with the registry's credentials.
func (r *Registry) Auth() remote.Option {
	return remote.WithAuth(&authn.Basic{Username: r.User, Password: r.Password})
}

// Digest resolves ref (repo:tag or repo@digest) with a HEAD request.
func (r *Registry) Digest(tb testing.TB, ref string) string {
	tb.Helper()
	parsed, err := name.ParseReference(ref, name.StrictValidation)
	if err != nil {
		tb.Fatal(err)
	}
	desc, err := remote.Head(parsed, r.Auth())
	if err != nil {
		tb.Fatalf("resolving %s: %v", ref, err)
	}
	return desc.Digest.String()
}
