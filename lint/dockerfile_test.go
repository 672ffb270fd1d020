package lint

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// dockerfileCase is one table entry of a Dockerfile rule's test: a
// Dockerfile, the files next to it, and the findings the rule must report,
// each "line:col: part of the message". A case without want is a look-alike
// the rule must not flag.
type dockerfileCase struct {
	name   string
	src    string
	files  map[string]string
	config string
	want   []string
}

// runDockerfileCases lints each case, written to a temporary directory as
// Dockerfile, with only the given rule enabled.
func runDockerfileCases(t *testing.T, id string, cases []dockerfileCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := lintDockerfileWith(t, func(r *Rule) bool { return r.ID == id }, c.src, c.files, c.config)
			if len(fs) != len(c.want) {
				t.Fatalf("want %d findings, have %d:\n%s", len(c.want), len(fs), findingsText(fs))
			}
			for i, w := range c.want {
				pos, msg, _ := strings.Cut(w, ": ")
				have := fmt.Sprintf("%d:%d", fs[i].Line, fs[i].Column)
				if have != pos || !strings.Contains(fs[i].Message, msg) {
					t.Errorf("finding %d:\n want: %s\n have: %s: %s", i+1, w, have, fs[i].Message)
				}
				if fs[i].RuleID != id {
					t.Errorf("finding %d has rule %q, want %q", i+1, fs[i].RuleID, id)
				}
			}
		})
	}
}

func lintDockerfileWith(t *testing.T, filter func(*Rule) bool, src string, files map[string]string, cfgText string) []Finding {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{}
	if cfgText != "" {
		var err error
		if cfg, err = parseConfig("gantry.yaml", []byte(cfgText)); err != nil {
			t.Fatalf("config: %v", err)
		}
	}
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: cfg, RuleFilter: filter})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), []string{"Dockerfile"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

func TestDockerfileParseError(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"", "0:0: the Dockerfile does not parse: the Dockerfile is empty"},
		{"# only a comment\n", "1:1: the Dockerfile does not parse: file with no instructions"},
		{"ARG X=1\n", "0:0: the Dockerfile does not parse: the Dockerfile has no FROM"},
		{"RUN echo hi\nFROM scratch\n", "1:1: the Dockerfile does not parse: RUN before the first FROM"},
		{"FROM alpine\nCOPY --from=9 /a /b\n", "2:1: the Dockerfile does not parse: COPY --from=9: there is no stage 9"},
		{"FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n", "circular dependency between stages"},
		// BuildKit's check builds every stage, so an error it raises only
		// as it builds a stage fails the file
		{"FROM alpine AS a\nRUN --mount=type=bogus true\nFROM alpine\n", "2:1: the Dockerfile does not parse: unsupported mount type \"bogus\""},
		{"FROM alpine AS a\nCOPY --from=b /x /x\nFROM a AS b\nFROM alpine\n", "2:1: the Dockerfile does not parse: stage a copies from stage b, which is defined after it"},
		{"FROM alpine\n  HEALTHCHECK\n", "2:3: the Dockerfile does not parse: HEALTHCHECK requires at least one argument"},
	} {
		fs := lintDockerfileWith(t, nil, c.src, nil, "")
		var got []string
		for _, f := range fs {
			got = append(got, fmt.Sprintf("%d:%d: %s [%s]", f.Line, f.Column, f.Message, f.RuleID))
		}
		if len(fs) != 1 || fs[0].RuleID != invalidFileRule.ID || !strings.Contains(got[0], c.want) {
			t.Errorf("%q:\n want one invalid-file finding with %q\n have %q", c.src, c.want, got)
		}
	}
}

// TestDockerfileUnneededTriggerError: BuildKit's check runs the ONBUILD
// triggers only of the stages the last stage needs, so a broken trigger
// in another stage fails the file in neither.
func TestDockerfileUnneededTriggerError(t *testing.T) {
	src := "FROM alpine AS base\nONBUILD RUN --mount=type=bogus true\nFROM base AS child\nRUN true\nFROM alpine\nRUN true\n"
	for _, f := range lintDockerfileWith(t, nil, src, nil, "") {
		if f.RuleID == invalidFileRule.ID {
			t.Errorf("%d:%d: %s", f.Line, f.Column, f.Message)
		}
	}
}

// TestBuildKitChecks runs BuildKit's own checks through the engine: their
// upstream names, positions, gantry's message style, config and ignores.
func TestBuildKitChecks(t *testing.T) {
	src := `FROM alpine:3.20 as build
ARG GITHUB_TOKEN
ENV API_PASSWORD=hunter2
maintainer someone
WORKDIR app
COPY $UNDEFINED_SRC /src
EXPOSE 80/TCP
CMD make run
FROM golang:1.22 AS go
ENV PATH=$PATHH:$GOPATH/bin
ENV RUBY_VERSION=3.3
ENV V=$RUBY_VERISON
FROM scratch
COPY --from=build /src /src
ENV PATH=$PATHH
`
	fs := lintDockerfileWith(t, func(r *Rule) bool { return r.Source == SourceBuildKit }, src, nil, "")
	want := []string{
		`1:1: 'as' and 'FROM' keywords' casing do not match [FromAsCasing]`,
		`2:1: do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN") [SecretsUsedInArgOrEnv]`,
		`3:1: do not use ARG or ENV instructions for sensitive data (ENV "API_PASSWORD") [SecretsUsedInArgOrEnv]`,
		`4:1: command 'maintainer' should match the case of the command majority (uppercase) [ConsistentInstructionCasing]`,
		`4:1: maintainer instruction is deprecated in favor of using label [MaintainerDeprecated]`,
		`5:1: relative workdir "app" can have unexpected results if the base image changes [WorkdirRelativePath]`,
		`7:1: defined protocol '80/TCP' in EXPOSE instruction should be lowercase [ExposeProtoCasing]`,
		`8:1: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals [JSONArgsRecommended]`,
		`12:1: usage of undefined variable '$RUBY_VERISON' (did you mean $RUBY_VERSION?) [UndefinedVar]`,
		`15:1: usage of undefined variable '$PATHH' (did you mean $PATH?) [UndefinedVar]`,
	}
	var have []string
	for _, f := range fs {
		have = append(have, fmt.Sprintf("%d:%d: %s [%s]", f.Line, f.Column, f.Message, f.RuleID))
		if f.Severity != SeverityWarning || !strings.HasPrefix(f.DocsURL, "https://docs.docker.com/reference/build-checks/") {
			t.Errorf("%s: severity %s, docs %s", f.RuleID, f.Severity, f.DocsURL)
		}
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}

	// $UNDEFINED_SRC on line 6 is not reported: the stage's base image
	// (alpine) may define it, and gantry cannot pull the image to know.
	// Nor are $PATHH and $GOPATH ("did you mean $PATH?") on line 11: only
	// typos of variables the Dockerfile declares are reported there. From
	// scratch (line 15) the environment is known.
	// From scratch the environment is known, so it is reported.
	fs = lintDockerfileWith(t, func(r *Rule) bool { return r.ID == "UndefinedVar" }, "FROM scratch\nCOPY $NOPE /x\n", nil, "")
	if len(fs) != 1 || fs[0].Line != 2 || !strings.Contains(fs[0].Message, "$NOPE") {
		t.Errorf("UndefinedVar from scratch: %s", findingsText(fs))
	}

	// an ignore above a multi-line RUN covers findings on its other lines
	fs = lintDockerfileWith(t, func(r *Rule) bool { return r.ID == "install-cache-left" || r.ID == "unused-ignore" },
		"FROM alpine\n# gantry-ignore: install-cache-left -- the cache is a mount in CI\nRUN set -e; \\\n    apk add curl\n", nil, "")
	if len(fs) != 0 {
		t.Errorf("ignore above a multi-line RUN:\n%s", findingsText(fs))
	}

	// a base from an ARG without a default needs --build-arg: a warning, not invalid-file
	fs = lintDockerfileWith(t, nil, "ARG BASE\nFROM $BASE AS app\nRUN make\n", nil, "")
	if len(fs) != 1 || fs[0].RuleID != "InvalidDefaultArgInFrom" || fs[0].Line != 2 {
		t.Errorf("FROM $BASE:\n%s", findingsText(fs))
	}

	// config turns a BuildKit check off or changes its severity; inline
	// ignores and BuildKit's own check directive work.
	cfg := "rules:\n  FromAsCasing: off\n  JSONArgsRecommended: error\n"
	src2 := "# check=skip=MaintainerDeprecated\nFROM alpine as a\nMAINTAINER x\n# gantry-ignore: WorkdirRelativePath -- the base image sets WORKDIR\nWORKDIR app\nCMD run\n"
	fs = lintDockerfileWith(t, func(r *Rule) bool { return r.Source == SourceBuildKit || r.ID == "unused-ignore" }, src2, nil, cfg)
	if len(fs) != 1 || fs[0].RuleID != "JSONArgsRecommended" || fs[0].Severity != SeverityError {
		t.Errorf("config, directive and ignore:\n%s", findingsText(fs))
	}
}

// TestLintWorkflowsAndDockerfiles lints a tree with both kinds of files in
// one run: every finding comes out in one sorted list and one format.
// TestSecretKeyBaseDummy: SECRET_KEY_BASE_DUMMY=1 is Rails' way to
// precompile without a secret, not a secret; other names stay reported.
func TestSecretKeyBaseDummy(t *testing.T) {
	runDockerfileCases(t, "SecretsUsedInArgOrEnv", []dockerfileCase{
		{name: "ENV SECRET_KEY_BASE_DUMMY", src: "FROM ruby:3.3-slim AS base\nENV RAILS_ENV=production SECRET_KEY_BASE_DUMMY=1\nFROM base\nARG SECRET_KEY_BASE_DUMMY\n"},
		{name: "a real secret beside it", src: "FROM ruby:3.3-slim\nENV SECRET_KEY_BASE_DUMMY=1 SECRET_KEY_BASE=abc\nARG SECRET_KEY_BASE_DUMMY_TOKEN\n",
			want: []string{`2:1: do not use ARG or ENV instructions for sensitive data (ENV "SECRET_KEY_BASE")`, `3:1: do not use ARG or ENV instructions for sensitive data (ARG "SECRET_KEY_BASE_DUMMY_TOKEN")`}},
	})
}

func TestLintWorkflowsAndDockerfiles(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".github/workflows/ci.yml", "on: push\nconcurrency: ci\njobs:\n  build:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo ${{ github.events }}\n")
	write("Dockerfile", "FROM ruby:3.3 AS app\nARG SHA\nRUN bundle install && rm -rf /usr/local/bundle/cache\n")
	write("docker/worker.Dockerfile", "FROM alpine\nRUN apk add curl\n")
	write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n  - package-ecosystem: docker\n    directories: [/, /docker]\n    schedule: {interval: weekly}\n")
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range res.Findings {
		have = append(have, fmt.Sprintf("%s:%d:%d [%s]", f.File, f.Line, f.Column, f.RuleID))
	}
	want := []string{
		".github/workflows/ci.yml:8:23 [expression]",
		"Dockerfile:2:1 [volatile-arg-early]",
		"docker/worker.Dockerfile:2:5 [install-cache-left]",
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Files) != 4 {
		t.Errorf("files: %d, want 4 (with dependabot.yml)", len(res.Files))
	}
	for _, f := range res.Files {
		if f.Kind == KindDockerfile && (f.Dockerfile == nil || f.Dockerfile.Graph == nil) {
			t.Errorf("%s: parsed Dockerfile not kept", f.Path)
		}
	}
	var b strings.Builder
	if err := (&JSONReporter{W: &b}).Report(context.Background(), NewReport(res)); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"file":".github/workflows/ci.yml"`, `"file":"Dockerfile"`, `"rule":"volatile-arg-early"`} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("json output lacks %s", w)
		}
	}
}

// TestBuildKitRuleList keeps buildkitRules in step with the checks of the
// BuildKit version in go.mod (their docs are in the module).
func TestBuildKitRuleList(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/moby/buildkit").Output()
	if err != nil {
		testenv.SkipOrFail(t, "go list: %v", err)
	}
	docs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "frontend", "dockerfile", "linter", "docs", "*.md"))
	var upstream []string
	for _, d := range docs {
		if name := strings.TrimSuffix(filepath.Base(d), ".md"); !strings.HasPrefix(name, "_") {
			upstream = append(upstream, name)
		}
	}
	var ours []string
	for _, r := range buildkitRules() {
		ours = append(ours, r.ID)
	}
	slices.Sort(ours)
	if len(upstream) == 0 || strings.Join(ours, " ") != strings.Join(upstream, " ") {
		t.Errorf("BuildKit's checks:\n%s\ngantry's list:\n%s", strings.Join(upstream, " "), strings.Join(ours, " "))
	}
}
