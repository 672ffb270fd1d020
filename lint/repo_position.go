package lint

import (
	"strings"
	"unicode/utf8"

	"github.com/rhysd/actionlint"
)

// This file maps positions inside YAML string values (a run: script, an
// expression) back to source lines and columns, and makes findings there.

// lineStarts returns the byte offsets of the lines of f.
func (r *Repository) lineStarts(f *File) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ls, ok := r.lines[f]; ok {
		return ls
	}
	ls := newSourceText(f.Src).lineStarts
	put(&r.lines, f, ls)
	return ls
}

// sourceLine returns the text of the 1-based line of f, without its newline.
func (r *Repository) sourceLine(f *File, line int) string {
	ls := r.lineStarts(f)
	if line < 1 || line > len(ls) {
		return ""
	}
	end := len(f.Src)
	if line < len(ls) {
		end = ls[line] - 1
	}
	return strings.TrimSuffix(string(f.Src[ls[line-1]:end]), "\r")
}

// Position is a 1-based line and column in a file.
type Position struct{ Line, Col int }

// valueLines maps each line of a (possibly multi-line) YAML string value to
// the source position where the line's text starts, matching the lines in
// order. ok[i] is false for a line that was not found as such (a folded
// scalar joins source lines, escapes change quoted text).
func (r *Repository) valueLines(f *File, s *actionlint.String) (ps []Position, ok []bool) {
	r.mu.Lock()
	m, found := r.valLines[s]
	r.mu.Unlock()
	if found {
		return m.ps, m.ok
	}
	defer func() {
		r.mu.Lock()
		put(&r.valLines, s, valueLinesMemo{ps, ok})
		r.mu.Unlock()
	}()
	lines := strings.Split(s.Value, "\n")
	ps = make([]Position, len(lines))
	ok = make([]bool, len(lines))
	cursor, end := s.Pos.Line, r.spanEnd(f, s)
	for i, text := range lines {
		ps[i] = Position{Line: s.Pos.Line, Col: s.Pos.Col}
		t := strings.TrimSpace(text)
		if t == "" {
			continue
		}
		for ln := cursor; ln <= end; ln++ {
			src := r.sourceLine(f, ln)
			start := 0
			if ln == s.Pos.Line {
				start = colByte(src, s.Pos.Col)
			}
			if k := strings.Index(src[start:], t); k >= 0 {
				lead := len(text) - len(strings.TrimLeft(text, " \t"))
				ps[i] = Position{Line: ln, Col: max(utf8.RuneCountInString(src[:start+k])+1-lead, 1)}
				ok[i] = true
				cursor = ln + 1
				break
			}
		}
	}
	return ps, ok
}

type valueLinesMemo struct {
	ps []Position
	ok []bool
}

// spanEnd returns the last source line the string value can occupy.
func (r *Repository) spanEnd(f *File, s *actionlint.String) int {
	n := strings.Count(s.Value, "\n") + len(strings.Fields(s.Value)) + 2
	return min(s.Pos.Line+n, len(r.lineStarts(f)))
}

// locate returns the position of the first occurrence of needle in the
// source of the value s, at or after line from.
func (r *Repository) locate(f *File, s *actionlint.String, from int, needle string) (Position, bool) {
	if needle == "" {
		return Position{}, false
	}
	for ln := max(from, s.Pos.Line); ln <= r.spanEnd(f, s); ln++ {
		src := r.sourceLine(f, ln)
		start := 0
		if ln == s.Pos.Line {
			start = colByte(src, s.Pos.Col)
		}
		if k := strings.Index(src[start:], needle); k >= 0 {
			return Position{Line: ln, Col: utf8.RuneCountInString(src[:start+k]) + 1}, true
		}
	}
	return Position{}, false
}

// colByte returns the byte index in line of the 1-based column col, which
// counts characters.
func colByte(line string, col int) int {
	i := 0
	for n := 1; n < col && i < len(line); n++ {
		_, size := utf8.DecodeRuneInString(line[i:])
		i += size
	}
	return i
}

// positionIn returns the source position of byte offset off in line
// lineIdx of the string value s.
func (r *Repository) positionIn(f *File, s *actionlint.String, lineIdx, off int) Position {
	line, inValue := nthLine(s.Value, lineIdx)
	if !inValue {
		return Position{Line: s.Pos.Line, Col: s.Pos.Col}
	}
	ps, ok := r.valueLines(f, s)
	if ok[lineIdx] {
		// columns count characters, as actionlint's and the YAML parser's do
		return Position{Line: ps[lineIdx].Line, Col: ps[lineIdx].Col + utf8.RuneCountInString(line[:min(max(off, 0), len(line))])}
	}
	// look for the text at off, shortening it word by word
	from := s.Pos.Line
	for k := lineIdx - 1; k >= 0; k-- {
		if ok[k] {
			from = ps[k].Line
			break
		}
	}
	words := strings.Fields(line[min(off, len(line)):])
	for n := len(words); n > 0; n-- {
		if p, found := r.locate(f, s, from, strings.Join(words[:n], " ")); found {
			return p
		}
	}
	return Position{Line: s.Pos.Line, Col: s.Pos.Col}
}

// nthLine returns line i (0-based) of s as strings.Split(s, "\n") would,
// without splitting all of s: rules ask for one line of a script per
// command.
func nthLine(s string, i int) (string, bool) {
	if i < 0 {
		return "", false
	}
	for ; i > 0; i-- {
		k := strings.IndexByte(s, '\n')
		if k < 0 {
			return "", false
		}
		s = s[k+1:]
	}
	if k := strings.IndexByte(s, '\n'); k >= 0 {
		s = s[:k]
	}
	return s, true
}

// find returns the position of the first of the needles that occurs in
// the value s, or the value's position.
func (r *Repository) find(f *File, s *actionlint.String, needles ...string) Position {
	for _, n := range needles {
		for i, text := range strings.Split(s.Value, "\n") {
			if k := strings.Index(text, n); k >= 0 {
				ps, ok := r.valueLines(f, s)
				if ok[i] {
					return Position{Line: ps[i].Line, Col: ps[i].Col + k}
				}
				if p, found := r.locate(f, s, s.Pos.Line, n); found {
					return p
				}
			}
		}
	}
	return Position{Line: s.Pos.Line, Col: s.Pos.Col}
}

// at returns the position of a string value.
func at(s *actionlint.String) Position { return Position{Line: s.Pos.Line, Col: s.Pos.Col} }

// finding makes a finding at p in f.
func finding(f *File, p Position, msg string, related ...Location) Finding {
	return Finding{File: f.Path, Line: p.Line, Column: p.Col, Message: msg, Related: related}
}

// related makes a Location in f.
func related(f *File, p Position, msg string) Location {
	return Location{File: f.Path, Line: p.Line, Column: p.Col, Message: msg}
}

// cmdPos returns the position of the first needle in the command (which
// may continue over several lines), or of the command.
func cmdPos(r *Repository, f *File, run *actionlint.String, lines []string, c shellCmd, needles ...string) Position {
	for _, n := range needles {
		for ln := c.Line; ln < len(lines) && ln <= c.Line+50; ln++ {
			text := lines[ln]
			start := 0
			if ln == c.Line {
				start = min(c.Col, len(text))
			}
			if k := strings.Index(text[start:], n); k >= 0 {
				return r.positionIn(f, run, ln, start+k)
			}
			if !strings.HasSuffix(strings.TrimRight(text, " \t"), "\\") {
				break
			}
		}
	}
	return r.positionIn(f, run, c.Line, c.Col)
}
