package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// TestCorrectionsParity lints actionlint's own test workflows (err/,
// examples/ and ok/), and gantry's in testdata/corrections/workflows, with and without gantry's corrections and checks that
// every difference is one a correction recorded. The differences are listed,
// per corpus file, in testdata/corrections/parity.golden (rewrite it with
// -update): that file is where gantry's output differs from actionlint's,
// and the correction ID says why (gantry explain, docs/rules.md).
func TestCorrectionsParity(t *testing.T) {
	shellcheck := lookPathOrSkip(t, "shellcheck")
	var golden strings.Builder
	used := map[*Correction]bool{}
	// actionlint's own test workflows, then gantry's: one per correction that
	// actionlint's suite does not exercise (testdata/corrections/workflows)
	type suite struct{ name, dir string }
	var suites []suite
	for _, sub := range []string{"err", "examples", "ok"} {
		suites = append(suites, suite{sub, corpusDir(t, "actionlint", sub)})
	}
	suites = append(suites, suite{"gantry", filepath.Join("..", "testdata", "corrections", "workflows")})
	for _, su := range suites {
		sub, dir := su.name, su.dir
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() || !isYAML(e.Name()) {
				continue
			}
			name := sub + "/" + e.Name()
			src, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			lint := func(raw bool) *Result {
				l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}, RuleFilter: onlyActionlint,
					Shellcheck: shellcheck, rawActionlint: raw, recordCorrections: true})
				if err != nil {
					t.Fatal(err)
				}
				res, err := l.LintSource(context.Background(), "test.yaml", src)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			raw, corrected := lint(true), lint(false)
			f := corrected.Files[0]
			// Replay the recorded corrections on the raw output.
			want := slices.Clone(raw.Findings)
			for _, a := range f.corrections {
				used[a.correction] = true
				i := slices.IndexFunc(want, func(fd Finding) bool {
					return fd.Line == a.before.Line && fd.Column == a.before.Column && fd.RuleID == a.before.RuleID && fd.Message == a.before.Message
				})
				if i < 0 {
					t.Errorf("%s: correction %s changed a finding actionlint did not report: %s", name, a.correction.ID, actionlintLine(a.before))
					continue
				}
				msg, _, _ := strings.Cut(a.before.Message, ". available labels are")
				line := fmt.Sprintf("%s:%d:%d: %s [%s] %s\n", name, a.before.Line, a.before.Column, a.correction.ID, a.before.RuleID, msg)
				if a.after == nil {
					want = slices.Delete(want, i, i+1)
					golden.WriteString(line + "    dropped\n")
					continue
				}
				want[i].Message = a.after.Message
				if a.after.Severity != 0 {
					want[i].Severity = a.after.Severity
				}
				golden.WriteString(line + fmt.Sprintf("    %s: %s\n", want[i].Severity, a.after.Message))
			}
			have := correctionLines(corrected.Findings)
			rest := correctionLines(want)
			if slices.Equal(have, rest) {
				continue
			}
			// Only a correction that adjusts the workflow before actionlint
			// checks it may explain the remaining differences.
			var by []string
			for c, n := range f.prepared {
				if n > 0 {
					used[c] = true
					by = append(by, c.ID)
				}
			}
			if len(by) == 0 {
				t.Errorf("%s: differences no correction recorded:\n want: %s\n have: %s", name, strings.Join(rest, "\n       "), strings.Join(have, "\n       "))
				continue
			}
			slices.Sort(by)
			for _, l := range rest {
				if !slices.Contains(have, l) {
					fmt.Fprintf(&golden, "%s: %s %s\n    dropped\n", name, strings.Join(by, ","), l)
				}
			}
			for _, l := range have {
				if !slices.Contains(rest, l) {
					fmt.Fprintf(&golden, "%s: %s %s\n    added\n", name, strings.Join(by, ","), l)
				}
			}
		}
	}
	checkGolden(t, filepath.Join("..", "testdata", "corrections", "parity.golden"), golden.String())
}

func correctionLines(fs []Finding) []string {
	out := make([]string, len(fs))
	for i := range fs {
		out[i] = fs[i].String()
	}
	return out
}

// TestCorrectionsDocumented checks that every correction has an ID, a
// reason and a rule gantry knows, and that docs/rules.md names it.
func TestCorrectionsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range Corrections() {
		if c.ID == "" || c.Reason == "" || seen[c.ID] {
			t.Errorf("correction %q: missing or duplicate ID, or no reason", c.ID)
		}
		seen[c.ID] = true
		if r, ok := LookupRule(c.Rule); !ok || r.Source != SourceActionlint {
			t.Errorf("correction %s: %q is not an actionlint rule", c.ID, c.Rule)
		}
		if !strings.Contains(string(doc), "`"+c.ID+"`") {
			t.Errorf("correction %s is not described in docs/rules.md", c.ID)
		}
	}
}

// checkGolden compares have with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, have string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(have), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rewrite it with -update)", err)
	}
	if string(want) != have {
		t.Errorf("output differs from %s (rewrite it with -update after checking):\n--- want\n%s--- have\n%s", path, want, have)
	}
}
