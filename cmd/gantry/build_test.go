package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
)

// runCLI runs gantry with a bounded context; it logs stderr.
func runCLI(t *testing.T, args ...string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), io.Discard, &stderr)
	t.Logf("gantry %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	return code
}

func TestBuildUsageAndUnreachable(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY Dockerfile /\n"), 0o644)
	nobody := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"bad output", []string{"build", dir, "--builder", nobody, "--output", "type=zip"}, exitUsage},
		{"bad progress", []string{"build", dir, "--builder", nobody, "--progress", "fancy"}, exitUsage},
		{"bad cache", []string{"build", dir, "--builder", nobody, "--cache", "type=inline"}, exitUsage},
		{"bad address", []string{"build", dir, "--builder", "http://x"}, exitUsage},
		{"bad build-context", []string{"build", dir, "--builder", nobody, "--build-context", "x"}, exitUsage},
		{"push without an image", []string{"build", dir, "--builder", nobody, "--push"}, exitUsage},
		{"two directories", []string{"build", dir, dir}, exitUsage},
		{"two caches", []string{"build", dir, "--builder", nobody, "--cache", "type=local,dir=/tmp/a", "--cache", "type=gha"}, exitUsage},
		{"cache-read-only without a cache", []string{"build", dir, "--builder", nobody, "--cache-read-only"}, exitUsage},
		{"report in a missing directory", []string{"build", dir, "--builder", nobody, "--report", filepath.Join(dir, "no", "r.json")}, exitUsage},
		{"daemon not running", []string{"build", dir, "--builder", nobody}, exitUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := runCLI(t, tc.args...); got != tc.want {
				t.Errorf("exit %d, want %d", got, tc.want)
			}
		})
	}
}

func writeBusyboxApp(t *testing.T, svc buildkittest.Services, dockerfile string) string {
	dir := t.TempDir()
	b, err := os.ReadFile(svc.Busybox)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "busybox"), b, 0o755)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644)
	return dir
}

const okDockerfile = `FROM scratch AS base
COPY busybox /bin/busybox

FROM base AS deps
RUN ["/bin/busybox", "sh", "-c", "echo deps > /deps"]

FROM base AS main
COPY --from=deps /deps /deps
`

// TestBuildExitCodes runs gantry build on the real daemon: success with a
// report, a failing step, and a cache registry that does not answer.
func TestBuildExitCodes(t *testing.T) {
	svc := buildkittest.Get(t)
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(t.TempDir(), "summary.md"))
	ok := writeBusyboxApp(t, svc, okDockerfile)
	report := filepath.Join(t.TempDir(), "report.json")
	cache := "type=local,dir=" + filepath.Join(t.TempDir(), "cache")
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--cache", cache, "--progress", "quiet", "--report", report); got != exitOK {
		t.Fatalf("exit %d, want 0", got)
	}
	var rep buildcache.Report
	b, err := os.ReadFile(report)
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if rep.Target != "main" || rep.Stage("deps") == nil || rep.Stage("deps").Steps != 1 || rep.Version != buildcache.ReportVersion {
		t.Errorf("report: %s", b)
	}
	if s, err := os.ReadFile(os.Getenv("GITHUB_STEP_SUMMARY")); err != nil || !json.Valid(b) || len(s) == 0 {
		t.Errorf("no job summary: %v", err)
	}

	// --progress rawjson: stderr is BuildKit's JSON status lines only, for
	// a tool to read; the report still goes to --report
	code, _, stderr := runGantry(t, "build", ok, "--builder", svc.Addr, "--cache", cache, "--progress", "rawjson", "--report", report)
	if code != exitOK {
		t.Fatalf("--progress rawjson: exit %d\n%s", code, stderr)
	}
	for line := range strings.Lines(stderr) {
		if !json.Valid([]byte(line)) {
			t.Errorf("--progress rawjson: a line of stderr is not JSON: %q", line)
		}
	}
	if b, err := os.ReadFile(report); err != nil || !json.Valid(b) || !strings.Contains(string(b), `"target": "main"`) {
		t.Errorf("--progress rawjson: report %v\n%s", err, b)
	}

	// --cache-read-only imports and writes no entry
	roDir := filepath.Join(t.TempDir(), "ro")
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--cache", "type=local,dir="+roDir, "--cache-read-only", "--progress", "quiet", "--report", report); got != exitOK {
		t.Fatalf("--cache-read-only: exit %d, want 0", got)
	}
	if entries, _ := filepath.Glob(filepath.Join(roDir, "*", "index.json")); len(entries) != 0 {
		t.Errorf("--cache-read-only wrote entries %q", entries)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), `"cache_read_only": true`) {
		t.Errorf("--cache-read-only report: %v\n%s", err, b)
	}

	// SHA defaults to the pull request's head commit in GitHub Actions
	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"pull_request": {"number": 7, "head": {"sha": "headsha0123"}}}`), 0o644)
	t.Setenv("GITHUB_EVENT_PATH", event)
	t.Setenv("GITHUB_SHA", "mergesha4567")
	shaApp := writeBusyboxApp(t, svc, okDockerfile+"ARG SHA\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo $SHA > /sha\"]\n")
	out := t.TempDir()
	if got := runCLI(t, "build", shaApp, "--builder", svc.Addr, "--progress", "quiet", "--output", "type=local,dest="+out); got != exitOK {
		t.Fatalf("exit %d", got)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "sha")); strings.TrimSpace(string(b)) != "headsha0123" {
		t.Errorf("SHA = %q, want the pull request's head", b)
	}
	t.Setenv("GITHUB_EVENT_PATH", "")

	failing := writeBusyboxApp(t, svc, okDockerfile+"RUN [\"/bin/busybox\", \"false\"]\n")
	if got := runCLI(t, "build", failing, "--builder", svc.Addr, "--progress", "quiet"); got != exitBuildFailed {
		t.Errorf("failing step: exit %d, want %d", got, exitBuildFailed)
	}
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--progress", "quiet", "--target", "nope"); got != exitUsage {
		t.Errorf("unknown target: exit %d, want %d", got, exitUsage)
	}

	unreachable := "type=registry,ref=" + closedAddr(t) + "/gantry/app"
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--cache", unreachable, "--progress", "quiet"); got != exitCacheWarning {
		t.Errorf("cache registry unreachable: exit %d, want %d", got, exitCacheWarning)
	}
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--cache", unreachable, "--progress", "quiet", "--allow-cache-errors"); got != exitOK {
		t.Errorf("cache registry unreachable with --allow-cache-errors: exit %d, want 0", got)
	}
	// with --progress rawjson the table that lists the warnings is left
	// out: the error names them, on its one line that is not JSON
	code, _, stderr = runGantry(t, "build", ok, "--builder", svc.Addr, "--cache", unreachable, "--progress", "rawjson")
	var notJSON []string
	for line := range strings.Lines(stderr) {
		if !json.Valid([]byte(line)) {
			notJSON = append(notJSON, line)
		}
	}
	if code != exitCacheWarning || len(notJSON) != 1 || !strings.HasPrefix(notJSON[0], "gantry: built, but") ||
		strings.Contains(notJSON[0], "warnings above") || !strings.Contains(notJSON[0], "cache-export") {
		t.Errorf("cache registry unreachable with --progress rawjson: exit %d, lines that are not JSON %q; want %d and the error naming the warnings",
			code, notJSON, exitCacheWarning)
	}
}

// sleeping reports whether a process runs `busybox sleep <secs>`.
func sleeping(secs string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), "sleep\x00"+secs+"\x00") {
			return true
		}
	}
	return false
}

// TestBuildDaemonKilled: the daemon dies while a step runs; gantry build
// exits 4 promptly.
func TestBuildDaemonKilled(t *testing.T) {
	svc := buildkittest.Get(t)
	dir := writeBusyboxApp(t, svc, "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sleep\", \"137\"]\n")
	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	code := make(chan int, 1)
	go func() { code <- runCLI(t, "build", dir, "--builder", d.Addr, "--progress", "quiet") }()
	deadline := time.Now().Add(3 * time.Minute)
	for !sleeping("137") {
		if time.Now().After(deadline) {
			t.Fatal("the step did not start within 3 minutes")
		}
		select {
		case c := <-code:
			t.Fatalf("gantry build exited %d before the step started", c)
		case <-time.After(100 * time.Millisecond):
		}
	}
	d.Kill()
	select {
	case c := <-code:
		if c != exitUnreachable {
			t.Errorf("exit %d, want %d", c, exitUnreachable)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("gantry build hung after the daemon was killed")
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestBuildTimeoutBeforeTheBuilderAnswers: a --timeout that passes while
// gantry waits for the builder to answer (a socket that accepts and says
// nothing) is an unreachable builder, exit 4, not a usage error.
func TestBuildTimeoutBeforeTheBuilderAnswers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY Dockerfile /\n"), 0o644)
	sock := filepath.Join(t.TempDir(), "mute.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // accepted, never answered
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	if got := runCLI(t, "build", dir, "--builder", "unix://"+sock, "--timeout", "500ms"); got != exitUnreachable {
		t.Errorf("exit %d, want %d", got, exitUnreachable)
	}
}
