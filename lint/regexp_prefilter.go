package lint

import (
	"regexp/syntax"
	"strings"
	"sync"
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

// prefilters caches the required literals of each pattern matchString saw.
var prefilters sync.Map // pattern -> []string (nil: no prefilter)

// matchString reports whether re matches s, as re.MatchString does. It
// first checks that s contains one of the literals every match of re must
// contain (derived from the pattern, so the answer is exact).
func matchString(re pattern, s string) bool {
	v, ok := prefilters.Load(re)
	if !ok {
		v, _ = prefilters.LoadOrStore(re, requiredLiterals(re.String()))
	}
	if lits := v.([]string); lits != nil {
		found := false
		for _, l := range lits {
			if strings.Contains(s, l) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return re.MatchString(s)
}

// requiredLiterals returns literals of which every match of the pattern
// contains at least one, or nil when it cannot tell.
func requiredLiterals(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(re.Simplify())
}

// required returns a set of literals one of which every match of n
// contains, or nil when there is none to rely on.
func required(n *syntax.Regexp) []string {
	switch n.Op {
	case syntax.OpLiteral:
		if n.Flags&syntax.FoldCase != 0 || len(n.Rune) == 0 {
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
