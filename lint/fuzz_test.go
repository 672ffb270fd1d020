package lint

import (
	"context"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

var fuzzSeeds = []string{
	goodWorkflow,
	"on: push\njobs:\n  a:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n        os: [ubuntu-latest]\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n",
	"on: [push, pull_request]\nconcurrency: ${{ github.ref }}\njobs:\n  a:\n    uses: ./.github/workflows/x.yml\n",
	"a: &x [1, 2]\nb: *x\n",
	"on: push\njobs: {a: {runs-on: x, steps: [{run: \"echo \\\"${{ inputs.x }}\\\"\"}]}} # gantry-ignore: expression\n",
	"\xff\xfe",
	"",
}

// FuzzLintWorkflow feeds arbitrary text to the whole engine as a workflow:
// it must never crash (an internal-error finding counts as a crash).
func FuzzLintWorkflow(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	l, err := New(Options{WorkDir: f.TempDir(), Config: &config.Config{}, Jobs: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, name := range []string{"w.yml", "action.yml", "Dockerfile"} {
			res, err := l.LintSource(context.Background(), name, []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if res.InternalErrors > 0 {
				t.Fatalf("internal error on %s: %v", name, res.Findings)
			}
		}
	})
}

// FuzzParseConfig checks the config parser returns a value or an error, never panics.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"rules:\n  expression: off\n", "ignore: [a/**]\n", "rules: {timeout-missing: {options: {max: 1}}}\n", "push: {x: 1}\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := parseConfig("g.yaml", []byte(src))
		if (cfg == nil) == (err == nil) {
			t.Fatalf("cfg %v, err %v", cfg, err)
		}
	})
}

// FuzzSuppressions checks suppression parsing and application on any text.
func FuzzSuppressions(f *testing.F) {
	f.Add("x: 1 # gantry-ignore: a, b -- why\n# gantry-ignore: all\ny: 2\n", 2)
	f.Fuzz(func(t *testing.T, src string, line int) {
		sups := ParseSuppressions([]byte(src))
		for _, s := range sups {
			if s.Line < 1 || s.Column < 1 || (s.Target != s.Line && s.Target != s.Line+1) {
				t.Fatalf("bad suppression %+v", s)
			}
		}
		fs := []Finding{{RuleID: "expression", Line: line}}
		out := applySuppressions(fs, sups, func(string) bool { return true })
		for _, o := range out {
			if o.RuleID != "expression" && !strings.Contains(o.Message, "gantry-ignore") {
				t.Fatalf("unexpected %+v", o)
			}
		}
	})
}
