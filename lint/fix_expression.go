package lint

import (
	"strings"
)

// fixDoubleQuotedLiteral fixes actionlint's "got unexpected character '"'
// while lexing expression" error: expressions only have single-quoted
// string literals, so "x" becomes 'x' (a ' inside becomes ”). Every
// double-quoted literal in the expressions of the scalar is rewritten, since
// actionlint stops at the first one.
func fixDoubleQuotedLiteral(c *fixContext) *Fix {
	fd := c.finding
	if !strings.Contains(fd.Message, "got unexpected character '\"' while lexing expression") {
		return nil
	}
	t := c.yaml()
	if t == nil {
		return nil
	}
	n := t.valueScalarAt(fd.Line, fd.Column)
	s, ok := t.scalar(n)
	if !ok {
		return nil
	}
	// an if: condition without ${{ }} is an expression as a whole
	bare := false
	if k := t.keyOf(n); k != nil && k.Value == "if" && !strings.Contains(s.value, "${{") {
		bare = true
	}
	spans, ok := doubleQuotedLiterals(s.value, bare)
	if !ok || len(spans) == 0 {
		return nil
	}
	fix := &Fix{Description: "use single quotes for string literals in expressions"}
	for _, sp := range spans {
		lit := s.value[sp[0]+1 : sp[1]-1]
		e, ok := s.edit(sp[0], sp[1], "'"+strings.ReplaceAll(lit, "'", "''")+"'")
		if !ok {
			return nil
		}
		fix.Edits = append(fix.Edits, e)
	}
	if len(spans) == 1 {
		fix.Description = "use single quotes: '" + strings.ReplaceAll(s.value[spans[0][0]+1:spans[0][1]-1], "'", "''") + "'"
	}
	return fix
}

// doubleQuotedLiterals finds the "..." literals inside the ${{ }}
// expressions of v (or in all of v when bare). It fails on a literal it
// cannot rewrite for sure: one with a backslash or a line break, or one
// that is not closed.
func doubleQuotedLiterals(v string, bare bool) ([][2]int, bool) {
	var spans [][2]int
	in := bare
	for i := 0; i < len(v); {
		if !in {
			j := strings.Index(v[i:], "${{")
			if j < 0 {
				break
			}
			i += j + 3
			in = true
			continue
		}
		switch c := v[i]; {
		case c == '\'':
			j := i + 1
			for ; j < len(v); j++ {
				if v[j] == '\'' {
					if j+1 < len(v) && v[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(v) {
				return nil, false
			}
			i = j + 1
		case c == '"':
			j := strings.IndexByte(v[i+1:], '"')
			if j < 0 {
				return nil, false
			}
			lit := v[i+1 : i+1+j]
			if strings.ContainsAny(lit, "\\\n\r") {
				return nil, false
			}
			spans = append(spans, [2]int{i, i + j + 2})
			i += j + 2
		case c == '}' && !bare && strings.HasPrefix(v[i:], "}}"):
			in = false
			i += 2
		default:
			i++
		}
	}
	return spans, true
}
