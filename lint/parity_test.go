package lint

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// onlyActionlint limits a run to actionlint's own checks.
func onlyActionlint(r *Rule) bool { return r.Source == SourceActionlint }

func lookPathOrSkip(t *testing.T, names ...string) string {
	t.Helper()
	return testenv.LookPath(t, names...)
}

// TestActionlintParity lints actionlint's own err/ and examples/ workflows
// through gantry's engine with only actionlint's rules, without gantry's
// corrections, and compares every line of the expected .out files.
// TestCorrectionsParity shows where the corrections change that output.
func TestActionlintParity(t *testing.T) {
	for _, sub := range []string{"examples", "err"} {
		dir := corpusDir(t, "actionlint", sub)
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			name := e.Name()
			if e.IsDir() || !isYAML(name) {
				continue
			}
			base := strings.TrimSuffix(name, filepath.Ext(name))
			t.Run(sub+"/"+base, func(t *testing.T) {
				opts := Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}, RuleFilter: onlyActionlint, rawActionlint: true}
				if strings.Contains(base, "shellcheck") {
					opts.Shellcheck = lookPathOrSkip(t, "shellcheck")
				}
				if strings.Contains(base, "pyflakes") {
					opts.Pyflakes = lookPathOrSkip(t, "pyflakes", "pyflakes3")
				}
				src, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				l, err := New(opts)
				if err != nil {
					t.Fatal(err)
				}
				res, err := l.LintSource(context.Background(), "test.yaml", src)
				if err != nil {
					t.Fatal(err)
				}
				want := readLines(t, filepath.Join(dir, base+".out"))
				known := knownDifferences[sub+"/"+base]
				var have []string
				dropped := 0
				for _, f := range res.Findings {
					line := actionlintLine(f)
					if known.extra != nil && known.extra.MatchString(line) {
						dropped++
						continue
					}
					have = append(have, line)
				}
				if known.extra != nil && dropped == 0 {
					t.Errorf("known difference %q no longer occurs: remove it", known.extra)
				}
				for i, w := range want {
					if alt, ok := known.replaced[w]; ok {
						want[i] = alt
					}
				}
				if len(have) != len(want) {
					t.Fatalf("want %d findings, have %d:\n%s", len(want), len(have), strings.Join(have, "\n"))
				}
				for i := range want {
					if w := want[i]; strings.HasPrefix(w, "/") && strings.HasSuffix(w, "/") {
						if !regexp.MustCompile(w[1 : len(w)-1]).MatchString(have[i]) {
							t.Errorf("finding %d does not match\n want: %s\n have: %s", i+1, w, have[i])
						}
					} else if w != have[i] {
						t.Errorf("finding %d differs\n want: %s\n have: %s", i+1, w, have[i])
					}
				}
			})
		}
	}
}

// knownDifference records where the corpus (actionlint at commit 011a6d15)
// is ahead of the pinned release, or lacks a file the upstream test has.
// Each entry must still be observed exactly, so that upgrading actionlint
// makes the test fail until the entry is removed.
type knownDifference struct {
	// extra matches findings the pinned release reports that the corpus does not expect.
	extra *regexp.Regexp
	// replaced maps an expected line to what the pinned release reports instead.
	replaced map[string]string
}

var knownDifferences = map[string]knownDifference{
	// The corpus copy has no .github/actions/*/index.js (data only), so the
	// local action check reports the missing entry point.
	"examples/local_action_inputs":  {extra: regexp.MustCompile(`file "index\.js" does not exist in `)},
	"examples/local_action_outputs": {extra: regexp.MustCompile(`file "index\.js" does not exist in `)},
	// services.<id>.entrypoint and .command came after v1.7.12.
	"err/case_sensitive_keys": {replaced: map[string]string{
		`test.yaml:61:9: unexpected key "IMAGE" for "services" section. expected one of "command", "credentials", "entrypoint", "env", "image", "options", "ports", "volumes" [syntax-check]`: `test.yaml:61:9: unexpected key "IMAGE" for "services" section. expected one of "credentials", "env", "image", "options", "ports", "volumes" [syntax-check]`,
	}},
	"err/context_availability": {replaced: map[string]string{
		`/test\.yaml:250:25: context "env" is not allowed here\. .+ \[expression\]/`: `test.yaml:250:9: unexpected key "entrypoint" for "services" section. expected one of "credentials", "env", "image", "options", "ports", "volumes" [syntax-check]`,
		`/test\.yaml:252:22: context "env" is not allowed here\. .+ \[expression\]/`: `test.yaml:252:9: unexpected key "command" for "services" section. expected one of "credentials", "env", "image", "options", "ports", "volumes" [syntax-check]`,
	}},
	"ok/container_syntax": {extra: regexp.MustCompile(`unexpected key "(entrypoint|command)" for "services" section`)},
}

// TestActionlintOK checks that actionlint's ok/ workflows give no finding.
func TestActionlintOK(t *testing.T) {
	dir := corpusDir(t, "actionlint", "ok")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || !isYAML(e.Name()) {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			opts := Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}, RuleFilter: onlyActionlint, rawActionlint: true}
			if strings.Contains(e.Name(), "shellcheck") {
				opts.Shellcheck = lookPathOrSkip(t, "shellcheck")
			}
			if strings.Contains(e.Name(), "pyflakes") {
				opts.Pyflakes = lookPathOrSkip(t, "pyflakes", "pyflakes3")
			}
			l, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.LintPaths(context.Background(), []string{e.Name()})
			if err != nil {
				t.Fatal(err)
			}
			known := knownDifferences["ok/"+strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))]
			for _, f := range res.Findings {
				if known.extra != nil && known.extra.MatchString(f.Message) {
					continue
				}
				t.Errorf("unexpected finding: %s", f.String())
			}
		})
	}
}

// actionlintLine formats a finding as actionlint's .out files do.
func actionlintLine(f Finding) string {
	return f.File + ":" + itoa(f.Line) + ":" + itoa(f.Column) + ": " + f.Message + " [" + f.RuleID + "]"
}

func itoa(i int) string { return strconv.Itoa(i) }

func readLines(t *testing.T, path string) []string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []string
	s := bufio.NewScanner(fh)
	for s.Scan() {
		out = append(out, s.Text())
	}
	return out
}
