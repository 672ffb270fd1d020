package lint

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
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

	srcs  map[string][]byte
	lines map[string]*Lines
}

// NewReport builds a report from a lint result.
func NewReport(r *Result) *Report {
	return &Report{Findings: r.Findings, Files: r.Files}
}

// Source returns the content of the file with the given display path.
// Like Lines, it indexes the files on first use: a reporter calls it from
// one goroutine.
func (r *Report) Source(path string) []byte {
	if r.srcs == nil {
		r.srcs = make(map[string][]byte, len(r.Files))
		for _, f := range r.Files {
			r.srcs[f.Path] = f.Src
		}
	}
	return r.srcs[path]
}

// Lines returns the line index of the file with the given display path,
// built once per file; nil when the report has no text for it.
func (r *Report) Lines(path string) *Lines {
	if l, ok := r.lines[path]; ok {
		return l
	}
	var l *Lines
	if src := r.Source(path); len(src) > 0 {
		l = NewLines(src)
	}
	if r.lines == nil {
		r.lines = map[string]*Lines{}
	}
	r.lines[path] = l
	return l
}

// Lines indexes the lines of a file's text once, for reporters that quote
// lines of many findings in the same file.
type Lines struct{ t *sourceText }

// NewLines indexes the lines of src.
func NewLines(src []byte) *Lines { return &Lines{t: newSourceText(src)} }

// Line returns the text of the 1-based line n without its line ending.
func (l *Lines) Line(n int) (string, bool) {
	if l == nil {
		return "", false
	}
	return l.t.line(n)
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
			t.snippet(&b, r.Lines(f.File), f.Line, f.Column)
		}
		for _, rel := range f.Related {
			fmt.Fprintf(&b, "  %s %s:%d:%d: %s\n", t.paint(ansiGray, "note:"), rel.File, rel.Line, rel.Column, rel.Message)
		}
	}
	_, err := t.W.Write(b.Bytes())
	return err
}

// snippet prints the line with a caret under the column.
func (t *TextReporter) snippet(b *bytes.Buffer, src *Lines, line, col int) {
	text, ok := src.Line(line)
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

// findingsPerChunk is how many findings one goroutine renders at a time.
const findingsPerChunk = 1024

// encodeFindingLines renders the findings as JSON, each on its own line
// after a comma (but the first), in chunks to write in order. A run with
// thousands of findings renders its chunks on every CPU.
func encodeFindingLines(fs []Finding) ([][]byte, error) {
	chunks := make([][]byte, (len(fs)+findingsPerChunk-1)/findingsPerChunk)
	errs := make([]error, len(chunks))
	parallelEach(len(chunks), runtime.GOMAXPROCS(0), func(c int) {
		var buf bytes.Buffer
		start, end := c*findingsPerChunk, min(len(fs), (c+1)*findingsPerChunk)
		buf.Grow((end - start) * 512) // a finding renders in about 420 bytes
		enc := json.NewEncoder(&buf)
		for k := start; k < end; k++ {
			if k > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString("\n  ")
			if err := enc.Encode(&fs[k]); err != nil {
				errs[c] = err
				return
			}
			buf.Truncate(buf.Len() - 1) // Encode ends each value with a newline
		}
		chunks[c] = buf.Bytes()
	})
	return chunks, errors.Join(errs...)
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
	// One finding per line: as readable as indented JSON, and a tenth of the
	// cost on runs with thousands of findings.
	head, err := json.Marshal(struct {
		SchemaVersion int         `json:"schema_version"`
		Tool          JSONTool    `json:"tool"`
		Summary       JSONSummary `json:"summary"`
	}{doc.SchemaVersion, doc.Tool, doc.Summary})
	if err != nil {
		return err
	}
	chunks, err := encodeFindingLines(doc.Findings)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(j.W, 64<<10)
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"findings":[`)
	for _, c := range chunks {
		bw.Write(c)
	}
	if len(doc.Findings) > 0 {
		bw.WriteByte('\n')
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}
