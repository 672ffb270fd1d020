package lint

import (
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/stagegraph"
)

// metadataInstructions only describe the image: the moved ARG/ENV goes
// before a trailing run of them, after the last step that builds something.
var metadataInstructions = map[string]bool{"CMD": true, "ENTRYPOINT": true, "EXPOSE": true, "HEALTHCHECK": true,
	"STOPSIGNAL": true, "VOLUME": true, "LABEL": true, "MAINTAINER": true}

// fixVolatileArgEarly moves a volatile ARG or ENV (with its ARG/ENV
// partner: ARG SHA followed by ENV SHA=${SHA}), and the comment lines right
// above it, down to where the stage first uses it, or else to the end of
// the stage (before a trailing CMD, ENTRYPOINT, EXPOSE, LABEL, ...). There
// is no fix when a RUN after that place still does not use it, or when the
// finding is about an ENV inherited by another stage.
func fixVolatileArgEarly(c *fixContext) *Fix {
	d := c.file.Dockerfile
	if d == nil || d.Graph == nil || !strings.Contains(c.finding.Message, "move the ") {
		return nil
	}
	st, i := stepAt(d.Graph, c.finding.Line)
	if st == nil {
		return nil
	}
	first, last := i, i
	if _, ok := st.Steps[i].Command.(*instructions.ArgCommand); ok && i+1 < len(st.Steps) && envUses(st.Steps[i+1].Command, varNames(st.Steps[i].Command)) {
		last = i + 1
	}
	if _, ok := st.Steps[i].Command.(*instructions.EnvCommand); ok && i > 0 {
		if _, isArg := st.Steps[i-1].Command.(*instructions.ArgCommand); isArg && envUses(st.Steps[i].Command, varNames(st.Steps[i-1].Command)) {
			first = i - 1
		}
	}
	var names []string
	for k := first; k <= last; k++ {
		for _, n := range varNames(st.Steps[k].Command) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	rest := st.Steps[last+1:]
	src := c.file.Src
	lines := newSourceText(src).lineStarts
	stepText := func(s *stagegraph.Step) string {
		if s.Line < 1 || s.EndLine > len(lines) {
			return ""
		}
		end := len(src)
		if s.EndLine < len(lines) {
			end = lines[s.EndLine]
		}
		return string(src[lines[s.Line-1]:end])
	}
	// where to: before the first step that uses a name, or after the last
	// step that is not image metadata
	to := len(rest)
	for k := range rest {
		if namesAny(stepText(&rest[k]), names) {
			to = k
			break
		}
	}
	if to == len(rest) {
		for to > 0 && metadataInstructions[rest[to-1].Instruction] {
			to--
		}
	}
	if to == 0 {
		return nil // nothing to move past
	}
	for _, n := range names {
		if laterCostlyRun(st, last+1+to, n) != nil {
			return nil
		}
	}
	// the text to move: the instructions and the comment lines right above
	floor := st.EndLine
	if first > 0 {
		floor = st.Steps[first-1].EndLine
	}
	from := commentStart(src, lines, st.Steps[first].Line, floor)
	cutStart := lines[from-1]
	cutEnd := len(src)
	if st.Steps[last].EndLine < len(lines) {
		cutEnd = lines[st.Steps[last].EndLine]
	}
	moved := string(src[cutStart:cutEnd])
	var at int
	if to < len(rest) {
		at = lines[commentStart(src, lines, rest[to].Line, rest[to-1].EndLine)-1]
	} else {
		at = len(src)
		if e := rest[to-1].EndLine; e < len(lines) {
			at = lines[e]
		}
	}
	if at < cutEnd {
		return nil
	}
	eol := detectEOL(src)
	if !strings.HasSuffix(moved, "\n") {
		moved += eol
	}
	ins := moved
	if at == len(src) && len(src) > 0 && src[len(src)-1] != '\n' {
		ins = eol + strings.TrimSuffix(moved, eol)
	}
	kw := st.Steps[first].Instruction
	if last > first {
		kw += "/" + st.Steps[last].Instruction
	}
	where := "the end of the stage"
	if to < len(rest) {
		where = "line " + strconv.Itoa(rest[to].Line)
	}
	return &Fix{Description: "move " + kw + " " + strings.Join(names, ", ") + " down to " + where,
		Edits: []Edit{{Start: cutStart, End: cutEnd, New: ""}, {Start: at, End: at, New: ins}}}
}

// stepAt finds the stage step that starts on line.
func stepAt(g *stagegraph.StageGraph, line int) (*stagegraph.Stage, int) {
	for _, st := range g.Stages {
		for i := range st.Steps {
			if st.Steps[i].Line == line {
				return st, i
			}
		}
	}
	return nil, -1
}

// varNames returns the names an ARG or ENV instruction sets.
func varNames(c instructions.Command) []string {
	var out []string
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			out = append(out, kv.Key)
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			out = append(out, kv.Key)
		}
	}
	return out
}

// envUses reports whether c is an ENV whose values use one of the names.
func envUses(c instructions.Command, names []string) bool {
	e, ok := c.(*instructions.EnvCommand)
	if !ok {
		return false
	}
	for _, kv := range e.Env {
		if usesAny(kv.Value, names) {
			return true
		}
	}
	return false
}

func usesAny(text string, names []string) bool {
	for _, n := range names {
		if usesVar(text, n) {
			return true
		}
	}
	return false
}

// namesAny reports whether an instruction's text names one of the
// variables in any form: $NAME and ${NAME}, and also cmd's %NAME% and
// PowerShell's $env:NAME (Windows images), in any case. The moved
// instruction goes before the first such instruction.
func namesAny(text string, names []string) bool {
	if usesAny(text, names) {
		return true
	}
	for _, n := range names {
		if hasWord(text, n, true) {
			return true
		}
	}
	return false
}

// lineText returns 1-based line n without its line break.
func lineText(src []byte, lines []int, n int) string {
	end := len(src)
	if n < len(lines) {
		end = lines[n]
	}
	return strings.TrimRight(string(src[lines[n-1]:end]), "\r\n")
}

// commentStart returns the first line of the comment lines right above
// line, not going above floor.
func commentStart(src []byte, lines []int, line, floor int) int {
	for line-1 > floor && strings.HasPrefix(strings.TrimSpace(lineText(src, lines, line-1)), "#") {
		line--
	}
	return line
}
