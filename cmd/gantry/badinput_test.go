package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput runs every command with each class of bad input and checks
// the documented exit code and that the message says what is wrong. None
// of them needs BuildKit or a registry: the input is rejected first.
func TestBadInput(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	ev, err := filepath.Abs(event("push-main.json")) // before gantry changes directory
	if err != nil {
		t.Fatal(err)
	}
	const noDaemon = "unix:///nonexistent/buildkitd.sock"
	gateArgs := []string{"--event", ev, "--event-name", "push"}
	validFormats := "(valid: checks, github, json, rdjson, review, sarif, text)"
	for _, tc := range []struct {
		class  string
		args   []string
		stdin  string
		config string // .github/gantry.yaml, when not ""
		env    string // NAME=VALUE to set
		code   int
		want   []string // in stderr
	}{
		// a path argument that does not exist
		{class: "missing path", args: []string{"lint", "does/not/exist"}, code: 2, want: []string{"cannot read does/not/exist: no such file or directory"}},
		{class: "missing path", args: []string{"lint", "ok.yml", "nope.yml"}, code: 2, want: []string{"cannot read nope.yml"}},
		{class: "missing path", args: []string{"plan", "nope"}, code: 2, want: []string{"cannot read nope: no such file or directory"}},
		{class: "missing path", args: []string{"build", "--builder", noDaemon, "nope"}, code: 2, want: []string{"cannot read nope"}},
		{class: "missing path", args: append([]string{"push", "--builder", noDaemon, "nope"}, gateArgs...), code: 2, want: []string{"cannot read nope"}},
		{class: "missing path", args: append([]string{"gate", "nope"}, gateArgs...), code: 2, want: []string{"cannot read nope"}},
		{class: "not a directory", args: []string{"plan", "Dockerfile"}, code: 2, want: []string{"Dockerfile is not a directory"}},
		{class: "missing path", args: []string{"plan", "--file", "nope/Dockerfile"}, code: 2, want: []string{"cannot read nope/Dockerfile"}},
		{class: "fix word as path", args: []string{"lint", "--fix", "dry-run"}, code: 2, want: []string{"--fix=dry-run"}},
		{class: "fix word as path", args: []string{"lint", "--fix", "all,dry-run"}, code: 2, want: []string{"--fix=all,dry-run"}},

		// an enum flag with an unknown value lists the valid ones as words
		{class: "unknown enum", args: []string{"lint", "--format", "xml"}, code: 2, want: []string{`unknown --format "xml"`, validFormats}},
		{class: "unknown enum", args: []string{"lint", "--fail-on", "fatal"}, code: 2, want: []string{`unknown --fail-on "fatal" (valid: error, warning, info, none)`}},
		{class: "unknown enum", args: []string{"lint", "--color", "rainbow"}, code: 2, want: []string{`unknown --color "rainbow" (valid: auto, always, never)`}},
		{class: "unknown enum", args: []string{"lint", "--fix=bogus"}, code: 2, want: []string{`--fix must be safe, all or dry-run`}},
		{class: "unknown enum", args: []string{"lint", "--show-fixes", "--format", "text"}, code: 2, want: []string{"--show-fixes needs --format json, sarif or rdjson"}},
		{class: "unknown enum", args: []string{"rules", "--source", "bogus"}, code: 2, want: []string{`unknown --source "bogus" (valid: gantry, actionlint, buildkit)`}},
		{class: "unknown enum", args: []string{"plan", "--format", "xml"}, code: 2, want: []string{`unknown --format "xml" (valid: tree, mermaid, dot, json, bake)`}},
		{class: "unknown enum", args: []string{"plan", "--format", "bake", "--cache", "type=bogus"}, code: 2, want: []string{`unknown type "bogus" (want local, registry, gha, s3 or azblob)`}},
		{class: "unknown enum", args: []string{"build", "--builder", noDaemon, "--progress", "fancy"}, code: 2, want: []string{`unknown --progress "fancy" (valid: auto, tty, plain, rawjson, quiet)`}},
		{class: "unknown enum", args: []string{"build", "--builder", noDaemon, "--cache", "type=bogus"}, code: 2, want: []string{`unknown type "bogus"`}},
		{class: "unknown enum", args: []string{"build", "--builder", noDaemon, "--output", "type=bogus"}, code: 2, want: []string{"bogus"}},
		{class: "unknown enum", args: append([]string{"push", "--builder", noDaemon, "--progress", "fancy"}, gateArgs...), code: 2, want: []string{`unknown --progress "fancy"`}},
		{class: "unknown enum", args: []string{"github-action"}, env: "INPUT_COMMAND=deploy", code: 2, want: []string{"input command must be one of lint, plan, build, push, gate"}},

		// numbers out of range
		{class: "out of range", args: []string{"lint", "-j", "-1"}, code: 2, want: []string{"--jobs must be 0 (one per CPU) or more, not -1"}},
		{class: "out of range", args: []string{"lint", "--max-file-size", "-5"}, code: 2, want: []string{"--max-file-size must be a positive number of bytes, not -5"}},
		{class: "out of range", args: []string{"lint", "--max-file-size", "0"}, code: 2, want: []string{"--max-file-size must be a positive"}},
		{class: "out of range", args: []string{"build", "--builder", noDaemon, "--timeout", "-1s"}, code: 2, want: []string{"--timeout must be a positive duration"}},
		{class: "out of range", args: append([]string{"push", "--builder", noDaemon, "--timeout", "-5m"}, gateArgs...), code: 2, want: []string{"--timeout must be a positive duration"}},
		{class: "not a number", args: []string{"lint", "-j", "many"}, code: 2, want: []string{"invalid argument", "--jobs"}},

		// a bad key in .github/gantry.yaml, for every command that reads it
		{class: "bad config", config: badConfig, args: []string{"lint"}, code: 2, want: []string{badConfigError}},
		{class: "bad config", config: badConfig, args: []string{"plan"}, code: 2, want: []string{badConfigError}},
		{class: "bad config", config: badConfig, args: []string{"build", "--builder", noDaemon}, code: 2, want: []string{badConfigError}},
		{class: "bad config", config: badConfig, args: append([]string{"push", "--builder", noDaemon}, gateArgs...), code: 2, want: []string{badConfigError}},
		{class: "bad config", config: badConfig, args: append([]string{"gate"}, gateArgs...), code: 2, want: []string{badConfigError}},
		{class: "bad config file", args: []string{"lint", "--config", "nope.yaml"}, code: 2, want: []string{"nope.yaml"}},

		// an unknown rule suggests the closest IDs; case does not matter
		{class: "unknown rule", args: []string{"explain", "timeout-mising"}, code: 2, want: []string{`unknown rule "timeout-mising"; did you mean timeout-missing?`}},
		{class: "unknown rule", args: []string{"explain", "zzzzzzzzzzzz"}, code: 2, want: []string{"run `gantry rules` to list them"}},
		{class: "rule in other case", args: []string{"explain", "TIMEOUT-MISSING"}, code: 0},
		{class: "unknown rule", args: []string{"lint", "--fix-only", "timeout-mising"}, code: 2, want: []string{`unknown rule "timeout-mising" (did you mean "timeout-missing"?)`}},

		// stdin: content that is no known kind asks for --stdin-filename
		{class: "bad stdin", args: []string{"lint", "-"}, stdin: "hello world\n", code: 2, want: []string{"--stdin-filename"}},
		{class: "bad stdin", args: []string{"lint", "--fix", "-"}, stdin: "hello world\n", code: 2, want: []string{"--stdin-filename"}},
		{class: "bad stdin", args: []string{"lint", "-", "ok.yml"}, code: 2, want: []string{`"-" (stdin) cannot be combined with other paths`}},
		{class: "dockerfile on stdin", args: []string{"lint", "-"}, stdin: "# syntax=docker/dockerfile:1\nFROM scratch\nCOPY a /a\n", code: 0},

		// extra arguments and unknown flags
		{class: "extra args", args: []string{"plan", "a", "b"}, code: 2, want: []string{"accepts at most 1 arg"}},
		{class: "extra args", args: []string{"build", "a", "b"}, code: 2, want: []string{"accepts at most 1 arg"}},
		{class: "extra args", args: []string{"push", "a", "b"}, code: 2, want: []string{"accepts at most 1 arg"}},
		{class: "extra args", args: []string{"gate", "a", "b"}, code: 2, want: []string{"accepts at most 1 arg"}},
		{class: "extra args", args: []string{"explain", "a", "b"}, code: 2, want: []string{"accepts 1 arg"}},
		{class: "extra args", args: []string{"explain"}, code: 2, want: []string{"accepts 1 arg"}},
		{class: "extra args", args: []string{"rules", "x"}, code: 2, want: []string{`unknown command "x"`}},
		{class: "extra args", args: []string{"github-action", "x"}, code: 2, want: []string{`unknown command "x"`}},
		{class: "unknown flag", args: []string{"lint", "--no-such-flag"}, code: 2, want: []string{"unknown flag: --no-such-flag"}},
		{class: "unknown flag", args: []string{"gate", "--no-such-flag"}, code: 2, want: []string{"unknown flag: --no-such-flag"}},
		{class: "unknown command", args: []string{"lnt"}, code: 2, want: []string{`unknown command "lnt"`}},
	} {
		t.Run(tc.class+"/"+strings.Join(tc.args, "_"), func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, ".git"), 0o755)
			write(t, dir, "ok.yml", okWorkflow)
			write(t, dir, "Dockerfile", "FROM scratch\nCOPY a /a\n")
			if k, v, ok := strings.Cut(tc.env, "="); ok {
				t.Setenv(k, v)
			}
			if tc.config != "" {
				write(t, dir, ".github/gantry.yaml", tc.config)
			}
			code, _, errs := gantry(t, dir, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("gantry %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("gantry %s: stderr lacks %q:\n%s", strings.Join(tc.args, " "), w, errs)
				}
			}
			if strings.Contains(errs, "[") && strings.Contains(errs, "valid") {
				t.Errorf("valid values listed as a Go slice:\n%s", errs)
			}
		})
	}
}

const (
	badConfig      = "push:\n  events: [push]\n  allow_forks: true\n"
	badConfigError = `.github/gantry.yaml:3:3: unknown key "allow_forks" in push`
)
