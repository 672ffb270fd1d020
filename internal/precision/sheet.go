package precision

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// SheetContext is how many lines a review sheet shows around a finding.
const SheetContext = 10

// WriteSheet writes a blind review sheet: per judgement its id, file,
// position, rule, severity and message, and the lines of the file around it
// (with the job's header and the workflow's on: block when they are further
// up), but no verdict. read returns a corpus file's content.
func WriteSheet(w io.Writer, js []Judgement, read func(corpusFile string) ([]byte, error)) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# gantry precision review sheet: %d findings\n\n", len(js))
	fmt.Fprintln(bw, "For each finding, judge: true (a maintainer would act on it), noise (correct but not worth a")
	fmt.Fprintln(bw, "maintainer's time, e.g. a deliberate, common pattern) or false (the claim is wrong).")
	fmt.Fprintln(bw, "Answer as TSV lines: id<TAB>verdict<TAB>one-line reason.")
	for _, j := range js {
		fmt.Fprintf(bw, "\n## %s %s (%s)\n\n", j.ID, j.Rule, j.Severity)
		fmt.Fprintf(bw, "- file: `%s` line %d column %d\n- message: %s\n\n", j.File, j.Line, j.Column, j.Message)
		src, err := read(j.File)
		if err != nil {
			return fmt.Errorf("%s: %w", j.ID, err)
		}
		bw.WriteString("```\n")
		writeExcerpt(bw, splitLines(src), &j.Finding)
		bw.WriteString("```\n")
	}
	return bw.Flush()
}

var scriptLineRe = regexp.MustCompile(`\bSC\d+:\w+:(\d+):\d+:`)

// writeExcerpt writes numbered lines around f: SheetContext lines either
// side (for shellcheck, down to the script line the message names), after
// the workflow's on: block and the job's first lines when those are above.
func writeExcerpt(w *bufio.Writer, lines []string, f *Finding) {
	at := max(f.Line, 1)
	from, to := max(at-SheetContext, 1), min(at+SheetContext, len(lines))
	if m := scriptLineRe.FindStringSubmatch(f.Message); m != nil {
		n, _ := strconv.Atoi(m[1])
		from = max(at-3, 1)
		to = min(max(to, at+n+3), len(lines))
	}
	shown := make([]bool, len(lines)+1)
	show := func(a, b int) {
		for i := max(a, 1); i <= min(b, len(lines)); i++ {
			shown[i] = true
		}
	}
	if on := topLevelKey(lines, "on"); on > 0 && on < from {
		end := on
		for end < len(lines) && end-on < 15 && !isTopLevelKey(lines[end]) {
			end++
		}
		show(on, end)
	}
	if job := jobHeader(lines, at); job > 0 && job < from {
		show(job, job+5)
	}
	show(from, to)
	gap := false
	for i := 1; i <= len(lines); i++ {
		if !shown[i] {
			gap = gap || i > 1
			continue
		}
		if gap {
			w.WriteString("     ...\n")
			gap = false
		}
		mark := "  "
		if i == at {
			mark = "> "
		}
		fmt.Fprintf(w, "%s%4d | %s\n", mark, i, lines[i-1])
	}
	if to < len(lines) {
		w.WriteString("     ...\n")
	}
}

func splitLines(src []byte) []string {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func isTopLevelKey(line string) bool {
	return line != "" && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && strings.Contains(line, ":")
}

// topLevelKey returns the 1-based line of a top-level key, or 0.
func topLevelKey(lines []string, key string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, key+":") || strings.HasPrefix(l, `"`+key+`":`) || strings.HasPrefix(l, "'"+key+"':") {
			return i + 1
		}
	}
	return 0
}

// jobHeader returns the 1-based line of the key of the job that contains
// line at, or 0: the nearest line above at indented as the first job is.
func jobHeader(lines []string, at int) int {
	jobs := topLevelKey(lines, "jobs")
	if jobs == 0 || jobs >= at {
		return 0
	}
	indent := -1
	for _, l := range lines[jobs:] {
		if t := strings.TrimLeft(l, " "); t != "" && !strings.HasPrefix(t, "#") {
			indent = len(l) - len(t)
			break
		}
	}
	if indent <= 0 {
		return 0
	}
	for i := min(at, len(lines)); i > jobs; i-- {
		l := lines[i-1]
		if t := strings.TrimLeft(l, " "); t != "" && !strings.HasPrefix(t, "#") && len(l)-len(t) == indent {
			return i
		}
	}
	return 0
}
