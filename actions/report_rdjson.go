package actions

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

// RDJSONReporter writes reviewdog's Diagnostic Format (rdjson), for
// `reviewdog -f=rdjson`: one document with every finding, its rule as the
// code, and each fix as suggestions reviewdog can offer as a suggested change.
type RDJSONReporter struct {
	// W receives the document.
	W io.Writer
	// Getenv is not read: reviewdog wants paths relative to the working
	// directory, not to the repository.
	Getenv runenv.Getenv
}

// reviewdog's rdf messages (proto/rdf/reviewdog.proto), as JSON.
type (
	rdResult struct {
		Source      rdSource       `json:"source"`
		Diagnostics []rdDiagnostic `json:"diagnostics"`
	}
	rdSource struct {
		Name string `json:"name"`
		URL  string `json:"url,omitempty"`
	}
	rdDiagnostic struct {
		Message          string              `json:"message"`
		Location         rdLocation          `json:"location"`
		Severity         string              `json:"severity"`
		Source           rdSource            `json:"source"`
		Code             rdCode              `json:"code"`
		Suggestions      []rdSuggestion      `json:"suggestions,omitempty"`
		RelatedLocations []rdRelatedLocation `json:"related_locations,omitempty"`
	}
	rdLocation struct {
		Path  string   `json:"path"`
		Range *rdRange `json:"range,omitempty"`
	}
	rdRange struct {
		Start rdPosition  `json:"start"`
		End   *rdPosition `json:"end,omitempty"`
	}
	rdPosition struct {
		Line   int `json:"line"`
		Column int `json:"column,omitempty"`
	}
	rdCode struct {
		Value string `json:"value"`
		URL   string `json:"url,omitempty"`
	}
	rdSuggestion struct {
		Range rdRange `json:"range"`
		Text  string  `json:"text"`
	}
	rdRelatedLocation struct {
		Message  string     `json:"message,omitempty"`
		Location rdLocation `json:"location"`
	}
)

// Report writes the rdjson document.
func (d *RDJSONReporter) Report(_ context.Context, r *lint.Report) error {
	paths := newWorkdirPaths()
	src := rdSource{Name: "gantry", URL: projectURL}
	doc := rdResult{Source: src, Diagnostics: make([]rdDiagnostic, 0, len(r.Findings))}
	for i := range r.Findings {
		f := &r.Findings[i]
		diag := rdDiagnostic{
			Message:  f.Message,
			Location: rdLocation{Path: paths.path(f.File), Range: rdRangeOf(f.Line, f.Column, f.EndLine, f.EndColumn)},
			Severity: bySeverity(f.Severity, "ERROR", "WARNING", "INFO"),
			Source:   src,
			Code:     rdCode{Value: f.RuleID, URL: f.DocsURL},
		}
		for _, rel := range f.Related {
			diag.RelatedLocations = append(diag.RelatedLocations, rdRelatedLocation{
				Message:  rel.Message,
				Location: rdLocation{Path: paths.path(rel.File), Range: rdRangeOf(rel.Line, rel.Column, 0, 0)},
			})
		}
		if f.Fix != nil {
			diag.Suggestions = rdSuggestions(f.Fix, r.Source(f.File))
		}
		doc.Diagnostics = append(doc.Diagnostics, diag)
	}
	return writeJSON(d.W, doc)
}

// rdRangeOf converts gantry's position (end column inclusive) to rdf's
// (end exclusive; columns are UTF-8 bytes in both).
func rdRangeOf(line, col, endLine, endCol int) *rdRange {
	if line < 1 {
		return nil
	}
	rg := &rdRange{Start: rdPosition{Line: line, Column: max(col, 0)}}
	if endCol > 0 && (endLine > line || endLine <= line && endCol >= col) {
		rg.End = &rdPosition{Line: max(endLine, line), Column: endCol + 1}
	}
	return rg
}

// rdSuggestions turns a fix's byte-range edits into line/column ranges of
// the original source. Without the source they cannot be placed.
func rdSuggestions(fix *lint.Fix, src []byte) []rdSuggestion {
	if src == nil {
		return nil
	}
	var out []rdSuggestion
	for _, e := range fix.Edits {
		if e.Start < 0 || e.End < e.Start || e.End > len(src) {
			return nil
		}
		sl, sc := offsetPosition(src, e.Start)
		el, ec := offsetPosition(src, e.End)
		out = append(out, rdSuggestion{Range: rdRange{Start: rdPosition{Line: sl, Column: sc}, End: &rdPosition{Line: el, Column: ec}}, Text: e.New})
	}
	return out
}

// offsetPosition returns the 1-based line and byte column of a byte offset.
func offsetPosition(src []byte, off int) (line, col int) {
	before := src[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	return line, off - (bytes.LastIndexByte(before, '\n') + 1) + 1
}

// workdirPaths turns the display paths of findings into what reviewdog
// reads: a relative path is relative to the working directory, and reviewdog
// joins it to that directory's path in the repository (its
// pathutil.NormalizePath), so a repository-relative path would be counted
// twice when gantry and reviewdog run in a subfolder. A file outside the
// working directory gets a ../ path, which reviewdog resolves the same way.
type workdirPaths struct{ cwd string }

func newWorkdirPaths() workdirPaths {
	cwd, _ := os.Getwd()
	return workdirPaths{cwd: cwd}
}

func (w workdirPaths) path(display string) string {
	if filepath.IsAbs(display) && w.cwd != "" {
		if rel, err := filepath.Rel(w.cwd, display); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return display
}
