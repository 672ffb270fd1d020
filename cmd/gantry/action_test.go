package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/internal/testenv"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// This file runs action.yml the way the runner runs a composite action, with
// a fake GITHUB_* environment: each run: step goes through bash with its
// env: evaluated, step outputs are read back from GITHUB_OUTPUT, if:
// conditions and ${{ }} expressions are evaluated (with actionlint's
// expression parser), and the action's outputs are computed at the end.
// uses: steps are skipped (action.yml has none today).

// actionMetadata is the part of action.yml the runner reads.
type actionMetadata struct {
	Name     string
	Branding struct{ Icon, Color string }
	Inputs   map[string]struct {
		Description string
		Default     string
	}
	Outputs map[string]struct {
		Description string
		Value       string
	}
	Runs struct {
		Using string
		Steps []actionStep
	}
}

type actionStep struct {
	ID               string
	If               string
	Uses             string
	Run              string
	Shell            string
	WorkingDirectory string `yaml:"working-directory"`
	Env              map[string]string
	With             map[string]string
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readAction(t *testing.T) *actionMetadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionMetadata
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// actionRun is one run of the action.
type actionRun struct {
	outputs map[string]string
	steps   map[string]map[string]string
	ran     []string // the steps that ran, by id or script
	took    map[string]time.Duration
	log     string
	failed  bool
}

// actionRunner evaluates the action's expressions.
type actionRunner struct {
	t       *testing.T
	inputs  map[string]string
	github  map[string]string
	steps   map[string]map[string]string
	env     []string // the job's environment
	workdir string   // GITHUB_WORKSPACE
}

var exprRE = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

func (r *actionRunner) interpolate(s string) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		return fmt.Sprint(r.eval(exprRE.FindStringSubmatch(m)[1]))
	})
}

func (r *actionRunner) eval(src string) any {
	node, err := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(src + "}}"))
	if err != nil {
		r.t.Fatalf("expression %q: %v", src, err)
	}
	return r.node(node)
}

func (r *actionRunner) node(n actionlint.ExprNode) any {
	switch n := n.(type) {
	case *actionlint.StringNode:
		return n.Value
	case *actionlint.BoolNode:
		return n.Value
	case *actionlint.VariableNode:
		switch n.Name {
		case "inputs":
			return r.inputs
		case "github":
			return r.github
		case "steps":
			steps := map[string]any{}
			for id, outs := range r.steps {
				steps[id] = map[string]any{"outputs": outs}
			}
			return steps
		}
		r.t.Fatalf("context %q is not available in a composite action's metadata", n.Name)
	case *actionlint.ObjectDerefNode:
		switch recv := r.node(n.Receiver).(type) {
		case map[string]string:
			return recv[n.Property]
		case map[string]any:
			if v, ok := recv[n.Property]; ok {
				return v
			}
		}
		return ""
	case *actionlint.CompareOpNode:
		eq := fmt.Sprint(r.node(n.Left)) == fmt.Sprint(r.node(n.Right))
		switch n.Kind {
		case actionlint.CompareOpNodeKindEq:
			return eq
		case actionlint.CompareOpNodeKindNotEq:
			return !eq
		}
	case *actionlint.LogicalOpNode:
		l, rr := truthy(r.node(n.Left)), truthy(r.node(n.Right))
		if n.Kind == actionlint.LogicalOpNodeKindAnd {
			return l && rr
		}
		return l || rr
	case *actionlint.NotOpNode:
		return !truthy(r.node(n.Operand))
	}
	r.t.Fatalf("expression %T is not supported by this test runner", n)
	return nil
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v != ""
	}
	return v != nil
}

// runAction runs action.yml with the given inputs in workspace.
func runAction(t *testing.T, inputs, env map[string]string, workspace string) *actionRun {
	t.Helper()
	a := readAction(t)
	root := repoRoot(t)
	r := &actionRunner{t: t, inputs: map[string]string{}, steps: map[string]map[string]string{}, workdir: workspace,
		github: map[string]string{"action_path": root, "action_ref": env["GITHUB_ACTION_REF"], "token": env["GITHUB_TOKEN"], "workspace": workspace}}
	for name, in := range a.Inputs {
		r.inputs[name] = r.interpolate(in.Default)
	}
	for k, v := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
		r.inputs[k] = v
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "RUNNER_") && !strings.HasPrefix(kv, "INPUT_") {
			r.env = append(r.env, kv)
		}
	}
	for k, v := range env {
		// the job does not have GITHUB_TOKEN (the action passes its input), and
		// a composite action's steps do not get GITHUB_ACTION_REF (actions/runner#2473)
		if k != "GITHUB_TOKEN" && k != "GITHUB_ACTION_REF" {
			r.env = append(r.env, k+"="+v)
		}
	}
	r.env = append(r.env, "GITHUB_ACTION_PATH="+root, "GITHUB_WORKSPACE="+workspace)

	run := &actionRun{steps: r.steps, took: map[string]time.Duration{}}
	var log strings.Builder
	for i, s := range a.Runs.Steps {
		name := s.ID
		if name == "" {
			name = fmt.Sprintf("step %d", i+1)
		}
		if s.If != "" && !truthy(r.eval(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s.If), "${{"), "}}"))) {
			continue
		}
		if run.failed {
			continue // success() is false after a failure
		}
		if s.Uses != "" {
			fmt.Fprintf(&log, "## %s: skipped uses: %s\n", name, s.Uses)
			run.ran = append(run.ran, s.Uses)
			continue
		}
		run.ran = append(run.ran, name+": "+s.Run)
		out := filepath.Join(t.TempDir(), "output")
		stepEnv := append([]string(nil), r.env...)
		stepEnv = append(stepEnv, "GITHUB_OUTPUT="+out)
		for k, v := range s.Env {
			stepEnv = append(stepEnv, k+"="+r.interpolate(v))
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
		cmd.Env = stepEnv
		cmd.Dir = filepath.Join(workspace, r.interpolate(s.WorkingDirectory))
		start := time.Now()
		b, err := cmd.CombinedOutput()
		run.took[name] = time.Since(start)
		fmt.Fprintf(&log, "## %s\n%s", name, b)
		if err != nil {
			fmt.Fprintf(&log, "## %s failed: %v\n", name, err)
			run.failed = true
		}
		if s.ID != "" {
			r.steps[s.ID] = readOutputs(t, out)
		}
	}
	run.outputs = map[string]string{}
	for name, o := range a.Outputs {
		run.outputs[name] = r.interpolate(o.Value)
	}
	run.log = log.String()
	return run
}

// readOutputs parses a GITHUB_OUTPUT file: name=value and name<<DELIM lines.
func readOutputs(t *testing.T, path string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for sc.Scan() && sc.Text() != delim {
				val = append(val, sc.Text())
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("malformed output line %q", line)
		}
		out[name] = val
	}
	return out
}

// fakeAPI is the part of GitHub's API the action's lint run uses.
type fakeAPI struct {
	mu    sync.Mutex
	calls []string
	runs  []map[string]any
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		json.Unmarshal(b, &body)
	}
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if strings.Contains(r.URL.Path, "/check-runs") {
		f.runs = append(f.runs, body)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer action-token" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Bad credentials"}`)
		return
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /repos/acme/app/pulls/7/files":
		io.WriteString(w, `[{"filename":".github/workflows/ci.yml","status":"added","patch":"@@ -0,0 +1,12 @@\n+a\n+b\n+c\n+d\n+e\n+f\n+g\n+h\n+i\n+j\n+k\n+l"}]`)
	case "POST /repos/acme/app/check-runs":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":31,"html_url":"https://github.example.com/acme/app/runs/31"}`)
	case "PATCH /repos/acme/app/check-runs/31":
		io.WriteString(w, `{"id":31}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Not Found"}`)
	}
}

// brokenWorkflow has two actionlint errors: a double-quoted string in an
// expression (line 10) and the deprecated set-output command (line 11).
const brokenWorkflow = `name: ci
on: pull_request
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - if: github.event_name == "push"
        run: echo "::set-output name=x::y"
concurrency: ci-${{ github.ref }}
`

func TestActionEndToEnd(t *testing.T) {
	testenv.LookPath(t, "go")
	tmp := t.TempDir()
	workspace := filepath.Join(tmp, "workspace")
	os.MkdirAll(filepath.Join(workspace, ".git"), 0o755)
	os.MkdirAll(filepath.Join(workspace, ".github", "workflows"), 0o755)
	os.WriteFile(filepath.Join(workspace, ".github", "workflows", "ci.yml"), []byte(brokenWorkflow), 0o644)
	event := filepath.Join(tmp, "event.json")
	os.WriteFile(event, []byte(`{"repository":{"full_name":"acme/app","default_branch":"main"},
	  "pull_request":{"number":7,"head":{"sha":"headsha","ref":"feature","repo":{"full_name":"acme/app"}},
	    "base":{"ref":"main","repo":{"full_name":"acme/app"}}}}`), 0o644)
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	toolCache := filepath.Join(tmp, "toolcache")
	env := func(summary string) map[string]string {
		return map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": event,
			"GITHUB_REPOSITORY": "acme/app", "GITHUB_SHA": "mergesha", "GITHUB_REF": "refs/pull/7/merge",
			"GITHUB_API_URL": srv.URL, "GITHUB_SERVER_URL": "https://github.example.com", "GITHUB_RUN_ID": "99",
			"GITHUB_STEP_SUMMARY": summary, "GITHUB_PATH": filepath.Join(tmp, "path"), "GITHUB_TOKEN": "action-token",
			"RUNNER_TOOL_CACHE": toolCache, "RUNNER_TEMP": tmp, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
		}
	}

	// 1. a check run, failing on the errors; gantry is built from source
	summary1 := filepath.Join(tmp, "summary1.md")
	run := runAction(t, map[string]string{"format": "checks", "github-token": "action-token"}, env(summary1), workspace)
	if !run.failed || run.outputs["exit-code"] != "1" || run.outputs["findings"] != "2" || run.outputs["errors"] != "2" || run.outputs["warnings"] != "0" {
		t.Fatalf("outputs %v, failed %v\n%s", run.outputs, run.failed, run.log)
	}
	if run.steps["setup"]["cached"] != "false" || !strings.Contains(run.log, "gantry: built ") {
		t.Errorf("gantry was not built from source:\n%s", run.log)
	}
	bin := run.steps["setup"]["bin"]
	if _, err := os.Stat(bin); err != nil || !strings.HasPrefix(bin, toolCache) {
		t.Errorf("binary %q not in the tool cache: %v", bin, err)
	}
	md, _ := os.ReadFile(summary1)
	if !strings.Contains(string(md), "### :x: gantry lint: 2 errors, 0 warnings, 0 info in 1 file") ||
		!strings.Contains(string(md), "[10:") || !strings.Contains(string(md), "https://github.example.com/acme/app/blob/headsha/.github/workflows/ci.yml#L11") {
		t.Errorf("job summary:\n%s", md)
	}
	api.mu.Lock()
	calls, runs := strings.Join(api.calls, "\n"), api.runs
	api.mu.Unlock()
	if !strings.Contains(calls, "GET /repos/acme/app/pulls/7/files") || len(runs) != 3 || runs[0]["head_sha"] != "headsha" ||
		runs[2]["conclusion"] != "failure" {
		t.Errorf("API calls:\n%s\ncheck runs %v", calls, runs)
	}
	if path, _ := os.ReadFile(filepath.Join(tmp, "path")); strings.TrimSpace(string(path)) != filepath.Dir(bin) {
		t.Errorf("GITHUB_PATH = %q, want %q", path, filepath.Dir(bin))
	}

	// 2. workflow commands, not failing; the binary comes from the tool cache
	summary2 := filepath.Join(tmp, "summary2.md")
	run = runAction(t, map[string]string{"fail-on": "none", "paths": ".github/workflows/ci.yml", "github-token": "action-token"}, env(summary2), workspace)
	if run.failed || run.outputs["exit-code"] != "0" || run.outputs["findings"] != "2" {
		t.Fatalf("outputs %v, failed %v\n%s", run.outputs, run.failed, run.log)
	}
	if run.steps["setup"]["cached"] != "true" || strings.Contains(run.log, "gantry: built") || len(run.ran) != 2 {
		t.Errorf("the cached binary was not reused (steps %v):\n%s", run.ran, run.log)
	}
	for _, want := range []string{
		"::error file=.github/workflows/ci.yml,line=10,col=",
		"::error file=.github/workflows/ci.yml,line=11,col=",
		"gantry lint --fail-on none -- .github/workflows/ci.yml",
	} {
		if !strings.Contains(run.log, want) {
			t.Errorf("log lacks %q:\n%s", want, run.log)
		}
	}

	// 3. a bad input is a clear usage error
	run = runAction(t, map[string]string{"command": "deploy"}, env(filepath.Join(tmp, "summary3.md")), workspace)
	if !run.failed || run.outputs["exit-code"] != "" ||
		!strings.Contains(run.log, `gantry: input command must be one of lint, plan, build, push, gate, not "deploy"`) {
		t.Errorf("outputs %v\n%s", run.outputs, run.log)
	}
}

// TestActionMetadata checks what the runner and the Marketplace require of
// action.yml, and that inputs reach scripts only through env:.
func TestActionMetadata(t *testing.T) {
	a := readAction(t)
	if a.Name == "" || a.Branding.Icon == "" || a.Branding.Color == "" || a.Runs.Using != "composite" {
		t.Errorf("name %q, branding %+v, using %q", a.Name, a.Branding, a.Runs.Using)
	}
	for _, in := range []string{"version", "command", "args", "paths", "format", "fail-on", "config", "github-token", "working-directory"} {
		if a.Inputs[in].Description == "" {
			t.Errorf("input %s is missing or undocumented", in)
		}
	}
	if a.Inputs["github-token"].Default != "${{ github.token }}" {
		t.Errorf("github-token default %q", a.Inputs["github-token"].Default)
	}
	for _, out := range []string{"version", "path", "findings", "errors", "pushed", "reason", "tags", "digest"} {
		if a.Outputs[out].Value == "" || a.Outputs[out].Description == "" {
			t.Errorf("output %s is missing", out)
		}
	}
	for i, s := range a.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d interpolates an expression into run: %q", i+1, s.Run)
		}
		if s.Uses != "" {
			t.Errorf("step %d uses %s: the action installs gantry itself and leaves the job's tools (setup-go) alone", i+1, s.Uses)
		}
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %d: composite run: steps need shell: bash, not %q", i+1, s.Shell)
		}
	}
}

// TestActionSetupRef checks which release scripts/action-setup.sh installs
// when the version input is empty: the ref in the action's checkout path
// (_actions/OWNER/REPO/REF), which github.action_ref (ACTION_REF) does not
// override: inside a composite action that another one uses, it is the
// outer action's ref. The release server has nothing and there is no go,
// so the step fails after saying what it was asked for.
func TestActionSetupRef(t *testing.T) {
	testenv.LookPath(t, "curl")
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	script := filepath.Join(repoRoot(t), "scripts", "action-setup.sh")
	for _, tc := range []struct {
		name      string
		path      string // the action's checkout path, under a temporary folder unless absolute
		actionRef string // github.action_ref as the action's env: passes it
		version   string // the action's VERSION file
		want      string // a line of the log
	}{
		{"release tag", "_work/_actions/gantry-ci/gantry/v1.4.2", "v1.4.2", "v1.4.2", "downloading " + srv.URL + "/v1.4.2/"},
		{"major tag", "_work/_actions/gantry-ci/gantry/v1", "v1", "v1.4.2", "downloading " + srv.URL + "/v1.4.2/"},
		{"major tag in a composite action tagged v3", "_work/_actions/gantry-ci/gantry/v1", "v3", "v1.4.2", "downloading " + srv.URL + "/v1.4.2/"},
		{"release tag in a composite action at main", "_work/_actions/gantry-ci/gantry/v1.4.2", "main", "v1.4.2", "downloading " + srv.URL + "/v1.4.2/"},
		{"windows path, no action_ref", `D:\a\_actions\gantry-ci\gantry\v1.4.2`, "", "", "downloading " + srv.URL + "/v1.4.2/"},
		{"local action", "workspace/gantry", "v1.4.2", "v1.4.2", "downloading " + srv.URL + "/v1.4.2/"},
		{"branch release/v1.4.2", "_work/_actions/gantry-ci/gantry/release/v1.4.2", "", "v1.4.2", "there is no go on PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			action := tc.path
			if !strings.Contains(action, `\`) {
				action = filepath.Join(tmp, filepath.FromSlash(tc.path))
				os.MkdirAll(action, 0o755)
				os.WriteFile(filepath.Join(action, "VERSION"), []byte(tc.version+"\n"), 0o644)
			}
			cmd := exec.Command("bash", script)
			cmd.Env = []string{"PATH=" + noGoPath(t), "HOME=" + tmp,
				"GITHUB_ACTION_PATH=" + action, "ACTION_REF=" + tc.actionRef, "GITHUB_OUTPUT=" + filepath.Join(tmp, "output"),
				"GANTRY_RELEASE_URL=" + srv.URL, "RUNNER_OS=Linux", "RUNNER_ARCH=X64",
				"RUNNER_TOOL_CACHE=" + filepath.Join(tmp, "toolcache"), "RUNNER_TEMP=" + filepath.Join(tmp, "temp")}
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("action at %s, github.action_ref %q: want a failure after %q, got %v:\n%s", tc.path, tc.actionRef, tc.want, err, out)
			}
		})
	}
}
