// Package lint is gantry's lint engine: it finds the files of a repository,
// runs actionlint's checks and gantry's own rules on them, applies the
// configuration and inline suppressions, and returns findings in one shape
// that every output format and every other command shares.
//
// Layout: engine.go runs a lint; run.go is one `gantry lint` run (stdin or
// paths, with or without fixes) and flags.go checks its flags; rules.go lists the rules, and each of
// gantry's rules lives in rule_<id>.go (its fix, if any, in fix_*.go). A
// rule file holds only its rule: what several rules use lives in a file
// named for what it does. repository.go is the repository model that
// repository rules read (repo_load.go builds it, repo_runner.go runs the
// rules on it concurrently, repo_position.go maps positions inside YAML
// values back to the source); repo_expr.go evaluates expressions and
// repo_conditions.go decides what an if: keeps from running; repo_shell.go
// splits run: scripts; workflow_ast.go and workflow_expr.go query
// actionlint's syntax tree; secret_scan.go recognises hard-coded secrets;
// job_events.go and job_credentials.go model what a job's steps push or
// publish and with which credential.
package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gantry-ci/gantry/config"
)

// Severity is how serious a finding is. Higher values are more serious.
type Severity int

const (
	// SeverityInfo is a hint that never fails a build unless --fail-on=info.
	SeverityInfo Severity = iota + 1
	// SeverityWarning is a likely problem.
	SeverityWarning
	// SeverityError is a problem that will break or endanger CI.
	SeverityError
)

// String returns the lower-case name of the severity.
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity parses "error", "warning" or "info".
func ParseSeverity(s string) (Severity, error) {
	name, err := config.SeverityName(s)
	switch name {
	case "error":
		return SeverityError, nil
	case "warning":
		return SeverityWarning, nil
	case "info":
		return SeverityInfo, nil
	}
	return 0, err
}

// ParseFailOn reads --fail-on: a severity, or none (never) for 0, which no
// finding reaches.
func ParseFailOn(s string) (Severity, error) {
	if s == "none" || s == "never" {
		return 0, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("unknown --fail-on %q (valid: error, warning, info, none)", s)
	}
	return sev, nil
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one problem found in one file. Every output format, the push
// gate and the GitHub reporters consume this one shape.
type Finding struct {
	// RuleID is the stable ID of the rule that produced the finding, such as
	// "timeout-missing", "expression" (actionlint) or "UndefinedVar" (BuildKit).
	RuleID string `json:"rule"`
	// Severity is the finding's severity after configuration was applied.
	Severity Severity `json:"severity"`
	// File is the path of the file, relative to the working directory when possible,
	// with forward slashes.
	File string `json:"file"`
	// Line is the 1-based line of the offending key or expression; 0 when the
	// finding concerns the whole file.
	Line int `json:"line"`
	// Column is the 1-based column (in bytes) on Line.
	Column int `json:"column"`
	// EndLine and EndColumn optionally mark the end of the offending range.
	EndLine   int `json:"end_line,omitempty"`
	EndColumn int `json:"end_column,omitempty"`
	// Message says what is wrong, in lower case and without a trailing period.
	Message string `json:"message"`
	// DocsURL links to the rule's documentation.
	DocsURL string `json:"docs_url"`
	// Related lists other places involved, such as the workflow that will not run.
	Related []Location `json:"related,omitempty"`
	// Fix is an optional machine-applicable edit that resolves the finding.
	Fix *Fix `json:"fix,omitempty"`
}

// Location is a position in another file that a finding refers to.
type Location struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message,omitempty"`
}

// Fix is a set of byte-range edits on the original text of the finding's file.
type Fix struct {
	// Description says what the fix does, such as "insert timeout-minutes: 30".
	Description string `json:"description"`
	// Safe is true when the fix preserves behaviour; opinionated fixes are false.
	Safe bool `json:"safe"`
	// Edits are non-overlapping replacements of [Start, End) byte offsets.
	Edits []Edit `json:"edits"`
}

// Edit replaces the bytes [Start, End) of a file with New.
type Edit struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	New   string `json:"new"`
}

// String formats the finding as "file:line:col: severity: message [rule]".
func (f *Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s [%s]", f.File, f.Line, f.Column, f.Severity, f.Message, f.RuleID)
}

// CompareFindings orders findings by file, line, column, rule and message,
// then by every other field a report prints, so that it is a total order and
// every output is deterministic whatever order the findings arrived in.
func CompareFindings(a, b *Finding) int {
	return cmp.Or(
		strings.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		strings.Compare(a.RuleID, b.RuleID),
		strings.Compare(a.Message, b.Message),
		cmp.Compare(a.Severity, b.Severity),
		cmp.Compare(a.EndLine, b.EndLine),
		cmp.Compare(a.EndColumn, b.EndColumn),
		compareRelated(a.Related, b.Related),
	)
}

// compareFindingValues is CompareFindings for the sort functions of slices.
func compareFindingValues(a, b Finding) int { return CompareFindings(&a, &b) }

// compareRelated orders two lists of related locations, so that
// CompareFindings is a total order on what a report prints.
func compareRelated(a, b []Location) int {
	return slices.CompareFunc(a, b, func(x, y Location) int {
		return cmp.Or(strings.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line),
			cmp.Compare(x.Column, y.Column), strings.Compare(x.Message, y.Message))
	})
}

// Counts returns how many findings there are of each severity.
func Counts(fs []Finding) (errors, warnings, infos int) {
	for i := range fs {
		switch fs[i].Severity {
		case SeverityError:
			errors++
		case SeverityWarning:
			warnings++
		default:
			infos++
		}
	}
	return
}

// MaxSeverity returns the highest severity among the findings, or 0 if none.
func MaxSeverity(fs []Finding) Severity {
	var m Severity
	for i := range fs {
		m = max(m, fs[i].Severity)
	}
	return m
}

// messageTable gives the findings that say the same thing one copy of the
// message: most messages repeat (the 10,956 findings of the real-world
// workflows say 1,587 different things, 0.2 of their 1.9 MB), and a run
// keeps every finding until its report. Each worker has its own, so that
// no lock is taken; a message two workers both made is kept twice.
type messageTable map[string]string

// intern replaces each message of fs with the table's copy of it.
func (t messageTable) intern(fs []Finding) {
	for i := range fs {
		fs[i].Message = t.canonical(fs[i].Message)
		for j := range fs[i].Related {
			fs[i].Related[j].Message = t.canonical(fs[i].Related[j].Message)
		}
	}
}

func (t messageTable) canonical(s string) string {
	if c, ok := t[s]; ok {
		return c
	}
	t[s] = s
	return s
}
