package buildcache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"

	"github.com/gantry-ci/gantry/stagegraph"
)

func TestParseOutput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		in      string
		typ     string
		dir     string
		file    bool
		attrs   map[string]string
		wantErr string
	}{
		{in: "type=image,name=reg/app:1,push=true", typ: "image", attrs: map[string]string{"name": "reg/app:1", "push": "true"}},
		{in: "type=registry,name=reg/app:1", typ: "image", attrs: map[string]string{"name": "reg/app:1", "push": "true"}},
		{in: "type=registry", wantErr: "type=registry needs name="},
		{in: "type=oci,dest=" + dir + "/i.tar", typ: "oci", file: true},
		{in: "type=oci,dest=" + dir + "/layout,tar=false", typ: "oci", dir: dir + "/layout", attrs: map[string]string{"tar": "false"}},
		{in: "type=docker,dest=" + dir + "/d.tar", typ: "docker", file: true},
		{in: "type=local,dest=" + dir, typ: "local", dir: dir},
		{in: dir + "/out", typ: "local", dir: dir + "/out"},
		{in: "type=tar,dest=-", typ: "tar", file: true},
		{in: "-", typ: "tar", file: true}, // docker build -o - . > rootfs.tar
		{in: "type=local,dest=-", wantErr: "type=tar,dest=-"},
		{in: "", wantErr: "empty"},
		{in: "dest=x", wantErr: "has no type="},
		{in: "type=oci", wantErr: "needs dest="},
		{in: "type=local", wantErr: "needs dest=DIR"},
		{in: "type=image,dest=x", wantErr: "takes name="},
		{in: "type=image,push=true", wantErr: "push=true needs name="},
		{in: "type=oci,dest=x,tar=maybe", wantErr: "not true or false"},
		{in: "type=image,name=r/app,push=maybe", wantErr: `push="maybe" is not true or false`},
		{in: "type=image,name=r/app,compression=brotli", wantErr: "compression must be gzip"},
		{in: "type=oci,dest=x,compression=zstd,compression-level=max", wantErr: "compression-level=\"max\" is not a number"},
		{in: "type=zip,dest=x", wantErr: "unknown type"},
		{in: "type=oci,=x", wantErr: "is not key=value"},
	} {
		ex, err := ParseOutput(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseOutput(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseOutput(%q): %v", tc.in, err)
			continue
		}
		if ex.Type != tc.typ || ex.OutputDir != tc.dir || (ex.Output != nil) != tc.file {
			t.Errorf("ParseOutput(%q) = %s dir=%q file=%v", tc.in, ex.Type, ex.OutputDir, ex.Output != nil)
		}
		for k, v := range tc.attrs {
			if ex.Attrs[k] != v {
				t.Errorf("ParseOutput(%q) attr %s = %q, want %q", tc.in, k, ex.Attrs[k], v)
			}
		}
		if _, ok := ex.Attrs["dest"]; ok {
			t.Errorf("ParseOutput(%q) left dest in the attributes", tc.in)
		}
	}
	// the tarball is created when BuildKit writes it, not when parsing
	if _, err := os.Stat(filepath.Join(dir, "i.tar")); !os.IsNotExist(err) {
		t.Errorf("parsing created the output file")
	}
}

func TestParseSecrets(t *testing.T) {
	f := filepath.Join(t.TempDir(), "npmrc")
	os.WriteFile(f, []byte("token"), 0o600)
	t.Setenv("GANTRY_TEST_SECRET", "x")
	for _, tc := range []struct {
		in      []string
		wantErr string
	}{
		{in: []string{"id=npmrc,src=" + f}},
		{in: []string{"id=tok,env=GANTRY_TEST_SECRET"}},
		{in: []string{"type=env,id=tok,src=GANTRY_TEST_SECRET"}},
		{in: []string{"src=" + f}}, // the id defaults to the file's name
		{in: []string{"id=x,src=/does/not/exist"}, wantErr: "no such file"},
		{in: []string{"id=x,bogus=1"}, wantErr: `unknown key "bogus"`},
		{in: []string{"type=ssh,id=x"}, wantErr: "type must be file or env"},
		{in: []string{"id="}, wantErr: "needs id="},
	} {
		_, err := parseSecrets(tc.in)
		if tc.wantErr == "" && err != nil {
			t.Errorf("parseSecrets(%q): %v", tc.in, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("parseSecrets(%q) error %v, want %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestParseNamedContexts(t *testing.T) {
	dir := t.TempDir()
	nc, err := parseNamedContexts(map[string]string{
		"alpine": "docker-image://alpine:3.20",
		"assets": dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if nc.attrs["context:alpine"] != "docker-image://alpine:3.20" {
		t.Errorf("docker-image context: %q", nc.attrs["context:alpine"])
	}
	local := strings.TrimPrefix(nc.attrs["context:assets"], "local:")
	if local == nc.attrs["context:assets"] || nc.mounts[local] == nil {
		t.Errorf("directory context: attr %q, mounts %v", nc.attrs["context:assets"], nc.mounts)
	}
	for in, want := range map[string]string{
		"/does/not/exist":              "want docker-image://",
		"oci-layout://" + dir:          "not an OCI layout",
		filepath.Join(dir, "x") + "/.": "no such file",
	} {
		if _, err := parseNamedContexts(map[string]string{"base": in}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("context %q: error %v, want %q", in, err, want)
		}
	}
	if _, err := parseNamedContexts(map[string]string{"bad name": dir}); err == nil {
		t.Errorf("a name with a space was accepted")
	}
	// names that differ only in / and - each get a mount of their own
	other := t.TempDir()
	nc, err = parseNamedContexts(map[string]string{"org/lib": dir, "org-lib": other, "org:lib": other})
	if err != nil {
		t.Fatal(err)
	}
	locals := map[string]bool{}
	for _, name := range []string{"org/lib", "org-lib", "org:lib"} {
		local := strings.TrimPrefix(nc.attrs["context:"+name], "local:")
		if nc.mounts[local] == nil || locals[local] {
			t.Errorf("context %s: mount %q shared or missing (attrs %v)", name, local, nc.attrs)
		}
		locals[local] = true
	}
}

func TestResolveAddress(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		flag, host string
		want       string
		wantErr    string
	}{
		{flag: "unix:///run/b.sock", host: "tcp://other:1", want: "unix:///run/b.sock"},
		{host: "tcp://10.0.0.1:1234", want: "tcp://10.0.0.1:1234"},
		{want: "unix:///run/buildkit/buildkitd.sock"},
		{flag: "docker-container://buildx_buildkit_default", want: "docker-container://buildx_buildkit_default"},
		{flag: "kube-pod://buildkitd-0?namespace=ci", want: "kube-pod://buildkitd-0?namespace=ci"},
		{flag: "/run/buildkit.sock", wantErr: "invalid BuildKit address"},
		{flag: "unix://", wantErr: "needs a socket path"},
		{flag: "tcp://", wantErr: "needs a host"},
		{flag: "http://x:1", wantErr: `unsupported scheme "http"`},
	} {
		got, err := ResolveAddress(tc.flag, env(map[string]string{"BUILDKIT_HOST": tc.host}))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ResolveAddress(%q, %q) error %v, want %q", tc.flag, tc.host, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ResolveAddress(%q, %q) = %q, %v; want %q", tc.flag, tc.host, got, err, tc.want)
		}
	}
}

// TestConnectNotRunning: no daemon behind the socket gives a prompt error
// that wraps ErrDaemonUnreachable and says how to start one.
func TestConnectNotRunning(t *testing.T) {
	addr := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	ctx, cancel := context.WithTimeout(context.Background(), 2*DefaultConnectTimeout)
	defer cancel()
	c, err := Connect(ctx, addr, TLSOptions{})
	if err == nil {
		c.Close()
		t.Fatal("connected to nothing")
	}
	if !errors.Is(err, ErrDaemonUnreachable) {
		t.Errorf("error %v does not wrap ErrDaemonUnreachable", err)
	}
	for _, want := range []string{"cannot reach BuildKit at " + addr, "no such file or directory", "buildkitd --addr", "BUILDKIT_HOST"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// prompt: it fails on the missing socket, not when ctx runs out
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Errorf("failed only when the context ran out: %v", err)
	}
	// TLS flags make sense for tcp:// only, and need readable files
	if _, err := Connect(ctx, addr, TLSOptions{CACert: "ca.pem"}); err == nil || !strings.Contains(err.Error(), "tcp://") {
		t.Errorf("TLS on unix://: %v", err)
	}
	if _, err := Connect(ctx, "tcp://127.0.0.1:1", TLSOptions{CACert: "/does/not/exist.pem"}); err == nil || !strings.Contains(err.Error(), "cannot read TLS file") {
		t.Errorf("missing CA file: %v", err)
	}
}

func TestCacheEntry(t *testing.T) {
	env := map[string]string{"ACTIONS_CACHE_URL": "https://cache/", "ACTIONS_RUNTIME_TOKEN": "tok", "ACTIONS_RESULTS_URL": "https://results/", "ACTIONS_CACHE_SERVICE_V2": "True"}
	getenv := func(k string) string { return env[k] }
	spec, err := stagegraph.ParseCacheSpec("type=local,dir=/c")
	if err != nil {
		t.Fatal(err)
	}
	imp, exp := spec.ForStage("bundle")
	ie, ee := cacheEntry(imp, false, getenv), cacheEntry(exp, true, getenv)
	if ie.Type != "local" || ie.Attrs["src"] != "/c/bundle" || ie.Attrs["reset"] != "" || ie.Attrs["mode"] != "" {
		t.Errorf("local import %+v", ie)
	}
	if ee.Attrs["dest"] != "/c/bundle" || ee.Attrs["reset"] != "true" || ee.Attrs["mode"] != "max" || ee.Attrs["ignore-error"] != "true" {
		t.Errorf("local export %+v", ee)
	}
	if _, ok := ee.Attrs["type"]; ok {
		t.Errorf("type left in the attributes")
	}
	spec, _ = stagegraph.ParseCacheSpec("type=local,dir=/c,reset=false")
	_, exp = spec.ForStage("bundle")
	if e := cacheEntry(exp, true, getenv); e.Attrs["reset"] != "false" {
		t.Errorf("reset=false was overridden: %+v", e)
	}
	spec, _ = stagegraph.ParseCacheSpec("type=registry,ref=reg/app")
	_, exp = spec.ForStage("npm")
	if e := cacheEntry(exp, true, getenv); e.Attrs["ref"] != "reg/app:cache-npm" || e.Attrs["image-manifest"] != "true" || e.Attrs["oci-mediatypes"] != "true" || e.Attrs["ignore-error"] != "true" {
		t.Errorf("registry export %+v", e)
	}
	spec, _ = stagegraph.ParseCacheSpec("type=gha")
	imp, exp = spec.ForStage("assets")
	for _, e := range []map[string]string{cacheEntry(imp, false, getenv).Attrs, cacheEntry(exp, true, getenv).Attrs} {
		if e["scope"] != "assets" || e["url"] != "https://cache/" || e["url_v2"] != "https://results/" || e["token"] != "tok" || e["version"] != "2" {
			t.Errorf("gha entry %+v", e)
		}
	}
}

func TestSolveWaves(t *testing.T) {
	df, err := os.ReadFile(filepath.Join("..", "testdata", "apps", "rails-webpack", "Dockerfile.busybox"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := stagegraph.ParseStageGraph(df, nil)
	if err != nil {
		t.Fatal(err)
	}
	target, err := g.Target("main")
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	describe := func(jobs [][]solveJob) string {
		var b strings.Builder
		for _, wave := range jobs {
			b.WriteString("[")
			for i, j := range wave {
				if i > 0 {
					b.WriteString(" ")
				}
				b.WriteString(j.stage.DisplayName() + "<")
				for k, im := range j.imports {
					if k > 0 {
						b.WriteString(",")
					}
					b.WriteString(filepath.Base(im.Attrs["src"]))
				}
				b.WriteString(">")
				for _, ex := range j.exports {
					b.WriteString(filepath.Base(ex.Attrs["dest"]))
				}
			}
			b.WriteString("]")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		opts BuildOptions
		want string
	}{
		{"no cache: one solve", BuildOptions{}, "[main<>]"},
		{"per-stage", BuildOptions{Cache: "type=local,dir=/c"},
			"[base<base>base][builder<builder>builder][bundle<bundle>bundle npm<npm>npm][assets<assets>assets][main<main>main]"},
		{"with ancestors", BuildOptions{Cache: "type=local,dir=/c", ImportAncestors: true},
			"[base<base>base][builder<builder,base>builder][bundle<bundle,base,builder>bundle npm<npm,base,builder>npm][assets<assets,base,builder,bundle,npm>assets][main<main,base,builder,bundle,npm,assets>main]"},
	} {
		tc.opts.Getenv = getenv
		jobs, _, err := solveWaves(g, target, tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := describe(jobs); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		last := jobs[len(jobs)-1]
		if len(last) != 1 || !last[0].final || last[0].target != "main" {
			t.Errorf("%s: the last solve is not the target: %+v", tc.name, last)
		}
	}
	for _, cache := range []string{"type=nope", "type=registry,ref=127.0.0.1:5000/Acme/App", "./cache", "/tmp/.buildx-cache", "type=registry,ref=ghcr.io/acme//app", "type=registry,ref=ghcr.io/acme/-app"} {
		if _, _, err := solveWaves(g, target, BuildOptions{Cache: cache, Getenv: getenv}); err == nil {
			t.Errorf("a bad cache spec was accepted: %s", cache)
		}
	}
	for _, cache := range []string{"acme/app", "ghcr.io/acme/my-app:buildcache", "localhost:5000/a__b/c.d", "123.dkr.ecr.us-east-1.amazonaws.com/team_x/app"} {
		if _, _, err := solveWaves(g, target, BuildOptions{Cache: cache, Getenv: getenv}); err != nil {
			t.Errorf("%s: %v", cache, err)
		}
	}
}

// TestPrepareSession: Build attaches a Docker-config auth provider unless
// the caller (the push gate) brings its own, and a secrets provider for
// --secret; named contexts add local mounts.
func TestPrepareSession(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "s")
	os.WriteFile(secret, []byte("x"), 0o600)
	own := authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{})
	for _, tc := range []struct {
		name    string
		opts    BuildOptions
		session int
		mounts  int
	}{
		{"default auth", BuildOptions{}, 1, 2},
		{"the caller's auth", BuildOptions{Session: []session.Attachable{own}}, 1, 2},
		{"secrets and a named context", BuildOptions{Secrets: []string{"id=s,src=" + secret}, NamedContexts: map[string]string{"extra": dir}}, 2, 3},
	} {
		tc.opts.ContextDir, tc.opts.Dockerfile = dir, filepath.Join(dir, "Dockerfile")
		b := &builder{opts: tc.opts}
		if err := b.prepare(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(b.session) != tc.session || len(b.mounts) != tc.mounts {
			t.Errorf("%s: %d attachables, %d mounts; want %d, %d", tc.name, len(b.session), len(b.mounts), tc.session, tc.mounts)
		}
		if tc.name == "the caller's auth" && b.session[0] != own {
			t.Errorf("the caller's auth provider was replaced")
		}
	}
}

// TestPrepareLeavesLocalCacheOut: a local --cache directory inside the
// build context (gantry build . --cache type=local,dir=.cache) is not part
// of the context: every build changes it, so a COPY . . would run again on
// every build, and the context would carry the whole cache to BuildKit.
func TestPrepareLeavesLocalCacheOut(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"Dockerfile", "app.go", ".cache/blobs/sha256/abc", ".cache/main/index.json", "src/.cache/kept"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	for _, tc := range []struct {
		name, store string
		want        []string
	}{
		{"inside", filepath.Join(dir, ".cache"), []string{"Dockerfile", "app.go", "src", "src/.cache", "src/.cache/kept"}},
		{"outside", t.TempDir(), []string{".cache", ".cache/blobs", ".cache/blobs/sha256", ".cache/blobs/sha256/abc", ".cache/main", ".cache/main/index.json", "Dockerfile", "app.go", "src", "src/.cache", "src/.cache/kept"}},
	} {
		b := &builder{opts: BuildOptions{ContextDir: dir, Dockerfile: filepath.Join(dir, "Dockerfile")}, localStore: tc.store}
		if err := b.prepare(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		err := b.mounts["context"].Walk(context.Background(), "", func(p string, _ fs.DirEntry, err error) error {
			got = append(got, p)
			return err
		})
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: context %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestPrepare(t *testing.T) {
	env := map[string]string{"GITHUB_SHA": "abc123", "VERSION": "1.2"}
	lookupEnv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var o BuildOptions
	o.Progress = "auto"
	if err := o.Prepare(Flags{BuildArgs: []string{"VERSION"}, Outputs: []string{"type=local,dest=out"}}, lookupEnv); err != nil {
		t.Fatal(err)
	}
	if o.BuildArgs["SHA"] != "abc123" || o.BuildArgs["VERSION"] != "1.2" || len(o.Exports) != 1 {
		t.Errorf("build args %v, exports %v", o.BuildArgs, o.Exports)
	}
	o = BuildOptions{Progress: "auto"}
	if err := o.Prepare(Flags{BuildArgs: []string{"SHA=mine"}}, lookupEnv); err != nil || o.BuildArgs["SHA"] != "mine" {
		t.Errorf("an explicit SHA: %v, %v", o.BuildArgs, err)
	}
	o = BuildOptions{Progress: "auto"}
	if err := o.Prepare(Flags{Builder: "bogus://x"}, lookupEnv); err == nil || !strings.Contains(err.Error(), "invalid BuildKit address") {
		t.Errorf("a bad --builder: %v", err)
	}
	// BuildKit would fail every solve on it, not only the cache
	o = BuildOptions{Progress: "auto", Cache: "type=registry,ref=ghcr.io/Acme/App"}
	if err := o.Prepare(Flags{}, lookupEnv); err == nil || !strings.Contains(err.Error(), "ref=ghcr.io/Acme/App is not a registry repository") {
		t.Errorf("an upper-case registry cache ref: %v", err)
	}
}

// TestBuildGraph: the graph that picks the solves is the one BuildKit
// evaluates for this build's --platform and --target, and a target
// BuildKit cannot build is a usage error.
func TestBuildGraph(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile, target string
		platforms                []string
		buildPlatform            string
		base                     string // the target's base stage; "" for an image
		err                      string // part of the usage error
	}{
		{name: "a stage whose name a later stage takes", dockerfile: "FROM scratch AS x\nFROM scratch AS x\nFROM scratch AS final\n", target: "0",
			err: `target "0" is a stage whose name a later stage takes again`},
		{name: "an unnamed stage", dockerfile: "FROM scratch\nFROM scratch AS final\n", target: "0", err: `target "0" is an unnamed stage`},
		{name: "TARGETARCH of the first platform", dockerfile: "FROM scratch AS base-arm64\nFROM base-${TARGETARCH}\n", platforms: []string{"linux/arm64", "linux/amd64"}, base: "base-arm64"},
		{name: "TARGETARCH by default", dockerfile: "FROM scratch AS base-arm64\nFROM base-${TARGETARCH}\n"},
		{name: "BUILDARCH of the builder, not of the target", dockerfile: "FROM scratch AS base-amd64\nFROM scratch AS base-arm64\nFROM base-${BUILDARCH}\n", platforms: []string{"linux/arm64"}, buildPlatform: "linux/amd64", base: "base-amd64"},
		{name: "BUILDARCH of an arm64 builder", dockerfile: "FROM scratch AS base-amd64\nFROM scratch AS base-arm64\nFROM base-${BUILDARCH}\n", platforms: []string{"linux/amd64"}, buildPlatform: "linux/arm64", base: "base-arm64"},
		{name: "TARGETARCH of the builder without --platform", dockerfile: "FROM scratch AS base-arm64\nFROM base-${TARGETARCH}\n", buildPlatform: "linux/arm64", base: "base-arm64"},
		{name: "TARGETSTAGE", dockerfile: "FROM scratch AS base-final\nFROM base-${TARGETSTAGE} AS final\nFROM scratch AS other\n", target: "final", base: "base-final"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, target, err := buildGraph([]byte(tc.dockerfile), BuildOptions{Dockerfile: "Dockerfile", Target: tc.target, Platforms: tc.platforms, BuildPlatform: tc.buildPlatform})
			if tc.err != "" {
				var be *BuildError
				if !errors.As(err, &be) || be.Kind != KindUsage || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("buildGraph: %v, want a usage error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			base := ""
			if target.BaseStage != nil {
				base = target.BaseStage.Name
			}
			if base != tc.base {
				t.Errorf("the target's base stage is %q, want %q", base, tc.base)
			}
		})
	}
}
