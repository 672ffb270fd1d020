package lint

import (
	"bytes"
	"errors"
	"io"
	"strings"

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
		if n.Tag == "!!null" && n.Value == "" && n.Style == 0 {
			// an empty value ("pull_request:") ends where it starts, at the
			// end of the file too
			if off := t.nodeOffset(n); off >= 0 && off <= len(t.src) {
				return off, true
			}
			return 0, false
		}
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
