package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/builder"
	"github.com/gantry-ci/gantry/internal/buildkittest"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// managedEnv runs the built gantry binary as a new user would: no
// --builder, no BUILDKIT_HOST, no buildx configuration, its own XDG
// directories, and the buildkitd of scripts/services on PATH.
type managedEnv struct {
	t     *testing.T
	bin   string
	env   []string
	paths builder.Paths
	app   string // a copy of testdata/apps/rails-webpack
	bb    string // the busybox binary
}

var (
	gantryBinOnce sync.Once
	gantryBin     string
	gantryBinErr  error
)

// builtGantry builds the gantry binary once per test run: the managed
// builder runs it as its supervisor.
func builtGantry(t *testing.T) string {
	gantryBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gantry-bin-")
		if err != nil {
			gantryBinErr = err
			return
		}
		gantryBin = filepath.Join(dir, "gantry")
		if out, err := exec.Command("go", "build", "-o", gantryBin, ".").CombinedOutput(); err != nil {
			gantryBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if gantryBinErr != nil {
		t.Fatal(gantryBinErr)
	}
	return gantryBin
}

func newManagedEnv(t *testing.T) *managedEnv {
	if testing.Short() {
		testenv.SkipOrFail(t, "starts buildkitd (-short)")
	}
	svc := buildkittest.Get(t)
	if _, err := os.Stat("/run/buildkit/buildkitd.sock"); err == nil {
		testenv.SkipOrFail(t, "a daemon listens at BuildKit's default socket: the resolver would use it")
	}
	// a short directory: the socket path must stay under 108 bytes
	home, err := os.MkdirTemp("", "gantry-mb-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(home, "bin")
	os.MkdirAll(bin, 0o755)
	if err := os.Symlink(svc.Buildkitd, filepath.Join(bin, "buildkitd")); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HOME": home, "XDG_STATE_HOME": filepath.Join(home, "state"),
		"XDG_RUNTIME_DIR": filepath.Join(home, "run"), "XDG_CACHE_HOME": filepath.Join(home, "cache"),
		"PATH": bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := vars[k]; ok || k == "BUILDKIT_HOST" || k == "BUILDX_CONFIG" || k == "DOCKER_CONFIG" || strings.HasPrefix(k, "GITHUB_") {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	e := &managedEnv{t: t, bin: builtGantry(t), env: env, bb: svc.Busybox,
		paths: builder.Env{Home: home, Getenv: func(k string) string { return vars[k] }}.Paths()}
	e.app = copyApp(t)
	t.Cleanup(func() {
		// stop it as a user would, then make sure: no process of this
		// test may outlive it
		e.gantry("builder", "stop")
		killProcessesUnder(home)
		builder.CleanUnder(home)
		os.RemoveAll(home)
	})
	return e
}

// copyApp copies testdata/apps/rails-webpack, which the test changes.
func copyApp(t *testing.T) string {
	dst := filepath.Join(t.TempDir(), "app")
	if out, err := exec.Command("cp", "-r", "../../testdata/apps/rails-webpack", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return dst
}

// gantry runs the binary and returns its exit code, stdout and stderr.
func (e *managedEnv) gantry(args ...string) (int, string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = e.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("gantry %s: %v", strings.Join(args, " "), err)
	}
	e.t.Logf("gantry %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String(), errb.String()
}

// build builds the app's busybox variant and returns the exit code, stderr
// and the report.
func (e *managedEnv) build() (int, string, map[string]int) {
	report := filepath.Join(e.t.TempDir(), "report.json")
	code, _, stderr := e.gantry("build", "--debug", "--progress", "quiet", "--report", report,
		"-f", filepath.Join(e.app, "Dockerfile.busybox"), "--build-context", "busybox="+e.bb, e.app)
	executed := map[string]int{}
	if b, err := os.ReadFile(report); err == nil {
		var rep struct {
			Stages []struct {
				Name     string `json:"name"`
				Executed int    `json:"executed"`
			} `json:"stages"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			e.t.Fatal(err)
		}
		for _, s := range rep.Stages {
			executed[s.Name] = s.Executed
		}
	}
	return code, stderr, executed
}

func (e *managedEnv) record() *builder.Record {
	b, err := os.ReadFile(e.paths.Pid)
	if err != nil {
		return nil
	}
	var r builder.Record
	if err := json.Unmarshal(b, &r); err != nil {
		e.t.Fatal(err)
	}
	return &r
}

// processesUnder lists the pids whose command line names dir: the
// supervisor and buildkitd of this test's builder.
func processesUnder(dir string) []int {
	var pids []int
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), dir) {
			continue
		}
		var pid int
		if _, err := fmt.Sscanf(p, "/proc/%d/cmdline", &pid); err == nil && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

func killProcessesUnder(dir string) {
	for _, pid := range processesUnder(dir) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for i := 0; i < 100 && len(processesUnder(dir)) > 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

// countSupervisors counts the running supervisors and buildkitds of dir.
func countProcesses(dir string) (supervisors, buildkitds int) {
	for _, pid := range processesUnder(dir) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		args := strings.Split(string(b), "\x00")
		switch {
		case len(args) > 2 && args[1] == "builder" && args[2] == "supervise":
			supervisors++
		case strings.HasSuffix(args[0], "buildkitd"):
			buildkitds++
		}
	}
	return
}

// waitGone waits (bounded, against a hang) until no process of dir runs.
func waitGone(t *testing.T, dir string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(processesUnder(dir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("still running after %s: %v", within, processesUnder(dir))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBuilderStartUsage: builder start refuses a negative idle timeout
// (the supervisor would take it for "never") before it looks for a
// buildkitd, and builder prune a filter BuildKit cannot parse before it
// connects; the environment has no builder, so nothing could start anyway.
func TestBuilderStartUsage(t *testing.T) {
	tmp := t.TempDir()
	for _, k := range []string{"XDG_STATE_HOME", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME", "HOME"} {
		t.Setenv(k, filepath.Join(tmp, k))
	}
	t.Setenv("PATH", tmp)
	for _, args := range [][]string{
		{"builder", "start", "--idle-timeout", "-1s"},
		{"builder", "start", "--keep-storage", "lots"},
		{"builder", "prune", "--builder", "unix://" + filepath.Join(tmp, "nobody.sock"), "--filter", "type~~regular"},
	} {
		if got := runCLI(t, args...); got != exitUsage {
			t.Errorf("gantry %s: exit %d, want %d", strings.Join(args, " "), got, exitUsage)
		}
	}
}

// TestManagedBuilderLifecycle: a first build starts the daemon, a second
// reuses it and a code change re-runs no bundle or npm step, status reports
// it, a kill -9 is recovered from, and stop leaves no buildkitd running.
func TestManagedBuilderLifecycle(t *testing.T) {
	e := newManagedEnv(t)
	home := filepath.Dir(e.paths.State)
	home = filepath.Dir(filepath.Dir(home)) // .../state/gantry/builder -> home

	if code, _, stderr := e.gantry("builder", "status"); code != exitUnreachable || !strings.Contains(stderr, "no BuildKit builder is running") {
		t.Fatalf("status before any build: exit %d", code)
	}

	code, stderr, _ := e.build()
	if code != exitOK || !strings.Contains(stderr, "found by started a local buildkitd") {
		t.Fatalf("first build: exit %d", code)
	}
	first := e.record()
	if first == nil {
		t.Fatal("no record of the managed builder")
	}
	if s, b := countProcesses(home); s != 1 || b != 1 {
		t.Errorf("after the first build: %d supervisors, %d buildkitds", s, b)
	}

	// a code change: the same daemon, and bundle and npm run no step
	os.WriteFile(filepath.Join(e.app, "app", "models", "post.rb"), []byte("class Post < ApplicationRecord\n  # changed\nend\n"), 0o644)
	code, stderr, executed := e.build()
	if code != exitOK || !strings.Contains(stderr, "found by gantry-managed builder") {
		t.Fatalf("second build: exit %d", code)
	}
	if r := e.record(); r == nil || r.Pid != first.Pid {
		t.Errorf("second build: record %+v, want the supervisor %d", r, first.Pid)
	}
	if executed["bundle"] != 0 || executed["npm"] != 0 || executed["assets"] == 0 {
		t.Errorf("after a code change, steps run per stage: %v (want none in bundle and npm)", executed)
	}

	code, out, _ := e.gantry("builder", "status")
	for _, w := range []string{"address:   " + e.paths.Address(), "found by:  gantry-managed builder (pid " + fmt.Sprint(first.Pid),
		"buildkit:", "uptime:", "idle stop: after 30m0s", "disk:"} {
		if !strings.Contains(out, w) {
			t.Errorf("status lacks %q", w)
		}
	}
	if code != exitOK {
		t.Errorf("status: exit %d", code)
	}
	if code, out, _ := e.gantry("builder", "prune", "--keep-storage", "1GB", "--filter", "type==regular"); code != exitOK || !strings.Contains(out, "removed") {
		t.Errorf("prune: exit %d", code)
	}
	if code, out, _ := e.gantry("builder", "logs"); code != exitOK || !strings.Contains(out, "ready at "+e.paths.Address()) {
		t.Errorf("logs: exit %d", code)
	}

	// a crash: the supervisor and buildkitd killed at once; the pid file
	// and the socket stay behind
	syscall.Kill(first.Pid, syscall.SIGKILL)
	syscall.Kill(first.BuildkitdPid, syscall.SIGKILL)
	waitGone(t, home, 2*time.Minute)
	if _, err := os.Stat(e.paths.Pid); err != nil {
		t.Fatalf("the pid file should outlive kill -9: %v", err)
	}
	code, stderr, _ = e.build()
	if code != exitOK || !strings.Contains(stderr, "found by started a local buildkitd") {
		t.Fatalf("build after kill -9: exit %d", code)
	}
	if r := e.record(); r == nil || r.Pid == first.Pid {
		t.Errorf("after kill -9: record %+v", r)
	}

	if code, out, _ := e.gantry("builder", "stop"); code != exitOK || !strings.Contains(out, "stopped the managed buildkitd") {
		t.Errorf("stop: exit %d", code)
	}
	if pids := processesUnder(home); len(pids) > 0 {
		t.Errorf("processes left after stop: %v", pids)
	}
	for _, f := range []string{e.paths.Pid, e.paths.Socket} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left after stop", f)
		}
	}
}

// TestManagedBuilderConcurrentStarts starts two builds at once with no
// builder running: they share one daemon.
func TestManagedBuilderConcurrentStarts(t *testing.T) {
	e := newManagedEnv(t)
	home := filepath.Dir(filepath.Dir(filepath.Dir(e.paths.State)))
	var wg sync.WaitGroup
	codes := make([]int, 2)
	stderrs := make([]string, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], stderrs[i], _ = e.build()
		}()
	}
	wg.Wait()
	started := 0
	for i := range codes {
		if codes[i] != exitOK {
			t.Errorf("build %d: exit %d", i, codes[i])
		}
		if strings.Contains(stderrs[i], "found by started a local buildkitd") {
			started++
		}
	}
	if started != 1 {
		t.Errorf("%d of the builds started a daemon, want 1", started)
	}
	if s, b := countProcesses(home); s != 1 || b != 1 {
		t.Errorf("%d supervisors and %d buildkitds, want one each", s, b)
	}
}

// TestManagedBuilderIdleTimeout: a daemon started with a short idle timeout
// stops itself, and its supervisor with it.
func TestManagedBuilderIdleTimeout(t *testing.T) {
	e := newManagedEnv(t)
	home := filepath.Dir(filepath.Dir(filepath.Dir(e.paths.State)))
	if code, _, _ := e.gantry("builder", "start", "--idle-timeout", "3s"); code != exitOK {
		t.Fatalf("start: exit %d", code)
	}
	if s, b := countProcesses(home); s != 1 || b != 1 {
		t.Fatalf("after start: %d supervisors, %d buildkitds", s, b)
	}
	waitGone(t, home, 3*time.Minute)
	if _, err := os.Stat(e.paths.Pid); err == nil {
		t.Error("the pid file outlived the idle stop")
	}
	b, _ := os.ReadFile(e.paths.Log)
	if !strings.Contains(string(b), "stopping: no client for") {
		t.Errorf("the log does not say why it stopped:\n%s", b)
	}
}
