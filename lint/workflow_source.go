package lint

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rhysd/actionlint"
)

// sourceText maps between byte offsets of a file and 1-based line and byte
// column positions.
type sourceText struct {
	src        []byte
	lineStarts []int
}

func newSourceText(src []byte) *sourceText {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &sourceText{src: src, lineStarts: starts}
}

// offset returns the byte offset of a YAML parser position (1-based line
// and character column), or -1 when it is outside the text.
func (t *sourceText) offset(line, col int) int {
	if t == nil || line < 1 || line > len(t.lineStarts) || col < 1 {
		return -1
	}
	o := t.lineStarts[line-1]
	for i := 1; i < col; i++ {
		if o >= len(t.src) || t.src[o] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(t.src[o:])
		o += size
	}
	return o
}

// pos returns the line and byte column of a byte offset.
func (t *sourceText) pos(off int) *actionlint.Pos {
	i := sort.Search(len(t.lineStarts), func(i int) bool { return t.lineStarts[i] > off }) - 1
	return &actionlint.Pos{Line: i + 1, Col: off - t.lineStarts[i] + 1}
}

// find returns the offset of the n-th (0-based) occurrence of s at or after
// from, or -1.
func (t *sourceText) find(from int, s string, n int) int {
	if t == nil || from < 0 {
		return -1
	}
	for o := from; o <= len(t.src); {
		i := bytes.Index(t.src[o:], []byte(s))
		if i < 0 {
			return -1
		}
		if n == 0 {
			return o + i
		}
		n--
		o += i + len(s)
	}
	return -1
}

// workflowSource is what gantry's workflow rules share for one file: its
// text, to point at the exact expression even inside block scalars, and the
// expressions parsed from its strings, so that each is parsed once.
type workflowSource struct {
	text  *sourceText
	exprs map[*actionlint.String][]workflowExpr
}

func newWorkflowSource(src []byte) *workflowSource {
	ws := &workflowSource{exprs: map[*actionlint.String][]workflowExpr{}}
	if src != nil {
		ws.text = newSourceText(src)
	}
	return ws
}

// contains reports whether the workflow's text contains any of the words;
// rules use it to skip files that cannot have findings. Without the text it
// is always true.
func (ws *workflowSource) contains(words ...string) bool {
	if ws.text == nil {
		return true
	}
	for _, w := range words {
		if bytes.Contains(ws.text.src, []byte(w)) {
			return true
		}
	}
	return false
}

// workflowExpr is one parsed expression in a string of the workflow: a
// ${{ }} placeholder, or the whole value of an if: condition written
// without one.
type workflowExpr struct {
	// node is the parsed expression.
	node actionlint.ExprNode
	// text is the expression's source (between ${{ and }}).
	text string
	// start is the byte offset of text in the string's value.
	start int
	// index is which ${{ of the value this is, or -1 for a bare condition.
	index int
	// str is the string the expression is in.
	str *actionlint.String
	// bare is true for an if: condition written without ${{ }}.
	bare bool
}

// expressions returns the expressions in s, parsed once per file. When cond
// is true, s is an if: condition and a value without ${{ }} is itself an
// expression. Expressions that do not parse are left out (actionlint's
// expression rule reports them).
func (ws *workflowSource) expressions(s *actionlint.String, cond bool) []workflowExpr {
	if s == nil {
		return nil
	}
	if es, ok := ws.exprs[s]; ok {
		return es
	}
	var es []workflowExpr
	v := s.Value
	if cond && !strings.Contains(v, "${{") {
		if n, err := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(v + "}}")); err == nil {
			es = append(es, workflowExpr{node: n, text: v, start: 0, index: -1, str: s, bare: true})
		}
	} else {
		off := 0
		for idx := 0; ; idx++ {
			i := strings.Index(v[off:], "${{")
			if i < 0 {
				break
			}
			start := off + i + 3
			l := actionlint.NewExprLexer(v[start:])
			n, err := actionlint.NewExprParser().Parse(l)
			if err != nil {
				break
			}
			end := start + l.Offset()
			text := v[start:end]
			if j := strings.LastIndex(text, "}}"); j >= 0 {
				text = text[:j]
			}
			es = append(es, workflowExpr{node: n, text: text, start: start, index: idx, str: s})
			if l.Offset() == 0 {
				break
			}
			off = end
		}
	}
	ws.exprs[s] = es
	return es
}

// exprPos returns the position of tok, a token of e, in the file. It uses
// the file's text when it can match the expression there, and otherwise
// falls back to the string's position as actionlint does.
func (ws *workflowSource) exprPos(e *workflowExpr, tok *actionlint.Token) *actionlint.Pos {
	s := e.str
	tokOff := 0
	if tok != nil {
		tokOff = tok.Offset
	}
	if p := ws.exprPosInText(e, tokOff); p != nil {
		return p
	}
	if s.Pos == nil {
		return &actionlint.Pos{Line: 1, Col: 1}
	}
	col := s.Pos.Col + e.start + tokOff
	if s.Quoted {
		col++
	}
	if strings.Contains(s.Value[:min(len(s.Value), e.start+tokOff)], "\n") {
		col = s.Pos.Col // multi-line value: the column is unknown
	}
	return &actionlint.Pos{Line: s.Pos.Line, Col: col}
}

func (ws *workflowSource) exprPosInText(e *workflowExpr, tokOff int) *actionlint.Pos {
	s := e.str
	if ws.text == nil || s.Pos == nil {
		return nil
	}
	base := ws.text.offset(s.Pos.Line, s.Pos.Col)
	if base < 0 {
		return nil
	}
	fallback, exprStart := base, base // exprStart: offset of the expression text in the file
	if e.bare {
		if s.Quoted {
			exprStart++
		}
	} else {
		open := ws.text.find(base, "${{", e.index)
		if open < 0 {
			return nil
		}
		fallback, exprStart = open, open+3
	}
	// The value and the text agree unless quoting escapes or line folding
	// intervene; then point at the start of the expression.
	if want := e.text[:min(len(e.text), tokOff)]; !bytes.HasPrefix(ws.text.src[exprStart:], []byte(want)) {
		return ws.text.pos(fallback)
	}
	return ws.text.pos(exprStart + tokOff)
}

// literalPos returns the position of the literal text lit, which starts at
// byte offset at of the value of s, in the file.
func (ws *workflowSource) literalPos(s *actionlint.String, lit string, at int) *actionlint.Pos {
	if ws.text != nil && s.Pos != nil {
		if base := ws.text.offset(s.Pos.Line, s.Pos.Col); base >= 0 {
			n := strings.Count(s.Value[:at], lit)
			if o := ws.text.find(base, lit, n); o >= 0 {
				return ws.text.pos(o)
			}
		}
	}
	if s.Pos == nil {
		return &actionlint.Pos{Line: 1, Col: 1}
	}
	if strings.Contains(s.Value[:at], "\n") {
		return s.Pos
	}
	col := s.Pos.Col + at
	if s.Quoted {
		col++
	}
	return &actionlint.Pos{Line: s.Pos.Line, Col: col}
}

// workflowRuleBase is embedded by gantry's workflow rules. The engine hands
// it the file's shared workflowSource before the rule runs.
type workflowRuleBase struct {
	actionlint.RuleBase
	src *workflowSource
}

func newWorkflowRuleBase(id string) workflowRuleBase {
	return workflowRuleBase{RuleBase: actionlint.NewRuleBase(id, "gantry rule "+id)}
}

// useSource gives the rule the text and shared state of the file it checks.
func (r *workflowRuleBase) useSource(ws *workflowSource) { r.src = ws }

// source returns the file's shared state, creating an empty one when the
// rule runs outside the engine.
func (r *workflowRuleBase) source() *workflowSource {
	if r.src == nil {
		r.src = newWorkflowSource(nil)
	}
	return r.src
}

// sourceUser is implemented by workflow rules that want the file's text.
type sourceUser interface {
	useSource(ws *workflowSource)
}

// visitedString is one string of the workflow syntax tree found by walkStrings.
type visitedString struct {
	// s is the string.
	s *actionlint.String
	// field is the Go field of actionlint's syntax tree that holds it, such
	// as "If", "Run" or "Value"; empty for items of lists and maps.
	field string
	// key is the name the value is known by in the file: the env variable,
	// input or map key it is the value of, or the field name.
	key string
}

var (
	stringPtrType    = reflect.TypeFor[*actionlint.String]()
	posPtrType       = reflect.TypeFor[*actionlint.Pos]()
	rawYAMLStringPtr = reflect.TypeFor[*actionlint.RawYAMLString]()
)

// walkStrings calls fn for every string in a workflow syntax tree node
// (a *actionlint.Workflow, *actionlint.Job, *actionlint.Step, ...), in a
// deterministic order.
func walkStrings(node any, fn func(v visitedString)) {
	walkValue(reflect.ValueOf(node), "", "", fn)
}

func walkValue(v reflect.Value, field, key string, fn func(visitedString)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkValue(v.Elem(), field, key, fn)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		switch v.Type() {
		case stringPtrType:
			fn(visitedString{s: v.Interface().(*actionlint.String), field: field, key: key})
			return
		case posPtrType:
			return
		case rawYAMLStringPtr:
			rs := v.Interface().(*actionlint.RawYAMLString)
			fn(visitedString{s: &actionlint.String{Value: rs.Value, Pos: rs.Pos()}, field: field, key: key})
			return
		}
		walkValue(v.Elem(), field, key, fn)
	case reflect.Struct:
		t := v.Type()
		name := ""
		if f := v.FieldByName("Name"); f.IsValid() && f.Type() == stringPtrType && !f.IsNil() {
			name = f.Interface().(*actionlint.String).Value
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			f, k := sf.Name, sf.Name
			switch {
			case (f == "Value" || f == "Default") && name != "":
				k = name
			case f == "Expression": // of a Bool, Int, Env, ...: keep the parent's names
				f, k = field, key
			}
			walkValue(v.Field(i), f, k, fn)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, mk := range keys {
			k := key
			if mk.Kind() == reflect.String {
				k = mk.String()
			}
			walkValue(v.MapIndex(mk), "", k, fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkValue(v.Index(i), "", key, fn)
		}
	}
}

// isCondition reports whether a visited string is an if: condition, which is
// an expression even without ${{ }}.
func (v visitedString) isCondition() bool { return v.field == "If" }
