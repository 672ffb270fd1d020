package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// The determinism tests lint the same input several times, with one worker
// and with one per CPU, and require the same bytes every time (issue 18).
// They are bounded by repetitions, never by time; scripts/test also runs
// them under -race, where raceEnabled makes the corpora smaller.

// determinismRuns is how many times each input is linted per worker count.
func determinismRuns() int {
	if raceEnabled {
		return 2
	}
	return 3
}

// missingUses are small repositories whose workflows use local reusable
// workflows and actions that are missing or broken, each used from several
// jobs, the pattern that actionlint reports from whichever job it sees first.
var missingUses = map[string]map[string]string{
	"issue-18": {
		".github/workflows/ci.yml": "name: ci\non: push\njobs:\n  a:\n    uses: ./.github/workflows/missing.yml\n  b:\n    uses: ./.github/workflows/missing.yml\n    with:\n      x: ${{ github.sha }}\n",
	},
	// c needs b before b is defined: actionlint's expression rule reads the
	// callee while visiting c
	"needs-before-call": {
		".github/workflows/ci.yml":     "on: push\njobs:\n  c:\n    needs: [b]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.b.outputs.x }}\n  a:\n    uses: ./.github/workflows/broken.yml\n  b:\n    uses: ./.github/workflows/broken.yml\n  d:\n    uses: ./.github/workflows/missing.yml\n",
		".github/workflows/broken.yml": "on: [push\n",
	},
	"local-actions": {
		".github/workflows/ci.yml": "on: push\njobs:\n" +
			"  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/bad\n        id: s\n      - run: echo ${{ steps.s.outputs.o }}\n      - uses: ./.github/actions/unnamed\n" +
			"  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/bad\n      - uses: ./.github/actions/unnamed\n      - uses: ./.github/actions/gone\n" +
			"  c:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/unnamed\n        with:\n          nope: 1\n",
		".github/actions/bad/action.yml":     "name: [bad\n",
		".github/actions/unnamed/action.yml": "runs:\n  using: node20\n  main: missing.js\ninputs:\n  old:\n    deprecationMessage: \"\"\n    deprecated: true\n",
	},
}

// lintJSON lints paths (none: the repository around dir) and returns the
// findings as JSON, with the run's other outputs that a report shows.
func lintJSON(t *testing.T, opts Options, paths []string) []byte {
	t.Helper()
	res := lintDir(t, opts.WorkDir, opts, paths...)
	b, err := json.Marshal(struct {
		Findings []Finding
		Files    int
		Internal int
	}{res.Findings, len(res.Files), res.InternalErrors})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameEveryRun lints the input determinismRuns times with one worker and
// with one per CPU and fails when two outputs differ.
func sameEveryRun(t *testing.T, opts Options, paths []string, runs int) []byte {
	t.Helper()
	var first []byte
	for i := range runs {
		for _, jobs := range []int{1, runtime.NumCPU()} {
			opts.Jobs = jobs
			out := lintJSON(t, opts, paths)
			if first == nil {
				first = out
				continue
			}
			if !bytes.Equal(first, out) {
				t.Fatalf("run %d with -j %d differs from the first:\n%s", i+1, jobs, firstDifference(first, out))
			}
		}
	}
	return first
}

func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-200, 0)
	return "first: ..." + string(a[from:min(i+200, len(a))]) + "\nlater: ..." + string(b[from:min(i+200, len(b))])
}

// TestDeterministicMissingUses lints the repositories of missingUses 20 times
// each and checks where the first-use problems land.
func TestDeterministicMissingUses(t *testing.T) {
	for name, files := range missingUses {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, files)
			out := sameEveryRun(t, Options{WorkDir: dir, Config: &config.Config{}}, nil, 10)
			if strings.Contains(string(out), dir) {
				t.Errorf("output holds the checkout's absolute path %s:\n%s", dir, out)
			}
			var got struct{ Findings []Finding }
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			for _, f := range got.Findings {
				for _, p := range firstUseProblems {
					if strings.HasPrefix(f.Message, p.prefix) && f.RuleID != p.rule {
						t.Errorf("%s: want rule %s", f.String(), p.rule)
					}
				}
			}
			want := map[string][]string{
				"issue-18":          {":5:11: error: could not read reusable workflow file for \"./.github/workflows/missing.yml\": no such file or directory [workflow-call]"},
				"needs-before-call": {":9:11: error: error while parsing reusable workflow \"./.github/workflows/broken.yml\"", ":13:11: error: could not read reusable workflow file for \"./.github/workflows/missing.yml\""},
				"local-actions":     {":6:15: error: could not parse action metadata in \"./.github/actions/bad\""},
			}[name]
			for _, w := range want {
				found := slices.ContainsFunc(got.Findings, func(f Finding) bool { return strings.Contains(f.String(), w) })
				if !found {
					t.Errorf("no finding contains %q in:\n%s", w, out)
				}
			}
		})
	}
}

// TestDeterministicCorpora lints the real-world workflows, actionlint's
// projects/ and zizmor's fixtures repeatedly.
func TestDeterministicCorpora(t *testing.T) {
	runs := determinismRuns()
	t.Run("realworld", func(t *testing.T) {
		paths := slices.Sorted(slices.Values(realworldFiles(t)))
		if raceEnabled {
			paths = everyNth(paths, 5)
		}
		sameEveryRun(t, Options{WorkDir: filepath.Dir(paths[0]), Config: &config.Config{}}, paths, runs)
	})
	for _, corpus := range [][]string{{"actionlint", "projects"}, {"zizmor"}} {
		base := corpusDir(t, corpus...)
		ents, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.Join(corpus, "/"), func(t *testing.T) {
			var top []string
			for _, e := range ents {
				if !e.IsDir() && isYAML(e.Name()) {
					top = append(top, filepath.Join(base, e.Name()))
				}
			}
			if len(top) > 0 {
				sameEveryRun(t, Options{WorkDir: base, ProjectRoot: base, Config: &config.Config{}}, top, runs)
			}
			for _, e := range ents {
				if !e.IsDir() {
					continue
				}
				root := filepath.Join(base, e.Name())
				var paths []string
				filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() && (isYAML(d.Name()) || IsDockerfileName(d.Name())) &&
						!strings.HasSuffix(d.Name(), "actionlint.yaml") && !strings.HasSuffix(d.Name(), "gantry.yaml") {
						paths = append(paths, p)
					}
					return nil
				})
				if len(paths) == 0 {
					continue
				}
				t.Run(e.Name(), func(t *testing.T) {
					sameEveryRun(t, Options{WorkDir: root, ProjectRoot: root, Config: &config.Config{}}, paths, runs)
				})
			}
		})
	}
}

func everyNth(s []string, n int) []string {
	var out []string
	for i, v := range s {
		if i%n == 0 {
			out = append(out, v)
		}
	}
	return out
}

// TestFixConvergesEveryTrial runs --fix=all from the same starting files in
// fresh copies several times: every trial must give the same files and the
// same report, and a second run must change nothing.
func TestFixConvergesEveryTrial(t *testing.T) {
	start := map[string]string{}
	for name, files := range missingUses {
		for p, src := range files {
			start[name+"/"+p] = src
		}
	}
	rw := slices.Sorted(slices.Values(realworldFiles(t)))
	n := 12
	if raceEnabled {
		n = 60
	}
	for _, p := range everyNth(rw, n) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		start["realworld/.github/workflows/"+filepath.Base(p)] = string(b)
	}
	trials := 2
	var first []byte
	for trial := range trials {
		for _, jobs := range []int{1, runtime.NumCPU()} {
			dir := t.TempDir()
			writeFiles(t, dir, start)
			var roots []string
			for name := range missingUses {
				roots = append(roots, name)
			}
			roots = append(roots, "realworld")
			slices.Sort(roots)
			var all bytes.Buffer
			for _, r := range roots {
				root := filepath.Join(dir, r)
				if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
					t.Fatal(err)
				}
				l, err := New(Options{WorkDir: root, Config: &config.Config{}, Jobs: jobs})
				if err != nil {
					t.Fatal(err)
				}
				fr, err := l.Fix(context.Background(), nil, FixOptions{Mode: FixModeAll})
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(struct {
					Findings []Finding
					Failures []FixFailure
					Fixed    int
				}{fr.Findings, fr.Failures, fr.FixedCount()})
				if err != nil {
					t.Fatal(err)
				}
				all.Write(b)
				all.Write(fr.Diff())
				again, err := l.Fix(context.Background(), nil, FixOptions{Mode: FixModeAll})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range again.Fixed {
					t.Errorf("trial %d -j %d: a second run changed %s/%s:\n%s", trial+1, jobs, r, f.Path, UnifiedDiff("a", "b", f.Before, f.After))
				}
			}
			if first == nil {
				first = all.Bytes()
			} else if !bytes.Equal(first, all.Bytes()) {
				t.Fatalf("trial %d -j %d differs from the first:\n%s", trial+1, jobs, firstDifference(first, all.Bytes()))
			}
		}
	}
}
