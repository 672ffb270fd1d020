package precision

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// Pair is a judgement and the finding of the current run it matched.
type Pair struct {
	Judgement *Judgement
	Finding   *Finding
}

// Matching is the outcome of Match.
type Matching struct {
	// Pairs are the judgements that the run still reports, in judgement order.
	Pairs []Pair
	// Gone are the judgements that the run no longer reports at all.
	Gone []*Judgement
	// Unjudged are the findings of the run that no judgement matched.
	Unjudged []*Finding
}

// anchorRe finds the parts of a message that identify a finding among
// others at the same place: shellcheck codes and script positions
// ("SC2086:info:3:7"), which wording changes leave alone.
var anchorRe = regexp.MustCompile(`\bSC\d+\b|\b\d+:\d+\b`)

func anchors(msg string) []string { return anchorRe.FindAllString(msg, -1) }

// Match pairs each judgement with at most one finding of the same file and
// rule on the same line, tolerating changes of wording:
//
//  1. same column and the same message;
//  2. same column and the same anchors (shellcheck code and script position);
//  3. same anchors at the nearest column.
//
// Each pass runs over all judgements before the next, so an exact match is
// never taken by a looser one. Findings are in any order; the result is
// deterministic.
func Match(js []Judgement, fs []Finding) Matching {
	type key struct {
		file, rule string
		line       int
	}
	byKey := map[key][]int{}
	for i := range fs {
		k := key{fs[i].File, fs[i].Rule, fs[i].Line}
		byKey[k] = append(byKey[k], i)
	}
	for _, idx := range byKey {
		slices.SortFunc(idx, func(a, b int) int { return compareFindings(&fs[a], &fs[b]) })
	}
	taken := make([]bool, len(fs))
	match := make([]int, len(js))
	for i := range match {
		match[i] = -1
	}
	passes := []func(j *Judgement, f *Finding) (ok bool, dist int){
		func(j *Judgement, f *Finding) (bool, int) {
			return f.Column == j.Column && ShortMessage(f.Message) == ShortMessage(j.Message), 0
		},
		func(j *Judgement, f *Finding) (bool, int) {
			return f.Column == j.Column && slices.Equal(anchors(f.Message), anchors(j.Message)), 0
		},
		func(j *Judgement, f *Finding) (bool, int) {
			return slices.Equal(anchors(f.Message), anchors(j.Message)), abs(f.Column - j.Column)
		},
	}
	for _, pass := range passes {
		for ji := range js {
			if match[ji] >= 0 {
				continue
			}
			j := &js[ji]
			best, bestDist := -1, 0
			for _, fi := range byKey[key{j.File, j.Rule, j.Line}] {
				if taken[fi] {
					continue
				}
				if ok, d := pass(j, &fs[fi]); ok && (best < 0 || d < bestDist) {
					best, bestDist = fi, d
				}
			}
			if best >= 0 {
				match[ji], taken[best] = best, true
			}
		}
	}
	var m Matching
	for ji := range js {
		if match[ji] >= 0 {
			m.Pairs = append(m.Pairs, Pair{&js[ji], &fs[match[ji]]})
		} else {
			m.Gone = append(m.Gone, &js[ji])
		}
	}
	for fi := range fs {
		if !taken[fi] {
			m.Unjudged = append(m.Unjudged, &fs[fi])
		}
	}
	slices.SortFunc(m.Unjudged, compareFindings)
	return m
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func compareFindings(a, b *Finding) int {
	return cmp.Or(
		strings.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Message, b.Message),
	)
}
