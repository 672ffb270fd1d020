package actions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
