package stagegraph

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/internal/text"
)

// CachePlan is the per-stage cache plan of a target: one cache entry per
// needed stage that installs dependencies or produces artifacts, named after
// the stage.
type CachePlan struct {
	// Target is the display name of the target stage.
	Target string `json:"target"`
	// Entries are the cache entries in dependency order.
	Entries []CacheEntry `json:"entries"`
}

// CacheEntry is the cache of one stage.
type CacheEntry struct {
	// Stage is the entry's name: the stage's CacheName.
	Stage string `json:"stage"`
	// Reason says why the stage gets a cache entry.
	Reason string `json:"reason"`
	// Imports are the entries a build of this stage imports: its own entry
	// only. Its ancestors are solved with their own entries, on the same
	// daemon at the same time, which matches the steps they share against
	// both; importing their entries into this solve too loses cache hits in
	// BuildKit v0.34 (see docs/build.md).
	Imports []string `json:"imports"`
	// Ancestors are the entries of the cacheable stages it is built on, in
	// dependency order, by name: solved alongside it, not imported by it.
	// Stages without an entry of their own (unnamed) are not among them.
	Ancestors []string `json:"ancestors,omitempty"`
	// Wave is the stage's dependency wave (see StageGraph.Waves).
	Wave int `json:"wave"`
}

// CachePlan returns the cache plan of a target ("" is the last stage).
// Unnamed stages other than the target get no entry of their own: BuildKit
// cannot build them as a target, so their layers are exported with the
// entries of the stages that need them. Neither do stages whose name a later
// stage reuses (see Stage.TargetName).
func (g *StageGraph) CachePlan(target string) (*CachePlan, error) {
	t, err := g.Target(target)
	if err != nil {
		return nil, err
	}
	return g.cachePlanOf(t)
}

// cachePlanOf is CachePlan for the target stage t.
func (g *StageGraph) cachePlanOf(t *Stage) (*CachePlan, error) {
	needed := g.closure(t)
	if err := g.checkNeeded(needed); err != nil {
		return nil, err
	}
	level := g.levels(needed)
	plan := &CachePlan{Target: t.DisplayName(), Entries: []CacheEntry{}}
	for _, st := range needed {
		if !st.Cacheable || (st.TargetName() == "" && st != t) {
			// BuildKit can only target named stages (or build the last one),
			// so an unnamed stage's layers live in its dependents' entries,
			// and so do those of a stage whose name a later one reuses.
			continue
		}
		e := CacheEntry{Stage: st.CacheName, Reason: st.Reason, Imports: []string{st.CacheName}, Wave: level[st.Index]}
		for _, a := range g.closure(st) {
			if a != st && a.Cacheable && a.TargetName() != "" {
				// only stages with an entry: an unnamed one has none
				e.Ancestors = append(e.Ancestors, a.CacheName)
			}
		}
		plan.Entries = append(plan.Entries, e)
	}
	return plan, nil
}

// Entry returns the plan's entry for a stage's cache name.
func (p *CachePlan) Entry(stage string) (CacheEntry, bool) {
	for _, e := range p.Entries {
		if e.Stage == stage {
			return e, true
		}
	}
	return CacheEntry{}, false
}

// RunScript returns the shell text of a RUN instruction: its command line
// and the content of its heredocs.
func RunScript(c *instructions.RunCommand) string {
	var b strings.Builder
	b.WriteString(strings.Join(c.CmdLine, " "))
	for _, f := range c.Files {
		b.WriteByte('\n')
		b.WriteString(f.Data)
	}
	return b.String()
}

// Installer is a command that installs dependencies or builds artifacts.
type Installer struct {
	// Name is how the command is shown, such as "bundle install".
	Name string
	// Kind is "dependencies" or "artifacts".
	Kind string
	re   *lazyre.Regexp
	// word must occur in a script for re to be tried (a fast prefilter).
	word string
}

// Installers are the commands gantry recognises in RUN steps. Package
// managers install dependencies; builders produce artifacts.
var Installers = []Installer{
	{Name: "bundle install", Kind: "dependencies", re: lazyre.New(`\bbundle(\s+(-\S+|_\S+_))*\s+install\b`)}, // (bundle _2.5.22_ install)
	{Name: "gem install", Kind: "dependencies", re: lazyre.New(`\bgem\s+install\b`)},
	{Name: "yarn install", Kind: "dependencies", re: lazyre.New(`\byarn(\s+-\S+)*\s+install\b|(^|&&|;|\|\||\n)\s*yarn\s*($|&&|;|\|\||\n)`)},
	{Name: "npm ci", Kind: "dependencies", re: lazyre.New(`\bnpm(\s+-\S+)*\s+ci\b`)},
	{Name: "npm install", Kind: "dependencies", re: lazyre.New(`\bnpm(\s+-\S+)*\s+(install|i)(\s|$)`)},
	{Name: "pnpm install", Kind: "dependencies", re: lazyre.New(`\bpnpm(\s+-\S+)*\s+(install|i)(\s|$)`)},
	{Name: "bun install", Kind: "dependencies", re: lazyre.New(`\bbun\s+install\b`)},
	{Name: "pip install", Kind: "dependencies", word: "pip", re: lazyre.New(`\bpip3?\s+install\b`)},
	{Name: "poetry install", Kind: "dependencies", re: lazyre.New(`\bpoetry\s+install\b`)},
	{Name: "composer install", Kind: "dependencies", re: lazyre.New(`\bcomposer\s+install\b`)},
	{Name: "go mod download", Kind: "dependencies", re: lazyre.New(`\bgo\s+mod\s+download\b`)},
	{Name: "mix deps.get", Kind: "dependencies", re: lazyre.New(`\bmix\s+deps\.get\b`)},
	{Name: "apk add", Kind: "dependencies", re: lazyre.New(`\bapk\s+(-\S+\s+)*add\b`)},
	{Name: "apt-get install", Kind: "dependencies", word: "apt", re: lazyre.New(`\bapt(-get)?\s+(-\S+\s+)*install\b`)},
	{Name: "yum install", Kind: "dependencies", word: "install", re: lazyre.New(`\b(yum|dnf|microdnf)\s+(-\S+\s+)*install\b`)},
	{Name: "assets:precompile", Kind: "artifacts", re: lazyre.New(`\bassets:precompile\b`)},
	{Name: "webpack", Kind: "artifacts", re: lazyre.New(`\bwebpack\b`)},
	{Name: "yarn build", Kind: "artifacts", word: "build", re: lazyre.New(`\b(yarn|pnpm|bun)(\s+run)?\s+build\b|\bnpm\s+run\s+build\b`)},
	{Name: "go build", Kind: "artifacts", word: "go", re: lazyre.New(`\bgo\s+(build|install)\b`)},
	{Name: "cargo build", Kind: "artifacts", re: lazyre.New(`\bcargo\s+(build|install)\b`)},
	{Name: "make", Kind: "artifacts", re: lazyre.New(`(^|&&|;|\n)\s*make\b`)},
	{Name: "mvn package", Kind: "artifacts", re: lazyre.New(`\bmvn\b`)},
	{Name: "gradle build", Kind: "artifacts", re: lazyre.New(`\bgradlew?\b`)},
	{Name: "bootsnap precompile", Kind: "artifacts", re: lazyre.New(`\bbootsnap\s+precompile\b`)},
}

// InstallerPattern returns the pattern that finds the installer named name
// (an Installers Name, such as "bundle install") in a script. It panics on
// a name that is not in Installers.
func InstallerPattern(name string) *lazyre.Regexp {
	for _, in := range Installers {
		if in.Name == name {
			return in.re
		}
	}
	panic("stagegraph: no installer " + name)
}

// FindInstallers returns the installers a shell script runs, in the order of
// the Installers list.
func FindInstallers(script string) []Installer {
	var out []Installer
	for _, in := range Installers {
		word := in.word
		if word == "" {
			word, _, _ = strings.Cut(in.Name, " ")
		}
		if strings.Contains(script, word) && in.re.MatchString(script) {
			out = append(out, in)
		}
	}
	return out
}

// cheapCommands are commands whose result is not worth caching on its own.
var cheapCommands = map[string]bool{
	"mkdir": true, "ln": true, "chmod": true, "chown": true, "echo": true, "rm": true, "touch": true,
	"true": true, "cd": true, "export": true, "set": true, "useradd": true, "adduser": true,
	"addgroup": true, "groupadd": true, "printf": true, ":": true, "mv": true, "cp": true,
}

var shellSplit = lazyre.New(`&&|\|\||;|\||\n`)

// CheapScript reports whether every command of a shell script is a cheap
// file operation (mkdir, ln, chmod, echo, ...) not worth caching on its own.
func CheapScript(script string) bool {
	for _, part := range shellSplit.Regexp().Split(script, -1) {
		fields := strings.Fields(part)
		for len(fields) > 0 && strings.Contains(fields[0], "=") && !strings.HasPrefix(fields[0], "=") {
			fields = fields[1:] // VAR=value prefix
		}
		if len(fields) == 0 {
			continue
		}
		if !cheapCommands[strings.TrimLeft(fields[0], "(")] {
			return false
		}
	}
	return true
}

// classify decides whether a stage gets a cache entry, and why.
func classify(g *StageGraph, st *Stage) (bool, string) {
	var deps, arts []string
	runs, costly := 0, 0
	for _, s := range st.Steps {
		switch c := s.Command.(type) {
		case *instructions.RunCommand:
			runs++
			script := RunScript(c)
			if !CheapScript(script) {
				costly++
			}
			for _, in := range FindInstallers(script) {
				if in.Kind == "dependencies" {
					deps = appendOnce(deps, in.Name)
				} else {
					arts = appendOnce(arts, in.Name)
				}
			}
		case *instructions.AddCommand:
			for _, src := range c.SourcePaths {
				if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
					costly++
					arts = appendOnce(arts, "ADD "+src)
				}
			}
		}
	}
	switch {
	case len(deps) > 0 && len(arts) > 0:
		return true, fmt.Sprintf("installs dependencies (%s) and produces artifacts (%s)", strings.Join(deps, ", "), strings.Join(arts, ", "))
	case len(deps) > 0:
		return true, fmt.Sprintf("installs dependencies (%s)", strings.Join(deps, ", "))
	case len(arts) > 0:
		return true, fmt.Sprintf("produces artifacts (%s)", strings.Join(arts, ", "))
	case costly > 0:
		var users []string
		for _, o := range g.Stages {
			for _, e := range o.Edges {
				if e.To == st && e.Kind != EdgeFrom {
					users = appendOnce(users, o.DisplayName())
				}
			}
		}
		if len(users) > 0 {
			return true, fmt.Sprintf("produces artifacts used by %s (%d RUN %s)", strings.Join(users, ", "), costly, text.Plural(costly, "step", ""))
		}
		return true, fmt.Sprintf("runs %d RUN %s", costly, text.Plural(costly, "step", ""))
	case runs > 0:
		return false, "only cheap RUN steps (mkdir, ln, chmod, ...): nothing worth caching"
	}
	return false, "no RUN step: nothing expensive to cache"
}

func appendOnce(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
