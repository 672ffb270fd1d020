package actions

import (
	"cmp"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/lint"
)

type summaryOptions struct {
	title   string
	paths   *pathMapper
	changed ChangedLines
	ctx     *runenv.Context
	// limitNote says why findings were left out; the job summary's 1 MiB by default.
	limitNote string
}

// summaryReserve is room kept for the note on findings left out.
const summaryReserve = 256

// writeSummary appends the findings to the job summary, within what is left
// of its 1 MiB. Outside Actions (no GITHUB_STEP_SUMMARY) it does nothing.
func writeSummary(getenv runenv.Getenv, r *lint.Report, o summaryOptions) error {
	path := getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	var used int64
	if st, err := os.Stat(path); err == nil {
		used = st.Size()
	}
	limit := runenv.MaxSummarySize - int(used)
	if limit < summaryReserve*2 {
		return nil // another step's content filled the summary; nothing useful fits
	}
	return runenv.AppendSummary(getenv, summaryMarkdown(r, o, limit))
}

// summaryMarkdown renders the findings as markdown of at most limit bytes: a
// headline with the counts, then a table per file. When not everything fits
// it keeps the most important findings and says how many it left out.
func summaryMarkdown(r *lint.Report, o summaryOptions, limit int) string {
	if o.title == "" {
		o.title = "gantry lint"
	}
	e, w, i := lint.Counts(r.Findings)
	var b strings.Builder
	files := len(r.Files)
	switch {
	case len(r.Findings) == 0:
		fmt.Fprintf(&b, "### :white_check_mark: %s: no findings in %d %s\n", o.title, files, text.Plural(files, "file", ""))
		return b.String()
	case e > 0:
		b.WriteString("### :x: ")
	case w > 0:
		b.WriteString("### :warning: ")
	default:
		b.WriteString("### :information_source: ")
	}
	fmt.Fprintf(&b, "%s: %d %s, %d %s, %d info in %d %s\n", o.title, e, text.Plural(e, "error", ""), w, text.Plural(w, "warning", ""), i, files, text.Plural(files, "file", ""))

	// choose what fits, most important first
	budget := limit - b.Len() - summaryReserve
	rows := map[*lint.Finding]string{}
	started := map[string]bool{}
	left := 0
	for _, f := range prioritize(r.Findings, o.paths, o.changed) {
		path := o.paths.repoPath(f.File)
		row := summaryRow(f, path, o)
		cost := len(row)
		if !started[path] {
			cost += len(fileHeader(path))
		}
		if cost > budget {
			left++
			continue
		}
		budget -= cost
		started[path] = true
		rows[f] = row
	}

	// render grouped by file, in file order
	shown := make([]*lint.Finding, 0, len(rows))
	for f := range rows {
		shown = append(shown, f)
	}
	slices.SortFunc(shown, func(a, b *lint.Finding) int {
		return cmp.Or(strings.Compare(o.paths.repoPath(a.File), o.paths.repoPath(b.File)),
			cmp.Compare(a.Line, b.Line), cmp.Compare(b.Severity, a.Severity), lint.CompareFindings(a, b))
	})
	current := ""
	for _, f := range shown {
		if path := o.paths.repoPath(f.File); path != current {
			current = path
			b.WriteString(fileHeader(path))
		}
		b.WriteString(rows[f])
	}
	if left > 0 {
		note := o.limitNote
		if note == "" {
			note = "the job summary is limited to 1 MiB"
		}
		fmt.Fprintf(&b, "\n_%d more %s not shown: %s. Run `gantry lint` locally, or use `--format sarif`, to see all of them._\n",
			left, text.Plural(left, "finding", ""), note)
	}
	return b.String()
}

func fileHeader(path string) string {
	return "\n#### `" + strings.ReplaceAll(path, "`", "'") + "`\n\n| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n"
}

var severityIcon = map[lint.Severity]string{
	lint.SeverityError:   ":x: error",
	lint.SeverityWarning: ":warning: warning",
	lint.SeverityInfo:    ":information_source: info",
}

func summaryRow(f *lint.Finding, path string, o summaryOptions) string {
	pos := fmt.Sprintf("%d:%d", f.Line, f.Column)
	if base := blobBase(o.ctx); base != "" && f.Line > 0 {
		pos = fmt.Sprintf("[%s](%s/%s#L%d)", pos, base, urlPath(path), f.Line)
	}
	if o.changed.Contains(path, f.Line) {
		pos += " :pencil2:"
	}
	rule := text.EscapeMarkdown(f.RuleID)
	if f.DocsURL != "" {
		rule = "[" + rule + "](" + f.DocsURL + ")"
	}
	msg := text.EscapeMarkdown(f.Message)
	for _, rel := range f.Related {
		msg += "<br>" + text.EscapeMarkdown(fmt.Sprintf("note: %s:%d: %s", rel.File, rel.Line, rel.Message))
	}
	return "| " + pos + " | " + severityIcon[f.Severity] + " | " + rule + " | " + msg + " |\n"
}

// blobBase is the address of the commit's files, or "" when unknown.
func blobBase(c *runenv.Context) string {
	if c == nil || c.Repository == "" || c.HeadSHA() == "" {
		return ""
	}
	server := strings.TrimSuffix(c.ServerURL, "/")
	if server == "" {
		server = "https://github.com"
	}
	return server + "/" + c.Repository + "/blob/" + c.HeadSHA()
}

// urlPath percent-encodes a slash path for a link in a markdown table: a
// space, ( ) # ? or % would break the link or point elsewhere, and a | would
// end the table cell, even inside the link.
func urlPath(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}
