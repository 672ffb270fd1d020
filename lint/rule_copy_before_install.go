package lint

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

var copyBeforeInstallRule = &Rule{
	ID: "copy-before-install", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityWarning,
	Summary:         "a copy of the whole build context (COPY . .) before bundle install, yarn install, npm ci or pnpm install: any source change reinstalls every dependency",
	CheckDockerfile: checkCopyBeforeInstall,
}

// projectInstallers are the installers of a project's own dependencies,
// with the lockfiles to copy before running them.
var projectInstallers = map[string]string{
	"bundle install":   "Gemfile Gemfile.lock",
	"yarn install":     "package.json yarn.lock",
	"npm ci":           "package.json package-lock.json",
	"npm install":      "package.json package-lock.json",
	"pnpm install":     "package.json pnpm-lock.yaml",
	"bun install":      "package.json bun.lockb",
	"pip install":      "requirements.txt",
	"poetry install":   "pyproject.toml poetry.lock",
	"composer install": "composer.json composer.lock",
	"go mod download":  "go.mod go.sum",
	"mix deps.get":     "mix.exs mix.lock",
}

// checkCopyBeforeInstall reports a COPY or ADD of the whole build context
// that comes before a dependency install in its stage or in a stage built
// FROM it: the COPY's layer changes with every source file, and every step
// after it re-runs.
func checkCopyBeforeInstall(f *File, _ any) []Finding {
	g := f.Dockerfile.Graph
	var out []Finding
	for _, st := range g.Stages {
		for i := range st.Steps {
			s := &st.Steps[i]
			if !copiesWholeContext(s.Command) {
				continue
			}
			inst, where, name := firstInstall(st.Steps[i+1:])
			via := st
			if inst == nil {
				for _, d := range descendants(g, st) {
					if inst, where, name = firstInstall(d.Steps); inst != nil {
						via = d
						break
					}
				}
			}
			if inst == nil {
				continue
			}
			stage := ""
			if via != st {
				stage = " of stage " + via.DisplayName()
			}
			msg := fmt.Sprintf("%s copies the whole build context before `%s` on line %d%s: any source change re-runs the install; copy only %s first, install, then copy the rest",
				strings.ToUpper(s.Command.Name())+" "+strings.Join(copySources(s.Command), " "), name, where, stage, projectInstallers[name])
			fd := stepFinding(s, msg)
			fd.Related = []Location{{File: f.Path, Line: inst.Line, Column: inst.Column, Message: "re-runs on every source change"}}
			out = append(out, fd)
		}
	}
	return out
}

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

// firstInstall returns the first RUN that installs project dependencies,
// its line and the installer's name.
func firstInstall(steps []stagegraph.Step) (*stagegraph.Step, int, string) {
	for i := range steps {
		r, ok := steps[i].Command.(*instructions.RunCommand)
		if !ok {
			continue
		}
		script := stagegraph.RunScript(r)
		for _, in := range stagegraph.FindInstallers(script) {
			if _, ok := projectInstallers[in.Name]; ok && !toolInstall(in.Name, script) {
				return &steps[i], steps[i].Line, in.Name
			}
		}
	}
	return nil, 0, ""
}

var (
	npmGlobalRe  = lazyre.New(`\bnpm\s+(install|i)\b[^&;|\n]*\s(-g|--global)\b`)
	pipProjectRe = lazyre.New(`\bpip3?\s+install\b[^&;|\n]*\s(-r|--requirement|-e|\.)(\s|$)`)
)

// toolInstall reports installs of tools rather than of the project's
// dependencies: npm install -g, pip install without -r or ".".
func toolInstall(name, script string) bool {
	switch name {
	case "npm install":
		return npmGlobalRe.MatchString(script)
	case "pip install":
		return !pipProjectRe.MatchString(script)
	}
	return false
}
