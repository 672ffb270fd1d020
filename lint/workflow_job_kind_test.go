package lint

import (
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// TestJobKinds checks what gantry reads a job to do from its steps.
func TestJobKinds(t *testing.T) {
	cases := []struct {
		name                       string
		steps                      string
		strategy                   string
		publishes, checks, updates bool
	}{
		{name: "goreleaser release", steps: `
			- uses: goreleaser/goreleaser-action@v6
			  with:
			    args: release --clean`, publishes: true, checks: true},
		{name: "goreleaser snapshot", steps: `
			- uses: goreleaser/goreleaser-action@v6
			  with:
			    args: release --snapshot --skip-publish`, checks: true},
		{name: "goreleaser build", steps: `
			- uses: goreleaser/goreleaser-action@v6
			  with:
			    args: build --single-target`, checks: true},
		{name: "tests", steps: `
			- run: npm ci && npm test`, checks: true},
		{name: "cypress", steps: `
			- uses: cypress-io/github-action@v6`, checks: true},
		{name: "a matrix", strategy: `
			strategy:
			  matrix:
			    node: [20, 22]`, steps: `
			- run: ./ci/script.sh`, checks: true},
		{name: "code scanning builds but is analysis", strategy: `
			strategy:
			  matrix:
			    language: [cpp]`, steps: `
			- uses: github/codeql-action/init@v4
			- run: make
			- uses: github/codeql-action/analyze@v4`},
		{name: "a markdown linter", steps: `
			- run: npx markdownlint '**/*.md'`},
		{name: "a lockfile refresh", steps: `
			- run: npm install --package-lock-only`, updates: true},
		{name: "bundle update", steps: `
			- run: bundle update --conservative rails`, updates: true, checks: false},
		{name: "an install from the lockfile", steps: `
			- run: npm ci && yarn install --frozen-lockfile`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n" + indentLines(dedent(c.strategy), "    ") + "    steps:\n" + indentLines(dedent(c.steps), "      ")
			w, errs := actionlint.Parse([]byte(src))
			if len(errs) > 0 {
				t.Fatalf("%s\n%v", src, errs)
			}
			j := w.Jobs["j"]
			if have := jobPublishes(j); have != c.publishes {
				t.Errorf("jobPublishes = %v, want %v", have, c.publishes)
			}
			if have := jobChecksCode(j); have != c.checks {
				t.Errorf("jobChecksCode = %v, want %v", have, c.checks)
			}
			if have := jobUpdatesDependencies(j); have != c.updates {
				t.Errorf("jobUpdatesDependencies = %v, want %v", have, c.updates)
			}
		})
	}
}

// indentLines indents the non-empty lines of s.
func indentLines(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			b.WriteString(prefix + l + "\n")
		}
	}
	return b.String()
}
