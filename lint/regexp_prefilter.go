package lint

import (
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file speeds up regexps that rules run over whole run: scripts. Go's
// regexp scans a pattern such as `\b(deploy|publish|...)\b` position by
// position; most scripts contain none of the pattern's literal words, and
// strings.Contains rules them out far faster.

// pattern is a regexp, compiled (*regexp.Regexp) or on first use
// (*lazyre.Regexp), as the helpers that rules pass patterns to take it.
type pattern interface {
	MatchString(s string) bool
	FindStringIndex(s string) []int
	String() string
}

// prefilters caches the prefilter of each pattern matchString saw.
var prefilters sync.Map // pattern -> prefilter

// prefilter is what matchString knows of a pattern before running it.
type prefilter struct {
	// lits are literals of which every match contains one (nil: none known).
	lits []string
	// lineLocal is true when no match spans a line break and the pattern
	// anchors only to lines, not to the whole text: it then gives the same
	// answer on the lines that hold a literal as on the whole text.
	lineLocal bool
}

func newPrefilter(pattern string) prefilter {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	re = re.Simplify()
	lits := required(re)
	return prefilter{lits: lits, lineLocal: lits != nil && lineLocal(re)}
}

// matchString reports whether re matches s, as re.MatchString does. It
// first looks for the literals every match of re must contain (derived
// from the pattern, so the answer is exact). For a pattern whose matches
// stay within a line, it then runs re only on the lines holding one: a
// regexp's cost grows with the text it scans, and scripts are long.
func matchString(re pattern, s string) bool {
	v, ok := prefilters.Load(re)
	if !ok {
		v, _ = prefilters.LoadOrStore(re, newPrefilter(re.String()))
	}
	pf := v.(prefilter)
	if pf.lits == nil {
		return re.MatchString(s)
	}
	if !pf.lineLocal {
		for _, l := range pf.lits {
			if strings.Contains(s, l) {
				return re.MatchString(s)
			}
		}
		return false
	}
	var tried map[int]bool // start offsets of the lines already tried
	for _, l := range pf.lits {
		for from := 0; from < len(s); {
			k := strings.Index(s[from:], l)
			if k < 0 {
				break
			}
			at := from + k
			start := strings.LastIndexByte(s[:at], '\n') + 1
			end := len(s)
			if e := strings.IndexByte(s[at:], '\n'); e >= 0 {
				end = at + e
			}
			if !tried[start] {
				if re.MatchString(s[start:end]) {
					return true
				}
				if tried == nil {
					tried = map[int]bool{}
				}
				tried[start] = true
				if len(tried) == maxLinesTried {
					// a script of many such lines: one scan of it costs less
					return re.MatchString(s)
				}
			}
			from = end + 1
		}
	}
	return false
}

// maxLinesTried is how many lines matchString tries one by one before it
// runs the pattern on the whole text.
const maxLinesTried = 32

// lineLocal reports whether no match of n spans a line break and n has no
// anchor to the start or end of the whole text (a (?m) ^ or $ anchors to
// lines, which a line holds as the text does).
func lineLocal(n *syntax.Regexp) bool {
	switch n.Op {
	case syntax.OpAnyChar, syntax.OpBeginText, syntax.OpEndText:
		return false
	case syntax.OpLiteral:
		return !slices.Contains(n.Rune, '\n')
	case syntax.OpCharClass:
		for i := 0; i+1 < len(n.Rune); i += 2 {
			if n.Rune[i] <= '\n' && '\n' <= n.Rune[i+1] {
				return false
			}
		}
		return true
	}
	for _, c := range n.Sub {
		if !lineLocal(c) {
			return false
		}
	}
	return true
}

// required returns a set of literals one of which every match of n
// contains, or nil when there is none to rely on.
func required(n *syntax.Regexp) []string {
	switch n.Op {
	case syntax.OpLiteral:
		// regexp reads an invalid UTF-8 byte as U+FFFD, which the text
		// does not hold as such: no literal with one is required
		if n.Flags&syntax.FoldCase != 0 || len(n.Rune) == 0 || slices.Contains(n.Rune, utf8.RuneError) {
			return nil
		}
		return []string{string(n.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return required(n.Sub[0])
	case syntax.OpRepeat:
		if n.Min >= 1 {
			return required(n.Sub[0])
		}
	case syntax.OpConcat:
		// the child whose shortest required literal is longest
		var best []string
		bestLen := 0
		for _, c := range n.Sub {
			lits := required(c)
			if lits == nil {
				continue
			}
			short := len(lits[0])
			for _, l := range lits {
				short = min(short, len(l))
			}
			if short > bestLen {
				best, bestLen = lits, short
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, c := range n.Sub {
			lits := required(c)
			if lits == nil {
				return nil
			}
			out = append(out, lits...)
		}
		return out
	}
	return nil
}
