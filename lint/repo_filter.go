package lint

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// GitHub's filter patterns (branches, tags, paths): * matches any characters
// but /, ** matches any characters, ? makes the preceding character
// optional, + repeats it, [] is a character class, and a leading ! negates
// the pattern (later patterns override earlier ones).
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet

var globCache sync.Map // pattern -> *regexp.Regexp (nil when invalid)

func globRegexp(pat string) *regexp.Regexp {
	if re, ok := globCache.Load(pat); ok {
		return re.(*regexp.Regexp)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '*':
			if i+1 < len(pat) && pat[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?', '+':
			b.WriteByte(c)
		case '[':
			j := strings.IndexByte(pat[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(pat[i : i+j+1])
			i += j
		case '\\':
			if i+1 < len(pat) {
				b.WriteString(regexp.QuoteMeta(pat[i+1 : i+2]))
				i++
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		re = nil
	}
	globCache.Store(pat, re)
	return re
}

// globMatch reports whether name matches the filter pattern.
func globMatch(pat, name string) bool {
	re := globRegexp(pat)
	if re == nil {
		return pat == name
	}
	return re.MatchString(name)
}

// matches reports whether the filter accepts the ref name.
func (f refFilter) matches(name string) bool {
	if !f.set {
		return true
	}
	if f.include != nil {
		ok := false
		for _, p := range f.include {
			if neg, found := strings.CutPrefix(p, "!"); found {
				if globMatch(neg, name) {
					ok = false
				}
			} else if globMatch(p, name) {
				ok = true
			}
		}
		return ok
	}
	for _, p := range f.ignore {
		if globMatch(p, name) {
			return false
		}
	}
	return true
}

// literals returns the positive patterns of the filter that have no
// wildcard, and whether every positive pattern is such a literal.
func (f refFilter) literals() ([]string, bool) {
	var lits []string
	all := f.include != nil
	for _, p := range f.include {
		if strings.HasPrefix(p, "!") {
			continue
		}
		if strings.ContainsAny(p, "*?+[\\") {
			all = false
			continue
		}
		lits = append(lits, p)
	}
	return lits, all
}

// overlaps reports whether some ref could pass both filters. It is exact
// when one side lists only literal names, and otherwise compares the
// literal prefixes of the patterns (so release/* and feature/* are disjoint).
func (f refFilter) overlaps(g refFilter) bool {
	if !f.set || !g.set {
		return true
	}
	if lits, all := f.literals(); all {
		return slices.ContainsFunc(lits, g.matches)
	}
	if lits, all := g.literals(); all {
		return slices.ContainsFunc(lits, f.matches)
	}
	if f.include == nil || g.include == nil {
		return true // an ignore list accepts almost everything
	}
	for _, p := range f.include {
		for _, q := range g.include {
			if strings.HasPrefix(p, "!") || strings.HasPrefix(q, "!") {
				continue
			}
			a, b := globPrefix(p), globPrefix(q)
			if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
				return true
			}
		}
	}
	return false
}

func globPrefix(p string) string {
	if i := strings.IndexAny(p, "*?+[\\"); i >= 0 {
		return p[:i]
	}
	return p
}

// defaultTypes are the activity types an event triggers on when types: is
// omitted, for events whose default is not "all types".
var defaultTypes = map[string][]string{
	"pull_request":        {"opened", "synchronize", "reopened"},
	"pull_request_target": {"opened", "synchronize", "reopened"},
}

// acceptsTypes reports whether the trigger fires for one of the types;
// an empty list means any type.
func (t *Trigger) acceptsTypes(types []string) bool {
	if len(types) == 0 {
		return true
	}
	have := t.Types
	if have == nil {
		have = defaultTypes[t.Event]
		if have == nil {
			return true
		}
	}
	for _, x := range types {
		if slices.Contains(have, x) {
			return true
		}
	}
	return false
}

// overlaps reports whether one occurrence of the event can trigger both
// t and u: their activity types, branch and tag filters intersect.
func (t *Trigger) overlaps(u *Trigger) bool {
	if t.Event != u.Event {
		return false
	}
	if t.Types != nil || u.Types != nil {
		a, b := t.Types, u.Types
		if a == nil {
			a = defaultTypes[t.Event]
		}
		if b == nil {
			b = defaultTypes[u.Event]
		}
		if a != nil && b != nil && !slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) }) {
			return false
		}
	}
	switch t.Event {
	case "push":
		// a push is a branch push or a tag push; a trigger that filters only
		// one kind of ref never runs for the other
		branches := t.acceptsBranchPushes() && u.acceptsBranchPushes() && t.Branches.overlaps(u.Branches)
		tags := t.acceptsTagPushes() && u.acceptsTagPushes() && t.Tags.overlaps(u.Tags)
		return branches || tags
	case "pull_request", "pull_request_target":
		return t.Branches.overlaps(u.Branches)
	case "workflow_run":
		if len(t.Workflows) > 0 && len(u.Workflows) > 0 {
			return slices.ContainsFunc(t.Workflows, func(x string) bool { return slices.Contains(u.Workflows, x) })
		}
	}
	return true
}

// acceptsBranchPushes reports whether a push trigger runs for some branch.
func (t *Trigger) acceptsBranchPushes() bool { return t.Branches.set || !t.Tags.set }

// acceptsTagPushes reports whether a push trigger runs for some tag.
func (t *Trigger) acceptsTagPushes() bool { return t.Tags.set || !t.Branches.set }

// defaultBranches are the branch names taken to be the default branch.
var defaultBranches = []string{"main", "master"}
