package lint

import (
	"regexp"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

var installCacheLeftRule = &Rule{
	ID: "install-cache-left", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityInfo,
	Summary:         "a package install leaves its download cache in the layer: bundle install, yarn install, apk add without --no-cache, apt-get install without removing the lists",
	CheckDockerfile: checkInstallCacheLeft,
}

// cacheCheck is one installer and what cleans up after it in the same RUN.
type cacheCheck struct {
	// find locates the install command.
	find *regexp.Regexp
	// clean matches what removes the cache in the same RUN.
	clean *regexp.Regexp
	// mount is a cache mount target that keeps the cache out of the layer
	// ("" accepts any cache mount).
	mount string
	msg   string
}

var cacheChecks = []cacheCheck{
	{
		find:  regexp.MustCompile(`\bbundle(\s+-\S+)*\s+install\b`),
		clean: regexp.MustCompile(`\brm\s[^&;|\n]*cache|\bbundle(\s+-\S+)*\s+install\b[^&;|\n]*--no-cache\b`),
		msg:   "`bundle install` leaves the downloaded .gem files in the layer (BUNDLE_PATH/ruby/*/cache); remove them in the same RUN (`&& rm -rf \"$BUNDLE_PATH\"/ruby/*/cache`) or use a cache mount",
	},
	{
		find:  regexp.MustCompile(`\byarn(\s+-\S+)*\s+install\b|(^|&&|;|\|\||\n)\s*yarn\s*($|&&|;|\|\||\n)`),
		clean: regexp.MustCompile(`\byarn\s+cache\s+clean\b|\brm\s[^&;|\n]*cache`),
		msg:   "`yarn install` leaves yarn's package cache in the layer; add `&& yarn cache clean` to the same RUN or use a cache mount",
	},
	{
		find:  regexp.MustCompile(`\bapk\s+(-\S+\s+)*add\b`),
		clean: regexp.MustCompile(`\brm\s[^&;|\n]*/var/cache/apk`),
		mount: "/var/cache/apk",
		msg:   "`apk add` without --no-cache leaves the package index in /var/cache/apk; use `apk add --no-cache`",
	},
	{
		find:  regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*install\b`),
		clean: regexp.MustCompile(`\brm\s[^&;|\n]*/var/lib/apt/lists`),
		mount: "/var/lib/apt",
		msg:   "`apt-get install` leaves the package lists in /var/lib/apt/lists; add `&& rm -rf /var/lib/apt/lists/*` to the same RUN or use a cache mount",
	},
}

var apkNoCache = lazyre.New(`\bapk\s+(-\S+\s+)*add\b[^&;|\n]*\s--no-cache\b|\bapk\s+--no-cache\b`)

// checkInstallCacheLeft reports RUN steps whose installs leave their cache
// in the image: it ships in every pull and bloats every exported cache.
func checkInstallCacheLeft(f *File, _ any) []Finding {
	g := f.Dockerfile.Graph
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
				if !c.find.MatchString(script) || c.clean.MatchString(script) {
					continue
				}
				if c.mount == "" && hasCacheMount(r, "") || c.mount != "" && hasCacheMount(r, c.mount) {
					continue
				}
				if c.mount == "/var/cache/apk" && apkNoCache.MatchString(script) {
					continue
				}
				line, col := findInStep(g, s, c.find)
				out = append(out, Finding{Line: line, Column: col, Message: c.msg})
			}
		}
	}
	return out
}
