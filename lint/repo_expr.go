package lint

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rhysd/actionlint"
)

// This file evaluates ${{ }} expressions abstractly, with actionlint's
// expression parser: values are known strings, context variables (equal in
// every run for the same event and ref), values unique to a run, or
// unknown. Repository rules use it to decide whether two concurrency
// groups can be equal, whether a step can run for a fork's pull request,
// and whether a value is github.sha on a pull_request.

// tri is a three-valued truth: yes, no, or unknown.
type tri int8

const (
	triUnknown tri = iota
	triTrue
	triFalse
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (t tri) not() tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

type valKind uint8

const (
	valUnknown valKind = iota
	valString          // parts are known
	valUnique          // different in every run
)

// part is a literal piece of a string, or a context variable when v is set.
type part struct {
	lit string
	v   string
}

// absVal is an abstract value.
type absVal struct {
	kind  valKind
	parts []part
	truth tri
	// prefix is a known prefix of a single-variable value (refs/pull/).
	prefix string
	// refs records whether the expression read a context that gates a run
	// on who or what triggered it (event, ref, repository, actor, ...).
	gate bool
}

func litVal(s string) absVal {
	return absVal{kind: valString, parts: []part{{lit: s}}, truth: triOf(s != "")}
}

func boolVal(b bool) absVal {
	v := litVal(strconv.FormatBool(b))
	v.truth = triOf(b)
	return v
}

func varVal(name string, nonEmpty tri, prefix string) absVal {
	return absVal{kind: valString, parts: []part{{v: name}}, truth: nonEmpty, prefix: prefix}
}

func unknownVal(truth tri) absVal { return absVal{kind: valUnknown, truth: truth} }

// literal returns the value as a string when it is fully known.
func (v absVal) literal() (string, bool) {
	if v.kind != valString {
		return "", false
	}
	var b strings.Builder
	for _, p := range v.parts {
		if p.v != "" {
			return "", false
		}
		b.WriteString(p.lit)
	}
	return b.String(), true
}

// singleVar returns the variable name when the value is exactly one variable.
func (v absVal) singleVar() (string, bool) {
	if v.kind == valString && len(v.parts) == 1 && v.parts[0].v != "" {
		return v.parts[0].v, true
	}
	return "", false
}

// hasVar reports whether the value contains the variable.
func (v absVal) hasVar(name string) bool {
	for _, p := range v.parts {
		if p.v == name {
			return true
		}
	}
	return false
}

// key encodes a string value so that equal keys mean equal strings for
// the same event and ref.
func (v absVal) key() string {
	var b strings.Builder
	for _, p := range v.parts {
		if p.v != "" {
			b.WriteString("\x00" + p.v + "\x00")
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// concat joins string values.
func concat(vs ...absVal) absVal {
	out := absVal{kind: valString}
	anyTrue, allFalse := false, true
	for _, v := range vs {
		out.gate = out.gate || v.gate
		switch v.kind {
		case valUnknown:
			return absVal{kind: valUnknown, gate: out.gate}
		case valUnique:
			out.kind = valUnique
		}
		for _, p := range v.parts {
			if p.v == "" && len(out.parts) > 0 && out.parts[len(out.parts)-1].v == "" {
				out.parts[len(out.parts)-1].lit += p.lit
				continue
			}
			if p.v == "" && p.lit == "" {
				continue
			}
			out.parts = append(out.parts, p)
		}
		switch v.truth {
		case triTrue:
			anyTrue, allFalse = true, false
		case triUnknown:
			allFalse = false
		}
	}
	switch {
	case anyTrue:
		out.truth = triTrue
	case allFalse:
		out.truth = triFalse
	}
	if out.kind == valUnique {
		out.parts = nil
		out.truth = triTrue
	}
	return out
}

// evalEnv is what is known about the run an expression is evaluated in.
type evalEnv struct {
	// event is the triggering event; "" when unknown.
	event string
	// workflow is github.workflow; "" when unknown.
	workflow string
	// job is github.job; "" when unknown.
	job string
	// sameRun compares values within one run (a caller and its reusable
	// workflow), where run IDs are equal.
	sameRun bool
	// fork is a pull request from a fork (or, on workflow_run, a run for
	// one): the head repository differs, and secrets are empty (except on
	// the privileged events).
	fork bool
	// inputs are the inputs.* values; nil when unknown.
	inputs map[string]absVal
}

var prEvents = map[string]bool{"pull_request": true, "pull_request_target": true,
	"pull_request_review": true, "pull_request_review_comment": true}

// contextAliases maps context paths to the canonical name of the same value.
var contextAliases = map[string]string{
	"github.event.pull_request.head.ref":  "github.head_ref",
	"github.event.pull_request.base.ref":  "github.base_ref",
	"github.event.number":                 "github.event.pull_request.number",
	"github.event.repository.full_name":   "github.repository",
	"github.event.repository.owner.login": "github.repository_owner",
}

// gateContexts are contexts whose value depends on who or what triggered
// the run: a condition on them is a deliberate gate.
func isGateContext(path string) bool {
	for _, p := range []string{"github.event_name", "github.ref", "github.head_ref", "github.base_ref",
		"github.repository", "github.actor", "github.triggering_actor", "github.event.pull_request.head.repo",
		"github.event.pull_request.head.user", "github.event.pull_request.user", "github.event.pull_request.labels",
		"github.event.pull_request.author_association", "github.event.sender", "github.event.label",
		"github.event.action", "secrets."} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// lookup resolves a context path (lower case, dot separated).
func (e *evalEnv) lookup(path string) absVal {
	if a, ok := contextAliases[path]; ok {
		path = a
	}
	v := e.lookup1(path)
	v.gate = v.gate || isGateContext(path)
	return v
}

func (e *evalEnv) lookup1(path string) absVal {
	known := e.event != ""
	pr := prEvents[e.event]
	switch path {
	case "github.event_name":
		if known {
			return litVal(e.event)
		}
		return varVal(path, triTrue, "")
	case "github.workflow":
		if e.workflow != "" {
			return litVal(e.workflow)
		}
		return unknownVal(triTrue)
	case "github.job":
		if e.job != "" {
			return litVal(e.job)
		}
		return unknownVal(triTrue)
	case "github.run_id", "github.run_number", "github.run_attempt", "github.workflow_ref", "github.workflow_sha":
		if e.sameRun {
			return varVal(path, triTrue, "")
		}
		return absVal{kind: valUnique, truth: triTrue}
	case "github.ref":
		switch {
		case e.event == "pull_request_target":
			return varVal(path, triTrue, "refs/heads/")
		case pr:
			return varVal(path, triTrue, "refs/pull/")
		case e.event == "push":
			return varVal(path, triTrue, "refs/")
		}
		return varVal(path, triTrue, "")
	case "github.head_ref", "github.base_ref":
		switch {
		case pr:
			return varVal(path, triTrue, "")
		case known:
			return litVal("")
		}
		return varVal(path, triUnknown, "")
	case "github.sha", "github.ref_name", "github.ref_type", "github.repository", "github.repository_owner",
		"github.repository_id", "github.actor", "github.actor_id", "github.triggering_actor",
		"github.server_url", "github.api_url", "github.graphql_url", "github.token":
		return varVal(path, triTrue, "")
	}
	switch {
	case strings.HasPrefix(path, "github.event.pull_request."), path == "github.event.pull_request":
		switch {
		case pr && e.fork && path == "github.event.pull_request.head.repo.fork":
			return boolVal(true)
		case pr:
			return varVal(path, triUnknown, "")
		case known:
			return litVal("")
		}
		return varVal(path, triUnknown, "")
	case e.event == "workflow_run" && e.fork && path == "github.event.workflow_run.head_repository.fork":
		return boolVal(true)
	case e.event == "workflow_run" && e.fork && path == "github.event.workflow_run.event":
		return litVal("pull_request")
	case strings.HasPrefix(path, "github.event.inputs."):
		return unknownVal(triUnknown)
	case strings.HasPrefix(path, "github.event."):
		return varVal(path, triUnknown, "")
	case strings.HasPrefix(path, "secrets."):
		if e.fork && !slices.Contains(privilegedEvents, e.event) && path != "secrets.github_token" {
			return litVal("")
		}
		return varVal(path, triUnknown, "")
	case strings.HasPrefix(path, "vars."):
		return varVal(path, triUnknown, "")
	case strings.HasPrefix(path, "inputs."):
		if e.inputs != nil {
			if v, ok := e.inputs[strings.TrimPrefix(path, "inputs.")]; ok {
				return v
			}
		}
		return unknownVal(triUnknown)
	}
	return unknownVal(triUnknown)
}

// evalExpr evaluates one parsed expression.
func (e *evalEnv) evalExpr(n actionlint.ExprNode) absVal {
	switch n := n.(type) {
	case *actionlint.StringNode:
		return litVal(n.Value)
	case *actionlint.IntNode:
		v := litVal(strconv.Itoa(n.Value))
		v.truth = triOf(n.Value != 0)
		return v
	case *actionlint.FloatNode:
		v := litVal(strconv.FormatFloat(n.Value, 'g', -1, 64))
		v.truth = triOf(n.Value != 0)
		return v
	case *actionlint.BoolNode:
		return boolVal(n.Value)
	case *actionlint.NullNode:
		return absVal{kind: valString, truth: triFalse}
	case *actionlint.VariableNode, *actionlint.ObjectDerefNode, *actionlint.IndexAccessNode:
		if p, ok := contextPath(n); ok {
			return e.lookup(p)
		}
		v := unknownVal(triUnknown)
		v.gate = exprReadsGate(n)
		return v
	case *actionlint.ArrayDerefNode:
		v := unknownVal(triUnknown)
		v.gate = exprReadsGate(n)
		return v
	case *actionlint.NotOpNode:
		v := e.evalExpr(n.Operand)
		return absVal{kind: valUnknown, truth: v.truth.not(), gate: v.gate}
	case *actionlint.LogicalOpNode:
		l := e.evalExpr(n.Left)
		r := e.evalExpr(n.Right)
		gate := l.gate || r.gate
		var out absVal
		if n.Kind == actionlint.LogicalOpNodeKindOr {
			switch l.truth {
			case triTrue:
				out = l
			case triFalse:
				out = r
			default:
				out = unknownVal(triUnknown)
				if r.truth == triTrue {
					out.truth = triTrue
				}
			}
		} else {
			switch l.truth {
			case triFalse:
				out = l
			case triTrue:
				out = r
			default:
				out = unknownVal(triUnknown)
				if r.truth == triFalse {
					out.truth = triFalse
				}
			}
		}
		out.gate = gate
		return out
	case *actionlint.CompareOpNode:
		l := e.evalExpr(n.Left)
		r := e.evalExpr(n.Right)
		t := triUnknown
		switch n.Kind {
		case actionlint.CompareOpNodeKindEq:
			t = e.equal(l, r)
		case actionlint.CompareOpNodeKindNotEq:
			t = e.equal(l, r).not()
		}
		return absVal{kind: valUnknown, truth: t, gate: l.gate || r.gate}
	case *actionlint.FuncCallNode:
		return e.evalCall(n)
	}
	return unknownVal(triUnknown)
}

// equal compares two values as GitHub does for strings (case-insensitively).
func (e *evalEnv) equal(l, r absVal) tri {
	if l.kind == valUnique || r.kind == valUnique {
		return triUnknown
	}
	ls, lok := l.literal()
	rs, rok := r.literal()
	if lok && rok {
		return triOf(strings.EqualFold(ls, rs))
	}
	lv, lvar := l.singleVar()
	rv, rvar := r.singleVar()
	if lvar && rvar {
		if lv == rv {
			return triTrue
		}
		if e.fork && forkDiffers(lv, rv) {
			return triFalse
		}
		return triUnknown
	}
	// a variable with a known prefix against a literal that lacks it
	if lvar && rok && l.prefix != "" && !strings.HasPrefix(strings.ToLower(rs), strings.ToLower(l.prefix)) {
		return triFalse
	}
	if rvar && lok && r.prefix != "" && !strings.HasPrefix(strings.ToLower(ls), strings.ToLower(r.prefix)) {
		return triFalse
	}
	// an empty variable never equals a non-empty literal
	if lvar && rok && rs == "" && l.truth == triTrue || rvar && lok && ls == "" && r.truth == triTrue {
		return triFalse
	}
	return triUnknown
}

// forkDiffers reports pairs of values that differ for a fork's pull request.
func forkDiffers(a, b string) bool {
	pairs := [][2]string{
		{"github.event.pull_request.head.repo.full_name", "github.repository"},
		{"github.event.pull_request.head.repo.full_name", "github.event.pull_request.base.repo.full_name"},
		{"github.event.pull_request.head.repo.owner.login", "github.repository_owner"},
		{"github.event.pull_request.head.repo.id", "github.repository_id"},
		{"github.event.workflow_run.head_repository.full_name", "github.repository"},
		{"github.event.workflow_run.head_repository.owner.login", "github.repository_owner"},
	}
	for _, p := range pairs {
		if a == p[0] && b == p[1] || a == p[1] && b == p[0] {
			return true
		}
	}
	return false
}

func (e *evalEnv) evalCall(n *actionlint.FuncCallNode) absVal {
	args := make([]absVal, len(n.Args))
	gate := false
	for i, a := range n.Args {
		args[i] = e.evalExpr(a)
		gate = gate || args[i].gate
	}
	var out absVal
	switch strings.ToLower(n.Callee) {
	case "format":
		out = e.evalFormat(args)
	case "startswith", "endswith", "contains":
		out = unknownVal(triUnknown)
		if len(args) == 2 {
			out.truth = stringPredicate(strings.ToLower(n.Callee), args[0], args[1])
		}
	case "success", "always":
		out = unknownVal(triTrue)
	default:
		out = unknownVal(triUnknown)
	}
	out.gate = out.gate || gate
	return out
}

func stringPredicate(fn string, a, b absVal) tri {
	as, aok := a.literal()
	bs, bok := b.literal()
	if aok && bok {
		as, bs = strings.ToLower(as), strings.ToLower(bs)
		switch fn {
		case "startswith":
			return triOf(strings.HasPrefix(as, bs))
		case "endswith":
			return triOf(strings.HasSuffix(as, bs))
		}
		return triOf(strings.Contains(as, bs))
	}
	if fn == "startswith" && bok && a.prefix != "" {
		p, s := strings.ToLower(a.prefix), strings.ToLower(bs)
		if strings.HasPrefix(p, s) {
			return triTrue
		}
		if !strings.HasPrefix(s, p) {
			return triFalse
		}
	}
	return triUnknown
}

func (e *evalEnv) evalFormat(args []absVal) absVal {
	if len(args) == 0 {
		return unknownVal(triUnknown)
	}
	f, ok := args[0].literal()
	if !ok {
		return unknownVal(triUnknown)
	}
	var pieces []absVal
	var lit strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '{' && i+1 < len(f) && f[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(f) && f[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			j := strings.IndexByte(f[i:], '}')
			if j < 0 {
				return unknownVal(triUnknown)
			}
			k, err := strconv.Atoi(f[i+1 : i+j])
			if err != nil || k+1 >= len(args) {
				return unknownVal(triUnknown)
			}
			pieces = append(pieces, litVal(lit.String()), args[k+1])
			lit.Reset()
			i += j
		default:
			lit.WriteByte(c)
		}
	}
	pieces = append(pieces, litVal(lit.String()))
	return concat(pieces...)
}

// contextPath returns the lower-case dotted path of a property access such
// as github.event.pull_request.head.sha or github['ref'].
func contextPath(n actionlint.ExprNode) (string, bool) {
	p, ok := exprPath(n)
	return strings.Join(p, "."), ok
}

func exprReadsGate(n actionlint.ExprNode) bool {
	gate := false
	actionlint.VisitExprNode(n, func(node, _ actionlint.ExprNode, entering bool) {
		if !entering || gate {
			return
		}
		if p, ok := contextPath(node); ok && isGateContext(p) {
			gate = true
		}
	})
	return gate
}

// parseExpr parses the source of one expression (without ${{ }}).
func parseExpr(src string) (actionlint.ExprNode, int, bool) {
	l := actionlint.NewExprLexer(src)
	p := actionlint.NewExprParser()
	n, err := p.Parse(l)
	if err != nil {
		return nil, 0, false
	}
	return n, l.Offset(), true
}

// exprSpan is one ${{ }} in a string: its parsed expression and where it
// starts and ends in the string.
type exprSpan struct {
	node       actionlint.ExprNode
	start, end int
	src        string
}

// spanCache memoizes exprSpans: repositories repeat the same expressions
// across workflows and rules ask for them several times. Parsed
// expressions are never modified, so they are shared.
var spanCache struct {
	sync.Mutex
	m map[string]cachedSpans
}

type cachedSpans struct {
	spans []exprSpan
	ok    bool
}

const maxSpanCache = 20000

// exprSpans parses every ${{ }} of s. ok is false when one does not parse.
func exprSpans(s string) (spans []exprSpan, ok bool) {
	if !strings.Contains(s, "${{") {
		return nil, true
	}
	spanCache.Lock()
	c, hit := spanCache.m[s]
	spanCache.Unlock()
	if hit {
		return c.spans, c.ok
	}
	spans, ok = parseSpans(s)
	spanCache.Lock()
	if spanCache.m == nil || len(spanCache.m) >= maxSpanCache {
		spanCache.m = map[string]cachedSpans{}
	}
	spanCache.m[s] = cachedSpans{spans, ok}
	spanCache.Unlock()
	return spans, ok
}

// condCache memoizes parseCondition as spanCache does exprSpans: jobs and
// steps repeat the same if: conditions, and several rules evaluate each.
var condCache struct {
	sync.Mutex
	m map[string]cachedCond
}

type cachedCond struct {
	node actionlint.ExprNode
	ok   bool
}

// parseCondition parses an if: condition written without ${{ }}. ok is
// false when it does not parse.
func parseCondition(src string) (actionlint.ExprNode, bool) {
	condCache.Lock()
	c, hit := condCache.m[src]
	condCache.Unlock()
	if hit {
		return c.node, c.ok
	}
	n, _, ok := parseExpr(src + "}}")
	condCache.Lock()
	if condCache.m == nil || len(condCache.m) >= maxSpanCache {
		condCache.m = map[string]cachedCond{}
	}
	condCache.m[src] = cachedCond{n, ok}
	condCache.Unlock()
	return n, ok
}

func parseSpans(s string) (spans []exprSpan, ok bool) {
	off := 0
	for {
		i := strings.Index(s[off:], "${{")
		if i < 0 {
			return spans, true
		}
		start := off + i
		n, used, parsed := parseExpr(s[start+3:])
		if !parsed || used <= 0 {
			return spans, false
		}
		end := min(start+3+used, len(s))
		spans = append(spans, exprSpan{node: n, start: start, end: end, src: s[start:end]})
		off = end
	}
}

// evalTemplate evaluates a string with ${{ }} placeholders.
func (e *evalEnv) evalTemplate(s string) absVal {
	spans, ok := exprSpans(s)
	if !ok {
		return unknownVal(triUnknown)
	}
	var pieces []absVal
	prev := 0
	for _, sp := range spans {
		pieces = append(pieces, litVal(s[prev:sp.start]), e.evalExpr(sp.node))
		prev = sp.end
	}
	pieces = append(pieces, litVal(s[prev:]))
	return concat(pieces...)
}

// evalCondition evaluates an if: condition, which may or may not be
// wrapped in ${{ }}. An absent condition is true.
func (e *evalEnv) evalCondition(s *actionlint.String) absVal {
	if s == nil {
		return unknownVal(triTrue)
	}
	src := strings.TrimSpace(s.Value)
	if src == "" {
		return unknownVal(triTrue)
	}
	if strings.HasPrefix(src, "${{") && strings.HasSuffix(src, "}}") && strings.Count(src, "${{") == 1 {
		src = strings.TrimSpace(src[3 : len(src)-2])
	} else if strings.Contains(src, "${{") {
		// a string with placeholders is truthy when it is not empty
		v := e.evalTemplate(src)
		return absVal{kind: valUnknown, truth: triTrue, gate: v.gate}
	}
	n, ok := parseCondition(src)
	if !ok {
		return unknownVal(triUnknown)
	}
	v := e.evalExpr(n)
	return absVal{kind: valUnknown, truth: v.truth, gate: v.gate}
}

// exprRefs reports whether any ${{ }} of s reads a context path for which
// match returns true.
func exprRefs(s string, match func(path string) bool) bool {
	spans, _ := exprSpans(s)
	found := false
	for _, sp := range spans {
		actionlint.VisitExprNode(sp.node, func(node, _ actionlint.ExprNode, entering bool) {
			if entering && !found {
				if p, ok := contextPath(node); ok {
					if a, ok := contextAliases[p]; ok {
						p = a
					}
					found = match(p)
				}
			}
		})
	}
	return found
}
