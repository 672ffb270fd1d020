package lint

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/internal/precision"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// judgementsFile is the precision suite's labelled findings (scripts/precision);
// stillFalseFile lists the ids of findings judged false that gantry still
// reports, until a rule fix removes them.
const (
	judgementsFile = "../testdata/precision/judgements.tsv"
	stillFalseFile = "../testdata/precision/still-false.txt"
)

// TestPrecisionFalseFindingsStayGone lints, as gantry lint does by default,
// the repositories of the shared corpus that hold a finding judged false in
// the precision suite. It fails when one of those findings is reported, at
// any severity (a wrong claim is wrong as info too), unless still-false.txt
// lists it; and when a listed one is gone, so that the list only shrinks.
func TestPrecisionFalseFindingsStayGone(t *testing.T) {
	jf, err := os.Open(judgementsFile)
	if err != nil {
		t.Fatal(err)
	}
	js, err := precision.ReadJudgements(jf)
	jf.Close()
	if err != nil {
		t.Fatalf("%s: %v", judgementsFile, err)
	}
	var falses []precision.Judgement
	shellcheckFiles := map[string]bool{}
	for _, j := range js {
		if j.Verdict == precision.VerdictFalse {
			falses = append(falses, j)
			if j.Rule == "shellcheck" {
				shellcheckFiles[precision.LayoutPath(j.File)] = true
			}
		}
	}
	if len(falses) == 0 {
		t.Fatalf("%s has no finding judged false", judgementsFile)
	}

	dir := t.TempDir()
	files, err := precision.Layout(dir, corpusDir(t), realworldDataset(t))
	if err != nil {
		t.Fatal(err)
	}
	// Lint every file of each repository that holds a judged-false finding,
	// since repository rules look across a repository's workflows; then,
	// with shellcheck (slow), only the files of judged-false shellcheck
	// findings, for shellcheck's findings alone.
	roots := map[string]bool{}
	for _, j := range falses {
		roots[FindRoot(filepath.Dir(filepath.Join(dir, filepath.FromSlash(precision.LayoutPath(j.File)))))] = true
	}
	var paths, scPaths []string
	for _, rel := range files {
		abs := filepath.Join(dir, filepath.FromSlash(rel))
		if roots[FindRoot(filepath.Dir(abs))] {
			paths = append(paths, abs)
		}
		if shellcheckFiles[rel] {
			scPaths = append(scPaths, abs)
		}
	}
	res := lintDir(t, dir, Options{}, paths...)
	if len(scPaths) > 0 {
		opts := Options{Shellcheck: testenv.LookPath(t, "shellcheck"), RuleFilter: func(r *Rule) bool { return r.ID == "shellcheck" }}
		res.Findings = append(res.Findings, lintDir(t, dir, opts, scPaths...).Findings...)
	}
	fs := make([]precision.Finding, 0, len(res.Findings))
	for _, f := range res.Findings {
		fs = append(fs, precision.Finding{File: precision.CorpusFile(f.File), Line: f.Line, Column: f.Column,
			Rule: f.RuleID, Severity: f.Severity.String(), Message: precision.TrimDir(f.Message, dir)})
	}
	still := readStillFalse(t)
	m := precision.Match(falses, fs)
	for _, p := range m.Pairs {
		if !still[p.Judgement.ID] {
			t.Errorf("%s, judged false (%s), is reported again: %s", p.Judgement.ID, p.Judgement.Reason, p.Finding.String())
		}
		delete(still, p.Judgement.ID)
	}
	for _, id := range slices.Sorted(maps.Keys(still)) {
		t.Errorf("%s is no longer reported: remove it from %s", id, filepath.Base(stillFalseFile))
	}
	t.Logf("%d judged-false findings checked in %d files; %d still reported as listed", len(falses), len(paths), len(m.Pairs))
}

// readStillFalse reads the ids in still-false.txt: one per line, after
// which a comment may follow; lines starting with '#' are comments.
func readStillFalse(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(stillFalseFile)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			ids[f[0]] = true
		}
	}
	return ids
}
