package lint

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

var installCacheLeftRule = &Rule{
	ID: "install-cache-left", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityInfo,
	Summary:         "a package install leaves its download cache in the layer: bundle install, yarn install, apk add without --no-cache, apt-get install without removing the lists",
	CheckDockerfile: checkInstallCacheLeft,
}

// cacheCheck is one installer and what cleans up after it in the same RUN.
type cacheCheck struct {
	// find locates the install command (stagegraph's pattern for it).
	find pattern
	// clean matches what removes the cache in the same RUN.
	clean *regexp.Regexp
	// rmTarget reports whether a path an rm removes is the installer's
	// cache (nil: only clean counts).
	rmTarget func(path string) bool
	// mount is a cache mount target that keeps the cache out of the layer
	// ("" accepts any cache mount).
	mount string
	// dirs are where the cache is: a COPY --from of one of them (or of a
	// folder above) takes it into the image. Nil: the cache is inside
	// what the install installs (a gem's .gem file beside the gem), which
	// any COPY --from of the stage may take.
	dirs []string
	// msg is the message; its %s says where the cache stays when it is not
	// in the image.
	msg string
	// shipped replaces the %s of msg when the cache is in the image, and
	// unshipped when it is in a layer of another stage.
	shipped, unshipped string
}

var cacheChecks = []cacheCheck{
	{
		find:      stagegraph.InstallerPattern("bundle install"),
		clean:     regexp.MustCompile(`\bbundle(\s+(-\S+|_\S+_))*\s+install\b[^&;|\n]*--no-cache\b`),
		rmTarget:  gemCacheDir,
		msg:       "`bundle install` leaves the downloaded .gem files in the layer (BUNDLE_PATH/ruby/*/cache, or the gem directory's cache when BUNDLE_PATH is unset)%s; remove them in the same RUN (`&& rm -rf ~/.bundle/ \"${BUNDLE_PATH}\"/ruby/*/cache \"$(gem env gemdir)\"/cache`) or use a cache mount",
		unshipped: " (in stage %s: the image does not ship them, but a mode=max build cache exports them)",
	},
	{
		find:     stagegraph.InstallerPattern("yarn install"),
		clean:    regexp.MustCompile(`\byarn\s+cache\s+clean\b|\brm\s[^&;|\n]*\$\(yarn\s+cache\s+dir\)`),
		rmTarget: yarnCacheDir,
		dirs:     []string{"/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn/berry/cache", "/home"},
		msg:      "`yarn install` leaves yarn's package cache%s; add `&& yarn cache clean` to the same RUN or use a cache mount",
		shipped:  " in the layer", unshipped: " (in stage %s: the image does not ship it, but a mode=max build cache exports it)",
	},
	{
		find:      stagegraph.InstallerPattern("apk add"),
		clean:     regexp.MustCompile(`\brm\s[^&;|\n]*/var/cache/apk`),
		mount:     "/var/cache/apk",
		dirs:      []string{"/var/cache/apk"},
		msg:       "`apk add` without --no-cache leaves the package index in /var/cache/apk%s; use `apk add --no-cache`",
		unshipped: " (in stage %s: the image does not ship it, but a mode=max build cache exports it)",
	},
	{
		find:      stagegraph.InstallerPattern("apt-get install"),
		clean:     regexp.MustCompile(`\brm\s[^&;|\n]*/var/lib/apt/lists`),
		mount:     "/var/lib/apt",
		dirs:      []string{"/var/lib/apt/lists"},
		msg:       "`apt-get install` leaves the package lists in /var/lib/apt/lists%s; add `&& rm -rf /var/lib/apt/lists/*` to the same RUN or use a cache mount",
		unshipped: " (in stage %s: the image does not ship them, but a mode=max build cache exports them)",
	},
}

// rmArgs matches an rm command up to the end of its simple command.
var rmArgs = lazyre.New(`\brm\s[^&;|\n]*`)

// cachePart matches a path with a cache folder in it.
var cachePart = lazyre.New(`(^|/)cache(/|$)`)

// gemCacheDir reports whether a path is (in) the cache of the gems that
// bundle install installs: $BUNDLE_PATH/ruby/*/cache, "$(gem env
// gemdir)"/cache, /usr/local/bundle/cache, vendor/bundle/ruby/*/cache.
func gemCacheDir(p string) bool {
	l := strings.ToLower(p)
	return cachePart.MatchString(p) && (strings.Contains(l, "bundle") || strings.Contains(l, "gem") || strings.Contains(l, "ruby"))
}

// yarnCacheDir reports whether a path is (in) yarn's cache, or a whole
// ~/.cache: /usr/local/share/.cache/yarn, .yarn/cache, /root/.cache.
func yarnCacheDir(p string) bool {
	if strings.Contains(p, "node_modules") {
		return false
	}
	p = strings.TrimSuffix(strings.TrimSuffix(p, "*"), "/")
	return strings.Contains(p, "yarn") && strings.Contains(p, "cache") || p == ".cache" || strings.HasSuffix(p, "/.cache")
}

// rmsCache reports whether a script removes a path that target accepts.
func rmsCache(script string, target func(string) bool) bool {
	for _, cmd := range rmArgs.FindAllString(script, -1) {
		for _, w := range strings.Fields(cmd)[1:] {
			if !strings.HasPrefix(w, "-") && target(strings.Trim(w, `"'`)) {
				return true
			}
		}
	}
	return false
}

var apkNoCache = lazyre.New(`\bapk\s+(-\S+\s+)*add\b[^&;|\n]*\s--no-cache\b|\bapk\s+--no-cache\b`)

// checkInstallCacheLeft reports RUN steps whose installs leave their cache
// in the image: it ships in every pull and bloats every exported cache. In
// a stage that the image does not ship (and that no stage copies the cache
// from) only the exported cache is at stake, and the message says so.
func checkInstallCacheLeft(f *File, _ any) []Finding {
	g := f.Dockerfile.Graph
	image := ancestry(f.Dockerfile.Final())
	var out []Finding
	for _, st := range g.Stages {
		for i := range st.Steps {
			s := &st.Steps[i]
			r, ok := s.Command.(*instructions.RunCommand)
			if !ok {
				continue
			}
			script := runScriptOf(r)
			for _, c := range cacheChecks {
				if !c.find.MatchString(script) || c.clean.MatchString(script) || c.rmTarget != nil && rmsCache(script, c.rmTarget) {
					continue
				}
				if c.mount == "" && hasCacheMount(r, "") || c.mount != "" && hasCacheMount(r, c.mount) {
					continue
				}
				if c.mount == "/var/cache/apk" && apkNoCache.MatchString(script) {
					continue
				}
				where := c.shipped
				if !cacheShipped(g, image, st, c.dirs) {
					where = fmt.Sprintf(c.unshipped, st.DisplayName())
				}
				line, col := findInStep(g, s, c.find)
				out = append(out, Finding{Line: line, Column: col, Message: fmt.Sprintf(c.msg, where)})
			}
		}
	}
	return out
}

// cacheShipped reports whether a cache left in stage st reaches the image:
// st is one of the image's stages, or a stage copies (COPY --from) from st,
// or from a stage built FROM it, one of the cache's dirs or a folder above
// (any path, for dirs nil). A source gantry cannot expand ($VAR) is taken
// not to be a cache dir.
func cacheShipped(g *stagegraph.StageGraph, image []*stagegraph.Stage, st *stagegraph.Stage, dirs []string) bool {
	for _, z := range append([]*stagegraph.Stage{st}, descendants(g, st)...) {
		if slices.Contains(image, z) {
			return true
		}
		for _, o := range g.Stages {
			for _, e := range o.Edges {
				if e.To != z || e.Kind != stagegraph.EdgeCopy {
					continue
				}
				for _, s := range o.Steps {
					c, ok := s.Command.(*instructions.CopyCommand)
					if !ok || s.Line != e.Line {
						continue
					}
					if dirs == nil {
						return true
					}
					for _, src := range c.SourcePaths {
						src = path.Clean("/" + strings.Trim(src, `"'`))
						if strings.Contains(src, "$") {
							continue
						}
						if slices.ContainsFunc(dirs, func(d string) bool { return src == "/" || d == src || strings.HasPrefix(d, src+"/") }) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}
