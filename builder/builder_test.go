package builder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// testEnv is an environment with its own home and XDG directories, no
// BUILDKIT_HOST and no buildx configuration.
func testEnv(t *testing.T, vars map[string]string) Env {
	home := t.TempDir()
	return Env{Home: home, Getenv: func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		switch k {
		case "XDG_STATE_HOME":
			return filepath.Join(home, "state")
		case "XDG_RUNTIME_DIR":
			return filepath.Join(home, "run")
		case "XDG_CACHE_HOME":
			return filepath.Join(home, "cache")
		}
		return ""
	}}
}

func TestBuildKitVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github.com/moby/buildkit (v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no github.com/moby/buildkit")
	}
	if got := BuildKitVersion(); got != string(m[1]) {
		t.Errorf("BuildKitVersion() = %s, go.mod has %s", got, m[1])
	}
	if fallbackBuildKitVersion != string(m[1]) {
		t.Errorf("fallbackBuildKitVersion = %s, go.mod has %s", fallbackBuildKitVersion, m[1])
	}
}

func TestPaths(t *testing.T) {
	e := Env{Home: "/home/u", Getenv: func(k string) string {
		return map[string]string{"XDG_STATE_HOME": "/st", "XDG_RUNTIME_DIR": "/run/user/1000", "XDG_CACHE_HOME": "/c"}[k]
	}}
	p := e.Paths()
	want := Paths{State: "/st/gantry/builder", Root: "/st/gantry/builder/root", Socket: "/run/user/1000/gantry/buildkitd.sock",
		Private: "/run/user/1000/gantry/buildkitd-private.sock", Config: "/st/gantry/builder/buildkitd.toml",
		Log: "/st/gantry/builder/buildkitd.log", Pid: "/st/gantry/builder/supervisor.json", Lock: "/st/gantry/builder/lock"}
	if p != want {
		t.Errorf("Paths() =\n%+v\nwant\n%+v", p, want)
	}
	if e.CacheDir() != "/c/gantry" {
		t.Errorf("CacheDir() = %s", e.CacheDir())
	}
	noXDG := Env{Home: "/home/u", Getenv: func(string) string { return "" }}
	if got := noXDG.StateDir(); got != "/home/u/.local/state/gantry/builder" && got != "/home/u/Library/Application Support/gantry/builder" {
		t.Errorf("StateDir() without XDG = %s", got)
	}
}

func TestFindBuildkitdInCacheDir(t *testing.T) {
	e := testEnv(t, nil)
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	if _, ok := e.findBuildkitd(notFound); ok {
		t.Fatal("found a buildkitd in an empty cache")
	}
	os.MkdirAll(e.CacheDir(), 0o755)
	bin := filepath.Join(e.CacheDir(), "buildkitd-"+BuildKitVersion()+"-go1.26.8")
	os.WriteFile(bin+".tmp", []byte("#!/bin/sh\n"), 0o755) // a build in progress
	os.WriteFile(filepath.Join(e.CacheDir(), "buildkitd-v0.1.0-go1.26.8"), []byte("#!/bin/sh\n"), 0o755)
	if p, ok := e.findBuildkitd(notFound); ok {
		t.Fatalf("found %s: another version or an unfinished build", p)
	}
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	if p, ok := e.findBuildkitd(notFound); !ok || p != bin {
		t.Errorf("findBuildkitd = %s %v, want %s", p, ok, bin)
	}
	onPath := func(string) (string, error) { return "/usr/bin/buildkitd", nil }
	if p, _ := e.findBuildkitd(onPath); p != "/usr/bin/buildkitd" {
		t.Errorf("PATH comes first, got %s", p)
	}
}

func TestBuildkitdConfigSetsGC(t *testing.T) {
	got := buildkitdConfig("10GB")
	for _, w := range []string{"[worker.oci]", "gc = true", `maxUsedSpace = "10GB"`, "[worker.containerd]\n  enabled = false"} {
		if !strings.Contains(got, w) {
			t.Errorf("buildkitd.toml lacks %q:\n%s", w, got)
		}
	}
}

// The container builder cannot run here (no Docker engine): its name,
// image, flags and address are checked as data, and the docker commands it
// runs against a fake docker.
func TestContainerBuilder(t *testing.T) {
	if ContainerAddress != "docker-container://gantry-buildkit" {
		t.Errorf("ContainerAddress = %s", ContainerAddress)
	}
	if ContainerImage() != "moby/buildkit:"+BuildKitVersion() {
		t.Errorf("ContainerImage() = %s", ContainerImage())
	}
	want := []string{"run", "--detach", "--name", "gantry-buildkit", "--privileged", "--restart", "unless-stopped",
		"--volume", "gantry-buildkit-state:/var/lib/buildkit", "moby/buildkit:" + BuildKitVersion(),
		"--oci-worker-gc", "--oci-worker-gc-keepstorage", "10GB"}
	if got := ContainerRunArgs("10GB"); !slices.Equal(got, want) {
		t.Errorf("ContainerRunArgs =\n%q\nwant\n%q", got, want)
	}
	for _, tc := range []struct {
		name    string
		inspect string // "" = no such container
		want    string // the command after inspect
	}{
		{"created", "", strings.Join(want, " ")},
		{"stopped", "false", "start gantry-buildkit"},
		{"running", "true", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			docker := func(_ context.Context, args ...string) (string, error) {
				calls = append(calls, strings.Join(args, " "))
				if args[0] == "container" && args[1] == "inspect" {
					if tc.inspect == "" {
						return "Error: No such container: gantry-buildkit", errors.New("exit status 1")
					}
					return tc.inspect, nil
				}
				return "", nil
			}
			waited := false
			err := startContainer(context.Background(), docker, "10GB", func(context.Context) error { waited = true; return nil })
			if err != nil || !waited {
				t.Fatalf("err %v, waited %v", err, waited)
			}
			if calls[0] != "container inspect --format {{.State.Running}} gantry-buildkit" {
				t.Errorf("first call %q", calls[0])
			}
			var rest string
			if len(calls) > 1 {
				rest = calls[1]
			}
			if rest != tc.want || len(calls) > 2 {
				t.Errorf("calls %q, want then %q", calls, tc.want)
			}
		})
	}
}

func writeBuildx(t *testing.T, home, current, name, instance string) {
	dir := filepath.Join(home, ".docker", "buildx")
	os.MkdirAll(filepath.Join(dir, "instances"), 0o755)
	os.WriteFile(filepath.Join(dir, "current"), []byte(current), 0o644)
	if name != "" {
		os.WriteFile(filepath.Join(dir, "instances", name), []byte(instance), 0o644)
	}
}

func TestCurrentBuildx(t *testing.T) {
	for _, tc := range []struct {
		name, current, instance string
		want, wantErr           string
		tls                     buildcache.TLSOptions
	}{
		{name: "docker-container", current: `{"Key":"unix:///var/run/docker.sock","Name":"ci","Global":false}`,
			instance: `{"Name":"ci","Driver":"docker-container","Nodes":[{"Name":"ci0","Endpoint":"unix:///var/run/docker.sock"}]}`,
			want:     "docker-container://buildx_buildkit_ci0"},
		{name: "docker-container, node unnamed", current: `{"Name":"ci"}`,
			instance: `{"Name":"ci","Driver":"docker-container","Nodes":[{"Endpoint":"default"}]}`,
			want:     "docker-container://buildx_buildkit_ci0"},
		{name: "remote with TLS", current: `{"Name":"farm"}`,
			instance: `{"Name":"farm","Driver":"remote","Nodes":[{"Name":"farm0","Endpoint":"tcp://bk.example:1234","DriverOpts":{"cacert":"/c/ca.pem","cert":"/c/cert.pem","key":"/c/key.pem","servername":"bk"}}]}`,
			want:     "tcp://bk.example:1234", tls: buildcache.TLSOptions{CACert: "/c/ca.pem", Cert: "/c/cert.pem", Key: "/c/key.pem", ServerName: "bk"}},
		{name: "docker driver", current: `{"Name":"desktop"}`,
			instance: `{"Name":"desktop","Driver":"docker","Nodes":[{"Name":"desktop0"}]}`, wantErr: "uses the docker driver"},
		{name: "the engine's default", current: `{"Key":"unix:///var/run/docker.sock","Name":""}`, wantErr: "driver docker"},
		{name: "kubernetes", current: `{"Name":"k"}`,
			instance: `{"Name":"k","Driver":"kubernetes","Nodes":[{"Name":"k0"}]}`, wantErr: "uses the kubernetes driver"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv(t, nil)
			n := ""
			if tc.instance != "" {
				n = strings.Split(strings.Split(tc.instance, `"Name":"`)[1], `"`)[0]
			}
			writeBuildx(t, e.Home, tc.current, n, tc.instance)
			addr, _, tls, err := currentBuildx(e)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || addr != tc.want || tls != tc.tls {
				t.Errorf("got %s %+v %v, want %s %+v", addr, tls, err, tc.want, tc.tls)
			}
		})
	}
	e := testEnv(t, nil)
	if _, _, _, err := currentBuildx(e); err == nil || !strings.Contains(err.Error(), "no current buildx builder") {
		t.Errorf("no buildx dir: %v", err)
	}
}

func TestResolveOrder(t *testing.T) {
	ctx := context.Background()
	nobody := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	e := testEnv(t, map[string]string{"BUILDKIT_HOST": "tcp://from-env:1234"})
	o := Options{StartOptions: StartOptions{Env: e}, DefaultSocket: nobody, NoStart: true}

	o.Flag = "tcp://from-flag:1234"
	if r, err := Resolve(ctx, o); err != nil || r.Addr != o.Flag || r.Source != FromFlag {
		t.Errorf("flag: %+v %v", r, err)
	}
	o.Flag = ""
	if r, err := Resolve(ctx, o); err != nil || r.Addr != "tcp://from-env:1234" || r.Source != FromEnv {
		t.Errorf("env: %+v %v", r, err)
	}
	o.Env = testEnv(t, map[string]string{"BUILDKIT_HOST": "http://x"})
	if _, err := Resolve(ctx, o); err == nil || errors.Is(err, buildcache.ErrDaemonUnreachable) || !strings.Contains(err.Error(), "$BUILDKIT_HOST") {
		t.Errorf("invalid env: %v", err)
	}

	o.Env = testEnv(t, nil)
	_, err := Resolve(ctx, o)
	var nb *NoBuilderError
	if !errors.As(err, &nb) || !errors.Is(err, buildcache.ErrDaemonUnreachable) {
		t.Fatalf("nothing: %v", err)
	}
	if len(nb.Trace) != 5 {
		t.Errorf("trace: %q", nb.Trace)
	}
	for i, src := range []Source{FromFlag, FromEnv, FromManaged, FromDefault, FromBuildx} {
		if i < len(nb.Trace) && !strings.HasPrefix(nb.Trace[i], string(src)+":") {
			t.Errorf("step %d is %q, want %s", i+1, nb.Trace[i], src)
		}
	}

	// nothing to start with: no buildkitd, no docker; the message says
	// what to do on each platform
	o.NoStart = false
	o.LookPath = func(string) (string, error) { return "", errors.New("not found") }
	_, err = Resolve(ctx, o)
	if !errors.As(err, &nb) || nb.NotStarted {
		t.Fatalf("nothing to start: %v", err)
	}
	for _, w := range []string{"buildkitd is neither on PATH", "docker is not on PATH", "Linux:", "macOS:", "GitHub runners:"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q:\n%v", w, err)
		}
	}
}

// TestResolveFindsRunningDaemons uses a real buildkitd as the default
// socket, then as the endpoint of the current buildx builder (remote driver).
func TestResolveFindsRunningDaemons(t *testing.T) {
	addr := testenv.Getenv(t, "GANTRY_BUILDKIT_ADDR")
	ctx := context.Background()
	o := Options{StartOptions: StartOptions{Env: testEnv(t, nil)}, DefaultSocket: addr, NoStart: true}
	if r, err := Resolve(ctx, o); err != nil || r.Source != FromDefault || r.Addr != addr {
		t.Errorf("default socket: %+v %v", r, err)
	}
	o.DefaultSocket = "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	writeBuildx(t, o.Home, `{"Name":"shared"}`, "shared",
		`{"Name":"shared","Driver":"remote","Nodes":[{"Name":"shared0","Endpoint":"`+addr+`"}]}`)
	r, err := Resolve(ctx, o)
	if err != nil || r.Source != FromBuildx || r.Addr != addr || r.How() != "current buildx builder (shared)" {
		t.Errorf("buildx: %+v %v", r, err)
	}
}

func TestParseKeepStorage(t *testing.T) {
	for _, tc := range []struct {
		keep    string
		emptyOK bool
		want    int64
		wantErr bool
	}{
		{keep: "10GB", want: 10 << 30},
		{keep: "512MB", emptyOK: true, want: 512 << 20},
		{keep: "", emptyOK: true, want: 0},
		{keep: "", wantErr: true},
		{keep: "lots", emptyOK: true, wantErr: true},
	} {
		got, err := ParseKeepStorage(tc.keep, tc.emptyOK)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseKeepStorage(%q, %v) = %d, %v; want %d, error %v", tc.keep, tc.emptyOK, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestStartRefusesSharedSocketDir: the socket's directory, which has a name
// anyone can guess in the temporary directory, must be the user's own and
// writable by no one else: whoever else could write it could put a socket
// of their own in the builder's place.
func TestStartRefusesSharedSocketDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		testenv.SkipOrFail(t, "the managed buildkitd runs on Linux only")
	}
	for _, tc := range []struct {
		name  string
		setup func(dir string) error
	}{
		{"writable by others", func(dir string) error { return os.Chmod(dir, 0o777) }},
		{"another user's", func(dir string) error {
			if os.Geteuid() != 0 {
				testenv.SkipOrFail(t, "chown needs root: CI runs the tests as root")
			}
			return os.Chown(dir, 65534, 65534)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv(t, nil)
			dir := filepath.Dir(e.Paths().Socket)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := tc.setup(dir); err != nil {
				t.Fatal(err)
			}
			o := StartOptions{Env: e, Self: "/bin/false", LookPath: func(string) (string, error) { return "", errors.New("not found") }}
			_, _, err := Start(context.Background(), o)
			if err == nil || errors.Is(err, ErrCannotStartLocal) || !strings.Contains(err.Error(), "not a private directory") {
				t.Errorf("Start: %v, want a refusal of %s", err, dir)
			}
		})
	}
}
