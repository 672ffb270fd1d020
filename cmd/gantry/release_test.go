package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/internal/registrytest"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// releaseVersion is the version the tests release.
const releaseVersion = "v0.0.0-test"

// releasePlatform is the one platform the tests build (cross builds are the
// same command with another GOOS/GOARCH).
var releasePlatform = "linux/" + runtime.GOARCH

// runRelease runs scripts/release for releasePlatform into dir.
func runRelease(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(t), "scripts", "release"), releaseVersion, dir, releasePlatform)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/release: %v\n%s", err, b)
	}
}

// TestRelease builds a release with scripts/release twice and checks that
// the two are the same bytes, then installs it with the action from a local
// release server, and builds gantry's own image from it.
func TestRelease(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "builds gantry twice (-short)")
	}
	testenv.LookPath(t, "go")
	if runtime.GOOS != "linux" {
		testenv.SkipOrFail(t, "the action test runs the Linux archive")
	}
	tmp := t.TempDir()
	rel := filepath.Join(tmp, "release", releaseVersion) // served as <url>/<tag>/<file>
	again := filepath.Join(tmp, "again")
	runRelease(t, rel)
	runRelease(t, again)
	name := "gantry_" + strings.TrimPrefix(releaseVersion, "v") + "_linux_" + runtime.GOARCH
	archive := name + ".tar.gz"

	t.Run("reproducible", func(t *testing.T) {
		sums := readFile(t, filepath.Join(rel, "checksums.txt"))
		if sums != readFile(t, filepath.Join(again, "checksums.txt")) {
			t.Errorf("two runs differ:\n%s\n%s", sums, readFile(t, filepath.Join(again, "checksums.txt")))
		}
		// sha256sum format, over the archive and its SBOM, and right
		for _, f := range []string{archive, name + ".sbom.json"} {
			if want := sha256File(t, filepath.Join(rel, f)) + "  " + f + "\n"; !strings.Contains(sums, want) {
				t.Errorf("checksums.txt lacks %q:\n%s", want, sums)
			}
		}
		if n := strings.Count(sums, "\n"); n != 2 {
			t.Errorf("checksums.txt has %d lines:\n%s", n, sums)
		}
		if sbom := readFile(t, filepath.Join(rel, name+".sbom.json")); !strings.Contains(sbom, `"bomFormat": "CycloneDX"`) ||
			!strings.Contains(sbom, "pkg:golang/github.com/moby/buildkit@v0.34.2") || strings.Contains(sbom, `"serialNumber"`) {
			t.Errorf("SBOM:\n%.2000s", sbom)
		}
	})

	t.Run("archive", func(t *testing.T) {
		f, err := os.Open(filepath.Join(rel, archive))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		if gz.Name != "" || !gz.ModTime.IsZero() {
			t.Errorf("gzip header has name %q, time %v", gz.Name, gz.ModTime)
		}
		tr := tar.NewReader(gz)
		var entries []string
		var mtime time.Time
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, fmt.Sprintf("%s %o %d:%d", h.Name, h.Mode, h.Uid, h.Gid))
			if mtime.IsZero() {
				mtime = h.ModTime
			} else if !h.ModTime.Equal(mtime) {
				t.Errorf("%s has mtime %v, want %v", h.Name, h.ModTime, mtime)
			}
		}
		if got := strings.Join(entries, ", "); got != "LICENSE 644 0:0, README.md 644 0:0, gantry 755 0:0" {
			t.Errorf("entries: %s", got)
		}
	})

	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(tmp, "release"))))
	defer srv.Close()
	t.Run("action installs the release", func(t *testing.T) { testActionInstallsRelease(t, srv.URL) })
	t.Run("action refuses a tampered archive", func(t *testing.T) { testActionTampered(t, rel, archive) })
	t.Run("image", func(t *testing.T) { testReleaseImage(t, filepath.Join(rel, archive)) })
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// noGoPath is a PATH with the usual tools and no go.
func noGoPath(t *testing.T) string {
	t.Helper()
	path := "/usr/bin:/bin"
	if p, err := exec.LookPath("go"); err == nil && (filepath.Dir(p) == "/usr/bin" || filepath.Dir(p) == "/bin") {
		testenv.SkipOrFail(t, "go is installed in %s, so no PATH leaves it out", p)
	}
	return path
}

// releaseEnv is a runner's environment for the action with a release server
// and a fresh tool cache, without go on PATH.
func releaseEnv(t *testing.T, url string) (env map[string]string, workspace string) {
	testenv.LookPath(t, "curl") // what the action downloads with
	tmp := t.TempDir()
	workspace = filepath.Join(tmp, "workspace")
	os.MkdirAll(filepath.Join(workspace, ".git"), 0o755)
	os.MkdirAll(filepath.Join(tmp, "runner-temp"), 0o755) // the runner makes it
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	return map[string]string{
		"PATH": noGoPath(t), "GANTRY_RELEASE_URL": url, "HOME": tmp,
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_PATH": filepath.Join(tmp, "path"),
		"GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary.md"),
		"RUNNER_TOOL_CACHE":   filepath.Join(tmp, "toolcache"), "RUNNER_TEMP": filepath.Join(tmp, "runner-temp"),
		"RUNNER_OS": "Linux", "RUNNER_ARCH": arch,
	}, workspace
}

func testActionInstallsRelease(t *testing.T, url string) {
	env, workspace := releaseEnv(t, url)
	tcarch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	wantBin := filepath.Join(env["RUNNER_TOOL_CACHE"], "gantry", strings.TrimPrefix(releaseVersion, "v"), tcarch, "gantry")

	// 1. the version input, a cold tool cache
	run := runAction(t, map[string]string{"version": releaseVersion, "fail-on": "none"}, env, workspace)
	if run.failed {
		t.Fatalf("the action failed:\n%s", run.log)
	}
	t.Logf("cold setup (download, verify, extract, install) took %v", run.took["setup"])
	setup := run.steps["setup"]
	if setup["version"] != releaseVersion || setup["source"] != "release" || setup["cached"] != "false" || setup["bin"] != wantBin ||
		run.outputs["version"] != releaseVersion || run.outputs["path"] != wantBin || run.outputs["exit-code"] != "0" {
		t.Errorf("setup outputs %v, action outputs %v\n%s", setup, run.outputs, run.log)
	}
	if !strings.Contains(run.log, "gantry: verified "+"gantry_"+strings.TrimPrefix(releaseVersion, "v")) {
		t.Errorf("log:\n%s", run.log)
	}
	if path := readFile(t, env["GITHUB_PATH"]); path != filepath.Dir(wantBin)+"\n" {
		t.Errorf("GITHUB_PATH = %q, want %q", path, filepath.Dir(wantBin))
	}
	if out, err := exec.Command(wantBin, "--version").CombinedOutput(); err != nil || string(out) != "gantry version "+releaseVersion+"\n" {
		t.Errorf("gantry --version: %q %v", out, err)
	}
	if _, err := os.Stat(filepath.Dir(wantBin) + ".complete"); err != nil {
		t.Errorf("no .complete marker: %v", err)
	}
	if left, _ := os.ReadDir(env["RUNNER_TEMP"]); len(left) != 0 {
		t.Errorf("RUNNER_TEMP keeps %v", left)
	}

	// 2. the tool cache has it: nothing is downloaded
	run = runAction(t, map[string]string{"version": strings.TrimPrefix(releaseVersion, "v"), "fail-on": "none"}, env, workspace)
	if run.failed || run.steps["setup"]["cached"] != "true" || strings.Contains(run.log, "downloading") {
		t.Errorf("second run: outputs %v\n%s", run.steps["setup"], run.log)
	}
	t.Logf("warm setup (tool cache) took %v", run.took["setup"])

	// 3. no version input: the action's own ref. A release tag is that
	// release; a major tag is the release VERSION names at that commit.
	env["GITHUB_ACTION_REF"] = releaseVersion
	env["RUNNER_TOOL_CACHE"] = filepath.Join(t.TempDir(), "toolcache")
	run = runAction(t, map[string]string{"fail-on": "none"}, env, workspace)
	if run.failed || run.steps["setup"]["version"] != releaseVersion || run.steps["setup"]["cached"] != "false" {
		t.Errorf("ref %s: outputs %v\n%s", releaseVersion, run.steps["setup"], run.log)
	}
	recorded := strings.TrimSpace(readFile(t, filepath.Join(repoRoot(t), "VERSION")))
	major, _, _ := strings.Cut(recorded, ".")
	env["GITHUB_ACTION_REF"] = major
	run = runAction(t, nil, env, workspace)
	if !run.failed || !strings.Contains(run.log, "downloading "+url+"/"+recorded+"/") || !strings.Contains(run.log, "cannot download") {
		t.Errorf("ref %s (VERSION %s, not served):\n%s", major, recorded, run.log)
	}
	env["GITHUB_ACTION_REF"] = "v99"
	run = runAction(t, nil, env, workspace)
	if !run.failed || !strings.Contains(run.log, "records version "+recorded+", which is not a v99 release") {
		t.Errorf("ref v99:\n%s", run.log)
	}
	// a branch builds from source, which needs go
	env["GITHUB_ACTION_REF"] = "main"
	run = runAction(t, nil, env, workspace)
	if !run.failed || !strings.Contains(run.log, "there is no go on PATH") {
		t.Errorf("ref main without go:\n%s", run.log)
	}
}

func testActionTampered(t *testing.T, rel, archive string) {
	// a mirror that serves the release with one byte of the archive changed
	mirror := filepath.Join(t.TempDir(), releaseVersion)
	os.MkdirAll(mirror, 0o755)
	b, err := os.ReadFile(filepath.Join(rel, archive))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	os.WriteFile(filepath.Join(mirror, archive), b, 0o644)
	os.WriteFile(filepath.Join(mirror, "checksums.txt"), []byte(readFile(t, filepath.Join(rel, "checksums.txt"))), 0o644)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(mirror))))
	defer srv.Close()

	env, workspace := releaseEnv(t, srv.URL)
	run := runAction(t, map[string]string{"version": releaseVersion}, env, workspace)
	if !run.failed || !strings.Contains(run.log, "::error title=gantry setup::checksum mismatch for "+archive) {
		t.Fatalf("the tampered archive was not refused:\n%s", run.log)
	}
	if strings.Contains(run.log, "## run") {
		t.Errorf("gantry ran:\n%s", run.log)
	}
	if path := readFile(t, env["GITHUB_PATH"]); path != "" {
		t.Errorf("GITHUB_PATH = %q", path)
	}
	// nothing executable, and no download, is left anywhere
	for _, dir := range []string{env["RUNNER_TOOL_CACHE"], env["RUNNER_TEMP"]} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				t.Errorf("left behind: %s", p)
			}
			return nil
		})
	}
}

// testReleaseImage builds gantry's own image from the repository's
// Dockerfile with the release binary (BINARY_FROM=prebuilt: the Go image
// cannot be pulled here) and pushes it through the repository's own push
// policy, for a release tag; a push to main is denied.
func testReleaseImage(t *testing.T, archive string) {
	addr := registrytest.Service(t, "GANTRY_BUILDKIT_ADDR")
	reg := registrytest.Start(t, "ci-bot", "Registry-Pa55word")
	root := repoRoot(t)
	ctx := t.TempDir()
	os.Mkdir(filepath.Join(ctx, ".git"), 0o755)
	os.Mkdir(filepath.Join(ctx, ".github"), 0o755)
	for _, f := range []string{"Dockerfile", ".dockerignore", "LICENSE", ".github/gantry.yaml"} {
		os.WriteFile(filepath.Join(ctx, f), []byte(readFile(t, filepath.Join(root, f))), 0o644)
	}
	tarx := exec.Command("tar", "-xzf", archive, "-C", ctx, "gantry")
	if b, err := tarx.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	os.Rename(filepath.Join(ctx, "gantry"), filepath.Join(ctx, "gantry-linux"))

	image := reg.Host + "/gantry-ci/gantry"
	args := []string{"push", ctx, "--builder", addr, "--progress", "quiet", "--require", "--target", "main",
		"--image", image, "--build-arg", "BINARY_FROM=prebuilt", "--build-arg", "VERSION=v1.4.2"}

	outputs, _ := actionsEnv(t, true)
	t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.Password))
	code, _, stderr := runGantry(t, append(args, "--event", event("push-tag.json"), "--event-name", "push")...)
	if code != 0 {
		t.Fatalf("push of tag v1.4.2: exit %d\n%s", code, stderr)
	}
	out := readFile(t, outputs)
	digest := outputValue(out, "digest")
	if outputValue(out, "pushed") != "true" || outputValue(out, "tags") != image+":1.4.2\n"+image+":1.4\n"+image+":1" {
		t.Errorf("outputs:\n%s\n%s", out, stderr)
	}
	for _, tag := range []string{"1.4.2", "1.4", "1"} {
		if d := reg.Digest(t, image+":"+tag); d != digest {
			t.Errorf("%s -> %s, want %s", tag, d, digest)
		}
	}

	// the policy allows exactly a release tag: a push to main is denied
	code, _, stderr = runGantry(t, append(args, "--event", event("push-main.json"), "--event-name", "push")...)
	if code != exitFindings || !strings.Contains(stderr, "branch main does not match push.branches (none)") {
		t.Errorf("push to main: exit %d\n%s", code, stderr)
	}
}
