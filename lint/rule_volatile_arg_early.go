package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

// VolatileArgOptions are the options of the volatile-arg-early rule.
type VolatileArgOptions struct {
	// Names are more variable names whose value changes on every build.
	Names []string `yaml:"names"`
}

// volatileNames are build variables whose value changes on every build.
var volatileNames = []string{
	"SHA", "GIT_SHA", "COMMIT", "COMMIT_SHA", "GIT_COMMIT", "GIT_COMMIT_SHA", "HEAD_SHA", "GITHUB_SHA",
	"CI_COMMIT_SHA", "SOURCE_COMMIT", "VCS_REF", "REVISION", "GIT_REVISION", "SOURCE_VERSION",
	"BUILD_NUMBER", "BUILD_ID", "BUILD_DATE", "BUILD_TIME", "BUILD_TIMESTAMP", "TIMESTAMP",
	"GITHUB_RUN_ID", "GITHUB_RUN_NUMBER", "CI_PIPELINE_ID", "VERSION", "APP_VERSION", "RELEASE",
	"RELEASE_VERSION", "IMAGE_TAG",
}

// volatileSuffix matches names such as APP_GIT_SHA or DEPLOY_REVISION.
var volatileSuffix = lazyre.New(`_(SHA|COMMIT|COMMIT_SHA|REVISION|BUILD_NUMBER|BUILD_ID)$`)

// releaseNames are volatile names that also name a pinned version (ARG
// VERSION=0.6.1 of a tool the image downloads): they count only when their
// ARG has no literal default. The other names identify a commit, a build or
// a time: their default is a placeholder (ARG GIT_SHA=unknown) that CI
// overrides, so they count with any default.
var releaseNames = []string{"VERSION", "APP_VERSION", "RELEASE", "RELEASE_VERSION", "IMAGE_TAG"}

func isVolatile(name string, extra []string) bool {
	n := strings.ToUpper(name)
	return slices.Contains(volatileNames, n) || volatileSuffix.MatchString(n) || listedName(extra, name)
}

// listedName reports whether the names option lists name (in any case).
func listedName(extra []string, name string) bool {
	return slices.ContainsFunc(extra, func(e string) bool { return strings.EqualFold(e, name) })
}

var volatileArgEarlyRule = &Rule{
	ID: "volatile-arg-early", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityWarning,
	Summary:         "an ARG or ENV that changes on every build (SHA, BUILD_NUMBER, ...) comes before RUN steps that do not need it, so they never hit the cache",
	NewOptions:      func() any { return &VolatileArgOptions{} },
	CheckDockerfile: checkVolatileArgEarly,
}

// checkVolatileArgEarly reports volatile ARG and ENV instructions followed,
// in their stage (or, for ENV, in the stages built FROM it), by a costly RUN
// that does not use them: BuildKit passes ARGs and ENVs to every later RUN,
// so a new value re-runs all of them.
func checkVolatileArgEarly(f *File, opts any) []Finding {
	o, _ := opts.(*VolatileArgOptions)
	if o == nil {
		o = &VolatileArgOptions{}
	}
	g := f.Dockerfile.Graph
	var out []Finding
	for _, st := range g.Stages {
		reported := map[string]int{} // the stage's ARGs reported: their finding's index
		for i := range st.Steps {
			s := &st.Steps[i]
			name, isEnv := volatileVar(g, st, i, o.Names)
			if name == "" {
				continue
			}
			later := laterCostlyRun(st, i+1, name)
			if arg, ok := copiedArg(s.Command, reported); ok && later != nil {
				// the ENV that copies a reported ARG: the same problem
				out[arg].Related = append(out[arg].Related, Location{File: f.Path, Line: s.Line, Column: s.Column,
					Message: s.Instruction + " " + name + " copies it: move it too"})
				continue
			}
			var via *stagegraph.Stage
			if later == nil && isEnv {
				for _, d := range descendants(g, st) {
					if later = laterCostlyRun(d, 0, name); later != nil {
						via = d
						break
					}
				}
			}
			if later == nil {
				continue
			}
			kw := s.Instruction
			var msg string
			if via == nil {
				msg = fmt.Sprintf("%s %s changes on every build but comes before the RUN on line %d, which does not use it: that RUN and every later one miss the cache; move the %s to the end of the stage",
					kw, name, later.Line, kw)
			} else {
				msg = fmt.Sprintf("%s %s changes on every build and is inherited by stage %s, whose RUN on line %d then misses the cache; set it only in the last stage, after its last RUN",
					kw, name, via.DisplayName(), later.Line)
			}
			fd := stepFinding(s, msg)
			fd.Related = []Location{{File: f.Path, Line: later.Line, Column: later.Column, Message: "this RUN re-runs whenever " + name + " changes"}}
			if !isEnv {
				reported[name] = len(out)
			}
			out = append(out, fd)
		}
	}
	return out
}

// volatileVar returns the first volatile variable that the ARG or ENV
// instruction at step i of st sets. An ENV counts only when its value comes
// from a variable: a literal changes only with the Dockerfile. A release
// name (VERSION) does not count when its ARG has a literal default, nor an
// ENV whose value comes only from such ARGs.
func volatileVar(g *stagegraph.StageGraph, st *stagegraph.Stage, i int, extra []string) (name string, isEnv bool) {
	pinned := func(name string) bool {
		if !slices.Contains(releaseNames, strings.ToUpper(name)) || listedName(extra, name) {
			return false
		}
		v, ok := argDefault(g, st, i, name)
		return ok && v != "" && !strings.Contains(v, "$")
	}
	switch c := st.Steps[i].Command.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if isVolatile(kv.Key, extra) && !pinned(kv.Key) {
				return kv.Key, false
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			if !strings.Contains(kv.Value, "$") {
				continue
			}
			refs := varRefs(kv.Value)
			if len(refs) > 0 && !slices.ContainsFunc(refs, func(ref string) bool { return !pinned(ref) }) {
				continue // only pinned versions
			}
			if isVolatile(kv.Key, extra) {
				return kv.Key, true
			}
			for _, ref := range refs {
				if isVolatile(ref, extra) && !pinned(ref) {
					return kv.Key, true
				}
			}
		}
	}
	return "", false
}

// argDefault returns the default of the ARG name in scope at step i of st:
// declared earlier in the stage, or before the first FROM when the stage's
// ARG has no default of its own.
func argDefault(g *stagegraph.StageGraph, st *stagegraph.Stage, i int, name string) (string, bool) {
	for k := i; k >= 0; k-- {
		a, ok := st.Steps[k].Command.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range a.Args {
			if kv.Key != name {
				continue
			}
			if kv.Value != nil {
				return *kv.Value, true
			}
			for _, m := range g.MetaArgs {
				if m.Name == name && m.Default != nil {
					return *m.Default, true
				}
			}
			return "", false
		}
	}
	return "", false
}

// laterCostlyRun returns the first RUN of st, from step from on, that is not
// a cheap file operation, does not refer to the variable, and does not come
// after a copy of the whole build context (in st or a stage it is built
// FROM): such a RUN misses the cache on every source change anyway.
func laterCostlyRun(st *stagegraph.Stage, from int, name string) *stagegraph.Step {
	for _, a := range ancestry(st)[1:] {
		if slices.ContainsFunc(a.Steps, func(s stagegraph.Step) bool { return copiesWholeContext(s.Command) }) {
			return nil
		}
	}
	for i := range st.Steps {
		if copiesWholeContext(st.Steps[i].Command) {
			return nil
		}
		r, ok := st.Steps[i].Command.(*instructions.RunCommand)
		if !ok || i < from {
			continue
		}
		script := stagegraph.RunScript(r)
		if stagegraph.CheapScript(script) || usesVar(script, name) {
			continue
		}
		return &st.Steps[i]
	}
	return nil
}

// copiedArg returns the finding index of a reported ARG whose value an ENV
// instruction copies (ENV GIT_SHA=${GIT_SHA} after ARG GIT_SHA).
func copiedArg(c instructions.Command, reported map[string]int) (int, bool) {
	e, ok := c.(*instructions.EnvCommand)
	if !ok {
		return 0, false
	}
	for _, kv := range e.Env {
		for _, ref := range varRefs(kv.Value) {
			if i, ok := reported[ref]; ok {
				return i, true
			}
		}
	}
	return 0, false
}
