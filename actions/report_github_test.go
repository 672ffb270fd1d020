package actions

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

// testReport builds a report whose files are the findings' files, with
// repository-relative paths equal to the display paths.
func testReport(fs ...lint.Finding) *lint.Report {
	r := &lint.Report{Findings: fs}
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.File] {
			seen[f.File] = true
			r.Files = append(r.Files, &lint.File{Path: f.File, RelPath: f.File})
		}
	}
	return r
}

// workflowCommand is a parsed ::name k=v,...::data line.
type workflowCommand struct {
	name  string
	props map[string]string
	data  string
}

// parseCommand parses a workflow command line the way the runner does
// (actions/runner ActionCommand.TryParseV2): properties are split on ',' and
// '=' before they are unescaped, so escaped ',' ':' '%' and newlines survive.
func parseCommand(t *testing.T, line string) workflowCommand {
	t.Helper()
	if !strings.HasPrefix(line, "::") {
		t.Fatalf("not a workflow command: %q", line)
	}
	head, data, ok := strings.Cut(line[2:], "::")
	if !ok {
		t.Fatalf("no data separator: %q", line)
	}
	c := workflowCommand{props: map[string]string{}, data: unescape(data, false)}
	name, props, _ := strings.Cut(head, " ")
	c.name = name
	if props != "" {
		for _, p := range strings.Split(props, ",") {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				t.Fatalf("property without '=': %q in %q", p, line)
			}
			c.props[k] = unescape(v, true)
		}
	}
	return c
}

func unescape(s string, property bool) string {
	pairs := []string{"%0D", "\r", "%0A", "\n"}
	if property {
		pairs = append(pairs, "%3A", ":", "%2C", ",")
	}
	pairs = append(pairs, "%25", "%")
	return strings.NewReplacer(pairs...).Replace(s)
}

func TestAnnotationCommandEscapingRoundTrips(t *testing.T) {
	f := lint.Finding{
		RuleID: "expression", Severity: lint.SeverityWarning, File: "odd, dir/a:b%c.yml",
		Line: 3, Column: 5, EndLine: 3, EndColumn: 9,
		Message: "100% sure: use a, b\r\nand then: c%0A is not a newline",
	}
	line := AnnotationCommand(&f, f.File)
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("command must be one line: %q", line)
	}
	c := parseCommand(t, strings.TrimSuffix(line, "\n"))
	want := map[string]string{"file": f.File, "line": "3", "endLine": "3", "col": "5", "endColumn": "9", "title": "expression"}
	if c.name != "warning" || fmt.Sprint(c.props) != fmt.Sprint(want) {
		t.Errorf("got %s %v, want warning %v\n%s", c.name, c.props, want, line)
	}
	if c.data != f.Message {
		t.Errorf("message did not round-trip:\n got %q\nwant %q", c.data, f.Message)
	}
}

func TestAnnotationCommandPositions(t *testing.T) {
	for _, tc := range []struct {
		f    lint.Finding
		want string
	}{
		{lint.Finding{RuleID: "invalid-file", Severity: lint.SeverityError, Message: "m"}, "::error file=p,title=invalid-file::m\n"},
		{lint.Finding{RuleID: "r", Severity: lint.SeverityInfo, Line: 2, Message: "m"}, "::notice file=p,line=2,title=r::m\n"},
		{lint.Finding{RuleID: "r", Severity: lint.SeverityError, Line: 2, Column: 3, EndLine: 4, EndColumn: 1, Message: "m"},
			"::error file=p,line=2,endLine=4,col=3,title=r::m\n"},
		{lint.Finding{RuleID: "r", Severity: lint.SeverityError, Line: 2, Column: 3, Message: "m", DocsURL: "https://x/y#r"},
			"::error file=p,line=2,col=3,title=r::m%0Ahttps://x/y#r\n"},
	} {
		if got := AnnotationCommand(&tc.f, "p"); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestGitHubReporterMostImportantFirst(t *testing.T) {
	var fs []lint.Finding
	for _, sev := range []lint.Severity{lint.SeverityInfo, lint.SeverityWarning, lint.SeverityError} {
		for i := 1; i <= 12; i++ {
			fs = append(fs, lint.Finding{RuleID: "r-" + sev.String(), Severity: sev, File: "a.yml", Line: i, Column: 1, Message: fmt.Sprintf("%s %d", sev, i)})
		}
	}
	r := testReport(fs...)
	summary := filepath.Join(t.TempDir(), "summary.md")
	var out bytes.Buffer
	g := &GitHubReporter{W: &out, Getenv: envMap(map[string]string{"GITHUB_STEP_SUMMARY": summary}),
		Changed: ChangedLines{"a.yml": {11: true, 12: true}}}
	if err := g.Report(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var commands []workflowCommand
	for _, l := range lines {
		if strings.HasPrefix(l, "::group::") {
			break
		}
		commands = append(commands, parseCommand(t, l))
	}
	if len(commands) != 30 {
		t.Fatalf("%d annotations, want 10 per level:\n%s", len(commands), out.String())
	}
	for i, c := range commands {
		level := []string{"error", "warning", "notice"}[i/10]
		if c.name != level {
			t.Fatalf("annotation %d is %s, want %s (errors first)", i, c.name, level)
		}
	}
	// the changed lines 11 and 12 come first in each level, then lines 1..8
	if commands[0].props["line"] != "11" || commands[1].props["line"] != "12" || commands[2].props["line"] != "1" || commands[9].props["line"] != "8" {
		t.Errorf("changed lines not first: %v %v %v %v", commands[0].props, commands[1].props, commands[2].props, commands[9].props)
	}
	if !strings.Contains(out.String(), "::group::6 more findings") || !strings.HasSuffix(out.String(), "::endgroup::\n") {
		t.Errorf("the 6 findings over the limit are not listed in a group:\n%s", out.String())
	}
	for _, l := range []string{"a.yml:9:1: error: error 9 [r-error]", "a.yml:10:1: info: info 10 [r-info]"} {
		if !strings.Contains(out.String(), l) {
			t.Errorf("missing %q", l)
		}
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(md), "\n| "); got != 36+2 { // 36 rows, the header and the separator
		t.Errorf("summary has %d table rows, want 38:\n%s", got, md)
	}
	if !strings.Contains(string(md), "### :x: gantry lint: 12 errors, 12 warnings, 12 info in 1 file") ||
		!strings.Contains(string(md), "| 11:1 :pencil2: | :x: error |") {
		t.Errorf("summary:\n%s", md)
	}
}

func TestSummaryStaysUnderOneMiB(t *testing.T) {
	long := strings.Repeat("x", 9000)
	var fs []lint.Finding
	for i := 1; i <= 150; i++ {
		sev := lint.SeverityInfo
		if i%50 == 0 {
			sev = lint.SeverityError
		}
		fs = append(fs, lint.Finding{RuleID: "r", Severity: sev, File: fmt.Sprintf("f%03d.yml", i), Line: 1, Column: 1, Message: fmt.Sprintf("%d %s", i, long)})
	}
	summary := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(summary, []byte("# earlier step content\n"), 0o644)
	g := &GitHubReporter{W: &bytes.Buffer{}, Getenv: envMap(map[string]string{"GITHUB_STEP_SUMMARY": summary})}
	if err := g.Report(context.Background(), testReport(fs...)); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(summary)
	if len(md) > runenv.MaxSummarySize {
		t.Fatalf("summary is %d bytes", len(md))
	}
	rows := strings.Count(string(md), "| :")
	if rows < 100 || rows >= 150 {
		t.Fatalf("%d rows: expected the summary to be cut but mostly full", rows)
	}
	if !strings.Contains(string(md), fmt.Sprintf("_%d more findings not shown: the job summary is limited to 1 MiB.", 150-rows)) {
		t.Errorf("no 'N more' note in the summary tail:\n%s", md[len(md)-400:])
	}
	for _, i := range []int{50, 100, 150} { // the errors are kept over the info findings
		if !strings.Contains(string(md), fmt.Sprintf("`f%03d.yml`", i)) {
			t.Errorf("error finding in f%03d.yml was cut", i)
		}
	}
}

func TestSummaryNoFindingsAndLinks(t *testing.T) {
	md := summaryMarkdown(&lint.Report{Files: []*lint.File{{Path: "a"}, {Path: "b"}}}, summaryOptions{paths: newPathMapper(&lint.Report{}, envMap(nil))}, 1000)
	if md != "### :white_check_mark: gantry lint: no findings in 2 files\n" {
		t.Errorf("%q", md)
	}
	f := lint.Finding{RuleID: "r", Severity: lint.SeverityWarning, File: "dir/my file.yml", Line: 4, Column: 2, Message: "a | b *c* <d>\nnext", DocsURL: "https://d/r"}
	r := testReport(f)
	ctx := &runenv.Context{ServerURL: "https://ghe.example.com", Repository: "acme/app", SHA: "merge", PullRequest: &runenv.PullRequest{HeadSHA: "head"}}
	md = summaryMarkdown(r, summaryOptions{paths: newPathMapper(r, envMap(nil)), ctx: ctx}, 10000)
	want := "| [4:2](https://ghe.example.com/acme/app/blob/head/dir/my%20file.yml#L4) | :warning: warning | [r](https://d/r) | a \\| b \\*c\\* &lt;d&gt;<br>next |\n"
	if !strings.Contains(md, want) {
		t.Errorf("summary:\n%s\nwant row:\n%s", md, want)
	}

	// a | in the link would end the cell; a % would start an escape
	f = lint.Finding{RuleID: "r", Severity: lint.SeverityWarning, File: "a|b 100%.yml", Line: 1, Column: 1, Message: "m"}
	r = testReport(f)
	md = summaryMarkdown(r, summaryOptions{paths: newPathMapper(r, envMap(nil)), ctx: ctx}, 10000)
	want = "| [1:1](https://ghe.example.com/acme/app/blob/head/a%7Cb%20100%25.yml#L1) | :warning: warning | r | m |\n"
	if !strings.Contains(md, want) {
		t.Errorf("summary:\n%s\nwant row:\n%s", md, want)
	}
}

// TestGitHubReporterOverflowStopsCommands: the findings over the
// annotation limit are plain log lines, and a file name from a pull
// request must not make one of them a workflow command.
func TestGitHubReporterOverflowStopsCommands(t *testing.T) {
	var fs []lint.Finding
	for i := 1; i <= 11; i++ {
		fs = append(fs, lint.Finding{RuleID: "r", Severity: lint.SeverityWarning, File: "::add-mask::x.yml", Line: i, Column: 1, Message: "m\n  ::set-env name=A::b"})
	}
	var out bytes.Buffer
	g := &GitHubReporter{W: &out, NoSummary: true, Getenv: envMap(nil)}
	if err := g.Report(context.Background(), testReport(fs...)); err != nil {
		t.Fatal(err)
	}
	stopped := ""
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		switch {
		case stopped != "" && l == "::"+stopped+"::":
			stopped = ""
		case stopped != "":
		case strings.HasPrefix(l, "::stop-commands::"):
			stopped = strings.TrimPrefix(l, "::stop-commands::")
		case strings.HasPrefix(strings.TrimSpace(l), "::"):
			if c := parseCommand(t, strings.TrimSpace(l)); !slices.Contains([]string{"warning", "group", "endgroup"}, c.name) {
				t.Errorf("line %q runs command %s", l, c.name)
			}
		}
	}
	if stopped != "" || !strings.Contains(out.String(), "::stop-commands::") {
		t.Errorf("commands not stopped and resumed:\n%s", out.String())
	}
}
