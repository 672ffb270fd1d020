package lint

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// This file maps YAML nodes back to the bytes they came from, so that fixes
// can patch the original text instead of re-serialising it. It uses the same
// YAML parser as actionlint, so node positions match finding positions.

// yamlText is the source of a YAML file with its parsed documents.
type yamlText struct {
	src []byte
	// lines holds the byte offset at which each line starts.
	lines []int
	// text converts parser positions to offsets.
	text *sourceText
	// docs are the document nodes, in order.
	docs []*yaml.Node
	// parent maps every node to the collection that contains it.
	parent map[*yaml.Node]*yaml.Node
	// byLine indexes the nodes by the line they start on (built on first use).
	byLine map[int][]*yaml.Node
}

// newYAMLText parses every document of src.
func newYAMLText(src []byte) (*yamlText, error) {
	st := newSourceText(src)
	t := &yamlText{src: src, lines: st.lineStarts, text: st, parent: map[*yaml.Node]*yaml.Node{}}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		d := doc
		t.docs = append(t.docs, &d)
		t.link(&d)
	}
	return t, nil
}

func (t *yamlText) link(n *yaml.Node) {
	for _, c := range n.Content {
		if _, seen := t.parent[c]; seen {
			continue
		}
		t.parent[c] = n
		t.link(c)
	}
}

// root returns the top-level node of the first document, or nil.
func (t *yamlText) root() *yaml.Node {
	if len(t.docs) == 0 || len(t.docs[0].Content) == 0 {
		return nil
	}
	return t.docs[0].Content[0]
}

// offset converts a 1-based line and a 1-based column counted in characters
// (as the YAML parser and actionlint count) into a byte offset, or -1.
func (t *yamlText) offset(line, col int) int {
	off := t.text.offset(line, col)
	if off >= 0 && line == 1 && bytes.HasPrefix(t.src, []byte("\ufeff")) {
		off += 3 // the parser does not count a byte order mark
	}
	return off
}

// nodeOffset is the byte offset at which a node starts.
func (t *yamlText) nodeOffset(n *yaml.Node) int { return t.offset(n.Line, n.Column) }

// lineOf returns the 0-based line index holding byte offset off.
func (t *yamlText) lineOf(off int) int {
	lo, hi := 0, len(t.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// lineContentEnd is the offset of the end of line i (0-based), before its
// line break.
func (t *yamlText) lineContentEnd(i int) int {
	end := len(t.src)
	if i+1 < len(t.lines) {
		end = t.lines[i+1] - 1
		if end > t.lines[i] && t.src[end-1] == '\r' {
			end--
		}
	}
	return end
}

// lineEnd is the offset just after line i's line break (or the end of the source).
func (t *yamlText) lineEnd(i int) int {
	if i+1 < len(t.lines) {
		return t.lines[i+1]
	}
	return len(t.src)
}

// eol is the file's line ending: CRLF when its first line ends in CRLF.
func (t *yamlText) eol() string { return detectEOL(t.src) }

func detectEOL(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// indentOf returns the number of leading spaces of line i.
func (t *yamlText) indentOf(i int) int {
	n := 0
	for p := t.lines[i]; p < len(t.src) && t.src[p] == ' '; p++ {
		n++
	}
	return n
}

// isFlow reports whether n is inside a flow collection (or is one).
func (t *yamlText) inFlow(n *yaml.Node) bool {
	for p := t.parent[n]; p != nil; p = t.parent[p] {
		if p.Style&yaml.FlowStyle != 0 {
			return true
		}
	}
	return false
}

// containerIndent is the indentation of the block collection holding n, or -1
// at the top level.
func (t *yamlText) containerIndent(n *yaml.Node) int {
	p := t.parent[n]
	if p == nil || p.Kind == yaml.DocumentNode {
		return -1
	}
	return p.Column - 1
}

// valueOf returns the value node of key in mapping m and the key node.
func valueOf(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// keyOf returns the key node of value v in its parent mapping, or nil.
func (t *yamlText) keyOf(v *yaml.Node) *yaml.Node {
	p := t.parent[v]
	if p == nil || p.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(p.Content); i += 2 {
		if p.Content[i] == v {
			return p.Content[i-1]
		}
	}
	return nil
}

// walk calls fn for every node of every document, parents first.
func (t *yamlText) walk(fn func(n *yaml.Node)) {
	seen := map[*yaml.Node]bool{}
	var rec func(n *yaml.Node)
	rec = func(n *yaml.Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		fn(n)
		for _, c := range n.Content {
			rec(c)
		}
	}
	for _, d := range t.docs {
		rec(d)
	}
}

// onLine returns the nodes that start on line, in document order.
func (t *yamlText) onLine(line int) []*yaml.Node {
	if t.byLine == nil {
		t.byLine = map[int][]*yaml.Node{}
		t.walk(func(n *yaml.Node) { t.byLine[n.Line] = append(t.byLine[n.Line], n) })
	}
	return t.byLine[line]
}

// valueScalarAt returns the value scalar (not a mapping key) that starts on
// line at or before col, the last one on the line when several do.
func (t *yamlText) valueScalarAt(line, col int) *yaml.Node {
	var best *yaml.Node
	for _, n := range t.onLine(line) {
		if n.Kind != yaml.ScalarNode || n.Column > col {
			continue
		}
		if p := t.parent[n]; p != nil && p.Kind == yaml.MappingNode && t.keyOf(n) == nil {
			continue // a key
		}
		if best == nil || n.Column > best.Column {
			best = n
		}
	}
	return best
}

// nodeEnd returns the offset just past the last character of n's text.
func (t *yamlText) nodeEnd(n *yaml.Node) (int, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			start := t.nodeOffset(n)
			if start < 0 {
				return 0, false
			}
			start = t.skipProperties(start)
			_, _, last, ok := t.blockExtent(n, start)
			if !ok {
				return 0, false
			}
			return t.lineContentEnd(last), true
		}
		s, ok := t.scalar(n)
		if !ok {
			return 0, false
		}
		return s.end, true
	case yaml.AliasNode:
		off := t.nodeOffset(n)
		if off < 0 {
			return 0, false
		}
		return off + 1 + len(n.Value), true
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			return t.flowEnd(n)
		}
		if len(n.Content) == 0 {
			return 0, false
		}
		return t.nodeEnd(n.Content[len(n.Content)-1])
	}
	return 0, false
}

// flowEnd finds the closing bracket of a flow collection.
func (t *yamlText) flowEnd(n *yaml.Node) (int, bool) {
	start := t.nodeOffset(n)
	if start < 0 {
		return 0, false
	}
	depth := 0
	for i := start; i < len(t.src); i++ {
		switch c := t.src[i]; c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case '"', '\'':
			j := skipQuoted(t.src, i)
			if j < 0 {
				return 0, false
			}
			i = j - 1
		case '#':
			if i > 0 && (t.src[i-1] == ' ' || t.src[i-1] == '\t') {
				for i < len(t.src) && t.src[i] != '\n' {
					i++
				}
			}
		}
	}
	return 0, false
}

// skipQuoted returns the offset after the quoted scalar starting at i, or -1.
func skipQuoted(src []byte, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch {
		case q == '"' && src[j] == '\\':
			j++
		case src[j] == q:
			if q == '\'' && j+1 < len(src) && src[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return -1
}

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
			s.add(string(t.src[p]), p, p+1)
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
			s.add(string(t.src[q]), q, q+1)
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

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// keyAt returns the mapping key that starts at line:col, its value and the
// mapping holding them.
func (t *yamlText) keyAt(line, col int) (m, k, v *yaml.Node) {
	for _, n := range t.onLine(line) {
		p := t.parent[n]
		if n.Column != col || p == nil || p.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(p.Content); i += 2 {
			if p.Content[i] == n {
				return p, n, p.Content[i+1]
			}
		}
	}
	return nil, nil, nil
}

// indentStep guesses the file's indentation step from its first nested
// block mapping or sequence; 2 when there is none.
func (t *yamlText) indentStep() int {
	step := 0
	t.walk(func(n *yaml.Node) {
		if step > 0 || n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle != 0 {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && v.Style&yaml.FlowStyle == 0 && v.Line > k.Line && v.Column > k.Column {
				step = v.Column - k.Column
				return
			}
		}
	})
	if step <= 0 || step > 8 {
		return 2
	}
	return step
}

// insertEntryAfter returns the edit that adds an entry to mapping m right
// after the entry whose key is k and value v. block holds the entry's lines
// for a block mapping, indented relative to the key ("key: value", or
// "key:" and nested lines starting with the file's indentation step); flow
// is the entry for a flow mapping ("key: value").
func (t *yamlText) insertEntryAfter(m, k, v *yaml.Node, block []string, flow string) (Edit, bool) {
	end, ok := t.nodeEnd(v)
	if !ok || end <= 0 {
		return Edit{}, false
	}
	if m.Style&yaml.FlowStyle != 0 {
		return Edit{Start: end, End: end, New: ", " + flow}, true
	}
	keyOff := t.nodeOffset(k)
	if keyOff < 0 {
		return Edit{}, false
	}
	// the key must start its line (after the indentation), so that the
	// new line can copy the indentation
	ls := t.lines[t.lineOf(keyOff)]
	if strings.TrimLeft(string(t.src[ls:keyOff]), " ") != "" {
		return Edit{}, false
	}
	indent := strings.Repeat(" ", keyOff-ls)
	eol := t.eol()
	var b strings.Builder
	for _, l := range block {
		b.WriteString(indent + l + eol)
	}
	line := t.lineOf(end - 1)
	at := t.lineEnd(line)
	text := b.String()
	if at == len(t.src) && (len(t.src) == 0 || t.src[len(t.src)-1] != '\n') {
		text = eol + strings.TrimSuffix(text, eol)
	}
	return Edit{Start: at, End: at, New: text}, true
}
