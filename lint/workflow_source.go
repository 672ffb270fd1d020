package lint

import (
	"bytes"
	"fmt"
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
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
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

// line returns the text of the 1-based line n without its line ending.
func (t *sourceText) line(n int) (string, bool) {
	if t == nil || n < 1 || n > len(t.lineStarts) || len(t.src) == 0 {
		return "", false
	}
	end := len(t.src)
	if n < len(t.lineStarts) {
		end = t.lineStarts[n] - 1
	}
	return strings.TrimRight(string(t.src[t.lineStarts[n-1]:end]), "\r"), true
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
	src []byte
	// text indexes src's lines; built on first use (see lines).
	text  *sourceText
	exprs map[*actionlint.String][]workflowExpr
	// walked caches the strings of walkedFor.
	walked    []visitedString
	walkedFor *actionlint.Workflow
	// kinds remembers what the file's jobs do (the File keeps it for the
	// repository rules).
	kinds *jobKindMemo
	// severities holds the findings that rules reported at a severity
	// other than their rule's default (see workflowRuleBase.reportAt).
	severities map[severityKey]Severity
	// escapes is what contains found of the text's escapes:
	// escapesUnknown, escapesNone or escapesFound.
	escapes uint8
}

// severityKey identifies one finding of a workflow rule.
type severityKey struct {
	rule      string
	line, col int
	msg       string
}

// severity returns the severity a rule chose for one of its findings, or 0
// for the rule's default.
func (ws *workflowSource) severity(rule string, line, col int, msg string) Severity {
	return ws.severities[severityKey{rule, line, col, msg}]
}

func newWorkflowSource(src []byte) *workflowSource {
	return &workflowSource{src: src, exprs: map[*actionlint.String][]workflowExpr{}, kinds: &jobKindMemo{}}
}

// lines returns the line index of the file's text, or nil without a text.
func (ws *workflowSource) lines() *sourceText {
	if ws.text == nil && ws.src != nil {
		ws.text = newSourceText(ws.src)
	}
	return ws.text
}

// contains reports whether the workflow's values may contain any of the
// words; rules use it to skip files that cannot have findings. It looks for
// the words in the text, and is true without the text, or when the text
// has an escape through which a double-quoted YAML scalar can spell a word
// the text does not hold (see hasSpellingEscape).
func (ws *workflowSource) contains(words ...string) bool {
	if ws.src == nil {
		return true
	}
	for _, w := range words {
		if bytes.Contains(ws.src, []byte(w)) {
			return true
		}
	}
	if ws.escapes == escapesUnknown {
		ws.escapes = escapesNone
		if hasSpellingEscape(ws.src) {
			ws.escapes = escapesFound
		}
	}
	return ws.escapes == escapesFound
}

// What workflowSource.escapes knows of the text's escapes.
const (
	escapesUnknown = iota // not looked for yet
	escapesNone
	escapesFound
)

// hasSpellingEscape reports whether text has an escape through which a
// double-quoted YAML scalar can hold a word its text does not: a character
// written as \x, \u or \U and its hex digits (`\u0026&` is &&), or a line
// break escaped with a backslash, which joins the two lines (`ne\` at the
// end of a line and `eds` on the next is needs). YAML's other escapes spell
// only control characters, spaces, quotes, the slash and the backslash. A
// shell's line continuation in a block scalar looks the same, so the answer
// is true for some texts that hide nothing.
func hasSpellingEscape(text []byte) bool {
	for i := 0; i+1 < len(text); i++ {
		j := bytes.IndexByte(text[i:len(text)-1], '\\')
		if j < 0 {
			return false
		}
		i += j
		switch text[i+1] {
		case 'x', 'u', 'U', '\n', '\r':
			return true
		case '\\':
			i++ // an escaped backslash escapes nothing after it
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
		if n, ok := parseCondition(v); ok {
			es = append(es, workflowExpr{node: n, text: v, start: 0, index: -1, str: s, bare: true})
		}
	} else {
		// the spans up to the first that does not parse; repository rules
		// share the parse through exprSpans' cache
		spans, _ := exprSpans(v)
		for idx, sp := range spans {
			start := sp.start + 3 // after "${{"
			text := v[start:sp.end]
			if j := strings.LastIndex(text, "}}"); j >= 0 {
				text = text[:j]
			}
			es = append(es, workflowExpr{node: sp.node, text: text, start: start, index: idx, str: s})
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
	tokOff, tokText := 0, ""
	if tok != nil {
		tokOff, tokText = tok.Offset, tok.Value
	}
	if p := ws.exprPosInText(e, tokOff, tokText); p != nil {
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

func (ws *workflowSource) exprPosInText(e *workflowExpr, tokOff int, tokText string) *actionlint.Pos {
	s := e.str
	text := ws.lines()
	if text == nil || s.Pos == nil {
		return nil
	}
	base := text.offset(s.Pos.Line, s.Pos.Col)
	if base < 0 {
		return nil
	}
	if p := text.blockPos(base, s.Value, e.start+tokOff, tokText); p != nil {
		return p
	}
	fallback, exprStart := base, base // exprStart: offset of the expression text in the file
	if e.bare {
		if s.Quoted {
			exprStart++
		}
	} else {
		open := text.find(base, "${{", e.index)
		if open < 0 {
			return nil
		}
		fallback, exprStart = open, open+3
	}
	// The value and the text agree unless quoting escapes or line folding
	// intervene; then point at the start of the expression.
	if want := e.text[:min(len(e.text), tokOff)]; !bytes.HasPrefix(text.src[exprStart:], []byte(want)) {
		return text.pos(fallback)
	}
	return text.pos(exprStart + tokOff)
}

// blockPos maps byte offset at of the value of a literal block scalar
// (run: |) starting at base to its position in the file, checking that the
// file has want there. It returns nil for other scalars.
func (t *sourceText) blockPos(base int, value string, at int, want string) *actionlint.Pos {
	if base >= len(t.src) || t.src[base] != '|' || at > len(value) {
		return nil
	}
	header := t.pos(base).Line // the line of the | indicator
	k := strings.Count(value[:at], "\n")
	col := at - (strings.LastIndexByte(value[:at], '\n') + 1)
	// The indentation is that of the first line with content.
	indent := -1
	for l := header; l < len(t.lineStarts); l++ {
		line := t.src[t.lineStarts[l]:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		if n := len(line) - len(bytes.TrimLeft(line, " ")); n < len(bytes.TrimRight(line, " \r")) {
			indent = n
			break
		}
	}
	l := header + k // 0-based index of the line in lineStarts
	if indent < 0 || l >= len(t.lineStarts) {
		return nil
	}
	off := t.lineStarts[l] + indent + col
	if off > len(t.src) || !bytes.HasPrefix(t.src[off:], []byte(want)) {
		return nil
	}
	return t.pos(off)
}

// literalPos returns the position of the literal text lit, which starts at
// byte offset at of the value of s, in the file.
func (ws *workflowSource) literalPos(s *actionlint.String, lit string, at int) *actionlint.Pos {
	if text := ws.lines(); text != nil && s.Pos != nil {
		if base := text.offset(s.Pos.Line, s.Pos.Col); base >= 0 {
			n := strings.Count(s.Value[:at], lit)
			if o := text.find(base, lit, n); o >= 0 {
				return text.pos(o)
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

// reportAt reports a finding at a severity other than the rule's default,
// for rules whose findings are worth more or less depending on the job they
// are in. A severity set in the config still overrides it. Only a severity
// other than the default (0, or the rule's own) is remembered: finish gives
// the others the rule's.
func (r *workflowRuleBase) reportAt(sev Severity, pos *actionlint.Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.Error(pos, msg)
	if sev == 0 {
		return
	}
	if rule, ok := LookupRule(r.Name()); ok && sev == rule.Severity {
		return
	}
	ws := r.source()
	if ws.severities == nil {
		ws.severities = map[severityKey]Severity{}
	}
	ws.severities[severityKey{r.Name(), pos.Line, pos.Col, msg}] = sev
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

// visitedString is one string of the workflow syntax tree, with where it is.
type visitedString struct {
	// s is the string.
	s *actionlint.String
	// field is the Go field of actionlint's syntax tree that holds it, such
	// as "If", "Run" or "Value"; empty for items of lists and maps.
	field string
	// key is the name the value is known by in the file: the env variable,
	// input or map key it is the value of, or the field name.
	key string
	// job is the job the string is in (nil at the workflow level).
	job *actionlint.Job
	// step is the step the string is in (nil outside steps).
	step *actionlint.Step
	// jobOutput is true in a job's outputs: section.
	jobOutput bool
}

// strings returns every string of the workflow, walked once per file. It
// walks twice, to count the strings first: a file's size says little about
// how many it has, and a visitedString is large.
func (ws *workflowSource) strings(w *actionlint.Workflow) []visitedString {
	if ws.walked == nil || ws.walkedFor != w {
		ws.walked, ws.walkedFor = make([]visitedString, 0, countWorkflowStrings(w)), w
		walkWorkflowStrings(w, func(v visitedString) { ws.walked = append(ws.walked, v) })
	}
	return ws.walked
}

// stringWalker visits every string of a workflow syntax tree. It follows
// every field of actionlint's syntax tree types that can hold a string (a
// test checks it against a reflection-based walk). Each visit carries the
// Go field holding the string and the name it is known by: the Name of the
// struct for Value and Default fields, the map key for map items, and the
// parent's field and name for Expression fields.
type stringWalker struct {
	// fn is called for each string; when it is nil, the walk only counts
	// them in n.
	fn func(visitedString)
	n  int
}

// walkWorkflowStrings calls fn for every string of the workflow, in no
// particular order (findings are sorted afterwards).
func walkWorkflowStrings(w *actionlint.Workflow, fn func(visitedString)) {
	k := stringWalker{fn: fn}
	k.workflow(w)
}

// countWorkflowStrings returns how many strings walkWorkflowStrings visits.
func countWorkflowStrings(w *actionlint.Workflow) int {
	var k stringWalker
	k.workflow(w)
	return k.n
}

func (k *stringWalker) workflow(w *actionlint.Workflow) {
	if w == nil {
		return
	}
	at := visitedString{}
	k.str(at, w.Name, "Name", "")
	k.str(at, w.RunName, "RunName", "")
	for _, e := range w.On {
		k.event(field(at, "On"), e)
	}
	k.permissions(field(at, "Permissions"), w.Permissions)
	k.env(field(at, "Env"), w.Env)
	k.defaults(field(at, "Defaults"), w.Defaults)
	k.concurrency(field(at, "Concurrency"), w.Concurrency)
	for id, j := range w.Jobs {
		k.job(item(at, id), j)
	}
}

// visit calls fn for the string at, or counts it.
func (k *stringWalker) visit(at visitedString) {
	if k.fn == nil {
		k.n++
		return
	}
	k.fn(at)
}

// field returns the context of a struct field.
func field(at visitedString, name string) visitedString {
	at.field, at.key = name, name
	return at
}

// item returns the context of a map item.
func item(at visitedString, key string) visitedString {
	at.field, at.key = "", key
	return at
}

// elem returns the context of a list item.
func elem(at visitedString) visitedString {
	at.field = ""
	return at
}

// str visits s as field name of a struct in context at; named is the
// struct's Name for Value and Default fields.
func (k *stringWalker) str(at visitedString, s *actionlint.String, name, named string) {
	if s == nil {
		return
	}
	at = field(at, name)
	if named != "" && (name == "Value" || name == "Default") {
		at.key = named
	}
	at.s = s
	k.visit(at)
}

// strs visits a list of strings held by field name.
func (k *stringWalker) strs(at visitedString, ss []*actionlint.String, name string) {
	at = elem(field(at, name))
	for _, s := range ss {
		if s != nil {
			at.s = s
			k.visit(at)
		}
	}
}

// expr visits the Expression of a Bool, Int, Float, Env, ... reached in
// context at: it keeps the parent's field and name.
func (k *stringWalker) expr(at visitedString, s *actionlint.String) {
	if s != nil {
		at.s = s
		k.visit(at)
	}
}

// pair visits the Name and Value of a struct such as an EnvVar or an Input.
func (k *stringWalker) pair(at visitedString, name, value *actionlint.String) {
	n := nameOf(name)
	k.str(at, name, "Name", n)
	k.str(at, value, "Value", n)
}

func nameOf(s *actionlint.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}

func (k *stringWalker) boolean(at visitedString, b *actionlint.Bool) {
	if b != nil {
		k.expr(at, b.Expression)
	}
}

func (k *stringWalker) event(at visitedString, e actionlint.Event) {
	switch e := e.(type) {
	case *actionlint.WebhookEvent:
		k.str(at, e.Hook, "Hook", "")
		k.strs(at, e.Types, "Types")
		for _, f := range []struct {
			name string
			f    *actionlint.WebhookEventFilter
		}{{"Branches", e.Branches}, {"BranchesIgnore", e.BranchesIgnore}, {"Tags", e.Tags}, {"TagsIgnore", e.TagsIgnore}, {"Paths", e.Paths}, {"PathsIgnore", e.PathsIgnore}} {
			if f.f != nil {
				fa := field(at, f.name)
				k.str(fa, f.f.Name, "Name", "")
				k.strs(fa, f.f.Values, "Values")
			}
		}
		k.strs(at, e.Workflows, "Workflows")
	case *actionlint.ScheduledEvent:
		for _, s := range e.Schedules {
			if s != nil {
				sa := elem(field(at, "Schedules"))
				k.str(sa, s.Cron, "Cron", "")
				k.str(sa, s.Timezone, "Timezone", "")
			}
		}
	case *actionlint.WorkflowDispatchEvent:
		for id, in := range e.Inputs {
			if in == nil {
				continue
			}
			ia, n := item(field(at, "Inputs"), id), nameOf(in.Name)
			k.str(ia, in.Name, "Name", n)
			k.str(ia, in.Description, "Description", n)
			k.boolean(field(ia, "Required"), in.Required)
			k.str(ia, in.Default, "Default", n)
			k.strs(ia, in.Options, "Options")
		}
	case *actionlint.RepositoryDispatchEvent:
		k.strs(at, e.Types, "Types")
	case *actionlint.WorkflowCallEvent:
		for _, in := range e.Inputs {
			if in == nil {
				continue
			}
			ia, n := elem(field(at, "Inputs")), nameOf(in.Name)
			k.str(ia, in.Name, "Name", n)
			k.str(ia, in.Description, "Description", n)
			k.str(ia, in.Default, "Default", n)
			k.boolean(field(ia, "Required"), in.Required)
		}
		for id, sec := range e.Secrets {
			if sec != nil {
				sa, n := item(field(at, "Secrets"), id), nameOf(sec.Name)
				k.str(sa, sec.Name, "Name", n)
				k.str(sa, sec.Description, "Description", n)
				k.boolean(field(sa, "Required"), sec.Required)
			}
		}
		for id, o := range e.Outputs {
			if o != nil {
				oa, n := item(field(at, "Outputs"), id), nameOf(o.Name)
				k.str(oa, o.Name, "Name", n)
				k.str(oa, o.Description, "Description", n)
				k.str(oa, o.Value, "Value", n)
			}
		}
	case *actionlint.ImageVersionEvent:
		k.strs(at, e.Names, "Names")
		k.strs(at, e.Versions, "Versions")
	}
}

func (k *stringWalker) permissions(at visitedString, p *actionlint.Permissions) {
	if p == nil {
		return
	}
	k.str(at, p.All, "All", "")
	for id, sc := range p.Scopes {
		if sc != nil {
			k.pair(item(field(at, "Scopes"), id), sc.Name, sc.Value)
		}
	}
}

func (k *stringWalker) env(at visitedString, e *actionlint.Env) {
	if e == nil {
		return
	}
	for id, v := range e.Vars {
		if v != nil {
			k.pair(item(field(at, "Vars"), id), v.Name, v.Value)
		}
	}
	k.expr(at, e.Expression)
}

func (k *stringWalker) defaults(at visitedString, d *actionlint.Defaults) {
	if d == nil || d.Run == nil {
		return
	}
	ra := field(at, "Run")
	k.str(ra, d.Run.Shell, "Shell", "")
	k.str(ra, d.Run.WorkingDirectory, "WorkingDirectory", "")
}

func (k *stringWalker) concurrency(at visitedString, c *actionlint.Concurrency) {
	if c == nil {
		return
	}
	k.str(at, c.Group, "Group", "")
	k.boolean(field(at, "CancelInProgress"), c.CancelInProgress)
}

func (k *stringWalker) container(at visitedString, c *actionlint.Container) {
	if c == nil {
		return
	}
	k.str(at, c.Image, "Image", "")
	if cr := c.Credentials; cr != nil {
		ca := field(at, "Credentials")
		k.str(ca, cr.Username, "Username", "")
		k.str(ca, cr.Password, "Password", "")
		k.expr(ca, cr.Expression)
	}
	k.env(field(at, "Env"), c.Env)
	k.strs(at, c.Ports, "Ports")
	k.strs(at, c.Volumes, "Volumes")
	k.str(at, c.Options, "Options", "")
}

func (k *stringWalker) raw(at visitedString, v actionlint.RawYAMLValue) {
	switch v := v.(type) {
	case *actionlint.RawYAMLString:
		if k.fn != nil {
			at.s = &actionlint.String{Value: v.Value, Pos: v.Pos()}
		}
		k.visit(at)
	case *actionlint.RawYAMLArray:
		for _, e := range v.Elems {
			k.raw(elem(field(at, "Elems")), e)
		}
	case *actionlint.RawYAMLObject:
		for id, p := range v.Props {
			k.raw(item(field(at, "Props"), id), p)
		}
	}
}

func (k *stringWalker) combinations(at visitedString, cs *actionlint.MatrixCombinations) {
	if cs == nil {
		return
	}
	for _, c := range cs.Combinations {
		if c == nil {
			continue
		}
		ca := elem(field(at, "Combinations"))
		for id, a := range c.Assigns {
			if a != nil {
				aa := item(field(ca, "Assigns"), id)
				k.str(aa, a.Key, "Key", "")
				k.raw(field(aa, "Value"), a.Value)
			}
		}
		k.expr(ca, c.Expression)
	}
	k.expr(at, cs.Expression)
}

func (k *stringWalker) job(at visitedString, j *actionlint.Job) {
	if j == nil {
		return
	}
	at.job = j
	k.str(at, j.ID, "ID", "")
	k.str(at, j.Name, "Name", "")
	k.strs(at, j.Needs, "Needs")
	if r := j.RunsOn; r != nil {
		ra := field(at, "RunsOn")
		k.strs(ra, r.Labels, "Labels")
		k.str(ra, r.LabelsExpr, "LabelsExpr", "")
		k.str(ra, r.Group, "Group", "")
	}
	k.permissions(field(at, "Permissions"), j.Permissions)
	if e := j.Environment; e != nil {
		ea, n := field(at, "Environment"), nameOf(e.Name)
		k.str(ea, e.Name, "Name", n)
		k.str(ea, e.URL, "URL", n)
		k.boolean(field(ea, "Deployment"), e.Deployment)
	}
	k.concurrency(field(at, "Concurrency"), j.Concurrency)
	oa := field(at, "Outputs")
	oa.jobOutput = true
	for id, o := range j.Outputs {
		if o != nil {
			k.pair(item(oa, id), o.Name, o.Value)
		}
	}
	k.env(field(at, "Env"), j.Env)
	k.defaults(field(at, "Defaults"), j.Defaults)
	k.str(at, j.If, "If", "")
	for _, s := range j.Steps {
		k.step(elem(field(at, "Steps")), s)
	}
	if t := j.TimeoutMinutes; t != nil {
		k.expr(field(at, "TimeoutMinutes"), t.Expression)
	}
	if st := j.Strategy; st != nil {
		sa := field(at, "Strategy")
		if m := st.Matrix; m != nil {
			ma := field(sa, "Matrix")
			for id, r := range m.Rows {
				if r != nil {
					ra := item(field(ma, "Rows"), id)
					k.str(ra, r.Name, "Name", nameOf(r.Name))
					for _, v := range r.Values {
						k.raw(elem(field(ra, "Values")), v)
					}
					k.expr(ra, r.Expression)
				}
			}
			k.combinations(field(ma, "Include"), m.Include)
			k.combinations(field(ma, "Exclude"), m.Exclude)
			k.expr(ma, m.Expression)
		}
		k.boolean(field(sa, "FailFast"), st.FailFast)
		if mp := st.MaxParallel; mp != nil {
			k.expr(field(sa, "MaxParallel"), mp.Expression)
		}
	}
	k.boolean(field(at, "ContinueOnError"), j.ContinueOnError)
	k.container(field(at, "Container"), j.Container)
	if sv := j.Services; sv != nil {
		sa := field(at, "Services")
		for id, svc := range sv.Value {
			if svc != nil {
				ia := item(field(sa, "Value"), id)
				k.str(ia, svc.Name, "Name", nameOf(svc.Name))
				k.container(field(ia, "Container"), svc.Container)
			}
		}
		k.expr(sa, sv.Expression)
	}
	if c := j.WorkflowCall; c != nil {
		ca := field(at, "WorkflowCall")
		k.str(ca, c.Uses, "Uses", "")
		for id, in := range c.Inputs {
			if in != nil {
				k.pair(item(field(ca, "Inputs"), id), in.Name, in.Value)
			}
		}
		for id, sec := range c.Secrets {
			if sec != nil {
				k.pair(item(field(ca, "Secrets"), id), sec.Name, sec.Value)
			}
		}
	}
	if sn := j.Snapshot; sn != nil {
		sa := field(at, "Snapshot")
		k.str(sa, sn.ImageName, "ImageName", "")
		k.str(sa, sn.Version, "Version", "")
		k.str(sa, sn.If, "If", "")
	}
}

func (k *stringWalker) step(at visitedString, s *actionlint.Step) {
	if s == nil {
		return
	}
	at.step = s
	k.str(at, s.ID, "ID", "")
	k.str(at, s.If, "If", "")
	k.str(at, s.Name, "Name", nameOf(s.Name))
	switch e := s.Exec.(type) {
	case *actionlint.ExecRun:
		ea := field(at, "Exec")
		k.str(ea, e.Run, "Run", "")
		k.str(ea, e.Shell, "Shell", "")
		k.str(ea, e.WorkingDirectory, "WorkingDirectory", "")
	case *actionlint.ExecAction:
		ea := field(at, "Exec")
		k.str(ea, e.Uses, "Uses", "")
		for id, in := range e.Inputs {
			if in != nil {
				k.pair(item(field(ea, "Inputs"), id), in.Name, in.Value)
			}
		}
		k.str(ea, e.Entrypoint, "Entrypoint", "")
		k.str(ea, e.Args, "Args", "")
	}
	k.env(field(at, "Env"), s.Env)
	k.boolean(field(at, "ContinueOnError"), s.ContinueOnError)
	if t := s.TimeoutMinutes; t != nil {
		k.expr(field(at, "TimeoutMinutes"), t.Expression)
	}
}

// isCondition reports whether a visited string is an if: condition, which is
// an expression even without ${{ }}.
func (v visitedString) isCondition() bool { return v.field == "If" }
