package lint

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// This file decodes YAML scalars to their value with a map back to the
// source bytes, and encodes edited values in the scalar's own style, so
// that fixes patch the original text.

// scalarText is a scalar's decoded value with, for every byte of the value,
// the span of source bytes it came from. Fixes edit the value and scalarText
// turns that into an edit of the source in the scalar's own style.
type scalarText struct {
	node       *yaml.Node
	start, end int
	value      string
	from, to   []int
	// indent is the content indentation of a literal block scalar.
	indent int
	eol    string
	flow   bool
}

// scalar decodes the text of a scalar node. It fails (false) for styles and
// shapes it does not handle, and whenever its decoding disagrees with the
// parser's value, so a fix never edits text it does not understand.
func (t *yamlText) scalar(n *yaml.Node) (*scalarText, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, false
	}
	start := t.nodeOffset(n)
	if start < 0 || start >= len(t.src) {
		return nil, false
	}
	start = t.skipProperties(start)
	if start >= len(t.src) {
		return nil, false
	}
	s := &scalarText{node: n, start: start, eol: t.eol(), flow: t.inFlow(n)}
	var ok bool
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		ok = t.decodeLiteral(s)
	case n.Style&yaml.FoldedStyle != 0:
		return nil, false
	case n.Style&yaml.DoubleQuotedStyle != 0:
		ok = t.decodeQuoted(s, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		ok = t.decodeQuoted(s, '\'')
	default:
		if n.Tag != "" && n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!bool" && n.Tag != "!!float" && n.Tag != "!!null" {
			return nil, false
		}
		if c := t.src[start]; c == '!' || c == '&' {
			return nil, false
		}
		ok = t.decodePlain(s)
	}
	if !ok {
		return nil, false
	}
	want := n.Value
	if n.Style&yaml.LiteralStyle != 0 {
		want = strings.TrimRight(want, "\n")
	}
	if s.value != want {
		return nil, false
	}
	return s, true
}

// skipProperties skips an anchor (&a) and a tag (!t) before a node's content.
func (t *yamlText) skipProperties(p int) int {
	for range 2 {
		if p >= len(t.src) || (t.src[p] != '&' && t.src[p] != '!') {
			return p
		}
		for p < len(t.src) && t.src[p] != ' ' && t.src[p] != '\t' && t.src[p] != '\n' && t.src[p] != '\r' {
			p++
		}
		for p < len(t.src) && (t.src[p] == ' ' || t.src[p] == '\t') {
			p++
		}
	}
	return p
}

func (s *scalarText) add(str string, from, to int) {
	s.value += str
	for range len(str) {
		s.from = append(s.from, from)
		s.to = append(s.to, to)
	}
}

// decodeLiteral handles `|` block scalars without an explicit indentation
// indicator.
func (t *yamlText) decodeLiteral(s *scalarText) bool {
	head, indent, last, ok := t.blockExtent(s.node, s.start)
	if !ok {
		return false
	}
	s.indent = indent
	for i := head + 1; i <= last; i++ {
		ls, le := t.lines[i], t.lineContentEnd(i)
		cs := min(ls+indent, le)
		if i > head+1 {
			prevEnd := t.lineContentEnd(i - 1)
			s.add("\n", prevEnd, cs)
		}
		for p := cs; p < le; p++ {
			s.add(string(t.src[p:p+1]), p, p+1)
		}
	}
	s.end = t.lineContentEnd(last)
	return true
}

// blockExtent finds the lines of a block scalar (| or >) whose indicator is
// at offset start: the header line, the content indentation and the last
// line that is not blank. It fails on an explicit indentation indicator.
func (t *yamlText) blockExtent(n *yaml.Node, start int) (head, indent, last int, ok bool) {
	head = t.lineOf(start)
	for p := start + 1; p < t.lineContentEnd(head); p++ {
		c := t.src[p]
		if c == '-' || c == '+' {
			continue
		}
		if c == ' ' || c == '\t' || c == '#' {
			break
		}
		return 0, 0, 0, false // an indentation indicator or something unexpected
	}
	parent := t.containerIndent(n)
	indent, last = -1, -1
	for i := head + 1; i < len(t.lines); i++ {
		ls, le := t.lines[i], t.lineContentEnd(i)
		ind := t.indentOf(i)
		if ls+ind == le {
			continue // blank
		}
		if indent < 0 {
			if ind <= parent {
				break
			}
			indent = ind
		}
		if ind < indent {
			break
		}
		last = i
	}
	return head, indent, last, last >= 0
}

// decodePlain handles plain scalars, folding continuation lines.
func (t *yamlText) decodePlain(s *scalarText) bool {
	line := t.lineOf(s.start)
	p := s.start
	parent := t.containerIndent(s.node)
	for {
		le := t.lineContentEnd(line)
		end := p
		for q := p; q < le; q++ {
			c := t.src[q]
			if c == '#' && q > p && (t.src[q-1] == ' ' || t.src[q-1] == '\t') {
				break
			}
			if s.flow && (c == ',' || c == ']' || c == '}') {
				break
			}
			if c == ':' && (q+1 == le || t.src[q+1] == ' ' || t.src[q+1] == '\t' || (s.flow && t.src[q+1] == ',')) {
				break
			}
			end = q + 1
		}
		for end > p && (t.src[end-1] == ' ' || t.src[end-1] == '\t') {
			end--
		}
		for q := p; q < end; q++ {
			s.add(string(t.src[q:q+1]), q, q+1)
		}
		s.end = end
		if end < le && !(t.src[end] == ' ' || t.src[end] == '\t') {
			return true // stopped at an indicator
		}
		// a comment or the end of the line; look for a continuation line
		if end < le {
			for q := end; q < le; q++ {
				if t.src[q] == '#' {
					return true
				}
				if t.src[q] != ' ' && t.src[q] != '\t' {
					break
				}
			}
		}
		next, breaks := line+1, 0
		for next < len(t.lines) && t.lines[next]+t.indentOf(next) == t.lineContentEnd(next) && t.lines[next] < len(t.src) {
			next++
			breaks++
		}
		if next >= len(t.lines) || t.lines[next] >= len(t.src) {
			return true
		}
		ind := t.indentOf(next)
		cs := t.lines[next] + ind
		for cs < t.lineContentEnd(next) && t.src[cs] == '\t' {
			cs++
		}
		if cs >= t.lineContentEnd(next) {
			return true
		}
		if s.flow || ind <= parent || t.src[cs] == '#' || bytes.HasPrefix(t.src[t.lines[next]:], []byte("---")) ||
			bytes.HasPrefix(t.src[t.lines[next]:], []byte("...")) {
			return true
		}
		fold := " "
		if breaks > 0 {
			fold = strings.Repeat("\n", breaks)
		}
		s.add(fold, end, cs)
		line, p = next, cs
	}
}

// decodeQuoted handles single- and double-quoted scalars.
func (t *yamlText) decodeQuoted(s *scalarText, q byte) bool {
	if t.src[s.start] != q {
		return false
	}
	p := s.start + 1
	for p < len(t.src) {
		c := t.src[p]
		switch {
		case c == q && q == '\'' && p+1 < len(t.src) && t.src[p+1] == '\'':
			s.add("'", p, p+2)
			p += 2
		case c == q:
			s.end = p + 1
			return true
		case c == '\\' && q == '"':
			if p+1 >= len(t.src) {
				return false
			}
			e := t.src[p+1]
			if e == '\n' || e == '\r' {
				// escaped line break: join without a space
				nl := p + 1
				if e == '\r' {
					nl++
				}
				r := nl + 1
				for r < len(t.src) && (t.src[r] == ' ' || t.src[r] == '\t') {
					r++
				}
				s.add("", p, r)
				p = r
				continue
			}
			val, n, ok := yamlEscape(t.src[p+1:])
			if !ok {
				return false
			}
			s.add(val, p, p+1+n)
			p += 1 + n
		case c == '\n' || c == '\r':
			// fold: drop trailing white space, count empty lines
			for len(s.value) > 0 && (s.value[len(s.value)-1] == ' ' || s.value[len(s.value)-1] == '\t') && s.to[len(s.to)-1] == s.from[len(s.from)-1]+1 {
				s.value = s.value[:len(s.value)-1]
				s.from, s.to = s.from[:len(s.from)-1], s.to[:len(s.to)-1]
			}
			from := s.start + 1
			if len(s.to) > 0 {
				from = s.to[len(s.to)-1]
			}
			breaks := 0
			r := p
			for r < len(t.src) {
				if t.src[r] == '\r' {
					r++
				}
				if r < len(t.src) && t.src[r] == '\n' {
					r++
				}
				breaks++
				for r < len(t.src) && (t.src[r] == ' ' || t.src[r] == '\t') {
					r++
				}
				if r >= len(t.src) || (t.src[r] != '\n' && t.src[r] != '\r') {
					break
				}
			}
			fold := " "
			if breaks > 1 {
				fold = strings.Repeat("\n", breaks-1)
			}
			s.add(fold, from, r)
			p = r
		default:
			_, size := utf8.DecodeRune(t.src[p:])
			s.add(string(t.src[p:p+size]), p, p+size)
			p += size
		}
	}
	return false
}

var yamlSimpleEscapes = map[byte]string{'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v", 'f': "\f",
	'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\", 'N': "\u0085", '_': "\u00a0", 'L': "\u2028", 'P': "\u2029"}

// yamlEscape decodes the escape sequence after a backslash.
func yamlEscape(b []byte) (string, int, bool) {
	if len(b) == 0 {
		return "", 0, false
	}
	if v, ok := yamlSimpleEscapes[b[0]]; ok {
		return v, 1, true
	}
	width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[b[0]]
	if width == 0 || len(b) < 1+width {
		return "", 0, false
	}
	code, err := strconv.ParseUint(string(b[1:1+width]), 16, 32)
	if err != nil || !utf8.ValidRune(rune(code)) {
		return "", 0, false
	}
	return string(rune(code)), 1 + width, true
}

// edit replaces the value bytes [a, b) with repl, encoded in the scalar's
// style. It fails when the style cannot hold repl at that place.
func (s *scalarText) edit(a, b int, repl string) (Edit, bool) {
	if a < 0 || b < a || b > len(s.value) {
		return Edit{}, false
	}
	var start, end int
	switch {
	case a < len(s.value):
		start = s.from[a]
		end = start
		if b > a {
			end = s.to[b-1]
		}
	case len(s.value) > 0:
		start, end = s.to[len(s.to)-1], s.to[len(s.to)-1]
	default:
		return Edit{}, false
	}
	enc, ok := s.encode(repl)
	if ok && a == 0 && s.node.Style&(yaml.LiteralStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 &&
		repl != "" && strings.ContainsRune("-?:,[]{}#&*!|>'\"%@` \t", rune(repl[0])) {
		ok = false // a plain scalar cannot start with an indicator
	}
	if !ok {
		return Edit{}, false
	}
	return Edit{Start: start, End: end, New: enc}, true
}

// encode writes text in the scalar's style.
func (s *scalarText) encode(text string) (string, bool) {
	n := s.node
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		for _, r := range text {
			if r == '\r' || (r < 0x20 && r != '\t' && r != '\n') {
				return "", false
			}
		}
		return strings.ReplaceAll(text, "\n", s.eol+strings.Repeat(" ", s.indent)), true
	case n.Style&yaml.DoubleQuotedStyle != 0:
		var b strings.Builder
		for _, r := range text {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r == '\n':
				b.WriteString(`\n`)
			case r < 0x20 && r != '\t':
				return "", false
			default:
				b.WriteRune(r)
			}
		}
		return b.String(), true
	case n.Style&yaml.SingleQuotedStyle != 0:
		if strings.ContainsAny(text, "\n\r") {
			return "", false
		}
		return strings.ReplaceAll(text, "'", "''"), true
	}
	if strings.ContainsAny(text, "\n\r") || strings.Contains(text, " #") || strings.Contains(text, ": ") ||
		(s.flow && strings.ContainsAny(text, ",[]{}")) {
		return "", false
	}
	return text, true
}
