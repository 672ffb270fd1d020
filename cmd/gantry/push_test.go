package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/cpuprofile"
	"github.com/gantry-ci/gantry/internal/registrytest"
)

// runGantry runs gantry in-process and returns its exit code and output.
func runGantry(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	root := newRootCmd(&cpuprofile.Profile{})
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errb.WriteString("gantry: " + err.Error() + "\n")
	}
	return exitCodeOf(err), out.String(), errb.String()
}

// exitCodeOf is run's mapping of errors to exit codes.
func exitCodeOf(err error) int {
	var ee *exitError
	var ce *config.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ce):
		return exitUsage
	}
	return exitUsage
}

// actionsEnv clears the GitHub and Docker environment of the test process
// and returns the paths of $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.
func actionsEnv(t *testing.T, inActions bool) (outputs, summary string) {
	dir := t.TempDir()
	outputs, summary = filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, k := range []string{"GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REF", "GITHUB_REF_NAME", "GITHUB_REF_TYPE",
		"GITHUB_SHA", "GITHUB_REPOSITORY", "BUILDKIT_HOST"} {
		t.Setenv(k, "")
	}
	t.Setenv("GITHUB_ACTIONS", map[bool]string{true: "true", false: ""}[inActions])
	t.Setenv("GITHUB_OUTPUT", outputs)
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "no-docker-config"))
	return outputs, summary
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func event(name string) string { return filepath.Join("..", "..", "testdata", "events", name) }

// writeRepo writes files (slash paths) under a new directory.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGateCommand(t *testing.T) {
	cleanWorkflow := "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: echo ok\n"
	badWorkflow := "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: echo ${{ nosuchcontext.value }}\n"
	tests := []struct {
		name    string
		files   map[string]string
		args    []string
		code    int
		stdout  []string
		stderr  []string
		outputs string // prefix of $GITHUB_OUTPUT
	}{
		{
			name: "push to main", args: []string{"--event", event("push-main.json"), "--event-name", "push"},
			code: 0, stdout: []string{"push gate: push: push on the default branch main is allowed", "event  push         pass"},
			outputs: "push=true\nreason=push on the default branch main is allowed\ntags<<gantry_",
		},
		{
			name: "fork pull request", args: []string{"--event", event("pull_request-fork.json"), "--event-name", "pull_request"},
			code: 0, stdout: []string{"push gate: no push: event pull_request is not in push.events (push)", "fork   mallory/shop"},
			outputs: "push=false\nreason=event pull_request is not in push.events (push)\n",
		},
		{
			name: "denied with --require", args: []string{"--require", "--event", event("pull_request_target-fork.json"), "--event-name", "pull_request_target"},
			code: 1, stderr: []string{"gantry: push denied: event pull_request_target is not in push.events (push)"},
			outputs: "push=false\n",
		},
		{
			name: "allowed with --require", args: []string{"--require", "--event", event("push-tag.json"), "--event-name", "push"},
			code: 0, stdout: []string{"push of tag v1.4.2 is allowed"},
		},
		{
			name: "event without a name", args: []string{"--event", event("push-main.json")},
			code: 2, stderr: []string{"--event needs --event-name"},
		},
		{
			name: "missing payload", args: []string{"--event", "nope.json", "--event-name", "push"},
			code: 2, stderr: []string{"cannot read the event payload"},
		},
		{
			name:  "bad push section",
			files: map[string]string{".github/gantry.yaml": "push:\n  events: [push]\n  allow_forks: true\n"},
			args:  []string{"--event", event("push-main.json"), "--event-name", "push"},
			code:  2, stderr: []string{`.github/gantry.yaml:3:3: unknown key "allow_forks" in push`},
		},
		{
			name:  "policy from the repository",
			files: map[string]string{".github/gantry.yaml": "push:\n  events: [pull_request]\n  branches: [main]\n  require-label: push-image\n"},
			args:  []string{"--event", event("pull_request-same-repo-labelled.json"), "--event-name", "pull_request"},
			code:  0, stdout: []string{"push gate: push", "label  push-image"},
		},
		{
			name: "require-lint with a lint error",
			files: map[string]string{".github/gantry.yaml": "push:\n  require-lint: true\n",
				".github/workflows/ci.yml": badWorkflow},
			args: []string{"--event", event("push-main.json"), "--event-name", "push"},
			code: 0, stdout: []string{"push gate: no push: gantry lint reported 1 error (push.require-lint)"},
		},
		{
			name: "require-lint with a clean repository",
			files: map[string]string{".github/gantry.yaml": "push:\n  require-lint: true\n",
				".github/workflows/ci.yml": cleanWorkflow},
			args: []string{"--event", event("push-main.json"), "--event-name", "push"},
			code: 0, stdout: []string{"push gate: push", "lint   0 errors     pass"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outputs, _ := actionsEnv(t, true)
			dir := writeRepo(t, tt.files)
			os.Mkdir(filepath.Join(dir, ".git"), 0o755)
			args := append([]string{"gate", dir}, tt.args...)
			code, stdout, stderr := runGantry(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if got := readFile(t, outputs); !strings.HasPrefix(got, tt.outputs) {
				t.Errorf("outputs:\n%s\nwant prefix:\n%s", got, tt.outputs)
			}
		})
	}
}

// pushRepo is an application with a one-file image and a push policy.
func pushRepo(t *testing.T, image, dockerfile string) string {
	dir := writeRepo(t, map[string]string{
		"Dockerfile":          dockerfile,
		"hello.txt":           "hello from " + t.Name(),
		".github/gantry.yaml": "push:\n  image: " + image + "\n  tags: [\"{{sha}}\", latest]\n",
	})
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	return dir
}

func outputValue(outputs, name string) string {
	lines := strings.Split(outputs, "\n")
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, name+"="); ok {
			return v
		}
		if delim, ok := strings.CutPrefix(l, name+"<<"); ok {
			var vals []string
			for _, v := range lines[i+1:] {
				if v == delim {
					break
				}
				vals = append(vals, v)
			}
			return strings.Join(vals, "\n")
		}
	}
	return ""
}

func TestPushCommand(t *testing.T) {
	addr := registrytest.Service(t, "GANTRY_BUILDKIT_ADDR")
	reg := registrytest.Start(t, "ci-bot", "Registry-Pa55word")
	image := reg.Host + "/acme/shop"
	const sha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
	mainEvent := []string{"--event", event("push-main.json"), "--event-name", "push"}
	build := []string{"--builder", addr, "--progress", "quiet"}

	t.Run("allowed", func(t *testing.T) {
		outputs, summary := actionsEnv(t, true)
		t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.Password))
		dir := pushRepo(t, image, "FROM scratch\nCOPY hello.txt /\n")
		code, stdout, stderr := runGantry(t, append(append([]string{"push", dir}, build...), mainEvent...)...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		out := readFile(t, outputs)
		digest := outputValue(out, "digest")
		if outputValue(out, "pushed") != "true" || !strings.HasPrefix(digest, "sha256:") ||
			outputValue(out, "tags") != image+":"+sha+"\n"+image+":latest" {
			t.Fatalf("outputs:\n%s", out)
		}
		for _, tag := range []string{sha, "latest"} {
			if d := reg.Digest(t, image+":"+tag); d != digest {
				t.Errorf("%s -> %s, want %s", tag, d, digest)
			}
		}
		if !strings.Contains(stdout, "::add-mask::"+reg.Password) {
			t.Errorf("password not masked; stdout:\n%s", stdout)
		}
		if strings.Contains(stderr, reg.Password) {
			t.Errorf("stderr shows the password:\n%s", stderr)
		}
		for _, w := range []string{"push gate: push", `push plan: ` + image + ` with user "ci-bot" from docker config`,
			"tag latest: created at " + digest, "pushed " + image + "@" + digest} {
			if !strings.Contains(stderr, w) {
				t.Errorf("stderr lacks %q:\n%s", w, stderr)
			}
		}
		if s := readFile(t, summary); !strings.Contains(s, "### Push gate: push") || !strings.Contains(s, "### Pushed `"+image+"@"+digest+"`") {
			t.Errorf("summary:\n%s", s)
		}

		// gantry build --push: the same hook, the image from the config;
		// a new image moves latest
		os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("changed"), 0o644)
		code, _, stderr = runGantry(t, append([]string{"build", dir, "--push"}, build...)...)
		if code != 0 || !strings.Contains(stderr, "GITHUB_EVENT_NAME is not set") || !strings.Contains(stderr, "building without pushing") {
			t.Errorf("build --push without an event: exit %d\n%s", code, stderr)
		}
		t.Setenv("GITHUB_EVENT_NAME", "push")
		t.Setenv("GITHUB_EVENT_PATH", event("push-main.json"))
		code, _, stderr = runGantry(t, append([]string{"build", dir, "--push"}, build...)...)
		if code != 0 {
			t.Fatalf("build --push: exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "tag latest: moved "+digest+" -> ") {
			t.Errorf("stderr:\n%s", stderr)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		outputs, _ := actionsEnv(t, false)
		t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, "not-the-password"))
		dir := pushRepo(t, reg.Host+"/acme/other", "FROM scratch\nCOPY hello.txt /\n")
		code, _, stderr := runGantry(t, append(append([]string{"push", dir}, build...), mainEvent...)...)
		if code != exitPushFailed || !strings.Contains(stderr, `rejected user "ci-bot" from docker config`) {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if strings.Contains(stderr, "STAGE") {
			t.Errorf("built despite the failed pre-flight:\n%s", stderr)
		}
		if got := outputValue(readFile(t, outputs), "pushed"); got != "false" {
			t.Errorf("pushed = %q", got)
		}
		if cat := reg.Catalog(t); strings.Contains(cat, "acme/other") {
			t.Errorf("catalog: %s", cat)
		}
	})

	t.Run("denied", func(t *testing.T) {
		outputs, _ := actionsEnv(t, false)
		t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.Password))
		dir := pushRepo(t, reg.Host+"/acme/fork", "FROM scratch\nCOPY hello.txt /\n")
		fork := []string{"--event", event("pull_request-fork.json"), "--event-name", "pull_request"}
		code, _, stderr := runGantry(t, append(append([]string{"push", dir}, build...), fork...)...)
		if code != 0 || !strings.Contains(stderr, "building without pushing") || !strings.Contains(stderr, "STAGE") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if got := outputValue(readFile(t, outputs), "pushed"); got != "false" {
			t.Errorf("pushed = %q", got)
		}
		code, _, stderr = runGantry(t, append(append([]string{"push", dir, "--require"}, build...), fork...)...)
		if code != 1 || strings.Contains(stderr, "STAGE") {
			t.Errorf("--require: exit %d, built anyway?\n%s", code, stderr)
		}
		// a fork cannot read the registry cache (here: nothing listens):
		// the denied build reads what it can, writes nothing, and a cache
		// fault does not fail it
		cache := "type=registry,ref=" + closedAddr(t) + "/acme/fork-cache"
		code, _, stderr = runGantry(t, append(append([]string{"push", dir, "--cache", cache}, build...), fork...)...)
		if code != 0 || !strings.Contains(stderr, "reading the cache without writing it") || !strings.Contains(stderr, "cache: read only") ||
			!strings.Contains(stderr, "warning: cache-import") {
			t.Errorf("denied with a registry cache and no credentials: exit %d\n%s", code, stderr)
		}
		if cat := reg.Catalog(t); strings.Contains(cat, "acme/fork") {
			t.Errorf("catalog: %s", cat)
		}
	})

	t.Run("build fails after the plan", func(t *testing.T) {
		outputs, _ := actionsEnv(t, false)
		t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.Password))
		dir := pushRepo(t, reg.Host+"/acme/broken", "FROM scratch\nCOPY missing.txt /\n")
		code, _, stderr := runGantry(t, append(append([]string{"push", dir}, build...), mainEvent...)...)
		if code != exitBuildFailed {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		for _, w := range []string{"not pushed: " + reg.Host + "/acme/broken", "latest not attempted (none) (none) the build did not finish"} {
			if !strings.Contains(strings.Join(strings.Fields(stderr), " "), w) {
				t.Errorf("stderr lacks %q:\n%s", w, stderr)
			}
		}
		out := readFile(t, outputs)
		if outputValue(out, "pushed") != "false" || !strings.Contains(outputValue(out, "reason"), "nothing was pushed") {
			t.Errorf("outputs:\n%s", out)
		}
	})

	// a credential that may pull but not push (a read-only registry): the
	// pre-flight passes, BuildKit's image push fails, and that is the
	// registry side's failure (exit 6), not a failed build
	t.Run("image push fails", func(t *testing.T) {
		outputs, _ := actionsEnv(t, false)
		ro := registrytest.StartReadOnly(t, "ci-bot", "Registry-Pa55word")
		t.Setenv("DOCKER_CONFIG", ro.DockerConfig(t, ro.Password))
		dir := pushRepo(t, ro.Host+"/acme/shop", "FROM scratch\nCOPY hello.txt /\n")
		code, _, stderr := runGantry(t, append(append([]string{"push", dir}, build...), mainEvent...)...)
		if code != exitPushFailed {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		for _, w := range []string{"STAGE", "not pushed: " + ro.Host + "/acme/shop", "latest not attempted (none) (none) the image push failed",
			"pushing the image to " + ro.Host + "/acme/shop failed, so no tag was created or moved"} {
			if !strings.Contains(strings.Join(strings.Fields(stderr), " "), w) {
				t.Errorf("stderr lacks %q:\n%s", w, stderr)
			}
		}
		out := readFile(t, outputs)
		if outputValue(out, "pushed") != "false" || !strings.Contains(outputValue(out, "reason"), "pushing the image to "+ro.Host+"/acme/shop failed") {
			t.Errorf("outputs:\n%s", out)
		}
	})

	t.Run("no image", func(t *testing.T) {
		actionsEnv(t, false)
		dir := writeRepo(t, map[string]string{"Dockerfile": "FROM scratch\n"})
		code, _, stderr := runGantry(t, append(append([]string{"push", dir}, build...), mainEvent...)...)
		if code != exitUsage || !strings.Contains(stderr, "no image to push: set push.image in .github/gantry.yaml or pass --image") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
	})
}
