package lint

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/stagegraph"
)

var buildDepsInFinalRule = &Rule{
	ID: "build-deps-in-final", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityWarning,
	Summary:         "the final stage of a multi-stage build installs compilers, git or yarn, or copies node_modules, which the running app does not need",
	CheckDockerfile: checkBuildDepsInFinal,
}

// buildPackages are OS packages needed only to build, not to run.
var buildPackages = map[string]bool{
	"build-base": true, "build-essential": true, "gcc": true, "g++": true, "clang": true, "make": true,
	"cmake": true, "autoconf": true, "automake": true, "libtool": true, "git": true, "yarn": true,
	"musl-dev": true, "libc6-dev": true, "libc-dev": true, "linux-headers": true,
}

// pkgVersion strips a version pin: git=1:2.39*, yarn~1.22, gcc>=12.
var pkgVersion = lazyre.New(`[=<>~].*$`)

// checkBuildDepsInFinal reports build tools installed in, and node_modules
// copied into, the last stage of a Dockerfile with several stages: the
// earlier stages are where building belongs.
func checkBuildDepsInFinal(f *File, _ any) []Finding {
	df := f.Dockerfile
	g := df.Graph
	if len(g.Stages) < 2 {
		return nil // a single-stage build needs its tools where it is
	}
	final := df.Final()
	if devStageNames[strings.ToLower(final.Name)] {
		return nil // a docker compose target for development, not the shipped image
	}
	// worked out once, for the first COPY of node_modules
	runsNode := sync.OnceValue(func() bool { return stageRunsNode(g, final) })
	var out []Finding
	for i := range final.Steps {
		s := &final.Steps[i]
		switch c := s.Command.(type) {
		case *instructions.RunCommand:
			script := runScriptOf(c)
			for _, cmd := range shellCommands(script) {
				pkgs, removed := installedPackages(cmd), removedPackages(script)
				var bad []string
				for _, p := range pkgs {
					if buildPackages[p] && !removed[p] && !slices.Contains(bad, p) {
						bad = append(bad, p)
					}
				}
				if len(bad) == 0 {
					continue
				}
				line, col := findInStep(g, s, regexp.MustCompile(`(^|\s)`+regexp.QuoteMeta(bad[0])+`(\s|$|[=<>~])`))
				if text := g.Lines[line-1]; col <= len(text) && (text[col-1] == ' ' || text[col-1] == '\t') {
					col++ // past the blank before the package name
				}
				out = append(out, Finding{Line: line, Column: col, Message: fmt.Sprintf(
					"the final stage %s installs %s, needed only to build: install %s in a build stage and copy the results, so that the image ships smaller and with fewer vulnerabilities",
					final.DisplayName(), strings.Join(bad, ", "), text.Plural(len(bad), "it", "them"))})
			}
		case *instructions.CopyCommand:
			for _, src := range c.SourcePaths {
				if slices.Contains(strings.Split(path.Clean(src), "/"), "node_modules") {
					if runsNode() || laterRunUsesNode(final.Steps[i+1:]) {
						break // a node server, or a later RUN, needs node_modules
					}
					from := ""
					if c.From != "" {
						from = " from " + c.From
					}
					line, col := findInStep(g, s, regexp.MustCompile(regexp.QuoteMeta(src)))
					out = append(out, Finding{Line: line, Column: col, Message: fmt.Sprintf(
						"the final stage %s copies node_modules%s, but nothing in it runs node: after assets:precompile the packs are in public/, and node_modules only makes the image bigger", final.DisplayName(), from)})
					break
				}
			}
		}
	}
	return out
}

// devStageNames are the names of a last stage that is built only as a
// docker compose target for development or tests, not shipped: it needs
// its build tools.
var devStageNames = map[string]bool{"dev": true, "development": true, "devcontainer": true, "test": true, "testing": true}

// nodeBuildCommands are programs that build assets with node and the
// packages in node_modules.
var nodeBuildCommands = map[string]bool{"webpack": true, "vite": true, "esbuild": true, "rollup": true,
	"rspack": true, "tsc": true, "shakapacker": true, "webpacker": true}

// nodeBuildTasks are Rails tasks that run node (webpacker, jsbundling-rails,
// cssbundling-rails) on the packages in node_modules.
var nodeBuildTasks = lazyre.New(`\b(assets:precompile|webpacker:compile|shakapacker:compile|javascript:build|css:build|vite:build)\b`)

// laterRunUsesNode reports whether a RUN among steps runs node or a node
// build (yarn, npx, webpack, vite, esbuild, assets:precompile, ...): the
// node_modules copied before it are needed then.
func laterRunUsesNode(steps []stagegraph.Step) bool {
	for _, s := range steps {
		r, ok := s.Command.(*instructions.RunCommand)
		if !ok {
			continue
		}
		script := runScriptOf(r)
		if nodeBuildTasks.MatchString(script) {
			return true
		}
		for _, cmd := range shellCommands(script) {
			if p := path.Base(cmd[0]); nodeCommands[p] || nodeBuildCommands[p] || strings.Contains(cmd[0], "node_modules/.bin/") {
				return true
			}
		}
	}
	return false
}

// nodeCommands are the programs that run node, or a node server.
var nodeCommands = map[string]bool{"node": true, "nodejs": true, "npm": true, "npx": true, "yarn": true, "pnpm": true,
	"bun": true, "pm2": true, "pm2-runtime": true, "nodemon": true, "forever": true}

// stageRunsNode reports whether node runs in the image of stage st (or the
// stages it builds on), so that node_modules is needed at run time: its
// base image is a node image, its CMD or ENTRYPOINT runs node, npm, yarn
// and the like, or it copies in a node runtime (say, a Rails image that
// also runs a node streaming server). A distribution's nodejs package
// counts only when no stage of the graph precompiles Rails assets: a Rails
// image installs it for ExecJS, and its packs are already in public/.
func stageRunsNode(g *stagegraph.StageGraph, st *stagegraph.Stage) bool {
	precompiles := slices.ContainsFunc(g.Stages, func(s *stagegraph.Stage) bool {
		return slices.ContainsFunc(s.Steps, func(step stagegraph.Step) bool {
			r, ok := step.Command.(*instructions.RunCommand)
			return ok && strings.Contains(runScriptOf(r), "assets:precompile")
		})
	})
	for ; st != nil; st = st.BaseStage {
		if st.BaseStage == nil && nodeImage(st.Base) {
			return true
		}
		for _, s := range st.Steps {
			switch c := s.Command.(type) {
			case *instructions.CmdCommand:
				if runsNode(c.CmdLine) {
					return true
				}
			case *instructions.EntrypointCommand:
				if runsNode(c.CmdLine) {
					return true
				}
			case *instructions.CopyCommand:
				for _, src := range c.SourcePaths {
					if elems := strings.Split(path.Clean(src), "/"); slices.Contains(elems, "node") || slices.Contains(elems, "nodejs") {
						return true
					}
				}
			case *instructions.RunCommand:
				for _, cmd := range shellCommands(runScriptOf(c)) {
					if pkgs := installedPackages(cmd); !precompiles && (slices.Contains(pkgs, "nodejs") || slices.Contains(pkgs, "node") || slices.Contains(pkgs, "npm")) {
						return true
					}
				}
			}
		}
	}
	return false
}

// nodeImage reports whether an image reference names a node image: node,
// library/node, cimg/node, ubi8/nodejs-20, distroless/nodejs22-debian12.
func nodeImage(ref string) bool {
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	name = name[strings.LastIndexByte(name, '/')+1:]
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	return name == "node" || strings.HasPrefix(name, "nodejs")
}

// runsNode reports whether a CMD or ENTRYPOINT command line runs a node
// program, in exec form or through a shell.
func runsNode(cmdLine []string) bool {
	for _, arg := range cmdLine {
		for _, w := range strings.Fields(arg) {
			w = strings.Trim(w, `"'`)
			if nodeCommands[path.Base(w)] || strings.Contains(w, "node_modules/.bin/") {
				return true
			}
		}
	}
	return false
}

// installedPackages returns the packages an apk add, apt-get install, yum
// or dnf install command installs (flags and versions stripped).
func installedPackages(words []string) []string {
	start := -1
	for i, w := range words {
		switch {
		case (w == "apk") && i+1 < len(words):
			for j := i + 1; j < len(words); j++ {
				if words[j] == "add" {
					start = j + 1
					break
				}
			}
		case w == "apt-get" || w == "apt" || w == "yum" || w == "dnf" || w == "microdnf":
			for j := i + 1; j < len(words); j++ {
				if words[j] == "install" {
					start = j + 1
					break
				}
			}
		}
		if start >= 0 {
			break
		}
	}
	if start < 0 {
		return nil
	}
	var pkgs []string
	skipNext := false
	for _, w := range words[start:] {
		switch {
		case skipNext:
			skipNext = false
		case w == "--virtual" || w == "-t" || w == "--repository" || w == "-X" || w == "-o":
			skipNext = true
		case strings.HasPrefix(w, "-") || w == "\\":
		default:
			pkgs = append(pkgs, pkgVersion.ReplaceAllString(strings.Trim(w, `"'`), ""))
		}
	}
	return pkgs
}

// removedPackages returns the packages (and apk virtual packages' members)
// a script removes again: apk del, apt-get purge/remove.
func removedPackages(script string) map[string]bool {
	removed := map[string]bool{}
	virtual := map[string][]string{}
	for _, cmd := range shellCommands(script) {
		for i, w := range cmd {
			if w == "--virtual" || w == "-t" {
				if i+1 < len(cmd) {
					virtual[cmd[i+1]] = installedPackages(cmd)
				}
			}
		}
	}
	for _, cmd := range shellCommands(script) {
		if len(cmd) < 2 {
			continue
		}
		del := (cmd[0] == "apk" && slices.Contains(cmd, "del")) ||
			((cmd[0] == "apt-get" || cmd[0] == "apt") && (slices.Contains(cmd, "purge") || slices.Contains(cmd, "remove")))
		if !del {
			continue
		}
		for _, w := range cmd[1:] {
			removed[w] = true
			for _, p := range virtual[w] {
				removed[p] = true
			}
		}
	}
	return removed
}
