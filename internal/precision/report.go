package precision

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
)

// RuleStats is the precision of one rule.
type RuleStats struct {
	Rule string
	// Verdicts counts the judged findings the run reports as a warning or
	// an error, by verdict; precision is Verdicts[true] over their sum.
	Verdicts map[Verdict]int
	// Demoted counts, by verdict, judged findings the run still reports but
	// only as info.
	Demoted map[Verdict]int
	// Gone counts, by verdict, judged findings the run no longer reports.
	Gone map[Verdict]int
	// Pending counts matched warnings and errors whose judgement has no
	// verdict yet.
	Pending int
	// Unjudged counts the run's warnings and errors that no judgement matched.
	Unjudged int
}

// Judged is how many findings the run reports as a warning or an error
// that have a verdict.
func (s *RuleStats) Judged() int {
	return s.Verdicts[VerdictTrue] + s.Verdicts[VerdictNoise] + s.Verdicts[VerdictFalse]
}

// Precision is the share of true verdicts among Judged, or -1 when none.
func (s *RuleStats) Precision() float64 {
	if s.Judged() == 0 {
		return -1
	}
	return float64(s.Verdicts[VerdictTrue]) / float64(s.Judged())
}

// Summary is the precision of a run per rule and overall.
type Summary struct {
	Rules   []*RuleStats
	Overall RuleStats
	// Unjudged are the run's warnings and errors no judgement matched.
	Unjudged []*Finding
}

// Summarize matches a run's findings to the judgements and counts.
func Summarize(js []Judgement, fs []Finding) Summary {
	m := Match(js, fs)
	rules := map[string]*RuleStats{}
	stats := func(rule string) *RuleStats {
		s := rules[rule]
		if s == nil {
			s = &RuleStats{Rule: rule, Verdicts: map[Verdict]int{}, Demoted: map[Verdict]int{}, Gone: map[Verdict]int{}}
			rules[rule] = s
		}
		return s
	}
	sum := Summary{Overall: RuleStats{Rule: "overall", Verdicts: map[Verdict]int{}, Demoted: map[Verdict]int{}, Gone: map[Verdict]int{}}}
	for _, p := range m.Pairs {
		s, v := stats(p.Judgement.Rule), p.Judgement.Verdict
		switch {
		case !p.Finding.Serious():
			if v != "" {
				s.Demoted[v]++
				sum.Overall.Demoted[v]++
			}
		case v == "":
			s.Pending++
			sum.Overall.Pending++
		default:
			s.Verdicts[v]++
			sum.Overall.Verdicts[v]++
		}
	}
	for _, j := range m.Gone {
		if j.Verdict != "" {
			stats(j.Rule).Gone[j.Verdict]++
			sum.Overall.Gone[j.Verdict]++
		}
	}
	for _, f := range m.Unjudged {
		if f.Serious() {
			stats(f.Rule).Unjudged++
			sum.Overall.Unjudged++
			sum.Unjudged = append(sum.Unjudged, f)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(rules)) {
		sum.Rules = append(sum.Rules, rules[r])
	}
	return sum
}

// Write prints the summary as a table: per rule the judged warnings and
// errors by verdict and their precision, the judged findings now reported
// only as info or not at all, and the warnings and errors not yet judged;
// then, with list, every unjudged finding.
func (s *Summary) Write(w io.Writer, list bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tjudged\ttrue\tnoise\tfalse\tprecision\tnow info t/n/f\tgone t/n/f\tpending\tunjudged\t")
	row := func(r *RuleStats) {
		prec := "-"
		if p := r.Precision(); p >= 0 {
			prec = fmt.Sprintf("%.1f%%", 100*p)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t\n", r.Rule, r.Judged(),
			r.Verdicts[VerdictTrue], r.Verdicts[VerdictNoise], r.Verdicts[VerdictFalse], prec,
			triple(r.Demoted), triple(r.Gone), r.Pending, r.Unjudged)
	}
	for _, r := range s.Rules {
		row(r)
	}
	row(&s.Overall)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "precision = true / judged, among the judged findings reported as a warning or an error")
	if list {
		for _, f := range s.Unjudged {
			fmt.Fprintf(w, "unjudged: %s\n", f.String())
		}
	}
	return nil
}

func triple(m map[Verdict]int) string {
	return fmt.Sprintf("%d/%d/%d", m[VerdictTrue], m[VerdictNoise], m[VerdictFalse])
}
