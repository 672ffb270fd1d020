package lint

import (
	"fmt"
	"strconv"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// constantCondRe matches actionlint's finding on a constant if: condition:
// `constant expression "false" in condition. remove the if: section`.
var constantCondRe = lazyre.New(`^constant expression ("(?:[^"\\]|\\.)*") in condition\. remove the if: section$`)

var ifCondConstantCorrection = &Correction{
	ID:   "if-cond-constant",
	Rule: "if-cond",
	Reason: "a constant condition such as if: false, if: true or if: 1 == 2 is the usual deliberate way to switch a job or step " +
		"off or on, so it is info, not an error. A string constant stays an error: if: ${{ 'false' }} is a non-empty string, " +
		"which is true, so the job runs when its author meant to switch it off. Text around ${{ }} (always true) stays an error",
	apply: func(_ *correctionContext, fd *Finding) bool {
		m := constantCondRe.FindStringSubmatch(fd.Message)
		if m == nil {
			return true
		}
		src, err := strconv.Unquote(m[1])
		if err != nil {
			return true
		}
		n, perr := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(src + "}}"))
		if perr != nil { // a *ExprError: compare before it becomes an error interface
			return true
		}
		if s, ok := n.(*actionlint.StringNode); ok && s.Value != "" {
			fd.Message = fmt.Sprintf("condition %s is the string %q, and every non-empty string is true: this always runs; "+
				"write a bare false or true to switch it off or on", m[1], s.Value)
			return true
		}
		fd.Severity = SeverityInfo
		switch b, ok := n.(*actionlint.BoolNode); {
		case ok && !b.Value:
			fd.Message = fmt.Sprintf("condition %s is constant: this never runs; fine as a deliberate switch, otherwise remove it", m[1])
		case ok:
			fd.Message = fmt.Sprintf("condition %s is constant: the if: does nothing; fine as a deliberate switch, otherwise remove it", m[1])
		default:
			fd.Message = fmt.Sprintf("condition %s is constant: it always decides the same way; fine as a deliberate switch, otherwise remove it", m[1])
		}
		return true
	},
}
