package lint

import (
	"strings"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// Which shellcheck findings are worth a warning or an error in a CI script.
// shellcheck writes its advice for scripts that meet any input: file names
// with spaces, values that split into words, commands that fail inside an
// assignment. A run: script meets the runner's paths, the repository's own
// files and the workflow's values, and the judged sample of the precision
// suite (docs/precision.md) found almost every such warning to be noise.
// What is worth a maintainer's time is a construct that is wrong whatever
// the input: a script that does not parse, a test that can never match.
// So shellcheck's errors keep their level unless they are about input, its
// warnings are info unless they are wrong whatever the input, and findings
// about a ${{ }} placeholder, which the runner replaces before the shell
// runs, are dropped.

// shellcheckKeptWarnings are the shellcheck warnings that stay warnings:
// the construct is wrong whatever values the script meets.
var shellcheckKeptWarnings = map[int]string{
	1078: "a double quote left open runs into the following lines, so the script is not what it reads",
	2076: "a quoted regex after =~ matches literally, so the test never matches as a pattern",
}

// shellcheckInputErrors are the shellcheck errors that are info in CI
// scripts: they go wrong only for values a CI script rarely meets.
var shellcheckInputErrors = map[int]string{
	2045: "for over ls output goes wrong only for file names with spaces or newlines",
	2068: "an unquoted array expansion re-splits only elements that contain spaces",
	2071: "< and > compare as strings, which gives the numeric answer while both numbers have as many digits (retry counters, small counts)",
}

var shellcheckCIPolicyCorrection = &Correction{
	ID:   "shellcheck-ci-policy",
	Rule: "shellcheck",
	Reason: "shellcheck's warnings guard scripts against input a CI script rarely meets (word splitting of $(nproc) or pkg-config flags, " +
		"export V=$(cmd), \"a\"b\"c\" lists): info, except the few that are wrong whatever the input (SC2076 quoted regex, SC1078 open quote); " +
		"its errors stay errors except those about input (SC2045, SC2068, SC2071) and SC2144 in a negated [ ! -f glob ], " +
		"which gives the right answer for any number of matches",
	apply: func(c *correctionContext, fd *Finding) bool {
		is, ok := parseShellcheck(fd.Message)
		if !ok {
			return true
		}
		switch is.level {
		case "warning":
			if shellcheckKeptWarnings[is.code] == "" {
				fd.Severity = SeverityInfo
			}
		case "error":
			if shellcheckInputErrors[is.code] != "" || is.code == 2144 && negatedGlobTest(c, fd, is) {
				fd.Severity = SeverityInfo
			}
		}
		return true
	},
}

// negatedFileTestRe matches the start of a negated single-bracket file
// test up to its operand: "[ ! -f ", "test ! -e ".
var negatedFileTestRe = lazyre.New(`(?:^|[\s;&|(])(?:\[|test)\s+!\s+-[a-zA-Z]\s+$`)

// negatedGlobTest reports whether an SC2144 (file test of a glob) is in a
// negated single-bracket test such as [ ! -f dist/*.whl ]. With no match
// the glob stays literal and the test says "missing"; with one it tests
// the file; with several, [ fails with status 2, which a negated test's
// caller reads as "present": right in every case. Without the ! several
// matches read as "missing", and in [[ ]] the glob is never expanded.
func negatedGlobTest(c *correctionContext, fd *Finding, is shellcheckIssue) bool {
	r, ok := c.runAt(fd)
	if !ok || r.run.Run == nil {
		return false
	}
	text, i, ok := scriptPosition(r.run.Run.Value, is.line, is.column)
	return ok && negatedFileTestRe.MatchString(text[:i])
}

var shellcheckPlaceholderCorrection = &Correction{
	ID:   "shellcheck-placeholder",
	Rule: "shellcheck",
	Reason: "actionlint hands shellcheck the script with each ${{ }} replaced by underscores, so a word that is only a placeholder " +
		"looks constant: \"this expression is constant\" (SC2078), \"invalid number\" (SC2170), \"exit with non-number\" (SC2242). " +
		"The runner substitutes the value before the shell runs, so these findings are about text the shell never sees",
	apply: func(c *correctionContext, fd *Finding) bool {
		is, ok := parseShellcheck(fd.Message)
		if !ok {
			return true
		}
		r, ok := c.runAt(fd)
		if !ok || r.run.Run == nil {
			return true
		}
		text, i, ok := scriptPosition(r.run.Run.Value, is.line, is.column)
		return !ok || !placeholderWordAt(text, i)
	},
}

// placeholderWordAt reports whether the shell word at offset i of a script
// line is a single ${{ }} placeholder, bare or in quotes: ${{ x }},
// "${{ x }}" or '${{ x }}'.
func placeholderWordAt(text string, i int) bool {
	rest := text[i:]
	quote := ""
	if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
		quote, rest = rest[:1], rest[1:]
	}
	if !strings.HasPrefix(rest, "${{") {
		return false
	}
	end := strings.Index(rest, "}}")
	if end < 0 {
		return false
	}
	rest = rest[end+2:]
	if quote != "" {
		if !strings.HasPrefix(rest, quote) {
			return false
		}
		rest = rest[1:]
	}
	return rest == "" || strings.ContainsRune(" \t;&|)]", rune(rest[0]))
}
