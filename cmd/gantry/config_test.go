package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigValidatedByEveryCommand checks that every command reading
// .github/gantry.yaml rejects a mistake anywhere in it, push: included,
// with its position and exit 2 (before it builds or decides anything).
func TestConfigValidatedByEveryCommand(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	ev, err := filepath.Abs(event("push-main.json")) // before gantry changes directory
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, config, want string }{
		{"wrong key under push", "push:\n  events: [push]\n  allow_forks: true\n", `.github/gantry.yaml:3:3: unknown key "allow_forks" in push`},
		{"build section", "build:\n  target: app\n", `.github/gantry.yaml:1:1: unknown key "build" in config (known keys: rules, ignore, shellcheck, pyflakes, push)`},
		{"unknown rule", "rules:\n  expresion: off\n", `.github/gantry.yaml:2:3: unknown rule "expresion" (did you mean "expression"?)`},
		{"second document", "rules: {concurrency-missing: error}\n---\nrules: {timeout-missing: error}\nbogus: 1\n", `.github/gantry.yaml:2:1: a config file holds one YAML document; this is a second`},
		{"fractional default", "rules:\n  timeout-missing:\n    options: {default: 2.5}\n", `.github/gantry.yaml:3:24: rules.timeout-missing.options.default must be a whole number, not "2.5"`},
		{"nan minimum", "rules:\n  timeout-missing:\n    options: {min: .nan}\n", `.github/gantry.yaml:3:20: rules.timeout-missing.options.min must be a number, not ".nan"`},
		{"nul byte", "rules: {}\nshellcheck: \x00\n", `.github/gantry.yaml:2:13: invalid yaml: control characters are not allowed`},
		{"unclosed flow sequence", "rules: [", `.github/gantry.yaml:1:9: invalid yaml: did not find expected node content`},
	} {
		dir := configRepo(t, map[string]string{"gantry.yaml": tc.config})
		for _, args := range configCommands(ev) {
			code, _, errs := gantry(t, dir, "", args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("%s: gantry %s: exit %d, want 2 and %q:\n%s", tc.name, args[0], code, tc.want, errs)
			}
		}
	}
}

// TestConfigAtBothNames checks that a repository with both
// .github/gantry.yaml and .github/gantry.yml is a config error, exit 2,
// for every command: gantry would read one and silently ignore the other.
func TestConfigAtBothNames(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	ev, err := filepath.Abs(event("push-main.json")) // before gantry changes directory
	if err != nil {
		t.Fatal(err)
	}
	dir := configRepo(t, map[string]string{"gantry.yaml": "rules: {}\n", "gantry.yml": "shellcheck: false\n"})
	const want = ".github/gantry.yml: gantry reads gantry.yaml and would ignore this second config: keep one of them"
	for _, args := range configCommands(ev) {
		code, _, errs := gantry(t, dir, "", args...)
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("gantry %s: exit %d, want 2 and %q:\n%s", args[0], code, want, errs)
		}
	}
}

// configRepo makes a repository with a workflow, a Dockerfile and the
// given files under .github (config files by name).
func configRepo(t *testing.T, configs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	for name, content := range configs {
		write(t, dir, ".github/"+name, content)
	}
	write(t, dir, ".github/workflows/ok.yml", okWorkflow)
	write(t, dir, "Dockerfile", "FROM scratch\nCOPY a /a\n")
	return dir
}

// configCommands are the commands that read the config, with the
// arguments that make each reach it (ev is a push event's payload): BuildKit
// is never reached, since a config error comes first.
func configCommands(ev string) [][]string {
	return [][]string{
		{"lint", "--no-shellcheck"},
		{"plan", "."},
		{"build", "--builder", "unix:///nonexistent/buildkitd.sock", "."},
		{"push", "--builder", "unix:///nonexistent/buildkitd.sock", "--event", ev, "--event-name", "push", "."},
		{"gate", "--event", ev, "--event-name", "push", "."},
	}
}
