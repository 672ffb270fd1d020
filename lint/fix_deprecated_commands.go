package lint

import (
	"cmp"
	"path"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// fixDeprecatedCommand rewrites the deprecated set-output and save-state
// workflow commands of a run: script to the environment files GitHub
// replaced them with:
//
//	echo "::set-output name=N::V"   ->   echo "N=V" >> "$GITHUB_OUTPUT"
//	echo "::save-state name=N::V"   ->   echo "N=V" >> "$GITHUB_STATE"
//
// The script's own quoting and indentation are kept. Three or more
// consecutive lines that write to the same file are grouped into
// { ...; } >> "$GITHUB_OUTPUT", as shellcheck asks (SC2129). Only bash and
// sh scripts are rewritten, and only echo/printf commands whose output is
// not already redirected or piped; a script that escapes values for the old
// commands (%0A, %25) or has here-documents or multi-line strings is left
// alone.
func fixDeprecatedCommand(c *fixContext) *Fix {
	fd := c.finding
	var cmd string
	for _, k := range []string{"set-output", "save-state"} {
		if strings.HasPrefix(fd.Message, `workflow command "`+k+`" was deprecated`) {
			cmd = k
		}
	}
	wf := c.file.Workflow
	if cmd == "" || wf == nil {
		return nil
	}
	job, run := findRunStep(wf, fd.Line, fd.Column)
	if run == nil || !posixShell(wf, job, run) {
		return nil
	}
	t := c.yaml()
	if t == nil {
		return nil
	}
	n := t.valueScalarAt(fd.Line, fd.Column)
	if n == nil || n.Line != fd.Line || n.Column != fd.Column {
		return nil
	}
	if k := t.keyOf(n); k == nil || k.Value != "run" {
		return nil
	}
	s, ok := t.scalar(n)
	if !ok {
		return nil
	}
	edits, counts := rewriteWorkflowCommands(s.value)
	if c.dup >= counts[cmd] {
		return nil
	}
	fix := &Fix{Description: "write outputs to $GITHUB_OUTPUT and state to $GITHUB_STATE"}
	if counts["save-state"] == 0 {
		fix.Description = "write outputs to $GITHUB_OUTPUT instead of ::set-output"
	} else if counts["set-output"] == 0 {
		fix.Description = "write state to $GITHUB_STATE instead of ::save-state"
	}
	for _, e := range edits {
		re, ok := s.edit(e.a, e.b, e.text)
		if !ok {
			return nil
		}
		fix.Edits = append(fix.Edits, re)
	}
	return fix
}

// findRunStep finds the run: step whose script starts at line:col.
func findRunStep(wf *actionlint.Workflow, line, col int) (*actionlint.Job, *actionlint.ExecRun) {
	for _, j := range wf.Jobs {
		for _, st := range j.Steps {
			if r, ok := st.Exec.(*actionlint.ExecRun); ok && r.Run != nil && r.Run.Pos != nil &&
				r.Run.Pos.Line == line && r.Run.Pos.Col == col {
				return j, r
			}
		}
	}
	return nil, nil
}

// posixShell reports whether the script certainly runs in bash or sh: the
// step's, the job's or the workflow's shell says so, or every runner the
// job can run on is Linux or macOS (where bash is the default).
func posixShell(wf *actionlint.Workflow, job *actionlint.Job, run *actionlint.ExecRun) bool {
	shell := run.Shell
	if shell == nil && job.Defaults != nil && job.Defaults.Run != nil {
		shell = job.Defaults.Run.Shell
	}
	if shell == nil && wf.Defaults != nil && wf.Defaults.Run != nil {
		shell = wf.Defaults.Run.Shell
	}
	if shell != nil {
		return posixShellName(shell.Value)
	}
	if job.RunsOn == nil || job.RunsOn.Group != nil {
		return false
	}
	labels := job.RunsOn.Labels
	if job.RunsOn.LabelsExpr != nil {
		labels = []*actionlint.String{job.RunsOn.LabelsExpr}
	}
	var fixed []string
	var choices []string // values of the one label that comes from the matrix
	for _, l := range labels {
		if l == nil {
			return false
		}
		if !strings.Contains(l.Value, "${{") {
			fixed = append(fixed, l.Value)
			continue
		}
		vs, ok := matrixValues(job, l.Value)
		if !ok || choices != nil {
			return false
		}
		choices = vs
	}
	if choices == nil {
		return posixLabels(fixed)
	}
	for _, v := range choices {
		if !posixLabels(append(slices.Clone(fixed), v)) {
			return false
		}
	}
	return true
}

// posixShellName reports whether a shell: value runs bash or sh ("bash",
// "bash -e {0}", "/bin/sh").
func posixShellName(shell string) bool {
	f := strings.Fields(shell)
	if len(f) == 0 {
		return false
	}
	name := path.Base(f[0])
	return name == "bash" || name == "sh"
}

var matrixRefRe = lazyre.New(`^\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}$`)

// matrixValues returns the literal values that "${{ matrix.NAME }}" takes.
func matrixValues(job *actionlint.Job, expr string) ([]string, bool) {
	m := matrixRefRe.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil || job.Strategy == nil || job.Strategy.Matrix == nil || job.Strategy.Matrix.Expression != nil {
		return nil, false
	}
	mx := job.Strategy.Matrix
	name := strings.ToLower(m[1])
	var out []string
	if row, ok := mx.Rows[name]; ok {
		if row.Expression != nil {
			return nil, false
		}
		for _, v := range row.Values {
			s, ok := v.(*actionlint.RawYAMLString)
			if !ok {
				return nil, false
			}
			out = append(out, s.Value)
		}
	}
	if mx.Include != nil {
		if mx.Include.Expression != nil {
			return nil, false
		}
		for _, comb := range mx.Include.Combinations {
			if comb.Expression != nil {
				return nil, false
			}
			for k, a := range comb.Assigns {
				if strings.ToLower(k) != name {
					continue
				}
				s, ok := a.Value.(*actionlint.RawYAMLString)
				if !ok {
					return nil, false
				}
				out = append(out, s.Value)
			}
		}
	}
	return out, len(out) > 0
}

// posixLabels reports whether a runner with these labels is Linux or macOS.
func posixLabels(labels []string) bool {
	posix := false
	for _, l := range labels {
		l = strings.ToLower(l)
		if strings.Contains(l, "${{") || strings.Contains(l, "windows") || strings.HasPrefix(l, "win") {
			return false
		}
		if strings.HasPrefix(l, "ubuntu") || strings.HasPrefix(l, "macos") || l == "linux" || l == "macos" ||
			strings.Contains(l, "-ubuntu-") || strings.HasSuffix(l, "-linux") {
			posix = true
		}
	}
	return posix
}

// valueEdit replaces the bytes [a, b) of a decoded scalar value.
type valueEdit struct {
	a, b int
	text string
}

var workflowCommandRe = lazyre.New(`::(set-output|save-state)\s+name=([a-zA-Z][a-zA-Z_-]*)::`)

var commandFiles = map[string]string{"set-output": `"$GITHUB_OUTPUT"`, "save-state": `"$GITHUB_STATE"`}

// existingRedirectRe matches a command that already appends to an
// environment file, as a line the grouping may take in.
var existingRedirectRe = lazyre.New(`\s*>>\s*("\$GITHUB_OUTPUT"|"\$GITHUB_STATE")$`)

// scriptLine is one line of a script, as the rewrite sees it.
type scriptLine struct {
	start, end int // the line, without its line break
	content    int // the first character that is not white space
	kind       int
	target     string // for lineWhole: the file the line appends to
	edits      []valueEdit
	insertAt   int // for a rewritten line: where its redirect goes
	dropFrom   int // for a line that already redirects: where its redirect starts
	dropTo     int // and ends
}

const (
	lineBlank = iota
	lineComment
	lineOther
	lineWhole // one command that (after the rewrite) appends to an environment file
)

// rewriteWorkflowCommands computes the edits that rewrite every set-output
// and save-state command of a script it can, and how many of each it rewrote.
func rewriteWorkflowCommands(script string) ([]valueEdit, map[string]int) {
	counts := map[string]int{}
	for _, esc := range []string{"%0A", "%0a", "%25", "%0D", "%0d"} {
		if strings.Contains(script, esc) {
			return nil, counts // values escaped for the old commands
		}
	}
	var lines []*scriptLine
	continued := false
	for start := 0; start <= len(script); {
		end := strings.IndexByte(script[start:], '\n')
		if end < 0 {
			end = len(script)
		} else {
			end += start
		}
		ln := &scriptLine{start: start, end: end, content: start, kind: lineOther}
		for ln.content < end && (script[ln.content] == ' ' || script[ln.content] == '\t') {
			ln.content++
		}
		text := script[start:end]
		switch {
		case ln.content == end:
			ln.kind = lineBlank
		case script[ln.content] == '#':
			ln.kind = lineComment
		}
		if ln.kind == lineOther {
			cmds, status := splitShellLine(text)
			switch status {
			case shellLineUnsafe:
				return nil, counts
			case shellLineContinued:
				continued = true
			case shellLineOK:
				if !continued {
					rewriteLine(script, ln, cmds, counts)
				}
				continued = false
			}
		}
		lines = append(lines, ln)
		start = end + 1
	}
	var edits []valueEdit
	for i := 0; i < len(lines); {
		ln := lines[i]
		if ln.kind != lineWhole {
			edits = append(edits, ln.edits...)
			i++
			continue
		}
		// a run of whole lines with the same target and indentation,
		// allowing blank and comment lines in between
		run := []*scriptLine{ln}
		j := i + 1
		for ; j < len(lines); j++ {
			o := lines[j]
			if o.kind == lineBlank || o.kind == lineComment {
				continue
			}
			if o.kind != lineWhole || o.target != ln.target || script[o.start:o.content] != script[ln.start:ln.content] {
				break
			}
			run = append(run, o)
		}
		last := run[len(run)-1]
		rewritten := slices.ContainsFunc(run, func(l *scriptLine) bool { return l.dropFrom < 0 })
		if len(run) < 3 || !rewritten {
			for _, l := range run {
				edits = append(edits, l.edits...)
				if l.dropFrom < 0 {
					edits = append(edits, valueEdit{l.insertAt, l.insertAt, " >> " + l.target})
				}
			}
			i = slices.Index(lines, last) + 1
			continue
		}
		indent := script[ln.start:ln.content]
		unit := "  "
		if strings.Contains(indent, "\t") {
			unit = "\t"
		}
		for k := i; k < len(lines); k++ {
			l := lines[k]
			if l.kind == lineBlank {
				continue
			}
			ins := unit
			if l == ln {
				ins = "{\n" + indent + unit
			}
			edits = append(edits, valueEdit{l.content, l.content, ins})
			edits = append(edits, l.edits...)
			if l.kind == lineWhole && l.dropFrom >= 0 {
				edits = append(edits, valueEdit{l.dropFrom, l.dropTo, ""})
			}
			if l == last {
				break
			}
		}
		edits = append(edits, valueEdit{last.end, last.end, "\n" + indent + "} >> " + ln.target})
		i = slices.Index(lines, last) + 1
	}
	slices.SortStableFunc(edits, func(x, y valueEdit) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	return edits, counts
}

// rewriteLine rewrites the workflow commands of one line, or records that
// the line already appends to an environment file.
func rewriteLine(script string, ln *scriptLine, cmds []scriptCmd, counts map[string]int) {
	text := script[ln.start:ln.end]
	matches := workflowCommandRe.FindAllStringSubmatchIndex(text, -1)
	ln.dropFrom = -1
	if len(matches) == 0 {
		if len(cmds) == 1 && cmds[0].start == ln.content-ln.start && len(cmds[0].redirects) == 2 {
			c := cmds[0]
			if m := existingRedirectRe.FindStringSubmatchIndex(text[c.start:c.end]); m != nil && c.redirects[0] == c.start+strings.Index(text[c.start:c.end], ">>") {
				ln.kind = lineWhole
				ln.target = text[c.start+m[2] : c.start+m[3]]
				ln.dropFrom = ln.start + c.start + m[0]
				ln.dropTo = ln.start + c.end
			}
		}
		return
	}
	rewritten := 0
	for _, m := range matches {
		ci := slices.IndexFunc(cmds, func(c scriptCmd) bool { return c.start <= m[0] && m[0] < c.end })
		if ci < 0 {
			continue
		}
		c := cmds[ci]
		e, ok := rewriteCommand(text, c, m)
		if !ok {
			continue
		}
		kind := text[m[2]:m[3]]
		counts[kind]++
		rewritten++
		e.a += ln.start
		e.b += ln.start
		ln.edits = append(ln.edits, e)
		ln.target = commandFiles[kind]
		ln.insertAt = ln.start + c.end
		if len(matches) == 1 && len(cmds) == 1 && c.start == ln.content-ln.start {
			ln.kind = lineWhole
		} else {
			ln.edits = append(ln.edits, valueEdit{ln.start + c.end, ln.start + c.end, " >> " + commandFiles[kind]})
		}
	}
	if rewritten == 0 {
		ln.edits = nil
	}
}

// rewriteCommand rewrites "::set-output name=N::" at m to "N=" when the
// command is echo or printf with that as the start of its first argument,
// and no redirection of its own nor a pipe to another command (echo ... |
// sed would write what sed did not see).
func rewriteCommand(line string, c scriptCmd, m []int) (valueEdit, bool) {
	if len(c.redirects) > 0 || c.piped || len(c.words) < 2 {
		return valueEdit{}, false
	}
	first := line[c.words[0][0]:c.words[0][1]]
	arg := 1
	switch first {
	case "echo":
		for arg < len(c.words) {
			w := line[c.words[arg][0]:c.words[arg][1]]
			if !strings.HasPrefix(w, "-") || strings.Trim(w[1:], "eE") != "" {
				break
			}
			arg++ // -e, -E: the output still ends with a line break
		}
	case "printf":
	default:
		return valueEdit{}, false
	}
	if arg >= len(c.words) {
		return valueEdit{}, false
	}
	ws := c.words[arg][0]
	if !(m[0] == ws || (m[0] == ws+1 && (line[ws] == '"' || line[ws] == '\''))) {
		return valueEdit{}, false
	}
	name := line[m[4]:m[5]]
	return valueEdit{m[0], m[1], name + "="}, true
}

// scriptCmd is one command of a shell line: its span, its words, the
// offsets of its unquoted < and > characters, and whether its output goes
// into a pipe.
type scriptCmd struct {
	start, end int
	words      [][2]int
	redirects  []int
	piped      bool
}

const (
	shellLineOK = iota
	shellLineContinued
	shellLineUnsafe
)

// splitShellLine splits a line of shell into commands at ; & | ( ) { }
// and the words then, do and else. It reports a line that continues on the
// next one (a trailing backslash), and one whose quoting runs past the end
// of the line or that starts a here-document, after which lines cannot be
// read one by one.
func splitShellLine(line string) ([]scriptCmd, int) {
	var cmds []scriptCmd
	cur := scriptCmd{start: -1}
	wordStart := -1
	endWord := func(i int) {
		if wordStart >= 0 {
			w := line[wordStart:i]
			if len(cur.words) == 0 && (w == "then" || w == "do" || w == "else") {
				wordStart = -1
				return
			}
			if w == "{" || w == "}" {
				wordStart = -1
				endCmd(&cmds, &cur)
				return
			}
			if cur.start < 0 {
				cur.start = wordStart
			}
			cur.words = append(cur.words, [2]int{wordStart, i})
			cur.end = i
			wordStart = -1
		}
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			endWord(i)
			i++
		case c == '#' && wordStart < 0:
			endWord(i)
			endCmd(&cmds, &cur)
			return cmds, shellLineOK
		case c == '|' && strings.HasPrefix(line[i:], "||"):
			endWord(i)
			endCmd(&cmds, &cur)
			i += 2
		case c == ';' || c == '&' || c == '|' || c == '(' || c == ')':
			endWord(i)
			cur.piped = c == '|' // | and |&: the output goes to the next command
			endCmd(&cmds, &cur)
			i++
		case c == '<' || c == '>':
			if c == '<' && strings.HasPrefix(line[i:], "<<") && !strings.HasPrefix(line[i:], "<<<") {
				return nil, shellLineUnsafe
			}
			if wordStart < 0 {
				wordStart = i
			}
			cur.redirects = append(cur.redirects, i)
			i++
		case c == '\\':
			if i+1 >= len(line) {
				return nil, shellLineContinued
			}
			if wordStart < 0 {
				wordStart = i
			}
			i += 2
		default:
			if wordStart < 0 {
				wordStart = i
			}
			j := skipShellQuoted(line, i)
			if j < 0 {
				return nil, shellLineUnsafe
			}
			i = j
		}
	}
	endWord(len(line))
	endCmd(&cmds, &cur)
	return cmds, shellLineOK
}

func endCmd(cmds *[]scriptCmd, cur *scriptCmd) {
	if len(cur.words) > 0 {
		*cmds = append(*cmds, *cur)
	}
	*cur = scriptCmd{start: -1}
}

// skipShellQuoted returns the offset after the character, quoted string or
// substitution that starts at i, or -1 when it does not end on this line.
func skipShellQuoted(s string, i int) int {
	switch {
	case s[i] == '\'':
		j := strings.IndexByte(s[i+1:], '\'')
		if j < 0 {
			return -1
		}
		return i + 1 + j + 1
	case s[i] == '`':
		j := strings.IndexByte(s[i+1:], '`')
		if j < 0 {
			return -1
		}
		return i + 1 + j + 1
	case s[i] == '"':
		for j := i + 1; j < len(s); {
			switch {
			case s[j] == '\\':
				j += 2
			case s[j] == '"':
				return j + 1
			case s[j] == '$' || s[j] == '`':
				k := skipShellQuoted(s, j)
				if k < 0 {
					return -1
				}
				j = k
			default:
				j++
			}
		}
		return -1
	case s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
		open, closing := s[i+1], byte(')')
		if open == '{' {
			closing = '}'
		}
		depth := 0
		for j := i + 1; j < len(s); {
			switch c := s[j]; {
			case c == open:
				depth++
				j++
			case c == closing:
				depth--
				j++
				if depth == 0 {
					return j
				}
			case c == '\'' || c == '"' || c == '`' || (c == '$' && j+1 < len(s) && (s[j+1] == '(' || s[j+1] == '{')):
				k := skipShellQuoted(s, j)
				if k < 0 {
					return -1
				}
				j = k
			case c == '\\':
				j += 2
			default:
				j++
			}
		}
		return -1
	}
	return i + 1
}
