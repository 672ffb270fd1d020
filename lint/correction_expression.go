package lint

import (
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// scalarStrategyMsg is actionlint's syntax-check finding on strategy: ${{ }}.
const scalarStrategyMsg = `"strategy" section is scalar node but mapping node is expected`

var dynamicStrategyCorrection = &Correction{
	ID:   "dynamic-strategy",
	Rule: "syntax-check",
	Reason: "GitHub accepts the whole strategy from an expression (strategy: ${{ fromJSON(needs.x.outputs.strategy) }}, " +
		"as docker-library's official images do); actionlint rejects the scalar and then types matrix as {}, so every " +
		"matrix.x is \"not defined\". gantry reads it as a dynamic matrix: matrix.* is untyped",
	prepare: func(c *correctionContext) actionlint.Rule {
		return &dynamicStrategy{RuleBase: actionlint.NewRuleBase("gantry-dynamic-strategy", ""), c: c}
	},
	apply: func(c *correctionContext, fd *Finding) bool {
		return fd.Message != scalarStrategyMsg || c.strategyExpr(fd.Line) == nil
	},
}

// dynamicStrategy gives a job whose strategy is an expression a matrix from
// that expression, before actionlint's expression rule types matrix.
type dynamicStrategy struct {
	actionlint.RuleBase
	c *correctionContext
}

// VisitJobPre sets the matrix of a job with strategy: ${{ ... }}.
func (d *dynamicStrategy) VisitJobPre(j *actionlint.Job) error {
	if j.Strategy == nil || j.Strategy.Matrix != nil || j.Strategy.Pos == nil {
		return nil
	}
	if e := d.c.strategyExpr(j.Strategy.Pos.Line); e != nil {
		j.Strategy.Matrix = &actionlint.Matrix{Pos: e.Pos, Expression: e}
		d.c.prepared[dynamicStrategyCorrection]++
	}
	return nil
}

// strategyExpr returns the expression of a strategy: ${{ }} on the line.
func (c *correctionContext) strategyExpr(line int) *actionlint.String {
	return strategyExprAt(c.src, line)
}

var strategyExprRe = lazyre.New(`^(\s*strategy\s*:\s*)(['"]?)(\$\{\{.*\}\})(['"]?)\s*(#.*)?$`)

// strategyExprAt reads "strategy: ${{ ... }}" on a source line.
func strategyExprAt(ws *workflowSource, line int) *actionlint.String {
	if ws == nil {
		return nil
	}
	text, ok := ws.lines().line(line)
	if !ok {
		return nil
	}
	m := strategyExprRe.FindStringSubmatch(strings.TrimRight(text, "\r"))
	if m == nil || m[2] != m[4] || strings.Count(m[3], "${{") != 1 {
		return nil
	}
	return &actionlint.String{Value: m[3], Quoted: m[2] != "", Pos: &actionlint.Pos{Line: line, Col: len(m[1]) + len(m[2]) + 1}}
}

// scalarIndexRe matches actionlint's finding on obj[true] or obj[1].
var scalarIndexRe = lazyre.New(`^property access of object must be type of string but got "(bool|number)"$`)

var scalarIndexCorrection = &Correction{
	ID:   "scalar-index",
	Rule: "expression",
	Reason: "the runner converts a bool or number index into an object to a string (fromJSON(x)[true] reads x.true), " +
		"so it is valid; actionlint requires a string",
	apply: func(_ *correctionContext, fd *Finding) bool {
		return !scalarIndexRe.MatchString(fd.Message)
	},
}

// undefinedPropRe matches actionlint's finding on a property an object type
// does not have: the property and the object type.
var undefinedPropRe = lazyre.New(`^property "([^"]*)" is not defined in object type (\{.*\})$`)

var runnerWorkspaceCorrection = &Correction{
	ID:   "runner-workspace",
	Rule: "expression",
	Reason: "the runner sets runner.workspace (the parent of github.workspace, where a job may put files next to " +
		"the checkout) in every job, and workflows use it widely; actionlint's runner context type leaves it out",
	apply: func(_ *correctionContext, fd *Finding) bool {
		m := undefinedPropRe.FindStringSubmatch(fd.Message)
		return m == nil || m[1] != "workspace" || m[2] != actionlint.BuiltinGlobalVariableTypes["runner"].String()
	},
}

var propertyCaseCorrection = &Correction{
	ID:   "property-case",
	Rule: "expression",
	Reason: "property names are case-insensitive (actionlint itself lower-cases github.ACTOR), but actionlint looks " +
		"up an index with a string literal as written, so github['ACTOR'] is \"not defined\" while github.ACTOR is " +
		"fine; gantry accepts the index when the lower-cased name is a property of the object",
	apply: func(_ *correctionContext, fd *Finding) bool {
		m := undefinedPropRe.FindStringSubmatch(fd.Message)
		if m == nil || strings.ToLower(m[1]) == m[1] {
			return true
		}
		return !slices.Contains(objectTypeKeys(m[2]), strings.ToLower(m[1]))
	},
}

// objectTypeKeys returns the top-level property names of an object type as
// actionlint prints it: {build: string; config: {os: string}}.
func objectTypeKeys(t string) []string {
	t = strings.TrimSpace(t)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil
	}
	t = t[1 : len(t)-1]
	var keys []string
	depth, start := 0, 0
	for i := 0; i <= len(t); i++ {
		if i < len(t) {
			switch t[i] {
			case '{':
				depth++
			case '}':
				depth--
			}
			if t[i] != ';' || depth != 0 {
				continue
			}
		}
		if k, _, ok := strings.Cut(t[start:i], ":"); ok {
			keys = append(keys, strings.TrimSpace(k))
		}
		start = i + 1
	}
	return keys
}
