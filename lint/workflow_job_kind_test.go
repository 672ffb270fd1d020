package lint

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
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
			// the memo answers the same, asked in any order and again
			k := &jobKindMemo{}
			for range 2 {
				if k.updatesDependencies(j) != c.updates || k.checksCode(j) != c.checks || k.publishes(j) != c.publishes {
					t.Errorf("jobKindMemo = %v %v %v, want %v %v %v", k.publishes(j), k.checksCode(j), k.updatesDependencies(j),
						c.publishes, c.checks, c.updates)
				}
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

// TestJobKindMemoConcurrent asks one memo from several goroutines, as the
// repository rules do (the race detector checks the locking).
func TestJobKindMemoConcurrent(t *testing.T) {
	w, _ := actionlint.Parse([]byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"))
	k := &jobKindMemo{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if !k.publishes(w.Jobs["a"]) || k.publishes(w.Jobs["b"]) || !k.checksCode(w.Jobs["b"]) {
				t.Error("wrong answer")
			}
		})
	}
	wg.Wait()
	var nilMemo *jobKindMemo
	if !nilMemo.publishes(w.Jobs["a"]) {
		t.Error("a nil memo answers as jobPublishes does")
	}
}

// TestPublishCommandSplit checks that publishCommand, a phrase list, and
// buildxPushCommand together match the scripts that the single regexp they
// were split from matched, on scripts put together at random.
func TestPublishCommandSplit(t *testing.T) {
	whole := regexp.MustCompile(`(?m)\b(deploy|publish|docker (image )?push|docker buildx build[^\n]*--push|npm publish|yarn publish|pnpm publish|cargo publish|gem push|twine upload|gh release create|helm upgrade|kubectl (apply|rollout|set image)|terraform apply|cap [a-z]+ deploy|flyctl deploy|vercel --prod)\b`)
	if newPrefilter(publishCommand.String()).words == nil {
		t.Fatal("publishCommand is not a phrase list")
	}
	words := []string{"deploy", "publish", "docker", "push", "image", "buildx", "build", "--push", "npm", "cap",
		"prod", "production", "kubectl", "apply", "set", "vercel", "--prod", "deploys", "x", " ", " ", "\n", "-", "_", "."}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		in := randomScript(rng, words, 12)
		if got, want := matchString(publishCommand, in) || matchString(buildxPushCommand, in), whole.MatchString(in); got != want {
			t.Fatalf("publish command in %q: %v, want %v", in, got, want)
		}
	}
}
