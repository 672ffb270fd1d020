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
	// words, when set, is the whole pattern: it is a `\b(...)\b` list of
	// phrases, and a word lookup answers in place of the regexp.
	words *phraseSet
}

func newPrefilter(pattern string) prefilter {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	re = re.Simplify()
	lits := required(re)
	return prefilter{lits: lits, lineLocal: lits != nil && lineLocal(re), words: newPhraseSet(re)}
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
	if pf.words != nil {
		return pf.words.in(s)
	}
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

// phraseSet is a pattern such as `\b(make|go (build|test)|npm( run)? test)\b`
// spelled out: the phrases it matches, each starting and ending with an
// ASCII word character, filed under their first word. Go's regexp tries
// such an alternation at every position of the text; a phraseSet looks up
// each word of the text once.
type phraseSet struct {
	byFirstWord map[string][]string
	// minWord and maxWord bound the length of a first word, and first
	// holds their first bytes, to skip most words without a map lookup.
	minWord, maxWord int
	first            [256]bool
}

// maxPhrases bounds how many phrases a pattern may spell out to.
const maxPhrases = 512

// newPhraseSet spells out a simplified pattern of the form \b(A|B|...)\b
// in which every alternative is a finite set of ASCII phrases, or returns
// nil for any other pattern.
func newPhraseSet(re *syntax.Regexp) *phraseSet {
	if re.Op != syntax.OpConcat || len(re.Sub) != 3 ||
		re.Sub[0].Op != syntax.OpWordBoundary || re.Sub[2].Op != syntax.OpWordBoundary {
		return nil
	}
	phrases, ok := spellOut(re.Sub[1])
	if !ok || len(phrases) == 0 {
		return nil
	}
	ps := &phraseSet{byFirstWord: map[string][]string{}, minWord: 1 << 30}
	for _, p := range phrases {
		if p == "" || !isWordByte(p[0]) || !isWordByte(p[len(p)-1]) {
			return nil
		}
		for i := 0; i < len(p); i++ {
			if p[i] >= utf8.RuneSelf {
				return nil
			}
		}
		w := p[:wordEnd(p, 0)]
		if !slices.Contains(ps.byFirstWord[w], p) {
			ps.byFirstWord[w] = append(ps.byFirstWord[w], p)
		}
		ps.minWord, ps.maxWord = min(ps.minWord, len(w)), max(ps.maxWord, len(w))
		ps.first[w[0]] = true
	}
	return ps
}

// spellOut returns every string a pattern without repetition matches, or
// false when it has anything else or too many strings.
func spellOut(n *syntax.Regexp) ([]string, bool) {
	switch n.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if n.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(n.Rune)}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(n.Rune); i += 2 {
			for r := n.Rune[i]; r <= n.Rune[i+1]; r++ {
				if out = append(out, string(r)); len(out) > maxPhrases {
					return nil, false
				}
			}
		}
		return out, true
	case syntax.OpCapture:
		return spellOut(n.Sub[0])
	case syntax.OpQuest:
		sub, ok := spellOut(n.Sub[0])
		return append(sub, ""), ok && len(sub) < maxPhrases
	case syntax.OpAlternate:
		var out []string
		for _, c := range n.Sub {
			sub, ok := spellOut(c)
			if out = append(out, sub...); !ok || len(out) > maxPhrases {
				return nil, false
			}
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, c := range n.Sub {
			sub, ok := spellOut(c)
			if !ok || len(out)*len(sub) > maxPhrases {
				return nil, false
			}
			next := make([]string, 0, len(out)*len(sub))
			for _, a := range out {
				for _, b := range sub {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

// in reports whether s holds one of the phrases between word boundaries,
// as the pattern's regexp would.
func (ps *phraseSet) in(s string) bool {
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		end := wordEnd(s, i)
		if n := end - i; n >= ps.minWord && n <= ps.maxWord && ps.first[s[i]] {
			for _, p := range ps.byFirstWord[s[i:end]] {
				if strings.HasPrefix(s[i:], p) && (i+len(p) == len(s) || !isWordByte(s[i+len(p)])) {
					return true
				}
			}
		}
		i = end
	}
	return false
}

// wordEnd returns the end of the run of ASCII word characters at s[i:].
func wordEnd(s string, i int) int {
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return i
}

// hasWord reports whether word occurs in s with no word byte (isWordByte)
// on either side, as a variable's name does in a script; fold ignores case.
func hasWord(s, word string, fold bool) bool {
	if word == "" {
		return false
	}
	if fold {
		s, word = strings.ToLower(s), strings.ToLower(word)
	}
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		j += i
		if end := j + len(word); (j == 0 || !isWordByte(s[j-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		i = j + 1
	}
}

// isWordByte reports whether c is an ASCII word character, as \b sees it.
func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
