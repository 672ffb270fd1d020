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

func isVolatile(name string, extra []string) bool {
	n := strings.ToUpper(name)
	return slices.Contains(volatileNames, n) || volatileSuffix.MatchString(n) || slices.ContainsFunc(extra, func(e string) bool { return strings.EqualFold(e, name) })
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
		for i := range st.Steps {
			s := &st.Steps[i]
			name, isEnv := volatileVar(s.Command, o.Names)
			if name == "" {
				continue
			}
			later := laterCostlyRun(st.Steps[i+1:], name)
			var via *stagegraph.Stage
			if later == nil && isEnv {
				for _, d := range descendants(g, st) {
					if later = laterCostlyRun(d.Steps, name); later != nil {
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
			out = append(out, fd)
		}
	}
	return out
}

// volatileVar returns the first volatile variable an ARG or ENV instruction
// sets. An ENV counts only when its value comes from a variable: a literal
// changes only with the Dockerfile.
func volatileVar(c instructions.Command, extra []string) (name string, isEnv bool) {
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if isVolatile(kv.Key, extra) {
				return kv.Key, false
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			if !strings.Contains(kv.Value, "$") {
				continue
			}
			if isVolatile(kv.Key, extra) {
				return kv.Key, true
			}
			for _, v := range append(slices.Clone(volatileNames), extra...) {
				if usesVar(kv.Value, v) {
					return kv.Key, true
				}
			}
		}
	}
	return "", false
}

// laterCostlyRun returns the first RUN among steps that is not a cheap file
// operation and does not refer to the variable.
func laterCostlyRun(steps []stagegraph.Step, name string) *stagegraph.Step {
	for i := range steps {
		r, ok := steps[i].Command.(*instructions.RunCommand)
		if !ok {
			continue
		}
		script := stagegraph.RunScript(r)
		if stagegraph.CheapScript(script) || usesVar(script, name) {
			continue
		}
		return &steps[i]
	}
	return nil
}
