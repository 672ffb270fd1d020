package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/config"
)

// genRepo writes a repository of n workflows into dir: services built and
// pushed with docker/build-push-action, some releasing tags with git push,
// some calling a shared reusable deploy workflow, two in ten with a
// colliding concurrency group, plus a publish workflow on tags, a
// Dockerfile and dependabot.yml. Every repository rule has work to do.
func genRepo(tb testing.TB, dir string, n int) {
	tb.Helper()
	wfDir := filepath.Join(dir, ".github", "workflows")
	if err := os.MkdirAll(wfDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n")
	write("Dockerfile", "FROM ruby:3.3 AS base\nFROM base AS bundle\nRUN bundle install\nFROM base\nCOPY --from=bundle /b /b\n")
	write(".github/workflows/publish.yml", `name: publish
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: ./publish
`)
	write(".github/workflows/deploy-reusable.yml", `name: deploy-reusable
on:
  workflow_call:
    inputs:
      service: {type: string, required: true}
concurrency: deploy-${{ inputs.service }}-${{ github.ref }}
jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: aws-actions/configure-aws-credentials@v6
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: ap-northeast-1
      - run: ./deploy ${{ inputs.service }}
`)
	for i := range n {
		group := "${{ github.workflow }}-${{ github.ref }}"
		if i%10 <= 1 {
			group = "${{ github.ref }}"
		}
		var b strings.Builder
		fmt.Fprintf(&b, `name: service-%[1]d
on:
  push:
    branches: [main]
  pull_request:
    paths: ['services/svc%[1]d/**']
concurrency:
  group: %[2]s
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v6
        with:
          node-version: 22
      - run: |
          npm ci
          npm test
        working-directory: services/svc%[1]d
      - uses: docker/build-push-action@v7
        with:
          context: .
          tags: registry.example.com/svc%[1]d:${{ github.event.pull_request.head.sha || github.sha }}
          push: ${{ github.event_name != 'pull_request' }}
          cache-from: type=gha,scope=svc%[1]d
          cache-to: type=gha,mode=max,scope=svc%[1]d
`, i, group)
		if i%5 == 0 {
			fmt.Fprintf(&b, `  release:
    needs: build
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v7
      - run: |
          git tag v1.%[1]d.0
          git push origin v1.%[1]d.0
`, i)
		}
		if i%3 == 0 {
			fmt.Fprintf(&b, `  deploy:
    needs: build
    uses: ./.github/workflows/deploy-reusable.yml
    with:
      service: svc%d
`, i)
		}
		write(fmt.Sprintf(".github/workflows/service-%04d.yml", i), b.String())
	}
}

// lintOnce lints the repository at dir with every rule, and returns the
// result and the CPU time it took.
func lintOnce(tb testing.TB, dir string) (*Result, *Linter, time.Duration) {
	tb.Helper()
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}})
	if err != nil {
		tb.Fatal(err)
	}
	start := cpuTime()
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return res, l, cpuTime() - start
}

// withoutGC runs f with the garbage collector off and returns the CPU time
// it took. The cost of a collection grows with the live heap, which grows
// with the repository (every parsed file is kept for the repository pass),
// so timings with the collector on mix that in with the linter's own work.
func withoutGC(f func()) time.Duration {
	runtime.GC()
	old := debug.SetGCPercent(-1)
	start := cpuTime()
	f()
	d := cpuTime() - start
	debug.SetGCPercent(old)
	runtime.GC()
	return d
}

// repoPassTime measures the repository pass alone (building the model and
// running every repository rule) on already linted files, in CPU time: the
// best of several runs, each repeated more often for fewer files (about
// 2,000 workflows' worth), so that a small repository's pass is long
// enough to time.
func repoPassTime(l *Linter, files []*File, gc bool) time.Duration {
	best := time.Duration(1<<63 - 1)
	reps := max(1, 2000/max(len(files), 1))
	for range 5 {
		var total time.Duration
		for range reps {
			if gc {
				start := cpuTime()
				l.runRepositoryRules(files)
				total += cpuTime() - start
			} else {
				total += withoutGC(func() { l.runRepositoryRules(files) })
			}
		}
		best = min(best, total/time.Duration(reps))
	}
	return best
}

// TestRepositoryGenerated lints a generated repository of 10 workflows:
// no internal error, and the cross-file rules fire (the repository that
// BenchmarkRepositoryScaling times exercises them).
func TestRepositoryGenerated(t *testing.T) {
	dir := t.TempDir()
	genRepo(t, dir, 10)
	res, _, _ := lintOnce(t, dir)
	checkGeneratedFindings(t, res)
}

// checkGeneratedFindings checks a lint of a generated repository.
func checkGeneratedFindings(tb testing.TB, res *Result) map[string]int {
	tb.Helper()
	counts := map[string]int{}
	for _, f := range res.Findings {
		counts[f.RuleID]++
		if f.RuleID == internalErrorRule.ID {
			tb.Errorf("internal error: %s", f.String())
		}
	}
	if counts["concurrency-collision"] == 0 || counts["token-no-trigger"] == 0 {
		tb.Errorf("the generated repository should exercise the cross-file rules: %v", counts)
	}
	return counts
}

// BenchmarkRepositoryScaling lints generated repositories of 10 and 1,000
// workflows and reports how the time per workflow grows with the
// repository (lint-x and pass-x: flat is 1, quadratic behaviour, every
// workflow compared with every other, is about 80), both for the whole
// lint and for the repository pass alone. Times are CPU times of the
// process, the best of several runs, so that other processes on a shared
// machine skew them less; the reported ratios are measured with the garbage
// collector off (see withoutGC), and the ratios with it on are logged too.
// Run it with go test ./lint -run '^$' -bench RepositoryScaling -benchtime 1x -v.
func BenchmarkRepositoryScaling(b *testing.B) {
	type sample struct {
		workflows            int
		lint, lintGC         time.Duration // per workflow
		pass, passGC         time.Duration // per workflow
		lintTotal, passTotal time.Duration
	}
	for b.Loop() {
		var samples []sample
		for _, n := range []int{10, 1000} {
			dir := b.TempDir()
			genRepo(b, dir, n)
			runs := 2
			if n <= 100 {
				runs = 20
			}
			var res *Result
			var l *Linter
			best, bestGC := time.Duration(1<<63-1), time.Duration(1<<63-1)
			for range runs {
				var d time.Duration
				runtime.GC()
				res, l, d = lintOnce(b, dir)
				bestGC = min(bestGC, d)
				best = min(best, withoutGC(func() { res, l, _ = lintOnce(b, dir) }))
			}
			counts := checkGeneratedFindings(b, res)
			w := time.Duration(n + 2)
			pass, passGC := repoPassTime(l, res.Files, false), repoPassTime(l, res.Files, true)
			s := sample{workflows: n + 2, lint: best / w, lintGC: bestGC / w, pass: pass / w, passGC: passGC / w,
				lintTotal: best, passTotal: pass}
			samples = append(samples, s)
			b.Logf("%5d workflows: lint %8v (%7v per workflow; %7v with GC), repository pass %8v (%6v per workflow; %6v with GC); findings %v",
				s.workflows, s.lintTotal.Round(time.Millisecond), s.lint.Round(time.Microsecond), s.lintGC.Round(time.Microsecond),
				s.passTotal.Round(10*time.Microsecond), s.pass.Round(10*time.Nanosecond), s.passGC.Round(10*time.Nanosecond), counts)
		}
		small, large := samples[0], samples[1]
		ratio := func(a, b time.Duration) float64 { return float64(a) / float64(b) }
		lintRatio, passRatio := ratio(large.lint, small.lint), ratio(large.pass, small.pass)
		b.Logf("time per workflow, %d vs %d workflows: lint x%.2f (x%.2f with GC), repository pass x%.2f (x%.2f with GC)",
			large.workflows, small.workflows, lintRatio, ratio(large.lintGC, small.lintGC), passRatio, ratio(large.passGC, small.passGC))
		b.ReportMetric(lintRatio, "lint-x")
		b.ReportMetric(passRatio, "pass-x")
	}
}

// BenchmarkLintRepository lints generated repositories of 10, 100 and
// 1,000 workflows and reports the time per workflow.
func BenchmarkLintRepository(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("workflows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			genRepo(b, dir, n)
			b.ResetTimer()
			for b.Loop() {
				lintOnce(b, dir)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+2), "ns/workflow")
		})
	}
}

// BenchmarkRepositoryPass measures the repository pass alone.
func BenchmarkRepositoryPass(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("workflows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			genRepo(b, dir, n)
			res, l, _ := lintOnce(b, dir)
			b.ResetTimer()
			for b.Loop() {
				l.runRepositoryRules(res.Files)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+2), "ns/workflow")
		})
	}
}
