package actions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

func TestActionCommand(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
		err  string
	}{
		{map[string]string{}, "lint", ""},
		{map[string]string{"INPUT_COMMAND": "lint", "INPUT_FORMAT": "checks", "INPUT_FAIL_ON": "warning", "INPUT_CONFIG": "ci/gantry.yaml",
			"INPUT_ARGS": `--no-shellcheck --stdin-filename "a b.yml"`, "INPUT_PATHS": ".github/workflows\n'docker/My Dockerfile'\n"},
			`lint|--format|checks|--fail-on|warning|--config|ci/gantry.yaml|--no-shellcheck|--stdin-filename|a b.yml|--|.github/workflows|docker/My Dockerfile`, ""},
		{map[string]string{"INPUT_COMMAND": "build", "INPUT_FAIL_ON": "error", "INPUT_CONFIG": "x", "INPUT_ARGS": "--target main", "INPUT_PATHS": "."},
			"build|--target|main|--|.", ""},
		{map[string]string{"INPUT_COMMAND": " push ", "INPUT_ARGS": "$HOME `id`"}, "push|$HOME|`id`", ""},
		{map[string]string{"INPUT_COMMAND": "gate", "INPUT_FORMAT": "checks"}, "gate", ""},
		{map[string]string{"INPUT_COMMAND": "push", "INPUT_FORMAT": "json", "INPUT_ARGS": "--require"}, "push|--require", ""},
		{map[string]string{"INPUT_COMMAND": "plan", "INPUT_FORMAT": "mermaid"}, "plan|--format|mermaid", ""},
		{map[string]string{"INPUT_COMMAND": "deploy"}, "", `input command must be one of lint, plan, build, push, gate, not "deploy"`},
		{map[string]string{"INPUT_ARGS": `"unterminated`}, "", "input args:"},
	} {
		argv, err := ActionCommand(envMap(tc.env))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err %v, want %q", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(argv, "|") != tc.want {
			t.Errorf("%v:\n got %q %v\nwant %q", tc.env, strings.Join(argv, "|"), err, tc.want)
		}
	}
}

// TestSplitWords splits args and paths inputs as bash splits the same words
// (printf '%s|' WORDS gives each want).
func TestSplitWords(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`--build-arg RE="^v\d+$"`, `--build-arg|RE=^v\d+$|`},
		{`"C:\ci\app" 'D:\x' a\ b`, `C:\ci\app|D:\x|a b|`},
		{`"say \"hi\"" "x\\y" "$HOME" a\`, `say "hi"|x\y|$HOME|a\|`},
		{"one # two\nthree#four", "one|three#four|"},
		{"\"a\nb\" c\\\nd '' x", "a\nb|cd||x|"},
		{"  \n\t ", ""},
	} {
		words, err := splitWords(tc.in)
		got := ""
		for _, w := range words {
			got += w + "|"
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`"open`, `it's`} {
		if _, err := splitWords(in); err == nil || !strings.Contains(err.Error(), "has no closing quote") {
			t.Errorf("%q: err %v", in, err)
		}
	}
}

func TestRunAction(t *testing.T) {
	out := filepath.Join(t.TempDir(), "output")
	env := envMap(map[string]string{"INPUT_COMMAND": "plan", "INPUT_PATHS": "'app dir'", "GITHUB_OUTPUT": out})
	var log strings.Builder
	var ran []string
	code, err := RunAction(env, &log, func(argv []string) int { ran = argv; return 4 })
	if err != nil || code != 4 || strings.Join(ran, "|") != "plan|--|app dir" {
		t.Errorf("RunAction = %d, %v; ran %q", code, err, ran)
	}
	if log.String() != "gantry plan -- 'app dir'\n" {
		t.Errorf("log %q", log.String())
	}
	if b, _ := os.ReadFile(out); string(b) != "exit-code=4\n" {
		t.Errorf("outputs %q", b)
	}
	var ie *InputError
	if _, err := RunAction(envMap(map[string]string{"INPUT_COMMAND": "deploy"}), &log, nil); !errors.As(err, &ie) {
		t.Errorf("bad input: %v, want an *InputError", err)
	}
}

func TestWriteLintOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "output")
	fs := []lint.Finding{{Severity: lint.SeverityError}, {Severity: lint.SeverityWarning}, {Severity: lint.SeverityWarning}, {Severity: lint.SeverityInfo}}
	if err := WriteLintOutputs(envMap(map[string]string{"GITHUB_OUTPUT": out}), fs); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "findings=4\nerrors=1\nwarnings=2\n" {
		t.Errorf("%q", b)
	}
	if err := WriteLintOutputs(envMap(nil), fs); err != nil {
		t.Errorf("outside Actions: %v", err)
	}
}

func TestNewReporter(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "event.json")
	os.WriteFile(bad, []byte("{not json"), 0o644)
	if _, err := NewReporter("checks", ReporterOptions{Getenv: envMap(map[string]string{"GITHUB_EVENT_PATH": bad})}); err == nil ||
		!strings.Contains(err.Error(), "is not a JSON object") {
		t.Errorf("bad event payload: %v", err)
	}
	if _, err := NewReporter("checks", ReporterOptions{Getenv: envMap(map[string]string{"GITHUB_API_URL": "::", "GITHUB_TOKEN": "t"})}); err == nil ||
		!strings.Contains(err.Error(), `invalid GitHub API URL "::"`) {
		t.Errorf("bad API URL: %v", err)
	}
	if _, err := NewReporter("html", ReporterOptions{}); err == nil {
		t.Error("unknown format accepted")
	}
	for _, name := range Formats {
		rep, err := NewReporter(name, ReporterOptions{W: &strings.Builder{}, Getenv: envMap(nil)})
		if err != nil || rep == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	c, _ := NewReporter("checks", ReporterOptions{Getenv: envMap(map[string]string{"GITHUB_TOKEN": "from-env"})})
	if c.(*ChecksReporter).Client == nil {
		t.Error("GITHUB_TOKEN was not used")
	}
}

func envMap(m map[string]string) runenv.Getenv { return func(k string) string { return m[k] } }
