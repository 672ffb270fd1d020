package lint

import (
	"strings"

	"github.com/agext/levenshtein"
	"github.com/rhysd/actionlint"
)

var matrixOptionalKeyCorrection = &Correction{
	ID:   "matrix-optional-key",
	Rule: "expression",
	Reason: "matrix entries often set keys only where they need them (include: entries with e2e: 1 or " +
		"platform: macos-latest), and a job tests the key to switch a step on (if: matrix.e2e == 1) or to pick a " +
		"default (matrix.war == 1 && 'war' || 'jar'). When no entry of a static matrix sets the key, the test is " +
		"constant: the switch is off for every combination, which is what an optional key no entry uses yet does, " +
		"so it is info. A key read as a value (make ${{ matrix.target }}, an env, an input), a key close to one the " +
		"matrix defines (matrix.node_version beside node-version: a typo), and a job with no matrix stay an error",
	apply: func(c *correctionContext, fd *Finding) bool {
		m := undefinedPropRe.FindStringSubmatch(fd.Message)
		if m == nil {
			return true
		}
		v := c.stringAt(fd.Line, fd.Column)
		if v == nil || v.job == nil || v.job.Strategy == nil || v.job.Strategy.Matrix == nil ||
			v.job.Strategy.Matrix.Expression != nil {
			return true
		}
		if closeToKey(m[1], objectTypeKeys(m[2])) || !matrixKeyOnlyTested(v, m[1]) {
			return true
		}
		fd.Severity = SeverityInfo
		fd.Message += ": no entry of the job's matrix sets it, so it is always empty and this test is constant " +
			"(an optional key no combination uses)"
		return true
	},
}

// matrixKeyOnlyTested reports whether v's string reads matrix.<...>.prop,
// and every such read is tested rather than used as a value: an operand of
// a comparison, of && or ||, of !, or the whole condition of an if:.
func matrixKeyOnlyTested(v *visitedString, prop string) bool {
	var roots []actionlint.ExprNode
	// whole: the string is an if: condition that is one expression, so a
	// root of it is tested too (if: matrix.e2e)
	whole := false
	if v.field == "If" && !strings.Contains(v.s.Value, "${{") {
		n, ok := parseCondition(v.s.Value)
		if !ok {
			return false
		}
		roots, whole = append(roots, n), true
	} else {
		spans, ok := exprSpans(v.s.Value)
		if !ok {
			return false
		}
		for _, sp := range spans {
			roots = append(roots, sp.node)
		}
		t := strings.TrimSpace(v.s.Value)
		whole = v.field == "If" && len(spans) == 1 && strings.HasPrefix(t, "${{") && strings.HasSuffix(t, "}}")
	}
	prop = strings.ToLower(prop)
	reads, tested := 0, 0
	for _, root := range roots {
		walkExpr(root, func(n actionlint.ExprNode, parents []actionlint.ExprNode) {
			p, ok := exprPath(n)
			if !ok || len(p) < 2 || p[0] != "matrix" || p[len(p)-1] != prop {
				return
			}
			if len(parents) > 0 {
				if _, deref := parents[len(parents)-1].(*actionlint.ObjectDerefNode); deref {
					return // a longer path: matrix.config.rspm.x
				}
			}
			reads++
			if len(parents) == 0 {
				if whole {
					tested++
				}
				return
			}
			switch parents[len(parents)-1].(type) {
			case *actionlint.CompareOpNode, *actionlint.LogicalOpNode, *actionlint.NotOpNode:
				tested++
			}
		})
	}
	return reads > 0 && reads == tested
}

// matrixKeySeparators are dropped when closeToKey compares names.
var matrixKeySeparators = strings.NewReplacer("-", "", "_", "")

// closeToKey reports whether prop looks like a misspelling of one of keys:
// the same once case, - and _ are ignored, or one or two edits away from a
// key of similar length.
func closeToKey(prop string, keys []string) bool {
	norm := func(s string) string { return matrixKeySeparators.Replace(strings.ToLower(s)) }
	p := norm(prop)
	for _, k := range keys {
		k = norm(k)
		if k == p {
			return true
		}
		limit := 1
		if len(p) >= 6 {
			limit = 2
		}
		if len(p) >= 3 && levenshtein.Distance(p, k, nil) <= limit {
			return true
		}
	}
	return false
}
