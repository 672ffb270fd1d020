// Package precision measures how many of gantry's warnings and errors on the
// shared third-party corpus are worth a maintainer's time. It lays the
// corpus out as repositories, reads and writes the labelled judgements
// (testdata/precision/judgements.tsv), matches a run's findings to them and
// reports precision per rule.
//
// It imports no other gantry package, so that both the precision tool and
// the lint package's tests can use it.
package precision

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Verdict is a reviewer's judgement of one finding.
type Verdict string

const (
	// VerdictTrue means a maintainer would act on the finding.
	VerdictTrue Verdict = "true"
	// VerdictNoise means the finding is correct but not worth a maintainer's
	// time, such as a deliberate, common pattern.
	VerdictNoise Verdict = "noise"
	// VerdictFalse means the finding's claim is wrong.
	VerdictFalse Verdict = "false"
)

// Verdicts lists the verdicts in report order.
var Verdicts = []Verdict{VerdictTrue, VerdictNoise, VerdictFalse}

// ParseVerdict parses a verdict; the empty string is "not judged yet".
func ParseVerdict(s string) (Verdict, error) {
	switch v := Verdict(strings.ToLower(strings.TrimSpace(s))); v {
	case VerdictTrue, VerdictNoise, VerdictFalse, "":
		return v, nil
	}
	return "", fmt.Errorf("unknown verdict %q (want true, noise or false)", s)
}

// Finding is one finding as the precision suite sees it: where, which rule,
// how severe and what it says. File is the corpus path (see CorpusFile).
type Finding struct {
	File     string
	Line     int
	Column   int
	Rule     string
	Severity string
	Message  string
}

// Serious reports whether the finding is a warning or an error, the
// severities whose precision the suite measures.
func (f *Finding) Serious() bool { return f.Severity == "warning" || f.Severity == "error" }

// String formats the finding as "file:line:col: severity: message [rule]".
func (f *Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", f.File, f.Line, f.Column, f.Severity, f.Message, f.Rule)
}

// Judgement is one judged finding: the finding as it was reported when it
// was judged, the final verdict with its reason, and each reviewer's verdict.
type Judgement struct {
	// ID is stable and unique, such as "p0042".
	ID string
	// Finding is the finding as judged; Severity is the severity it had then
	// and Message is shortened to MaxMessage runes.
	Finding
	// Verdict is the final, reconciled verdict; empty while not judged.
	Verdict Verdict
	// Reason says in one line why.
	Reason string
	// ReviewerA and ReviewerB are the independent reviewers' verdicts.
	ReviewerA, ReviewerB Verdict
}

// MaxMessage is how many runes of a message the judgements keep: enough to
// recognise the finding, never a copy of the corpus file.
const MaxMessage = 120

// ShortMessage shortens a message to MaxMessage runes on one line.
func ShortMessage(m string) string {
	m = strings.Join(strings.Fields(m), " ")
	if r := []rune(m); len(r) > MaxMessage {
		m = string(r[:MaxMessage-1]) + "…"
	}
	return m
}

// header is the first line of the judgements file; columns are separated
// by tabs.
var header = []string{"id", "file", "line", "column", "rule", "severity", "message", "verdict", "reason", "reviewer_a", "reviewer_b"}

// ReadJudgements reads a judgements file: a header line, then one
// judgement per line. Lines starting with '#' and empty lines are ignored.
// Errors name the line.
func ReadJudgements(r io.Reader) ([]Judgement, error) {
	var out []Judgement
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, sawHeader := 0, false
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if !sawHeader {
			if strings.Join(cols, "\t") != strings.Join(header, "\t") {
				return nil, fmt.Errorf("line %d: header must be %q", n, strings.Join(header, "\t"))
			}
			sawHeader = true
			continue
		}
		if len(cols) != len(header) {
			return nil, fmt.Errorf("line %d: %d columns, want %d", n, len(cols), len(header))
		}
		j, err := parseJudgement(cols)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if seen[j.ID] {
			return nil, fmt.Errorf("line %d: duplicate id %q", n, j.ID)
		}
		seen[j.ID] = true
		out = append(out, j)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !sawHeader {
		return nil, fmt.Errorf("no header line")
	}
	return out, nil
}

func parseJudgement(c []string) (Judgement, error) {
	j := Judgement{ID: c[0], Finding: Finding{File: c[1], Rule: c[4], Severity: c[5], Message: c[6]}, Reason: c[8]}
	if j.ID == "" || j.File == "" || j.Rule == "" {
		return j, fmt.Errorf("id, file and rule are required")
	}
	var err error
	if j.Line, err = strconv.Atoi(c[2]); err != nil {
		return j, fmt.Errorf("line: %w", err)
	}
	if j.Column, err = strconv.Atoi(c[3]); err != nil {
		return j, fmt.Errorf("column: %w", err)
	}
	for _, v := range []struct {
		dst *Verdict
		s   string
	}{{&j.Verdict, c[7]}, {&j.ReviewerA, c[9]}, {&j.ReviewerB, c[10]}} {
		if *v.dst, err = ParseVerdict(v.s); err != nil {
			return j, err
		}
	}
	if j.Verdict != "" && j.Reason == "" {
		return j, fmt.Errorf("%s: a verdict needs a reason", j.ID)
	}
	return j, nil
}

// WriteJudgements writes judgements in the format ReadJudgements reads,
// after a comment that explains the columns.
func WriteJudgements(w io.Writer, js []Judgement) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# gantry's precision suite: warning and error findings on ../shared/corpus, judged (see scripts/precision).")
	fmt.Fprintln(bw, "# file is relative to the corpus; dataset.zip#member names a workflow inside actionlint's real-world dataset.")
	fmt.Fprintln(bw, "# severity and message are as reported when judged. verdict is the reconciled one: true (a maintainer would act),")
	fmt.Fprintln(bw, "# noise (correct but not worth a maintainer's time) or false (the claim is wrong); reviewer_a/b are the independent verdicts.")
	fmt.Fprintln(bw, strings.Join(header, "\t"))
	for _, j := range js {
		cols := []string{j.ID, j.File, strconv.Itoa(j.Line), strconv.Itoa(j.Column), j.Rule, j.Severity,
			ShortMessage(j.Message), string(j.Verdict), oneLine(j.Reason), string(j.ReviewerA), string(j.ReviewerB)}
		fmt.Fprintln(bw, strings.Join(cols, "\t"))
	}
	return bw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
