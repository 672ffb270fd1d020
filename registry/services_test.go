package registry

import (
	"context"
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

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/session"
	"golang.org/x/crypto/bcrypt"
)

type (
	clientExport      = client.ExportEntry
	sessionAttachable = session.Attachable
)

// service returns the value of an environment variable set by
// `scripts/services start`. Without it the test is skipped locally and
// fails in CI.
func service(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run scripts/services start", name)
		}
		t.Skipf("%s is not set; run eval \"$(scripts/services start)\"", name)
	}
	return v
}

// testRegistry is a private instance of Debian's docker-registry on
// 127.0.0.1 with htpasswd (bcrypt) basic auth.
type testRegistry struct {
	Host, User, Password string
	dir                  string
	cmd                  *exec.Cmd
	done                 chan struct{}
}

// startRegistry starts a registry that accepts user:password only.
func startRegistry(t *testing.T, user, password string) *testRegistry {
	t.Helper()
	bin := service(t, "GANTRY_REGISTRY_BIN")
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: %s}
  delete: {enabled: true}
auth:
  htpasswd: {realm: gantry-test, path: %s}
http:
  addr: %s
  secret: gantry-test-secret
`, filepath.Join(dir, "data"), filepath.Join(dir, "htpasswd"), host)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &testRegistry{Host: host, User: user, Password: password, dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(r.done) }()
	t.Cleanup(r.Stop)
	deadline := time.Now().Add(10 * time.Second)
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
			t.Fatalf("docker-registry exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer on %s: %v", host, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the registry and waits for it to exit.
func (r *testRegistry) Stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Kill()
	<-r.done
}

// dockerConfig writes a Docker config.json with a login for the registry
// and returns its directory.
func (r *testRegistry) dockerConfig(t *testing.T, password string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + password))
	cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, r.Host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// catalog lists the registry's repositories (with the right password).
func (r *testRegistry) catalog(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+r.Host+"/v2/_catalog", nil)
	req.SetBasicAuth(r.User, r.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// buildkit connects to the BuildKit daemon of scripts/services.
func buildkit(t *testing.T) *client.Client {
	t.Helper()
	addr := service(t, "GANTRY_BUILDKIT_ADDR")
	c, err := client.New(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tinyImage is a BuildFunc that builds a one-file image from scratch on
// BuildKit, with the exports and session of the push (the image pushed is
// real; only the build is minimal).
func tinyImage(c *client.Client, content string) BuildFunc {
	return func(ctx context.Context, exports []client.ExportEntry, attachables []session.Attachable) (string, error) {
		def, err := llb.Scratch().File(llb.Mkfile("/hello.txt", 0o644, []byte(content))).Marshal(ctx)
		if err != nil {
			return "", err
		}
		resp, err := c.Solve(ctx, def, client.SolveOpt{Exports: exports, Session: attachables}, nil)
		if err != nil {
			return "", err
		}
		return resp.ExporterResponse["containerimage.digest"], nil
	}
}
