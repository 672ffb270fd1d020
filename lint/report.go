package lint

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"runtime/debug"
	"strconv"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// Report is what a reporter renders: the findings of a run and the files
// they came from (for source snippets).
type Report struct {
	// Findings are sorted by file, line and column.
	Findings []Finding
	// Files are the files that were linted.
	Files []*File

	files map[string]*File
	// recent are the last two files Lines indexed, the latest first:
	// reporters ask for one file's lines finding after finding (and for a
	// related location's, which may be in another file), and keeping every
	// file's index, or every compressed file's text, would keep memory of
	// the report's size.
	recent [2]indexedFile
}

// indexedFile is a file and the index of its lines (nil without text).
type indexedFile struct {
	file  *File
	lines *Lines
}

// NewReport builds a report from a lint result.
func NewReport(r *Result) *Report {
	return &Report{Findings: r.Findings, Files: r.Files}
}

// file returns the file with the given display path, or nil. It indexes the
// files on first use: a reporter calls Source and Lines from one goroutine.
func (r *Report) file(path string) *File {
	if r.files == nil {
		r.files = make(map[string]*File, len(r.Files))
		for _, f := range r.Files {
			r.files[f.Path] = f
		}
	}
	return r.files[path]
}

// Source returns the content of the file with the given display path: its
// Src or, for a workflow whose text the run kept compressed
// (Options.DropTrees), that text.
func (r *Report) Source(path string) []byte {
	if f := r.file(path); f != nil {
		return f.content()
	}
	return nil
}

// Lines returns the line index of the file with the given display path,
// built once while the reporter asks for no more than one other file in
// between; nil when the report has no text for it.
func (r *Report) Lines(path string) *Lines {
	f := r.file(path)
	if f == nil {
		return nil
	}
	u := &r.recent
	switch f {
	case u[0].file:
	case u[1].file:
		u[0], u[1] = u[1], u[0]
	default:
		u[1], u[0] = u[0], indexedFile{file: f}
		if src := f.content(); len(src) > 0 {
			u[0].lines = NewLines(src)
		}
	}
	return u[0].lines
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

// paint appends s, in the ANSI colour code when the reporter colours.
func (t *TextReporter) paint(buf []byte, code, s string) []byte {
	if !t.Color {
		return append(buf, s...)
	}
	return append(append(append(buf, code...), s...), ansiReset...)
}

// Report writes every finding. It writes through a small buffer, and
// Report.Lines indexes the lines of the file at hand only (findings come
// sorted by file), so that a report of thousands of findings needs no
// memory of its size. Each finding's lines are appended to one scratch
// buffer, which the whole report reuses.
func (t *TextReporter) Report(_ context.Context, r *Report) error {
	b := bufio.NewWriterSize(t.W, 64<<10)
	var buf []byte
	for i := range r.Findings {
		f := &r.Findings[i]
		sevColor := ansiCyan + ansiBold
		switch f.Severity {
		case SeverityError:
			sevColor = ansiRed + ansiBold
		case SeverityWarning:
			sevColor = ansiYellow + ansiBold
		}
		buf = t.paint(buf[:0], ansiBold, f.File)
		buf = t.paint(buf, ansiGray, ":")
		buf = strconv.AppendInt(buf, int64(f.Line), 10)
		buf = t.paint(buf, ansiGray, ":")
		buf = strconv.AppendInt(buf, int64(f.Column), 10)
		buf = t.paint(buf, ansiGray, ":")
		buf = t.paint(append(buf, ' '), sevColor, f.Severity.String())
		buf = t.paint(buf, ansiGray, ":")
		buf = t.paint(append(buf, ' '), ansiBold, f.Message)
		buf = append(buf, ' ')
		if t.Color {
			buf = append(buf, ansiGray...)
		}
		buf = append(append(append(buf, '['), f.RuleID...), ']')
		if t.Color {
			buf = append(buf, ansiReset...)
		}
		buf = append(buf, '\n')
		if !t.NoSnippet {
			buf = t.snippet(buf, r.Lines(f.File), f.Line, f.Column)
		}
		for _, rel := range f.Related {
			buf = t.paint(append(buf, "  "...), ansiGray, "note:")
			buf = append(append(append(buf, ' '), rel.File...), ':')
			buf = append(strconv.AppendInt(buf, int64(rel.Line), 10), ':')
			buf = append(strconv.AppendInt(buf, int64(rel.Column), 10), ": "...)
			buf = append(append(buf, rel.Message...), '\n')
		}
		if _, err := b.Write(buf); err != nil {
			return err
		}
	}
	return b.Flush()
}

// snippet appends the line with a caret under the column.
func (t *TextReporter) snippet(buf []byte, src *Lines, line, col int) []byte {
	text, ok := src.Line(line)
	if !ok || col < 1 || col-1 > len(text) || len(text) > 500 {
		return buf
	}
	text = redactCredentials(text) // never print a hard-coded secret
	pad := 1                       // the width of the line number
	for n := line; n >= 10; n /= 10 {
		pad++
	}
	buf = t.paint(append(appendSpaces(buf, pad), ' '), ansiGray, "|")
	buf = append(buf, '\n')
	if t.Color {
		buf = append(buf, ansiGray...)
	}
	buf = strconv.AppendInt(buf, int64(line), 10)
	if t.Color {
		buf = append(buf, ansiReset...)
	}
	buf = t.paint(append(buf, ' '), ansiGray, "|")
	buf = append(append(append(buf, ' '), text...), '\n')
	buf = t.paint(append(appendSpaces(buf, pad), ' '), ansiGray, "|")
	buf = append(buf, ' ')
	for _, r := range text[:col-1] {
		if r == '\t' {
			buf = append(buf, '\t')
			continue
		}
		buf = appendSpaces(buf, runewidth.RuneWidth(r))
	}
	buf = t.paint(buf, ansiGreen, "^")
	return append(buf, '\n')
}

// appendSpaces appends n spaces.
func appendSpaces(buf []byte, n int) []byte {
	for range n {
		buf = append(buf, ' ')
	}
	return buf
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

// writeFindingLines writes the findings as JSON, each on its own line
// after a comma (but the first), straight into w's buffer: a report of
// thousands of findings needs no memory of its size.
func writeFindingLines(w *bufio.Writer, fs []Finding) error {
	for k := range fs {
		buf := w.AvailableBuffer()
		if k > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n  "...)
		buf, err := appendFindingJSON(buf, &fs[k])
		if err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// appendFindingJSON appends f as json.Marshal renders it, byte for byte.
// The fields of every finding are written directly; the rare related
// locations and fixes go through json.Marshal.
func appendFindingJSON(buf []byte, f *Finding) ([]byte, error) {
	buf = append(buf, `{"rule":`...)
	buf = appendJSONString(buf, f.RuleID)
	buf = append(buf, `,"severity":`...)
	buf = appendJSONString(buf, f.Severity.String())
	buf = append(buf, `,"file":`...)
	buf = appendJSONString(buf, f.File)
	buf = append(buf, `,"line":`...)
	buf = strconv.AppendInt(buf, int64(f.Line), 10)
	buf = append(buf, `,"column":`...)
	buf = strconv.AppendInt(buf, int64(f.Column), 10)
	if f.EndLine != 0 {
		buf = append(buf, `,"end_line":`...)
		buf = strconv.AppendInt(buf, int64(f.EndLine), 10)
	}
	if f.EndColumn != 0 {
		buf = append(buf, `,"end_column":`...)
		buf = strconv.AppendInt(buf, int64(f.EndColumn), 10)
	}
	buf = append(buf, `,"message":`...)
	buf = appendJSONString(buf, f.Message)
	buf = append(buf, `,"docs_url":`...)
	buf = appendJSONString(buf, f.DocsURL)
	if len(f.Related) > 0 {
		out, err := json.Marshal(f.Related)
		if err != nil {
			return buf, err
		}
		buf = append(append(buf, `,"related":`...), out...)
	}
	if f.Fix != nil {
		out, err := json.Marshal(f.Fix)
		if err != nil {
			return buf, err
		}
		buf = append(append(buf, `,"fix":`...), out...)
	}
	return append(buf, '}'), nil
}

// jsonPlain holds the bytes that appendJSONString copies as they are.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s quoted as json.Marshal quotes it, escaping
// HTML characters too. A string with a byte outside ASCII, which messages
// rarely hold, goes through json.Marshal itself (it also rewrites invalid
// UTF-8 and escapes U+2028 and U+2029).
func appendJSONString(buf []byte, s string) []byte {
	mark := len(buf)
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if jsonPlain[c] {
			continue
		}
		if c >= utf8.RuneSelf {
			out, _ := json.Marshal(s) // a string always marshals
			return append(buf[:mark], out...)
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, `\n`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\t':
			buf = append(buf, `\t`...)
		case '\b':
			buf = append(buf, `\b`...)
		case '\f':
			buf = append(buf, `\f`...)
		default:
			const hex = "0123456789abcdef"
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
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
	bw := bufio.NewWriterSize(j.W, 64<<10)
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"findings":[`)
	if err := writeFindingLines(bw, doc.Findings); err != nil {
		return err
	}
	if len(doc.Findings) > 0 {
		bw.WriteByte('\n')
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}
