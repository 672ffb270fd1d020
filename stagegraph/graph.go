// Package stagegraph models a Dockerfile as a graph of build stages and
// derives from it what gantry needs to build it fast: the stages a target
// needs, the dependency waves BuildKit can run in parallel, the stages that
// are never built, and a per-stage cache plan. It parses with BuildKit's own
// Dockerfile parser and instruction packages, so it sees a Dockerfile the
// way `docker build` does.
//
// It needs no BuildKit daemon and links no BuildKit client: lint's
// Dockerfile rules read the graph, `gantry plan` prints a target's Outline
// (tree, mermaid, dot, JSON, bake file), and package buildcache turns the
// cache plan and a --cache spec (CacheSpec) into the solves of a build.
package stagegraph

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// StageGraph is the stage graph of one Dockerfile.
type StageGraph struct {
	// Stages are the build stages in the order of their FROM instructions.
	Stages []*Stage
	// MetaArgs are the ARG instructions before the first FROM, which FROM
	// lines may use.
	MetaArgs []MetaArg
	// AST is BuildKit's parse tree of the Dockerfile.
	AST *parser.Node
	// EscapeToken is the Dockerfile's escape character (`\` or a backtick).
	EscapeToken rune
	// Warnings are the parser's warnings, such as empty continuation lines.
	Warnings []parser.Warning
	// Lines are the Dockerfile's source lines, without line terminators.
	Lines []string
	// BuildArgs are the build arguments the graph was resolved with.
	BuildArgs map[string]string
	// Platform is the target platform used for $TARGETPLATFORM and friends.
	Platform string
	// BuildPlatform is the builder's platform used for $BUILDPLATFORM and
	// friends.
	BuildPlatform string

	byName map[string]*Stage
}

// MetaArg is a global ARG declared before the first FROM.
type MetaArg struct {
	// Name is the argument's name.
	Name string `json:"name"`
	// Default is its default value, if it has one.
	Default *string `json:"default,omitempty"`
	// Value is the value it resolved to (build argument, or expanded
	// default); nil when it has neither.
	Value *string `json:"value,omitempty"`
	// Line is the 1-based line of its ARG instruction.
	Line int `json:"line"`
}

// Stage is one build stage: a FROM instruction and the instructions after it.
type Stage struct {
	// Index is the stage's 0-based position among the FROM instructions.
	Index int
	// Name is the stage's name (FROM ... AS name), lower case; "" when unnamed.
	Name string
	// CacheName names the stage's cache entry: the name sanitized to
	// [a-z0-9-], or "stage-<index>" for unnamed stages. It is unique in the
	// graph; where two would be the same, a named stage keeps its name.
	CacheName string
	// Base is the FROM argument after ARG expansion: "scratch", an image
	// reference, or the name of an earlier stage.
	Base string
	// BaseStage is the stage Base names, when FROM names an earlier stage.
	BaseStage *Stage
	// Platform is the FROM --platform value after ARG expansion ("" if none).
	Platform string
	// Deps are the stages this stage needs (FROM, COPY --from=<stage|index>,
	// RUN --mount=from=), each once, in index order.
	Deps []*Stage
	// Edges are every reference to another stage, with where it is made.
	Edges []Edge
	// Images are the external images the stage reads besides its base:
	// COPY --from=<image> and RUN --mount=from=<image>.
	Images []string
	// Args are the build arguments the stage uses: global ARGs expanded in
	// its FROM line and ARGs it declares, sorted.
	Args []string
	// Line and Column locate the FROM instruction (1-based); EndLine is its last line.
	Line, Column, EndLine int
	// Steps summarise the stage's instructions after FROM.
	Steps []Step
	// Cacheable is true when the stage installs dependencies or produces
	// artifacts, so that it gets its own cache entry.
	Cacheable bool
	// Reason says why the stage is, or is not, cacheable.
	Reason string
	// Instruction is BuildKit's parsed stage with its commands.
	Instruction *instructions.Stage

	// shadowed is set when a later stage has the same name.
	shadowed bool
	// err is the first error BuildKit raises only when it builds the
	// stage (see Stage.Err), and triggerErr the first of its base stage's
	// ONBUILD triggers, which BuildKit reads only for a stage the target
	// needs, even when it checks every stage.
	err, triggerErr *ParseError
	// display is the DisplayName of an unnamed stage whose "stage-<index>"
	// is another stage's name; "" otherwise.
	display string
}

// EdgeKind is how a stage refers to another.
type EdgeKind string

const (
	// EdgeFrom is FROM <stage>.
	EdgeFrom EdgeKind = "from"
	// EdgeCopy is COPY --from=<stage|index>.
	EdgeCopy EdgeKind = "copy"
	// EdgeMount is RUN --mount=from=<stage>.
	EdgeMount EdgeKind = "mount"
)

// Edge is one reference from a stage to a stage it needs.
type Edge struct {
	// To is the stage referred to.
	To *Stage
	// Kind is the kind of reference.
	Kind EdgeKind
	// Line is the 1-based line of the instruction that makes it.
	Line int

	// trigger is set for a reference an ONBUILD trigger of the base stage makes.
	trigger bool
}

// Step is one instruction of a stage.
type Step struct {
	// Instruction is the instruction's keyword in upper case, such as "RUN".
	Instruction string
	// Summary is the instruction's source on one line, shortened.
	Summary string
	// Line and Column locate the instruction (1-based); EndLine is its last
	// line, EndColumn the column just after its last byte.
	Line, Column, EndLine, EndColumn int
	// Command is BuildKit's parsed instruction.
	Command instructions.Command
	// Node is BuildKit's parse tree node of the instruction.
	Node *parser.Node
}

// ParseError is a Dockerfile that BuildKit cannot parse or build, with the
// position of the problem.
type ParseError struct {
	// Line is the 1-based line of the problem, 0 when it concerns the whole file.
	Line int
	// Column is the 1-based column, 0 when unknown.
	Column int
	// Message says what is wrong.
	Message string
}

// Error formats the error as "line N: message".
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// Options tunes how a Dockerfile is resolved.
type Options struct {
	// BuildArgs are the --build-arg values.
	BuildArgs map[string]string
	// Platform is the target platform, such as "linux/arm64"; empty means
	// BuildPlatform, as in BuildKit. It sets $TARGETPLATFORM, $TARGETARCH
	// and friends.
	Platform string
	// BuildPlatform is the builder's platform: BuildKit's worker's, which
	// sets $BUILDPLATFORM, $BUILDARCH and friends whatever the target
	// platform; empty means linux/amd64 (gantry build asks the daemon).
	BuildPlatform string
	// Target is the --target the graph is evaluated for ("" is the last
	// stage). It sets $TARGETSTAGE, which FROM lines may use.
	Target string
	// Lenient keeps a FROM whose base expands to nothing (an ARG without a
	// default, to be given with --build-arg) with its unexpanded text as
	// Base, instead of failing. Linters use it; builds should not.
	Lenient bool
}

// ParseStageGraph parses a Dockerfile with BuildKit's parser and builds its
// stage graph. buildArgs are the --build-arg values (nil for none). Errors
// are *ParseError with the position of the problem.
func ParseStageGraph(dockerfile []byte, buildArgs map[string]string) (*StageGraph, error) {
	return ParseStageGraphOptions(dockerfile, Options{BuildArgs: buildArgs})
}

// ParseStageGraphOptions is ParseStageGraph with a target platform.
func ParseStageGraphOptions(dockerfile []byte, opts Options) (g *StageGraph, err error) {
	defer func() {
		// BuildKit's parser is robust, but a Dockerfile must never crash gantry.
		if r := recover(); r != nil {
			g, err = nil, &ParseError{Message: fmt.Sprintf("cannot parse the Dockerfile: %v", r)}
		}
	}()
	if len(bytes.TrimSpace(dockerfile)) == 0 {
		return nil, &ParseError{Message: "the Dockerfile is empty"}
	}
	g = &StageGraph{Lines: splitLines(dockerfile), BuildArgs: opts.BuildArgs, byName: map[string]*Stage{}}
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, g.locate(err, 0)
	}
	g.AST, g.EscapeToken, g.Warnings = res.AST, res.EscapeToken, res.Warnings
	var metaArgs []*instructions.ArgCommand
	for _, n := range res.AST.Children {
		cmd, err := instructions.ParseInstruction(n)
		if err != nil {
			return nil, g.locate(err, n.StartLine)
		}
		switch c := cmd.(type) {
		case *instructions.Stage:
			st := &Stage{Index: len(g.Stages), Name: c.Name, Instruction: c, Line: n.StartLine, EndLine: n.EndLine}
			st.Column = g.column(n.StartLine)
			g.Stages = append(g.Stages, st)
		case *instructions.ArgCommand:
			if len(g.Stages) == 0 {
				metaArgs = append(metaArgs, c)
				continue
			}
			g.addStep(c, n)
		case *instructions.RunCommand:
			if len(g.Stages) == 0 {
				return nil, &ParseError{Line: n.StartLine, Column: g.column(n.StartLine), Message: "RUN before the first FROM: only ARG may come before FROM"}
			}
			// fail only the targets that need the stage
			if err := mountError(c, n.Original); err != nil {
				if st := g.Stages[len(g.Stages)-1]; st.err == nil {
					st.err = &ParseError{Line: n.StartLine, Column: g.column(n.StartLine), Message: err.Error()}
				}
			}
			g.addStep(c, n)
		case instructions.Command:
			if len(g.Stages) == 0 {
				return nil, &ParseError{Line: n.StartLine, Column: g.column(n.StartLine),
					Message: fmt.Sprintf("%s before the first FROM: only ARG may come before FROM", strings.ToUpper(c.Name()))}
			}
			g.addStep(c, n)
		default:
			return nil, &ParseError{Line: n.StartLine, Message: fmt.Sprintf("unexpected instruction %q", n.Value)}
		}
	}
	if len(g.Stages) == 0 {
		return nil, &ParseError{Message: "the Dockerfile has no FROM instruction, so no stage to build"}
	}
	env := g.globalArgs(opts, metaArgs)
	lex := shell.NewLex(res.EscapeToken)
	if err := g.resolveBases(lex, env, opts.Lenient); err != nil {
		return nil, err
	}
	if err := g.resolveRefs(); err != nil {
		return nil, err
	}
	g.nameCaches()
	if err := g.checkCycles(); err != nil {
		return nil, err
	}
	for _, st := range g.Stages {
		st.Cacheable, st.Reason = classify(g, st)
	}
	return g, nil
}

// locate turns a BuildKit error into a *ParseError with the error's position.
func (g *StageGraph) locate(err error, line int) error {
	var le *parser.LocationError
	if errors.As(err, &le) {
		for _, rs := range le.Locations {
			if len(rs) > 0 && rs[0].Start.Line > 0 {
				line = rs[0].Start.Line
				break
			}
		}
	}
	var ui *instructions.UnknownInstructionError
	if errors.As(err, &ui) && ui.Line > 0 {
		line = ui.Line
	}
	msg := err.Error()
	// BuildKit wraps instruction errors as "dockerfile parse error on line N: ..."
	if i := strings.Index(msg, "dockerfile parse error on line "); i >= 0 {
		if _, rest, ok := strings.Cut(msg[i:], ": "); ok {
			msg = rest
		}
	}
	pe := &ParseError{Line: line, Message: msg}
	if line > 0 {
		pe.Column = g.column(line)
	}
	return pe
}

func splitLines(src []byte) []string {
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	return strings.Split(s, "\n")
}

// column returns the 1-based column of the first non-blank byte of a line.
func (g *StageGraph) column(line int) int {
	if line < 1 || line > len(g.Lines) {
		return 1
	}
	l := g.Lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}

func (g *StageGraph) addStep(c instructions.Command, n *parser.Node) {
	st := g.Stages[len(g.Stages)-1]
	end := n.EndLine
	endCol := 1
	if end >= 1 && end <= len(g.Lines) {
		endCol = len(strings.TrimRight(g.Lines[end-1], "\r")) + 1
	}
	st.Steps = append(st.Steps, Step{
		Instruction: strings.ToUpper(c.Name()),
		Summary:     summarize(n.Original),
		Line:        n.StartLine,
		Column:      g.column(n.StartLine),
		EndLine:     end,
		EndColumn:   endCol,
		Command:     c,
		Node:        n,
	})
}

// summarize puts an instruction on one line of at most 72 characters.
func summarize(src string) string {
	s := strings.Join(strings.Fields(strings.ReplaceAll(src, "\\\n", " ")), " ")
	if len(s) > 72 {
		cut := 69
		for cut > 0 && (s[cut]&0xC0) == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// envList is an ordered set of variables for BuildKit's shell lexer.
type envList struct {
	keys []string
	vals map[string]string
}

// Get returns a variable's value.
func (e *envList) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }

// Keys returns the variable names in the order they were set.
func (e *envList) Keys() []string { return e.keys }
func (e *envList) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

// globalArgs computes the values of the global ARGs the way BuildKit does:
// the automatic platform args and $TARGETSTAGE, then each meta ARG from its
// build argument or its expanded default.
func (g *StageGraph) globalArgs(opts Options, metaArgs []*instructions.ArgCommand) *envList {
	env := &envList{vals: map[string]string{}}
	// BuildKit's build platform is its worker's, and the target platform
	// the build platform unless --platform says otherwise
	bplat := opts.BuildPlatform
	if bplat == "" {
		bplat = "linux/amd64"
	}
	plat := opts.Platform
	if plat == "" {
		plat = bplat
	}
	bplat, bos, barch, bvariant := normalizePlatform(bplat)
	plat, os, arch, variant := normalizePlatform(plat)
	g.Platform, g.BuildPlatform = plat, bplat
	for _, kv := range [][2]string{
		{"BUILDPLATFORM", bplat}, {"BUILDOS", bos}, {"BUILDOSVERSION", ""}, {"BUILDARCH", barch}, {"BUILDVARIANT", bvariant},
		{"TARGETPLATFORM", plat}, {"TARGETOS", os}, {"TARGETOSVERSION", ""}, {"TARGETARCH", arch}, {"TARGETVARIANT", variant},
		{"TARGETSTAGE", g.targetStage(opts.Target)},
	} {
		v := kv[1]
		if ov, ok := opts.BuildArgs[kv[0]]; ok {
			v = ov
		}
		env.set(kv[0], v)
	}
	lex := shell.NewLex(g.EscapeToken)
	for _, c := range metaArgs {
		for _, kv := range c.Args {
			ma := MetaArg{Name: kv.Key, Default: kv.Value, Line: c.Location()[0].Start.Line}
			if v, ok := opts.BuildArgs[kv.Key]; ok {
				ma.Value = &v
			} else if kv.Value != nil {
				if res, err := lex.ProcessWordWithMatches(*kv.Value, env); err == nil {
					v := res.Result
					ma.Value = &v
				} else {
					v := *kv.Value
					ma.Value = &v
				}
			}
			if ma.Value != nil {
				env.set(kv.Key, *ma.Value)
			}
			g.MetaArgs = append(g.MetaArgs, ma)
		}
	}
	return env
}

// targetStage is $TARGETSTAGE for a target, as BuildKit sets it: the
// target as given, else the last stage's name, else "default". A target
// given as a stage index (which only gantry takes) is the stage's name.
func (g *StageGraph) targetStage(target string) string {
	switch i, err := strconv.Atoi(target); {
	case err == nil && i >= 0 && i < len(g.Stages):
		target = g.Stages[i].Name
	case target == "":
		target = g.Stages[len(g.Stages)-1].Name
	}
	if target == "" {
		target = "default"
	}
	return target
}

// normalizePlatform is a --platform value as BuildKit reads it, with its
// parts: containerd's platforms.Parse and Normalize, so that "arm64" is
// linux/arm64 (the OS of a Linux builder, whatever the OS gantry runs on)
// and "linux/arm64/v8" drops the variant arm64 implies. A value they
// reject is split as it is.
func normalizePlatform(p string) (plat, os, arch, variant string) {
	pl, err := platforms.Parse("linux/" + p)
	if strings.Contains(p, "/") || err != nil {
		pl, err = platforms.Parse(p)
	}
	if err == nil {
		pl = platforms.Normalize(pl)
		return platforms.Format(pl), pl.OS, pl.Architecture, pl.Variant
	}
	parts := strings.SplitN(p, "/", 3)
	os = parts[0]
	if len(parts) > 1 {
		arch = parts[1]
	}
	if len(parts) > 2 {
		variant = parts[2]
	}
	return p, os, arch, variant
}

// resolveBases expands each FROM line's base and platform and links stages
// built FROM an earlier stage.
func (g *StageGraph) resolveBases(lex *shell.Lex, env *envList, lenient bool) error {
	for _, st := range g.Stages {
		used := map[string]bool{}
		res, err := lex.ProcessWordWithMatches(st.Instruction.BaseName, env)
		if err != nil {
			return &ParseError{Line: st.Line, Column: st.Column, Message: fmt.Sprintf("cannot expand the base %q: %v", st.Instruction.BaseName, err)}
		}
		if res.Result == "" && lenient {
			res.Result = st.Instruction.BaseName
		}
		if res.Result == "" {
			return &ParseError{Line: st.Line, Column: st.Column,
				Message: fmt.Sprintf("the base %q is empty after expanding build arguments; give the ARG a default or pass --build-arg", st.Instruction.BaseName)}
		}
		for k := range res.Matched {
			used[k] = true
		}
		st.Base = res.Result
		if p := st.Instruction.Platform; p != "" {
			pr, err := lex.ProcessWordWithMatches(p, env)
			if err != nil {
				return &ParseError{Line: st.Line, Column: st.Column, Message: fmt.Sprintf("cannot expand --platform %q: %v", p, err)}
			}
			// BuildKit parses every stage's --platform, built or not
			if pr.Result == "" && !lenient {
				return &ParseError{Line: st.Line, Column: st.Column,
					Message: fmt.Sprintf("--platform %q is empty after expanding build arguments; give the ARG a default or pass --build-arg", p)}
			}
			if _, err := platforms.Parse(pr.Result); err != nil && pr.Result != "" {
				return &ParseError{Line: st.Line, Column: st.Column, Message: fmt.Sprintf("cannot parse --platform %q: %v", pr.Result, err)}
			}
			st.Platform = pr.Result
			for k := range pr.Matched {
				used[k] = true
			}
		}
		if !strings.EqualFold(st.Base, "scratch") {
			// BuildKit matches FROM against earlier stage names exactly
			// (names are lower case), so `FROM Builder` is an image.
			if b, ok := g.byName[st.Base]; ok {
				st.BaseStage = b
				st.addEdge(b, EdgeFrom, st.Line)
			}
		}
		if st.Name != "" {
			if prev, ok := g.byName[st.Name]; ok {
				prev.shadowed = true
			}
			g.byName[st.Name] = st // a later duplicate wins, as in BuildKit
		}
		for _, s := range st.Steps {
			if a, ok := s.Command.(*instructions.ArgCommand); ok {
				for _, kv := range a.Args {
					used[kv.Key] = true
				}
			}
		}
		for k := range used {
			st.Args = append(st.Args, k)
		}
		sort.Strings(st.Args)
	}
	return nil
}

// Err is the error BuildKit raises when it builds the stage, and only then,
// such as a RUN --mount option it cannot parse: nil, or a *ParseError. A
// target that needs the stage fails with it (StageGraph.Needed); a stage no
// target needs does not fail the build.
func (st *Stage) Err() error {
	if err := st.buildErr(true); err != nil {
		return err
	}
	return nil
}

// buildErr is the first of the stage's errors, with its triggers' if
// triggers is set.
func (st *Stage) buildErr(triggers bool) *ParseError {
	if triggers && st.triggerErr != nil {
		return st.triggerErr // at the FROM line, before the stage's own
	}
	return st.err
}

func (st *Stage) addEdge(to *Stage, kind EdgeKind, line int) {
	st.addEdgeFrom(to, kind, line, false)
}

// addEdgeFrom adds an edge, made by an ONBUILD trigger of the base stage
// when trigger is set.
func (st *Stage) addEdgeFrom(to *Stage, kind EdgeKind, line int, trigger bool) {
	st.Edges = append(st.Edges, Edge{To: to, Kind: kind, Line: line, trigger: trigger})
	if !slices.Contains(st.Deps, to) {
		st.Deps = append(st.Deps, to)
		slices.SortFunc(st.Deps, func(a, b *Stage) int { return a.Index - b.Index })
	}
}

func (st *Stage) addImage(ref string) {
	if !slices.Contains(st.Images, ref) {
		st.Images = append(st.Images, ref)
	}
}

// resolveRefs links COPY --from and RUN --mount=from references the way
// BuildKit does: a name of any stage, a stage index, or else an image. A
// stage built FROM an earlier stage also runs that stage's ONBUILD
// triggers, so their references are the child's, at its FROM line; BuildKit
// reads them only for the stages it builds, so a trigger's error is the
// child's Err.
func (g *StageGraph) resolveRefs() error {
	past := g.pastStages()
	for _, st := range g.Stages {
		if b := st.BaseStage; b != nil {
			for _, s := range b.Steps {
				if ob, ok := s.Command.(*instructions.OnbuildCommand); ok {
					// BuildKit reads the triggers before it builds the stage
					if err := g.addTriggerRefs(st, ob.Expression, past); err != nil && st.triggerErr == nil {
						st.triggerErr = err
					}
				}
			}
		}
		for _, s := range st.Steps {
			if err := g.addRefs(st, s.Command, s.Line, s.Column, false, past); err != nil {
				return err
			}
		}
	}
	return nil
}

// pastIndexes are the images BuildKit numbers after the stages: it adds one
// to its list of stages for each COPY --from=<image> and each RUN --mount
// whose from is not a stage (scratch when it has none), in Dockerfile
// order as it reads them, so a COPY --from=<index> past the last stage
// reads one of those added before it.
type pastIndexes struct {
	// reads is the image each such COPY reads.
	reads map[*instructions.CopyCommand]string
	// images are all of them, for the ONBUILD triggers, read after.
	images []string
}

// pastStages numbers the images after the stages as BuildKit does.
func (g *StageGraph) pastStages() *pastIndexes {
	past := &pastIndexes{reads: map[*instructions.CopyCommand]string{}}
	add := func(ref string) {
		if _, ok := g.byName[strings.ToLower(ref)]; !ok {
			past.images = append(past.images, ref)
		}
	}
	for _, st := range g.Stages {
		for _, s := range st.Steps {
			switch c := s.Command.(type) {
			case *instructions.CopyCommand:
				if c.From == "" || strings.Contains(c.From, "$") {
					continue
				}
				if idx, err := strconv.Atoi(c.From); err != nil {
					add(c.From)
				} else if i := idx - len(g.Stages); i >= 0 && i < len(past.images) {
					past.reads[c] = past.images[i]
				}
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					if m.From == "" {
						add("scratch")
					} else {
						add(m.From)
					}
				}
			}
		}
	}
	return past
}

// mountError parses a RUN's --mount options (which instructions.GetMounts
// then returns) and returns their error; text is the instruction's source.
// BuildKit parses them fully only when it expands them, as it builds the
// stage. They are parsed here without expanding variables, so an error in
// an instruction with a $ in it may be one that BuildKit's expansion
// avoids: nil.
func mountError(run *instructions.RunCommand, text string) error {
	if err := run.Expand(func(w string) (string, error) { return w, nil }); err != nil && !strings.Contains(text, "$") {
		return err
	}
	return nil
}

// addTriggerRefs links the stages and images an ONBUILD trigger of st's
// base reads in st, and fails as BuildKit does when it runs the trigger:
// one that does not parse, or whose RUN --mount options do not.
func (g *StageGraph) addTriggerRefs(st *Stage, expr string, past *pastIndexes) *ParseError {
	fail := func(err error) *ParseError {
		return &ParseError{Line: st.Line, Column: st.Column, Message: err.Error()}
	}
	res, err := parser.Parse(strings.NewReader(expr))
	if err != nil {
		return fail(err)
	}
	if len(res.AST.Children) != 1 {
		return fail(errors.New("onbuild trigger should be a single expression"))
	}
	cmd, err := instructions.ParseCommand(res.AST.Children[0])
	if err != nil {
		return fail(err)
	}
	if r, ok := cmd.(*instructions.RunCommand); ok {
		if err := mountError(r, expr); err != nil {
			return fail(err)
		}
	}
	return g.addRefs(st, cmd, st.Line, st.Column, true, past)
}

// addRefs links the stages and images one instruction of st reads. A
// trigger that reads the stage that runs it reads that stage's base, as
// BuildKit runs triggers first: no dependency.
func (g *StageGraph) addRefs(st *Stage, cmd instructions.Command, line, col int, onbuild bool, past *pastIndexes) *ParseError {
	link := func(to *Stage, kind EdgeKind) {
		if !onbuild || to != st {
			st.addEdgeFrom(to, kind, line, onbuild)
		}
	}
	switch c := cmd.(type) {
	case *instructions.CopyCommand:
		if c.From == "" {
			return nil
		}
		if strings.ContainsAny(c.From, "$") {
			return &ParseError{Line: line, Column: col,
				Message: fmt.Sprintf("COPY --from=%s: variable expansion is not supported for --from; define a stage with FROM using a global ARG instead", c.From)}
		}
		if idx, err := strconv.Atoi(c.From); err == nil {
			if idx >= 0 && idx < len(g.Stages) {
				link(g.Stages[idx], EdgeCopy)
				return nil
			}
			img, ok := past.reads[c]
			if i := idx - len(g.Stages); onbuild && i >= 0 && i < len(past.images) {
				img, ok = past.images[i], true
			}
			if !ok {
				return &ParseError{Line: line, Column: col,
					Message: fmt.Sprintf("COPY --from=%d: there is no stage %d (the Dockerfile has %d)", idx, idx, len(g.Stages))}
			}
			st.addImage(img)
			return nil
		}
		if to, ok := g.byName[strings.ToLower(c.From)]; ok {
			link(to, EdgeCopy)
		} else {
			st.addImage(c.From)
		}
	case *instructions.RunCommand:
		for _, m := range instructions.GetMounts(c) {
			if m.From == "" {
				continue
			}
			if to, ok := g.byName[strings.ToLower(m.From)]; ok {
				link(to, EdgeMount)
			} else {
				st.addImage(m.From)
			}
		}
	}
	return nil
}

// checkCycles fails on stages that need themselves, as BuildKit does for
// every stage: through their own COPY --from and RUN --mount=from. A cycle
// through a FROM or an ONBUILD trigger fails only the targets that need it,
// as one of its stages then reads a later one (see checkNeeded).
func (g *StageGraph) checkCycles() error {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(g.Stages))
	var visit func(st *Stage, path []*Stage) error
	visit = func(st *Stage, path []*Stage) error {
		switch state[st.Index] {
		case done:
			return nil
		case visiting:
			var names []string
			start := slices.Index(path, st)
			for _, p := range path[start:] {
				names = append(names, p.DisplayName())
			}
			names = append(names, st.DisplayName())
			return &ParseError{Line: path[len(path)-1].Line, Column: path[len(path)-1].Column,
				Message: "circular dependency between stages: " + strings.Join(names, " -> ")}
		}
		state[st.Index] = visiting
		for _, e := range st.Edges {
			if e.Kind == EdgeFrom || e.trigger {
				continue
			}
			if err := visit(e.To, append(path, st)); err != nil {
				return err
			}
		}
		state[st.Index] = done
		return nil
	}
	for _, st := range g.Stages {
		if err := visit(st, nil); err != nil {
			return err
		}
	}
	return nil
}

// DisplayName is the stage's name, or "stage-<index>" when unnamed, as
// BuildKit shows it. When a stage is named "stage-<index>" too (the name
// --target and COPY --from find), the unnamed one is
// "stage-<index> (unnamed)", so that no two stages look alike.
func (st *Stage) DisplayName() string {
	if st.Name != "" {
		return st.Name
	}
	if st.display != "" {
		return st.display
	}
	return "stage-" + strconv.Itoa(st.Index)
}

// TargetName is how BuildKit's --target names the stage: its name. It is ""
// for an unnamed stage, which BuildKit builds only as the last stage,
// without --target, and for a stage whose name a later stage reuses, which
// BuildKit cannot build as a target (--target finds the later stage).
func (st *Stage) TargetName() string {
	if st.shadowed {
		return ""
	}
	return st.Name
}

// nameCaches gives every stage a unique cache entry name, named stages
// first, and an unnamed stage whose "stage-<index>" another stage is named
// its own display name.
func (g *StageGraph) nameCaches() {
	used := map[string]bool{}
	for _, named := range []bool{true, false} {
		for _, st := range g.Stages {
			if (st.Name != "") != named {
				continue
			}
			n := "stage-" + strconv.Itoa(st.Index)
			if named {
				n = SanitizeCacheName(st.Name)
			} else if _, ok := g.byName[n]; ok {
				st.display = n + " (unnamed)"
			}
			if used[n] {
				base := n
				for i := st.Index; used[n]; i++ {
					n = base + "-" + strconv.Itoa(i)
				}
			}
			used[n] = true
			st.CacheName = n
		}
	}
}

// SanitizeCacheName lower-cases a stage name and replaces every byte
// outside [a-z0-9-] with '-', so that it can name a cache tag, scope or
// directory.
func SanitizeCacheName(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "stage"
	}
	return s
}

// Stage returns the stage with the given name (case-insensitive) or index.
func (g *StageGraph) Stage(nameOrIndex string) (*Stage, bool) {
	if st, ok := g.byName[strings.ToLower(nameOrIndex)]; ok {
		return st, true
	}
	if i, err := strconv.Atoi(nameOrIndex); err == nil && i >= 0 && i < len(g.Stages) {
		return g.Stages[i], true
	}
	return nil, false
}

// Target returns the stage a target names; "" is the last stage.
func (g *StageGraph) Target(target string) (*Stage, error) {
	if target == "" {
		return g.Stages[len(g.Stages)-1], nil
	}
	if st, ok := g.Stage(target); ok {
		return st, nil
	}
	var names []string
	for _, st := range g.Stages {
		if st.Name != "" {
			names = append(names, st.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("target stage %q not found: the Dockerfile's stages are unnamed (use an index 0-%d)", target, len(g.Stages)-1)
	}
	return nil, fmt.Errorf("target stage %q not found (stages: %s)", target, strings.Join(names, ", "))
}

// Needed returns the stages the target needs, itself included, in
// dependency order (every stage after the stages it needs, ties by index).
// An empty target is the last stage.
func (g *StageGraph) Needed(target string) ([]*Stage, error) {
	t, err := g.Target(target)
	if err != nil {
		return nil, err
	}
	needed := g.closure(t)
	if err := g.checkNeeded(needed); err != nil {
		return nil, err
	}
	return needed, nil
}

// checkNeeded fails, as BuildKit does, when a stage the target needs has an
// error BuildKit raises only as it builds the stage (Stage.Err), or copies
// or mounts from a stage defined after it: BuildKit builds the stages in
// Dockerfile order and can only read a stage it has already built. Stages
// the target does not need may do either. The error is the first in the
// Dockerfile.
func (g *StageGraph) checkNeeded(needed []*Stage) error { return g.check(needed, nil) }

// check is checkNeeded for stages, with the ONBUILD triggers only of the
// stages that triggered holds, or of all of them when it is nil.
func (g *StageGraph) check(stages []*Stage, triggered []bool) error {
	var bad *ParseError
	for _, st := range stages {
		triggers := triggered == nil || triggered[st.Index]
		if err := st.buildErr(triggers); err != nil && (bad == nil || err.Line < bad.Line) {
			bad = err
		}
		for _, e := range st.Edges {
			if e.To.Index <= st.Index || (bad != nil && bad.Line <= e.Line) || e.trigger && !triggers {
				continue
			}
			verb := "copies"
			if e.Kind == EdgeMount {
				verb = "mounts"
			}
			bad = &ParseError{Line: e.Line, Column: g.column(e.Line), Message: fmt.Sprintf("stage %s %s from stage %s, which is defined after it; BuildKit can only read a stage defined before, so move %s up",
				st.DisplayName(), verb, e.To.DisplayName(), e.To.DisplayName())}
		}
	}
	if bad == nil {
		return nil
	}
	return bad
}

// CheckAll fails as BuildKit's check of the whole Dockerfile (docker build
// --check without a target, which builds every stage) does: with the first
// error a stage has when BuildKit builds it (see checkNeeded). BuildKit
// runs the ONBUILD triggers only of the stages the last stage needs, so
// those of the other stages fail nothing. Errors are *ParseError.
func (g *StageGraph) CheckAll() error {
	if len(g.Stages) == 0 {
		return nil
	}
	triggered := make([]bool, len(g.Stages))
	for _, st := range g.closure(g.Stages[len(g.Stages)-1]) {
		triggered[st.Index] = true
	}
	return g.check(g.Stages, triggered)
}

// NeededBy returns the stage and the stages it needs, in dependency order,
// as Needed does for a target, without its checks.
func (g *StageGraph) NeededBy(st *Stage) []*Stage { return g.closure(st) }

// closure returns t and everything it needs, in waves, then by index
// (COPY --from may name a later stage, which BuildKit refuses only when it
// builds the stage: see StageGraph.checkNeeded).
func (g *StageGraph) closure(t *Stage) []*Stage {
	seen := make([]bool, len(g.Stages))
	var out []*Stage
	var visit func(st *Stage)
	visit = func(st *Stage) {
		if seen[st.Index] {
			return
		}
		seen[st.Index] = true
		for _, d := range st.Deps {
			visit(d)
		}
		out = append(out, st)
	}
	visit(t)
	// out is a post-order: dependencies first. Make ties deterministic by
	// ordering waves, then index within a wave.
	level := g.levels(out)
	slices.SortStableFunc(out, func(a, b *Stage) int {
		if level[a.Index] != level[b.Index] {
			return level[a.Index] - level[b.Index]
		}
		return a.Index - b.Index
	})
	return out
}

// levels returns each stage's wave: 0 for stages that need nothing, else
// one more than the highest wave of the stages it needs.
func (g *StageGraph) levels(stages []*Stage) map[int]int {
	level := map[int]int{}
	var get func(st *Stage) int
	get = func(st *Stage) int {
		if l, ok := level[st.Index]; ok {
			return l
		}
		// a cycle through a FROM or an ONBUILD trigger ends here:
		// checkNeeded fails a target that needs it
		level[st.Index] = 0
		l := 0
		for _, d := range st.Deps {
			l = max(l, get(d)+1)
		}
		level[st.Index] = l
		return l
	}
	for _, st := range stages {
		get(st)
	}
	return level
}

// Waves groups the stages the target needs into dependency waves: every
// stage of a wave needs only stages of earlier waves, so BuildKit runs the
// stages of one wave in parallel.
func (g *StageGraph) Waves(target string) ([][]*Stage, error) {
	needed, err := g.Needed(target)
	if err != nil {
		return nil, err
	}
	return g.wavesOf(needed), nil
}

// wavesOf groups needed stages into dependency waves.
func (g *StageGraph) wavesOf(needed []*Stage) [][]*Stage {
	level := g.levels(needed)
	var waves [][]*Stage
	for _, st := range needed {
		l := level[st.Index]
		for len(waves) <= l {
			waves = append(waves, nil)
		}
		waves[l] = append(waves[l], st)
	}
	return waves
}

// Dead returns the stages the target never needs, in index order. BuildKit
// skips them. An unknown target has no dead stages.
func (g *StageGraph) Dead(target string) []*Stage {
	needed, err := g.Needed(target)
	if err != nil {
		return nil
	}
	return g.deadOf(needed)
}

// deadOf returns the stages not in needed, in index order.
func (g *StageGraph) deadOf(needed []*Stage) []*Stage {
	in := make([]bool, len(g.Stages))
	for _, st := range needed {
		in[st.Index] = true
	}
	var out []*Stage
	for _, st := range g.Stages {
		if !in[st.Index] {
			out = append(out, st)
		}
	}
	return out
}

// Final reports whether the stage is the graph's last stage, the default target.
func (g *StageGraph) Final(st *Stage) bool { return st == g.Stages[len(g.Stages)-1] }

// Targetable reports whether BuildKit can build st as a build's target:
// by its name (Stage.TargetName), or as the last stage, without --target.
func (g *StageGraph) Targetable(st *Stage) bool { return st.TargetName() != "" || g.Final(st) }
