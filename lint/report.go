package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/mattn/go-runewidth"
)

// Report is what a reporter renders: the findings of a run and the files
// they came from (for source snippets).
type Report struct {
	// Findings are sorted by file, line and column.
	Findings []Finding
	// Files are the files that were linted.
	Files []*File
}

// NewReport builds a report from a lint result.
func NewReport(r *Result) *Report {
	return &Report{Findings: r.Findings, Files: r.Files}
}

// Source returns the content of the file with the given display path.
func (r *Report) Source(path string) []byte {
	for _, f := range r.Files {
		if f.Path == path {
			return f.Src
		}
	}
	return nil
}

// Reporter renders a report in one output format. Reporters in other
// packages (GitHub annotations, Check Runs, SARIF) implement it too.
type Reporter interface {
	Report(ctx context.Context, r *Report) error
}

// Version returns gantry's version: the module version it was built at, or "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// version is set with -ldflags "-X github.com/gantry-ci/gantry/lint.version=v1.2.3".
var version string

// TextReporter prints findings for people: position, severity, message,
// rule, and the source line with a caret under the offending column.
type TextReporter struct {
	// W receives the output.
	W io.Writer
	// Color enables ANSI colours.
	Color bool
	// NoSnippet disables the source lines.
	NoSnippet bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
	ansiGray   = "\x1b[90m"
)

func (t *TextReporter) paint(code, s string) string {
	if !t.Color {
		return s
	}
	return code + s + ansiReset
}

// Report writes every finding.
func (t *TextReporter) Report(_ context.Context, r *Report) error {
	var b bytes.Buffer
	srcs := map[string][]byte{}
	for _, f := range r.Files {
		srcs[f.Path] = f.Src
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		sev := f.Severity.String()
		switch f.Severity {
		case SeverityError:
			sev = t.paint(ansiRed+ansiBold, sev)
		case SeverityWarning:
			sev = t.paint(ansiYellow+ansiBold, sev)
		default:
			sev = t.paint(ansiCyan+ansiBold, sev)
		}
		fmt.Fprintf(&b, "%s%s%d%s%d%s %s%s %s %s\n", t.paint(ansiBold, f.File), t.paint(ansiGray, ":"), f.Line,
			t.paint(ansiGray, ":"), f.Column, t.paint(ansiGray, ":"), sev, t.paint(ansiGray, ":"),
			t.paint(ansiBold, f.Message), t.paint(ansiGray, "["+f.RuleID+"]"))
		if !t.NoSnippet {
			t.snippet(&b, srcs[f.File], f.Line, f.Column)
		}
		for _, rel := range f.Related {
			fmt.Fprintf(&b, "  %s %s:%d:%d: %s\n", t.paint(ansiGray, "note:"), rel.File, rel.Line, rel.Column, rel.Message)
		}
	}
	_, err := t.W.Write(b.Bytes())
	return err
}

// snippet prints the line with a caret under the column.
func (t *TextReporter) snippet(b *bytes.Buffer, src []byte, line, col int) {
	text, ok := sourceLine(src, line)
	if !ok || col < 1 || col-1 > len(text) || len(text) > 500 {
		return
	}
	text = redactCredentials(text) // never print a hard-coded secret
	num := fmt.Sprintf("%d", line)
	pad := strings.Repeat(" ", len(num))
	fmt.Fprintf(b, "%s %s\n", pad, t.paint(ansiGray, "|"))
	fmt.Fprintf(b, "%s %s %s\n", t.paint(ansiGray, num), t.paint(ansiGray, "|"), text)
	var ind strings.Builder
	for _, r := range text[:col-1] {
		if r == '\t' {
			ind.WriteByte('\t')
		} else {
			ind.WriteString(strings.Repeat(" ", runewidth.RuneWidth(r)))
		}
	}
	fmt.Fprintf(b, "%s %s %s%s\n", pad, t.paint(ansiGray, "|"), ind.String(), t.paint(ansiGreen, "^"))
}

// sourceLine returns the 1-based line of src without its line ending.
func sourceLine(src []byte, line int) (string, bool) {
	if line < 1 || len(src) == 0 {
		return "", false
	}
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r"), true
}

// JSONSchemaVersion is the version of the --format json output; it changes
// only when a field is removed or changes meaning.
const JSONSchemaVersion = 1

// JSONReport is the document that --format json writes (docs/json-format.md).
type JSONReport struct {
	SchemaVersion int         `json:"schema_version"`
	Tool          JSONTool    `json:"tool"`
	Summary       JSONSummary `json:"summary"`
	Findings      []Finding   `json:"findings"`
}

// JSONTool names the tool that wrote a JSON report.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONSummary counts the findings of a JSON report.
type JSONSummary struct {
	Files    int `json:"files"`
	Findings int `json:"findings"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
}

// JSONReporter writes the stable machine-readable format.
type JSONReporter struct {
	// W receives the output.
	W io.Writer
}

// Report writes one JSON document.
func (j *JSONReporter) Report(_ context.Context, r *Report) error {
	doc := JSONReport{SchemaVersion: JSONSchemaVersion, Tool: JSONTool{Name: "gantry", Version: Version()}, Findings: r.Findings}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	e, w, i := Counts(r.Findings)
	doc.Summary = JSONSummary{Files: len(r.Files), Findings: len(r.Findings), Errors: e, Warnings: w, Info: i}
	enc := json.NewEncoder(j.W)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
