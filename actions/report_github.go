package actions

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/lint"
)

// AnnotationsPerLevel is how many error, warning and notice annotations
// GitHub shows for one step; it drops the rest.
const AnnotationsPerLevel = 10

// GitHubReporter writes findings as workflow commands
// (::error file=...,line=...::message) that GitHub Actions turns into
// annotations on the run and the pull request, and writes every finding to
// the job summary. GitHub shows only AnnotationsPerLevel annotations of each
// level per step, so the most important go first: errors, then findings on
// lines the pull request changed; the others are listed in a collapsed log
// group.
type GitHubReporter struct {
	// W receives the workflow commands (the step's standard output).
	W io.Writer
	// runenv.Getenv reads GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE; nil means os.Getenv.
	Getenv runenv.Getenv
	// Context, when set, is used to link findings in the summary to the commit.
	Context *runenv.Context
	// Changed are the lines the pull request changed, when known.
	Changed ChangedLines
	// Title heads the job summary; "gantry lint" when empty.
	Title string
	// NoSummary disables the job summary.
	NoSummary bool
}

// Report writes the annotations and the job summary.
func (g *GitHubReporter) Report(_ context.Context, r *lint.Report) error {
	getenv := orEnv(g.Getenv)
	paths := newPathMapper(r, getenv)
	ordered := prioritize(r.Findings, paths, g.Changed)
	var b bytes.Buffer
	shown := map[lint.Severity]int{}
	var rest []*lint.Finding
	for _, f := range ordered {
		if shown[f.Severity] >= AnnotationsPerLevel {
			rest = append(rest, f)
			continue
		}
		shown[f.Severity]++
		b.WriteString(AnnotationCommand(f, paths.repoPath(f.File)))
	}
	if len(rest) > 0 {
		fmt.Fprintf(&b, "::group::%d more %s (GitHub annotates %d of each severity per step; the job summary lists every finding)\n",
			len(rest), text.Plural(len(rest), "finding", ""), AnnotationsPerLevel)
		var lines strings.Builder
		for _, f := range rest {
			fmt.Fprintf(&lines, "%s:%d:%d: %s: %s [%s]\n", paths.repoPath(f.File), f.Line, f.Column, f.Severity,
				strings.ReplaceAll(f.Message, "\n", "\n    "), f.RuleID)
		}
		// file names and messages come from the repository, maybe a pull
		// request's: none of their lines may become a workflow command
		b.WriteString(runenv.StopCommands(lines.String()))
		b.WriteString("::endgroup::\n")
	}
	if _, err := g.W.Write(b.Bytes()); err != nil {
		return err
	}
	if g.NoSummary {
		return nil
	}
	return writeSummary(getenv, r, summaryOptions{title: g.Title, paths: paths, changed: g.Changed, ctx: g.Context})
}

// commandLevel is the workflow command for a severity.
func commandLevel(s lint.Severity) string { return bySeverity(s, "error", "warning", "notice") }

// AnnotationCommand formats one finding as a workflow command line for the
// file at path (relative to the repository root), escaping the message and
// the properties as the runner expects.
func AnnotationCommand(f *lint.Finding, path string) string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(commandLevel(f.Severity))
	b.WriteString(" file=")
	b.WriteString(runenv.EscapeProperty(path))
	if f.Line > 0 {
		prop(&b, "line", f.Line)
		if f.EndLine >= f.Line {
			prop(&b, "endLine", f.EndLine)
		}
		if f.Column > 0 {
			prop(&b, "col", f.Column)
			if f.EndColumn > 0 && (f.EndLine == 0 || f.EndLine == f.Line) {
				prop(&b, "endColumn", f.EndColumn)
			}
		}
	}
	b.WriteString(",title=")
	b.WriteString(runenv.EscapeProperty(f.RuleID))
	b.WriteString("::")
	b.WriteString(runenv.EscapeData(annotationMessage(f)))
	b.WriteByte('\n')
	return b.String()
}

func prop(b *strings.Builder, name string, v int) {
	b.WriteByte(',')
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(strconv.Itoa(v))
}

// annotationMessage is the message with the related places and the link to
// the rule's documentation on their own lines.
func annotationMessage(f *lint.Finding) string {
	var b strings.Builder
	b.WriteString(f.Message)
	for _, rel := range f.Related {
		fmt.Fprintf(&b, "\nnote: %s:%d: %s", rel.File, rel.Line, rel.Message)
	}
	if f.DocsURL != "" {
		b.WriteString("\n")
		b.WriteString(f.DocsURL)
	}
	return b.String()
}

// prioritize orders findings most important first: errors, warnings, info;
// within a severity, findings on lines the pull request changed first; then
// file order.
func prioritize(fs []lint.Finding, paths *pathMapper, changed ChangedLines) []*lint.Finding {
	out := make([]*lint.Finding, len(fs))
	for i := range fs {
		out[i] = &fs[i]
	}
	inDiff := func(f *lint.Finding) int {
		if changed.Contains(paths.repoPath(f.File), f.Line) {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b *lint.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(inDiff(a), inDiff(b)), lint.CompareFindings(a, b))
	})
	return out
}
