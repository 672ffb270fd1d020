package lint

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// refNameCharMsg starts actionlint's finding on a character a branch or tag
// name cannot have.
const refNameCharMsg = "character '/' is invalid for branch and tag names. "

var globOnceCorrection = &Correction{
	ID:   "glob-once",
	Rule: "glob",
	Reason: "actionlint reports a pattern written as a regular expression (/.*-stable/) twice, once for the leading " +
		"and once for the trailing slash; one finding per pattern is enough",
	apply: func(c *correctionContext, fd *Finding) bool {
		if !strings.HasPrefix(fd.Message, refNameCharMsg) {
			return true
		}
		v := c.stringAt(fd.Line, fd.Column)
		if v == nil {
			return true
		}
		if c.globbed == nil {
			c.globbed = map[*actionlint.String]bool{}
		}
		if c.globbed[v.s] {
			return false
		}
		c.globbed[v.s] = true
		return true
	},
}
