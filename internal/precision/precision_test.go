package precision

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const sc = "shellcheck reported issue in this script: "

func TestMatch(t *testing.T) {
	js := []Judgement{
		{ID: "a", Finding: Finding{File: "f.yml", Line: 3, Column: 5, Rule: "timeout-missing", Message: "job \"a\" has no timeout-minutes"}, Verdict: VerdictNoise},
		{ID: "b", Finding: Finding{File: "f.yml", Line: 9, Column: 9, Rule: "shellcheck", Message: sc + "SC2086:info:2:6: Double quote"}, Verdict: VerdictNoise},
		{ID: "c", Finding: Finding{File: "f.yml", Line: 9, Column: 9, Rule: "shellcheck", Message: sc + "SC2046:warning:4:1: Quote this"}, Verdict: VerdictTrue},
		{ID: "d", Finding: Finding{File: "f.yml", Line: 12, Column: 14, Rule: "runner-label", Message: "label \"x\" is unknown"}, Verdict: VerdictFalse},
		{ID: "e", Finding: Finding{File: "g.yml", Line: 1, Column: 1, Rule: "expression", Message: "m"}, Verdict: VerdictTrue},
	}
	fs := []Finding{
		// the same message in new words, at a new column: still "a"
		{File: "f.yml", Line: 3, Column: 3, Rule: "timeout-missing", Message: "job \"a\" sets no timeout-minutes"},
		// the two shellcheck findings at one place, in the other order and
		// reworded: told apart by their codes and script positions
		{File: "f.yml", Line: 9, Column: 9, Rule: "shellcheck", Message: sc + "SC2046:warning:4:1: Quote this to prevent word splitting"},
		{File: "f.yml", Line: 9, Column: 9, Rule: "shellcheck", Message: sc + "SC2086:info:2:6: Double quote to prevent globbing"},
		// a new shellcheck finding at the same place is unjudged
		{File: "f.yml", Line: 9, Column: 9, Rule: "shellcheck", Message: sc + "SC2006:style:5:1: Use $(...)"},
		// the same line in another rule or file is not "d"
		{File: "f.yml", Line: 12, Column: 14, Rule: "runner-label-typo", Message: "label \"x\" is unknown"},
		{File: "h.yml", Line: 1, Column: 1, Rule: "expression", Message: "m"},
	}
	m := Match(js, fs)
	got := map[string]string{}
	for _, p := range m.Pairs {
		got[p.Judgement.ID] = p.Finding.Message
	}
	want := map[string]string{"a": fs[0].Message, "b": fs[2].Message, "c": fs[1].Message}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pairs %v, want %v", got, want)
	}
	var gone []string
	for _, j := range m.Gone {
		gone = append(gone, j.ID)
	}
	if !slices.Equal(gone, []string{"d", "e"}) {
		t.Errorf("gone %v, want [d e]", gone)
	}
	if len(m.Unjudged) != 3 || m.Unjudged[0].File != "f.yml" || !strings.Contains(m.Unjudged[0].Message, "SC2006") {
		t.Errorf("unjudged %v", m.Unjudged)
	}
}

// TestMatchPrefersExact checks that a looser pass never takes the finding
// an exact match needs.
func TestMatchPrefersExact(t *testing.T) {
	js := []Judgement{
		{ID: "a", Finding: Finding{File: "f", Line: 1, Column: 1, Rule: "r", Message: "one"}},
		{ID: "b", Finding: Finding{File: "f", Line: 1, Column: 7, Rule: "r", Message: "two"}},
	}
	fs := []Finding{{File: "f", Line: 1, Column: 7, Rule: "r", Message: "two"}, {File: "f", Line: 1, Column: 2, Rule: "r", Message: "uno"}}
	m := Match(js, fs)
	if len(m.Pairs) != 2 || m.Pairs[0].Finding != &fs[1] || m.Pairs[1].Finding != &fs[0] {
		t.Errorf("pairs %+v", m.Pairs)
	}
}

func TestSummarize(t *testing.T) {
	j := func(id, rule string, line int, v Verdict) Judgement {
		return Judgement{ID: id, Finding: Finding{File: "f", Line: line, Column: 1, Rule: rule, Severity: "error", Message: "m"}, Verdict: v, Reason: "r"}
	}
	f := func(rule string, line int, sev string) Finding {
		return Finding{File: "f", Line: line, Column: 1, Rule: rule, Severity: sev, Message: "m"}
	}
	js := []Judgement{j("1", "r", 1, VerdictTrue), j("2", "r", 2, VerdictNoise), j("3", "r", 3, VerdictFalse),
		j("4", "r", 4, VerdictNoise), j("5", "r", 5, VerdictTrue), j("6", "s", 1, "")}
	fs := []Finding{f("r", 1, "error"), f("r", 2, "warning"), f("r", 3, "info"), f("r", 9, "warning"), f("r", 10, "info"), f("s", 1, "error")}
	s := Summarize(js, fs)
	if len(s.Rules) != 2 || s.Rules[0].Rule != "r" {
		t.Fatalf("rules %+v", s.Rules)
	}
	r := s.Rules[0]
	if r.Judged() != 2 || r.Precision() != 0.5 || r.Demoted[VerdictFalse] != 1 ||
		r.Gone[VerdictNoise] != 1 || r.Gone[VerdictTrue] != 1 || r.Unjudged != 1 {
		t.Errorf("r: %+v", r)
	}
	if s.Rules[1].Pending != 1 || s.Rules[1].Precision() != -1 || s.Overall.Judged() != 2 || len(s.Unjudged) != 1 {
		t.Errorf("s: %+v, overall %+v", s.Rules[1], s.Overall)
	}
	var b bytes.Buffer
	if err := s.Write(&b, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"50.0%", "unjudged: f:9:1: warning: m [r]", "overall"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestJudgementsRoundTrip(t *testing.T) {
	js := []Judgement{
		{ID: "p0001", Finding: Finding{File: DatasetZip + "#o_r_.github_workflows_ci.yml", Line: 3, Column: 5, Rule: "r", Severity: "warning",
			Message: strings.Repeat("long\tmessage ", 30)}, Verdict: VerdictNoise, Reason: "a\treason", ReviewerA: VerdictNoise, ReviewerB: VerdictTrue},
		{ID: "p0002", Finding: Finding{File: "zizmor/x.yml", Line: 1, Column: 1, Rule: "r", Severity: "error", Message: "m"}},
	}
	var b bytes.Buffer
	if err := WriteJudgements(&b, js); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJudgements(&b)
	if err != nil {
		t.Fatal(err)
	}
	js[0].Message, js[0].Reason = ShortMessage(js[0].Message), "a reason"
	if fmt.Sprint(got) != fmt.Sprint(js) {
		t.Errorf("read back\n%v\nwant\n%v", got, js)
	}
	if n := len([]rune(got[0].Message)); n != MaxMessage {
		t.Errorf("message of %d runes", n)
	}
}

func TestReadJudgementsErrors(t *testing.T) {
	head := strings.Join(header, "\t") + "\n"
	for _, c := range []struct{ in, want string }{
		{"", "no header"},
		{"id\tfile\n", "line 1: header"},
		{head + "p1\tf\t1\t1\tr\terror\tm\ttrue\treason\n", "line 2: 9 columns"},
		{head + "p1\tf\tx\t1\tr\terror\tm\ttrue\treason\t\t\n", "line 2: line:"},
		{head + "p1\tf\t1\t1\tr\terror\tm\tmaybe\treason\t\t\n", "unknown verdict"},
		{head + "p1\tf\t1\t1\tr\terror\tm\ttrue\t\t\t\n", "needs a reason"},
		{head + "p1\tf\t1\t1\tr\terror\tm\t\t\t\t\n# c\np1\tf\t1\t1\tr\terror\tm\t\t\t\t\n", "line 4: duplicate id"},
	} {
		_, err := ReadJudgements(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestCorpusFile(t *testing.T) {
	for rel, want := range map[string]string{
		"realworld/o_r/.github/workflows/ci.yml": DatasetZip + "#o_r_.github_workflows_ci.yml",
		"zizmor/artipacked/a.yml":                "zizmor/artipacked/a.yml",
		"realworld/o_r/action.yml":               "realworld/o_r/action.yml",
	} {
		if got := CorpusFile(rel); got != want {
			t.Errorf("CorpusFile(%q) = %q, want %q", rel, got, want)
		}
		if got := LayoutPath(want); got != rel {
			t.Errorf("LayoutPath(%q) = %q, want %q", want, got, rel)
		}
	}
}

func TestSample(t *testing.T) {
	var fs []Finding
	for i := range 50 {
		fs = append(fs, Finding{File: fmt.Sprintf("f%d", i%5), Line: i, Rule: "big", Severity: "warning"})
		fs = append(fs, Finding{File: fmt.Sprintf("f%d", i), Line: i, Rule: "shellcheck", Severity: "error", Message: sc + fmt.Sprintf("SC2086:info:%d:1: x", i)})
		fs = append(fs, Finding{File: "zizmor/a.yml", Line: i, Rule: "big", Severity: "warning"})
	}
	fs = append(fs, Finding{File: "f", Line: 1, Rule: "rare", Severity: "error"}, Finding{File: "f", Line: 2, Rule: "quiet", Severity: "info"})
	o := SampleOptions{Seed: 1, Cap: 10, ShellcheckCap: 4, FixtureCap: 2}
	s := Sample(fs, o)
	count := map[string]int{}
	files := map[string]bool{}
	for _, f := range s {
		count[Stratum(&f)]++
		if f.Rule == "big" && !strings.HasPrefix(f.File, "zizmor/") {
			files[f.File] = true
		}
	}
	if fmt.Sprint(count) != "map[big:10 big@zizmor:2 rare:1 shellcheck/info:4]" {
		t.Errorf("strata %v", count)
	}
	if len(files) != 5 {
		t.Errorf("big drew from %d files, want all 5", len(files))
	}
	if again := Sample(fs, o); fmt.Sprint(again) != fmt.Sprint(s) {
		t.Error("the draw is not deterministic")
	}
	o.Seed = 2
	if other := Sample(fs, o); fmt.Sprint(other) == fmt.Sprint(s) {
		t.Error("the seed does not change the draw")
	}
}

func TestWriteSheet(t *testing.T) {
	src := "name: ci\non:\n  push:\njobs:\n  build:\n    runs-on: x\n" + strings.Repeat("    # filler\n", 30) + "    steps:\n      - run: |\n          a\n          b\n"
	js := []Judgement{{ID: "p1", Finding: Finding{File: "w.yml", Line: 38, Column: 9, Rule: "shellcheck", Severity: "error",
		Message: sc + "SC2086:info:2:1: x"}, Verdict: VerdictFalse, Reason: "secret"}}
	var b bytes.Buffer
	if err := WriteSheet(&b, js, func(string) ([]byte, error) { return []byte(src), nil }); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"## p1 shellcheck (error)", "     2 | on:", "     5 |   build:", ">   38 |       - run: |", "    40 |           b"} {
		if !strings.Contains(out, want) {
			t.Errorf("sheet lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret") {
		t.Errorf("the sheet shows the verdict:\n%s", out)
	}
}
