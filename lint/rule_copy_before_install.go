package lint

import (
	"fmt"
	"path"
	"slices"
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
			fetched := fetchedBefore(st, i)
			inst, where, name := firstInstall(st.Steps[i+1:], fetched)
			via := st
			if inst == nil {
				for _, d := range descendants(g, st) {
					if inst, where, name = firstInstall(d.Steps, fetched); inst != nil {
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

// firstInstall returns the first RUN that installs project dependencies,
// its line and the installer's name. An offline install by a package
// manager in fetched does not count: it installs what an earlier step
// downloaded.
func firstInstall(steps []stagegraph.Step, fetched map[string]bool) (*stagegraph.Step, int, string) {
	for i := range steps {
		r, ok := steps[i].Command.(*instructions.RunCommand)
		if !ok {
			continue
		}
		script := stagegraph.RunScript(r)
		for _, in := range stagegraph.FindInstallers(script) {
			if _, ok := projectInstallers[in.Name]; !ok || toolInstall(in.Name, script) {
				continue
			}
			if o, ok := offlineInstalls[in.Name]; ok && fetched[o.manager] && offlineOnly(o, script) {
				continue
			}
			return &steps[i], steps[i].Line, in.Name
		}
	}
	return nil, 0, ""
}

// offlineInstall is a package manager whose install can run offline, from
// what an earlier step of the build fetched.
type offlineInstall struct {
	manager string
	// flag makes the install offline.
	flag string
	// install are the subcommands that install ("" for a bare yarn); fetch
	// are those that download.
	install, fetch []string
}

// offlineInstalls are the installers with an offline mode, by name:
// pnpm install --offline after pnpm fetch (pnpm's Docker recipe), yarn
// install --offline, npm ci --offline (not --prefer-offline, which
// downloads what is missing), bundle install --local.
var offlineInstalls = map[string]offlineInstall{
	"bundle install": {manager: "bundle", flag: "--local", install: []string{"install"}, fetch: []string{"install"}},
	"yarn install":   {manager: "yarn", flag: "--offline", install: []string{"install", ""}, fetch: []string{"install", ""}},
	"npm ci":         npmOffline,
	"npm install":    npmOffline,
	"pnpm install":   {manager: "pnpm", flag: "--offline", install: []string{"install", "i"}, fetch: []string{"fetch", "install", "i"}},
}

// npmOffline is npm's offline install, whichever of npm ci and npm install
// was found: either one fetches, and either one installs offline.
var npmOffline = offlineInstall{manager: "npm", flag: "--offline", install: []string{"ci", "install", "i"}, fetch: []string{"ci", "install", "i"}}

// managerCommands returns the commands of a script that run a package
// manager with one of the subcommands, and whether each has the flag.
func managerCommands(script, manager string, subcommands []string, flag string) (n, flagged int) {
	for _, cmd := range shellCommands(script) {
		if path.Base(cmd[0]) != manager {
			continue
		}
		sub := ""
		for _, w := range cmd[1:] {
			if !strings.HasPrefix(w, "-") && !(manager == "bundle" && strings.HasPrefix(w, "_")) {
				sub = w // (bundle _2.5.22_ install names bundler's version)
				break
			}
		}
		if slices.Contains(subcommands, sub) {
			n++
			if slices.Contains(cmd[1:], flag) {
				flagged++
			}
		}
	}
	return n, flagged
}

// offlineOnly reports whether every install of the package manager in a
// script is offline.
func offlineOnly(o offlineInstall, script string) bool {
	n, offline := managerCommands(script, o.manager, o.install, o.flag)
	return n > 0 && offline == n
}

// fetchedBefore returns the package managers that download dependencies
// (online) before step i of st, in st or the stages it is built FROM.
func fetchedBefore(st *stagegraph.Stage, i int) map[string]bool {
	fetched := map[string]bool{}
	for k, s := range ancestry(st) {
		steps := s.Steps
		if k == 0 {
			steps = steps[:i]
		}
		for _, step := range steps {
			r, ok := step.Command.(*instructions.RunCommand)
			if !ok {
				continue
			}
			script := stagegraph.RunScript(r)
			for _, o := range offlineInstalls {
				if n, offline := managerCommands(script, o.manager, o.fetch, o.flag); n > offline {
					fetched[o.manager] = true
				}
			}
		}
	}
	return fetched
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
