package lint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	digest "github.com/opencontainers/go-digest"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

// Dockerfile is a parsed Dockerfile. Rules and other commands reuse it
// instead of parsing again.
type Dockerfile struct {
	// Graph is the stage graph; it holds BuildKit's parse tree (Graph.AST),
	// each stage's parsed instructions (Stage.Instruction, Stage.Steps) and
	// the source lines. Nil when the Dockerfile does not parse.
	Graph *stagegraph.StageGraph
	// Err is why the Dockerfile does not parse (a *stagegraph.ParseError).
	Err error
	// Dir is the absolute directory of the Dockerfile; "" for stdin.
	Dir string
}

// Final returns the last stage, the one `docker build` builds by default.
func (d *Dockerfile) Final() *stagegraph.Stage {
	if d.Graph == nil {
		return nil
	}
	return d.Graph.Stages[len(d.Graph.Stages)-1]
}

// buildkitRules returns BuildKit's Dockerfile checks as gantry rules.
func buildkitRules() []*Rule {
	var out []*Rule
	for _, r := range []struct {
		name, summary string
	}{
		{linter.RuleStageNameCasing.Name, "stage names should be lower case"},
		{linter.RuleFromAsCasing.Name, "the AS keyword should match the case of the FROM keyword"},
		{linter.RuleNoEmptyContinuation.Name, "empty continuation lines will become errors in a future release"},
		{linter.RuleConsistentInstructionCasing.Name, "all instructions should use the same casing, upper or lower"},
		{linter.RuleDuplicateStageName.Name, "stage names should be unique"},
		{linter.RuleReservedStageName.Name, "reserved words (scratch, context) should not be stage names"},
		{linter.RuleJSONArgsRecommended.Name, "the JSON form is recommended for ENTRYPOINT and CMD, so that the process gets OS signals"},
		{linter.RuleMaintainerDeprecated.Name, "the MAINTAINER instruction is deprecated: use a label for the image author"},
		{linter.RuleUndefinedArgInFrom.Name, "a FROM line should use only declared ARGs"},
		{linter.RuleWorkdirRelativePath.Name, "a relative WORKDIR without an absolute one earlier depends on the base image"},
		{linter.RuleUndefinedVar.Name, "variables should be defined before they are used (outside FROM scratch stages gantry reports only typos of declared variables)"},
		{linter.RuleMultipleInstructionsDisallowed.Name, "only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect"},
		{linter.RuleLegacyKeyValueFormat.Name, "legacy `ENV key value` format: write key=value"},
		{linter.RuleRedundantTargetPlatform.Name, "a FROM --platform=$TARGETPLATFORM is redundant: it is the default"},
		{linter.RuleSecretsUsedInArgOrEnv.Name, "secrets should not be passed in ARG or ENV: they end up in the image; use secret mounts"},
		{linter.RuleInvalidDefaultArgInFrom.Name, "a global ARG's default makes the base image name empty or invalid"},
		{linter.RuleFromPlatformFlagConstDisallowed.Name, "the FROM --platform flag should not be a constant value"},
		{linter.RuleCopyIgnoredFile.Name, "a COPY of a file that .dockerignore excludes (needs the build context, so gantry never reports it)"},
		{linter.RuleInvalidDefinitionDescription.Name, "stage and ARG description comments should read `# <name> <description>` (experimental: runs when the Dockerfile opts in with # check=experimental=...)"},
		{linter.RuleExposeProtoCasing.Name, "the protocol in EXPOSE should be lower case"},
		{linter.RuleExposeInvalidFormat.Name, "an EXPOSE should not give an IP address or a host port"},
	} {
		out = append(out, &Rule{ID: r.name, Source: SourceBuildKit, Target: TargetDockerfile, Severity: SeverityWarning, Summary: r.summary})
	}
	return out
}

// lintDockerfile parses a Dockerfile once, runs BuildKit's checks and
// gantry's Dockerfile rules on it.
// parseDockerfile builds a Dockerfile's stage graph as linting needs it:
// leniently, keeping a FROM whose ARG has no default unexpanded.
func parseDockerfile(src []byte) (*stagegraph.StageGraph, error) {
	g, err := stagegraph.ParseStageGraphOptions(src, stagegraph.Options{Lenient: true})
	if err != nil {
		return nil, err
	}
	// BuildKit's check (docker build --check) builds every stage
	if err := g.CheckAll(); err != nil {
		return nil, err
	}
	return g, nil
}

func (l *Linter) lintDockerfile(f *File) []Finding {
	df := &Dockerfile{}
	if f.AbsPath != "" {
		df.Dir = filepath.Dir(f.AbsPath)
	}
	f.Dockerfile = df
	g, err := parseDockerfile(f.Src)
	if err != nil {
		df.Err = err
		f.Invalid = true
		fd := Finding{RuleID: invalidFileRule.ID, Message: "the Dockerfile does not parse: " + err.Error()}
		var pe *stagegraph.ParseError
		if errors.As(err, &pe) {
			fd.Message = "the Dockerfile does not parse: " + lowerSentence(pe.Message)
			fd.Line, fd.Column = pe.Line, max(pe.Column, 1)
			if pe.Line == 0 {
				fd.Column = 0
			}
		}
		return []Finding{fd}
	}
	df.Graph = g
	var out []Finding
	runBK := false
	for _, r := range allRules {
		if r.Source == SourceBuildKit && l.ruleRuns(f.cfg, r) {
			runBK = true
			break
		}
	}
	if runBK {
		out = append(out, buildkitFindings(f)...)
	}
	for _, rule := range gantryRules {
		if rule.CheckDockerfile != nil && l.ruleRuns(f.cfg, rule) {
			for _, fd := range rule.CheckDockerfile(f, ruleOptions(f.cfg, rule)) {
				if fd.RuleID == "" {
					fd.RuleID = rule.ID
				}
				out = append(out, fd)
			}
		}
	}
	suppressWholeInstructions(g, f.Src, out)
	return out
}

// suppressWholeInstructions lets a gantry-ignore comment above a
// multi-line instruction cover findings on any of its lines: such findings
// move to the instruction's first line, where the engine applies the
// suppression (the position of a suppressed finding is never shown).
func suppressWholeInstructions(g *stagegraph.StageGraph, src []byte, fs []Finding) {
	sups := ParseSuppressions(src)
	if len(sups) == 0 {
		return
	}
	names := map[int][]string{}
	for _, s := range sups {
		names[s.Target] = append(names[s.Target], s.Rules...)
	}
	for i := range fs {
		fd := &fs[i]
		for _, st := range g.Stages {
			for _, s := range st.Steps {
				if fd.Line > s.Line && fd.Line <= s.EndLine &&
					(slices.Contains(names[s.Line], fd.RuleID) || slices.Contains(names[s.Line], "all")) &&
					!slices.Contains(names[fd.Line], fd.RuleID) {
					fd.Line, fd.Column = s.Line, s.Column
				}
			}
		}
	}
}

// offlineResolver answers BuildKit's image config lookups without pulling:
// every base image is an empty image of the requested platform. The check
// that needs the real image (InvalidBaseImagePlatform) therefore never
// fires and is not listed, and UndefinedVar is filtered where the base
// image's ENV is unknown.
type offlineResolver struct{}

// ResolveImageConfig returns an empty image config for any reference.
func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img := map[string]any{
		"os": "linux", "architecture": "amd64",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + strings.Repeat("0", 64)}},
		"config": map[string]any{},
	}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p := opt.ImageOpt.Platform
		img["os"], img["architecture"] = p.OS, p.Architecture
		if p.Variant != "" {
			img["variant"] = p.Variant
		}
	}
	dt, err := json.Marshal(img)
	return ref, "", dt, err
}

var _ llb.ImageMetaResolver = offlineResolver{}

// secretsWarningName is the variable a SecretsUsedInArgOrEnv warning names.
var secretsWarningName = lazyre.New(`\((?:ARG|ENV) "(\w+)"\)`)

// notSecrets are names that BuildKit's SecretsUsedInArgOrEnv takes for
// secrets but are not: SECRET_KEY_BASE_DUMMY=1 is Rails' documented way to
// run assets:precompile without the real secret.
var notSecrets = map[string]bool{"SECRET_KEY_BASE_DUMMY": true}

// didYouMean marks an UndefinedVar finding that suggests a defined variable.
var didYouMean = lazyre.New(`\(did you mean \$?(\w+)\?\)`)

// buildkitFindings runs BuildKit's Dockerfile checks in-process, the way
// `docker build --check` does, and converts the warnings to findings.
func buildkitFindings(f *File) (out []Finding) {
	defer func() {
		if r := recover(); r != nil {
			out = append(out, Finding{RuleID: internalErrorRule.ID, Line: 1, Column: 1,
				Message: fmt.Sprintf("BuildKit's Dockerfile checks crashed on this file: %v; please report it", r)})
		}
	}()
	name := filepath.Base(f.Path)
	sm := llb.NewSourceMap(nil, name, "Dockerfile", f.Src)
	sm.Definition = &llb.Definition{}
	res, err := dockerfile2llb.DockerfileLint(context.Background(), f.Src, dockerfile2llb.ConvertOpt{
		SourceMap:    sm,
		MetaResolver: offlineResolver{},
	})
	if err != nil {
		return []Finding{{RuleID: internalErrorRule.ID, Line: 1, Column: 1, Message: "BuildKit's Dockerfile checks failed: " + err.Error()}}
	}
	g := f.Dockerfile.Graph
	for _, w := range res.Warnings {
		if _, ok := LookupRule(w.RuleName); !ok {
			continue // a rule newer than gantry's list
		}
		fd := Finding{RuleID: w.RuleName, Message: lowerSentence(w.Detail)}
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			r := w.Location.Ranges[0]
			fd.Line = int(r.Start.Line)
			fd.Column = int(r.Start.Character) + 1
			if r.Start.Character == 0 {
				fd.Column = lineStart(g, fd.Line)
			}
			last := w.Location.Ranges[len(w.Location.Ranges)-1]
			if int(last.End.Line) > fd.Line {
				fd.EndLine = int(last.End.Line)
			}
		}
		if w.RuleName == linter.RuleUndefinedVar.Name && !envKnown(g, fd.Line) {
			// The variable may come from the base image's ENV, which gantry
			// cannot see without pulling the image. Report it only as a
			// likely typo of a variable the Dockerfile itself declares.
			m := didYouMean.FindStringSubmatch(w.Detail)
			if m == nil || m[1] == "PATH" || !declared(g)[m[1]] {
				continue
			}
		}
		if w.RuleName == linter.RuleSecretsUsedInArgOrEnv.Name {
			if m := secretsWarningName.FindStringSubmatch(w.Detail); m != nil && notSecrets[m[1]] {
				continue
			}
		}
		out = append(out, fd)
	}
	if res.Error != nil && !strings.Contains(res.Error.Message, "should not be blank") {
		// (a base from an ARG without a default is InvalidDefaultArgInFrom,
		// and builds with --build-arg)
		fd := Finding{RuleID: invalidFileRule.ID, Message: "BuildKit cannot build this Dockerfile: " + lowerSentence(res.Error.Message)}
		if rs := res.Error.Location.Ranges; len(rs) > 0 {
			fd.Line = int(rs[0].Start.Line)
			fd.Column = lineStart(g, fd.Line)
		}
		out = append(out, fd)
	}
	return out
}

// declared returns the names of every ARG and ENV the Dockerfile declares.
func declared(g *stagegraph.StageGraph) map[string]bool {
	names := map[string]bool{}
	for _, a := range g.MetaArgs {
		names[a.Name] = true
	}
	for _, st := range g.Stages {
		for _, s := range st.Steps {
			switch c := s.Command.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					names[kv.Key] = true
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					names[kv.Key] = true
				}
			}
		}
	}
	return names
}

// lineStart is the 1-based column of the first non-blank byte of a line.
func lineStart(g *stagegraph.StageGraph, line int) int {
	if g == nil || line < 1 || line > len(g.Lines) {
		return 1
	}
	l := g.Lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}

// stageAt returns the stage whose instructions include the line.
func stageAt(g *stagegraph.StageGraph, line int) *stagegraph.Stage {
	var cur *stagegraph.Stage
	for _, st := range g.Stages {
		if st.Line > line {
			break
		}
		cur = st
	}
	return cur
}

// rootBase follows FROM <stage> to the stage built from an image or scratch.
func rootBase(st *stagegraph.Stage) *stagegraph.Stage {
	for i := 0; st.BaseStage != nil && i < 1000; i++ {
		st = st.BaseStage
	}
	return st
}

// envKnown reports whether gantry knows the whole environment at a line:
// the stage descends from scratch, not from an image with its own ENV.
func envKnown(g *stagegraph.StageGraph, line int) bool {
	st := stageAt(g, line)
	if st == nil {
		return true // global ARGs
	}
	return strings.EqualFold(rootBase(st).Base, "scratch")
}

// lowerSentence puts an upstream message in gantry's style: a capitalised
// first word is lower-cased (acronyms and instruction names are kept), and
// a trailing period is dropped.
func lowerSentence(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	word, _, _ := strings.Cut(s, " ")
	if len(word) > 1 && word[0] >= 'A' && word[0] <= 'Z' && strings.ToLower(word[1:]) == word[1:] {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// stepFinding is a finding on a whole instruction: from its first byte to
// the end of its last line.
func stepFinding(s *stagegraph.Step, msg string) Finding {
	fd := Finding{Line: s.Line, Column: s.Column, Message: msg}
	if s.EndLine > s.Line || s.EndColumn > s.Column {
		fd.EndLine, fd.EndColumn = s.EndLine, s.EndColumn
	}
	return fd
}

// findInStep returns the position of the first match of re in the source
// lines of an instruction, or the instruction's own position.
func findInStep(g *stagegraph.StageGraph, s *stagegraph.Step, re pattern) (line, col int) {
	for l := s.Line; l <= s.EndLine && l <= len(g.Lines); l++ {
		if loc := re.FindStringIndex(g.Lines[l-1]); loc != nil {
			return l, loc[0] + 1
		}
	}
	return s.Line, s.Column
}

// descendants returns the stages built FROM st, directly or not.
func descendants(g *stagegraph.StageGraph, st *stagegraph.Stage) []*stagegraph.Stage {
	var out []*stagegraph.Stage
	for _, o := range g.Stages {
		for b := o.BaseStage; b != nil; b = b.BaseStage {
			if b == st {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// ancestry returns st and the stages it is built FROM, nearest first.
func ancestry(st *stagegraph.Stage) []*stagegraph.Stage {
	out := []*stagegraph.Stage{st}
	for b := st.BaseStage; b != nil && len(out) < 1000; b = b.BaseStage {
		out = append(out, b)
	}
	return out
}

// shellCommands splits a shell script into simple commands (at &&, ||, ;,
// | and newlines), each as its words without leading VAR=value assignments.
func shellCommands(script string) [][]string {
	var out [][]string
	for _, part := range shellSep.Split(script, -1) {
		words := strings.Fields(part)
		for len(words) > 0 && isAssignment(words[0]) {
			words = words[1:]
		}
		if len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

var shellSep = lazyre.New(`&&|\|\||;|\||\n|\(|\)`)

// hasCacheMount reports whether a RUN mounts a cache (--mount=type=cache),
// optionally on a target containing the given path part.
func hasCacheMount(c *instructions.RunCommand, target string) bool {
	for _, m := range instructions.GetMounts(c) {
		if m.Type == instructions.MountTypeCache && strings.Contains(m.Target, target) {
			return true
		}
	}
	return false
}

// varRef matches a reference to a variable: $NAME or ${NAME...}.
var varRef = lazyre.New(`\$\{?(\w+)`)

// varRefs returns the names of the variables a text refers to, in order.
func varRefs(text string) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// usesVar reports whether a text refers to $name or ${name...}.
func usesVar(text, name string) bool { return slices.Contains(varRefs(text), name) }

// runScriptOf is the shell text of a RUN (see stagegraph.RunScript).
func runScriptOf(r *instructions.RunCommand) string { return stagegraph.RunScript(r) }

// copySources returns the build-context sources of a COPY or ADD (none
// for a COPY --from another stage or image).
func copySources(c instructions.Command) []string {
	switch c := c.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			return nil
		}
		return c.SourcePaths
	case *instructions.AddCommand:
		return c.SourcePaths
	}
	return nil
}

// copiesWholeContext reports a COPY or ADD from the build context whose
// source is its root (".", "./", "/", "*").
func copiesWholeContext(c instructions.Command) bool {
	for _, src := range copySources(c) {
		if strings.Contains(src, "://") {
			continue
		}
		clean := path.Clean("/" + src)
		if clean == "/" || clean == "/*" {
			return true
		}
	}
	return false
}
