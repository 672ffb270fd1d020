package lint

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// Suppression is one `# gantry-ignore: rule[, rule] -- reason` comment.
// A comment after code applies to its own line; a comment alone on its line
// applies to the next line.
type Suppression struct {
	// Line and Column locate the comment.
	Line, Column int
	// Target is the line whose findings it suppresses.
	Target int
	// Rules are the rule IDs it names.
	Rules []string
	// Reason is the text after "--", if any.
	Reason string
	used   map[string]bool
}

// suppressionMarker is what every suppression comment holds: a file
// without it has none.
const suppressionMarker = "gantry-ignore:"

var ignoreRe = lazyre.New(`(?:^|\s)#\s*gantry-ignore:\s*([^\r\n]*)`)

// ParseSuppressions finds every gantry-ignore comment in src.
func ParseSuppressions(src []byte) []*Suppression {
	if !bytes.Contains(src, []byte(suppressionMarker)) {
		return nil
	}
	var out []*Suppression
	line := 0
	for len(src) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			l, src = src[:i], src[i+1:]
		} else {
			l, src = src, nil
		}
		if !bytes.Contains(l, []byte(suppressionMarker)) {
			continue
		}
		m := ignoreRe.FindSubmatchIndex(l)
		if m == nil {
			continue
		}
		hash := bytes.IndexByte(l[m[0]:], '#') + m[0]
		body := strings.TrimSpace(string(l[m[2]:m[3]]))
		ids, reason, _ := strings.Cut(body, "--")
		s := &Suppression{Line: line, Column: hash + 1, Target: line, Reason: strings.TrimSpace(reason), used: map[string]bool{}}
		if len(bytes.TrimSpace(l[:hash])) == 0 {
			s.Target = line + 1
		}
		s.Rules = strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		out = append(out, s)
	}
	return out
}

// applySuppressions drops the findings that a suppression covers and
// returns, in addition, an unused-ignore finding for every suppression (or
// rule named in one) that covered nothing. enabled tells whether a rule ran.
func applySuppressions(fs []Finding, sups []*Suppression, enabled func(id string) bool) []Finding {
	if len(sups) == 0 {
		return fs
	}
	byLine := map[int][]*Suppression{}
	for _, s := range sups {
		byLine[s.Target] = append(byLine[s.Target], s)
	}
	kept := fs[:0:0]
	for _, f := range fs {
		suppressed := false
		for _, s := range byLine[f.Line] {
			for _, id := range s.Rules {
				if id == f.RuleID || id == "all" {
					s.used[id] = true
					suppressed = true
				}
			}
		}
		if !suppressed {
			kept = append(kept, f)
		}
	}
	for _, s := range sups {
		if len(s.Rules) == 0 {
			kept = append(kept, Finding{RuleID: unusedIgnoreRule.ID, Line: s.Line, Column: s.Column,
				Message: "gantry-ignore comment names no rule; write `# gantry-ignore: rule-id -- reason`"})
			continue
		}
		for _, id := range s.Rules {
			if s.used[id] {
				continue
			}
			if _, known := LookupRule(id); !known && id != "all" {
				kept = append(kept, Finding{RuleID: unusedIgnoreRule.ID, Line: s.Line, Column: s.Column,
					Message: fmt.Sprintf("gantry-ignore names unknown rule %q%s", id, suggestRule(id))})
				continue
			}
			if id != "all" && !enabled(id) {
				continue // the rule is off: the comment may be for another config
			}
			kept = append(kept, Finding{RuleID: unusedIgnoreRule.ID, Line: s.Line, Column: s.Column,
				Message: fmt.Sprintf("unused gantry-ignore: no %q finding on line %d", id, s.Target)})
		}
	}
	return kept
}
