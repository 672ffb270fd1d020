package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/buildkittest"
)

func runCLI(t *testing.T, args ...string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return run(ctx, args)
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
		{"push without the push gate", []string{"build", dir, "--builder", nobody, "--push"}, exitUsage},
		{"two directories", []string{"build", dir, dir}, exitUsage},
		{"daemon not running", []string{"build", dir, "--builder", nobody}, exitUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "push without the push gate" && pushHook != nil {
				t.Skip("the push gate is linked in")
			}
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

	failing := writeBusyboxApp(t, svc, okDockerfile+"RUN [\"/bin/busybox\", \"false\"]\n")
	if got := runCLI(t, "build", failing, "--builder", svc.Addr, "--progress", "quiet"); got != exitBuildFailed {
		t.Errorf("failing step: exit %d, want %d", got, exitBuildFailed)
	}
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--progress", "quiet", "--target", "nope"); got != exitUsage {
		t.Errorf("unknown target: exit %d, want %d", got, exitUsage)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	unreachable := "type=registry,ref=" + dead + "/gantry/app"
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--cache", unreachable, "--progress", "quiet"); got != exitCacheWarning {
		t.Errorf("cache registry unreachable: exit %d, want %d", got, exitCacheWarning)
	}
	if got := runCLI(t, "build", ok, "--builder", svc.Addr, "--cache", unreachable, "--progress", "quiet", "--allow-cache-errors"); got != exitOK {
		t.Errorf("cache registry unreachable with --allow-cache-errors: exit %d, want 0", got)
	}
}
