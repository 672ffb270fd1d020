package lint

import (
	"fmt"
	"path"
	"strings"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// buildxCacheGrowthRule flags BuildKit cache exports that grow without
// bound (type=local over its own cache-from directory, or the mv
// workaround), that skip the intermediate stages of a multi-stage
// Dockerfile (no mode=max), or that ECR rejects (a registry cache without
// image-manifest=true).
//
// It is a repository rule because it reads the Dockerfile the step builds
// (another file) to know whether it has several stages. Each workflow is
// scanned as it is linted; the cache exports whose finding depends on the
// Dockerfile's stages wait for the repository pass as facts.
var buildxCacheGrowthRule = &Rule{
	ID: buildxCacheGrowthID, Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "buildx cache exports that grow without bound, miss intermediate stages (no mode=max), or that ECR rejects",
	ScanWorkflow:    scanBuildxCacheGrowth,
	CheckRepository: checkBuildxCacheGrowth,
}

// buildxCacheGrowthID is the ID of buildxCacheGrowthRule, which reads its facts.
const buildxCacheGrowthID = "buildx-cache-growth"

// cacheEntry is one cache-from or cache-to entry: type=local,dest=/tmp/x.
type cacheEntry struct {
	attrs map[string]string
	text  string
	line  int // line of the entry in its value
}

func (e cacheEntry) typ() string {
	if t := e.attrs["type"]; t != "" {
		return strings.ToLower(t)
	}
	return "registry"
}

// parseCacheEntries parses a newline-separated list of CSV cache entries.
func parseCacheEntries(v string) []cacheEntry {
	var out []cacheEntry
	for i, line := range strings.Split(v, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, parseCacheEntry(t, i))
	}
	return out
}

func parseCacheEntry(t string, line int) cacheEntry {
	e := cacheEntry{attrs: map[string]string{}, text: t, line: line}
	for _, f := range splitCSV(t) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			e.attrs["ref"] = strings.TrimSpace(f)
			continue
		}
		e.attrs[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return e
}

// splitCSV splits on commas outside double quotes and ${{ }}.
func splitCSV(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case strings.HasPrefix(s[i:], "${{"):
			depth++
		case strings.HasPrefix(s[i:], "}}") && depth > 0:
			depth--
		case s[i] == ',' && !quoted && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var ecrHostRe = lazyre.New(`\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com`)

// buildxBuild is one build with its cache settings.
type buildxBuild struct {
	step       *RepoStep
	cacheTo    []cacheEntry
	cacheFrom  []cacheEntry
	dockerfile string // slash path relative to the root; "" when unknown
	// position of each cache-to entry
	toPos []Position
}

// stagesCheck is a cache-to entry without mode=max, whose finding depends
// on how many stages the Dockerfile of its build has.
type stagesCheck struct {
	pos        Position
	text       string // the entry
	inline     bool   // type=inline
	dockerfile string // slash path relative to the root
}

// scanBuildxCacheGrowth checks the builds of a workflow, keeping as facts
// the entries whose finding needs the Dockerfile's stages ([]stagesCheck).
func scanBuildxCacheGrowth(r *Repository, w *RepoWorkflow, _ any) ([]Finding, any) {
	out, checks := buildxCacheGrowthIn(r, w)
	if len(checks) == 0 {
		return out, nil
	}
	return out, checks
}

func checkBuildxCacheGrowth(r *Repository, _ any) []Finding {
	var out []Finding
	for _, w := range r.Workflows {
		if w.Context {
			continue
		}
		var checks []stagesCheck
		if w.Scanned {
			checks, _ = w.Facts(buildxCacheGrowthID).([]stagesCheck)
		} else {
			var fs []Finding
			fs, checks = buildxCacheGrowthIn(r, w)
			out = append(out, fs...)
		}
		out = append(out, stagesFindings(r, w.File, checks)...)
	}
	return out
}

// buildxCacheGrowthIn checks the builds of a workflow; it returns apart
// the entries whose finding needs the Dockerfile's stages.
func buildxCacheGrowthIn(r *Repository, w *RepoWorkflow) ([]Finding, []stagesCheck) {
	var out []Finding
	var checks []stagesCheck
	for _, j := range w.Jobs {
		for i, s := range j.Steps {
			for _, b := range buildxBuilds(r, s) {
				fs, cs := checkBuild(r, j, i, b)
				out = append(out, fs...)
				checks = append(checks, cs...)
			}
		}
	}
	return out, checks
}

// buildxBuilds returns the builds of a step: docker/build-push-action, or
// docker buildx build commands of a run: script.
func buildxBuilds(r *Repository, s *RepoStep) []buildxBuild {
	f := s.File()
	if s.Is("docker/build-push-action") {
		b := buildxBuild{step: s}
		if v := s.Input("cache-to"); v != nil {
			b.cacheTo = parseCacheEntries(v.Value)
			for _, e := range b.cacheTo {
				b.toPos = append(b.toPos, r.positionIn(f, v, e.line, strings.Index(strings.Split(v.Value, "\n")[e.line], e.text)))
			}
		}
		if v := s.Input("cache-from"); v != nil {
			b.cacheFrom = parseCacheEntries(v.Value)
		}
		ctx := "."
		if v := s.Input("context"); v != nil {
			ctx = strings.TrimSpace(v.Value)
		}
		file := path.Join(ctx, "Dockerfile")
		if v := s.Input("file"); v != nil {
			file = strings.TrimSpace(v.Value)
		}
		if !strings.Contains(file, "$") && !strings.Contains(ctx, "://") {
			b.dockerfile = cleanRel(file)
		}
		if len(b.cacheTo) == 0 {
			return nil
		}
		return []buildxBuild{b}
	}
	run := s.Run()
	if run == nil {
		return nil
	}
	var out []buildxBuild
	lines := strings.Split(run.Value, "\n")
	for _, c := range s.Commands() {
		if len(c.Words) == 0 || c.Words[0] != "docker" && c.Words[0] != "buildx" {
			continue
		}
		sub := c.Sub()
		if c.Words[0] == "docker" && len(sub) > 0 && sub[0] == "buildx" {
			sub = sub[1:]
		}
		if len(sub) == 0 || sub[0] != "build" {
			continue
		}
		args := sub[1:]
		b := buildxBuild{step: s}
		for _, v := range optValues(args, "--cache-to") {
			b.cacheTo = append(b.cacheTo, parseCacheEntry(v, 0))
			b.toPos = append(b.toPos, cmdPos(r, f, run, lines, c, "--cache-to "+v, "--cache-to="+v, "--cache-to"))
		}
		for _, v := range optValues(args, "--cache-from") {
			b.cacheFrom = append(b.cacheFrom, parseCacheEntry(v, 0))
		}
		if len(b.cacheTo) == 0 {
			continue
		}
		ctx := lastPositional(args)
		file := path.Join(ctx, "Dockerfile")
		if v, ok := optValue(args, "-f", "--file"); ok {
			file = v
		}
		if wd := workingDir(s); wd != "" {
			file = path.Join(wd, file)
		}
		if !strings.Contains(file, "$") && !strings.Contains(ctx, "://") && ctx != "-" {
			b.dockerfile = cleanRel(file)
		}
		out = append(out, b)
	}
	return out
}

// lastPositional returns the build context of docker buildx build arguments.
func lastPositional(args []string) string {
	valued := map[string]bool{"-f": true, "--file": true, "-t": true, "--tag": true, "--build-arg": true, "--cache-to": true,
		"--cache-from": true, "--platform": true, "--target": true, "--label": true, "-o": true, "--output": true,
		"--secret": true, "--ssh": true, "--build-context": true, "--progress": true, "--builder": true, "--iidfile": true,
		"--metadata-file": true, "--network": true, "--add-host": true, "--attest": true, "--shm-size": true, "--ulimit": true,
		"--annotation": true, "--call": true, "--allow": true, "--cgroup-parent": true}
	ctx := "."
	for i := 0; i < len(args); i++ {
		a := args[i]
		if valued[a] {
			i++
			continue
		}
		if !strings.HasPrefix(a, "-") {
			ctx = a
		}
	}
	return ctx
}

// checkBuild checks the cache exports of a build; it returns apart the
// entries whose finding needs the Dockerfile's stages (see stagesFindings).
func checkBuild(r *Repository, j *RepoJob, i int, b buildxBuild) ([]Finding, []stagesCheck) {
	var out []Finding
	var checks []stagesCheck
	f := b.step.File()
	localFrom := map[string]bool{}
	for _, e := range b.cacheFrom {
		if e.typ() == "local" && e.attrs["src"] != "" {
			localFrom[cleanDir(e.attrs["src"])] = true
		}
	}
	for k, e := range b.cacheTo {
		p := b.toPos[k]
		switch e.typ() {
		case "local":
			dest := cleanDir(e.attrs["dest"])
			if dest == "" {
				break
			}
			if localFrom[dest] {
				if strings.EqualFold(e.attrs["reset"], "true") || savedUnderConstantKey(j, dest) {
					break
				}
				out = append(out, finding(f, p, fmt.Sprintf(
					"cache-to %s writes the local cache into the directory it reads from without reset=true: old blobs are never deleted, so the cache (and the actions/cache entry that saves it) grows with every build; add reset=true (Buildx 0.35 or later) or use type=gha",
					e.text)))
				continue
			}
			if mv, ok := mvWorkaround(r, j, i, dest, localFrom); ok {
				rel := []Location{related(f, mv.pos, "moves the new cache over the old one")}
				if mv.cache != nil {
					rel = append(rel, related(f, at(mv.cache.Uses()), "saves the cache directory"))
				}
				out = append(out, finding(f, p, fmt.Sprintf(
					"cache-to %s with the mv workaround (docker/build-push-action#252) doubles the disk the cache needs and leaves an empty cache when nothing new is exported; export to %s itself with reset=true (Buildx 0.35 or later) and drop the mv step",
					e.text, mv.target), rel...))
				continue
			}
		case "registry":
			if isECRRef(b.step, e.attrs["ref"]) && (!strings.EqualFold(e.attrs["image-manifest"], "true") || strings.EqualFold(e.attrs["oci-mediatypes"], "false")) {
				out = append(out, finding(f, p, fmt.Sprintf(
					"cache-to %s exports a registry cache to ECR, which rejects BuildKit's default cache manifest: add image-manifest=true,oci-mediatypes=true",
					e.text)))
				continue
			}
		}
		if strings.EqualFold(e.attrs["mode"], "max") || b.dockerfile == "" {
			continue
		}
		// copies, as facts keep no part of the syntax tree
		checks = append(checks, stagesCheck{pos: p, text: strings.Clone(e.text), inline: e.typ() == "inline",
			dockerfile: strings.Clone(b.dockerfile)})
	}
	return out, checks
}

// stagesFindings reports the cache-to entries without mode=max of f that
// build a Dockerfile with several stages.
func stagesFindings(r *Repository, f *File, checks []stagesCheck) []Finding {
	var out []Finding
	for _, c := range checks {
		stages := 0
		if g := r.DockerfileGraph(c.dockerfile); g != nil {
			stages = len(g.Stages)
		}
		if stages < 2 {
			continue
		}
		if c.inline {
			out = append(out, finding(f, c.pos, fmt.Sprintf(
				"cache-to %s embeds only the final stage's layers in the image (inline caches support only mode=min), but %s has %d stages: the others rebuild on every cache miss; use a registry or gha cache with mode=max",
				c.text, c.dockerfile, stages)))
			continue
		}
		out = append(out, finding(f, c.pos, fmt.Sprintf(
			"cache-to %s exports only the final stage's layers (mode=min is the default), but %s has %d stages: the others (dependency installs, asset builds) rebuild on every cache miss; add mode=max",
			c.text, c.dockerfile, stages)))
	}
	return out
}

func cleanDir(d string) string {
	d = strings.TrimSpace(d)
	if d == "" {
		return ""
	}
	return path.Clean(d)
}

type mvStep struct {
	pos    Position
	target string
	cache  *RepoStep
}

// mvWorkaround finds a later step that moves the exported cache over a
// cache-from directory (mv /tmp/.buildx-cache-new /tmp/.buildx-cache), and
// the actions/cache step that saves it.
func mvWorkaround(r *Repository, j *RepoJob, i int, dest string, localFrom map[string]bool) (mvStep, bool) {
	for _, s := range j.Steps[i+1:] {
		run := s.Run()
		if run == nil {
			continue
		}
		for _, c := range s.Commands() {
			if len(c.Words) < 3 || c.Words[0] != "mv" {
				continue
			}
			var args []string
			for _, a := range c.Words[1:] {
				if !strings.HasPrefix(a, "-") {
					args = append(args, cleanDir(a))
				}
			}
			if len(args) == 2 && args[0] == dest && localFrom[args[1]] {
				m := mvStep{pos: r.positionIn(s.File(), run, c.Line, c.Col), target: args[1]}
				for _, cs := range j.Steps {
					if cs.Is("actions/cache", "actions/cache/save") {
						if p := cs.Input("path"); p != nil && strings.Contains(p.Value, args[1]) {
							m.cache = cs
							break
						}
					}
				}
				return m, true
			}
		}
	}
	return mvStep{}, false
}

// varyingKeyRe matches the parts of an actions/cache key that change from
// run to run or commit to commit.
var varyingKeyRe = lazyre.New(`(?i)github\.(sha|run_id|run_number|run_attempt|event|ref|head_ref)|hashFiles|steps\.|\$\(`)

// savedUnderConstantKey reports whether the job saves dir with actions/cache
// under a key that is the same for every run: the entry is saved once and
// never again (a cache hit skips the save), so it cannot grow.
func savedUnderConstantKey(j *RepoJob, dir string) bool {
	for _, cs := range j.Steps {
		if !cs.Is("actions/cache", "actions/cache/save") {
			continue
		}
		p, k := cs.Input("path"), cs.Input("key")
		if p == nil || k == nil || !strings.Contains(p.Value, dir) {
			continue
		}
		return !varyingKeyRe.MatchString(k.Value)
	}
	return false
}

// isECRRef reports whether a registry cache ref is on ECR: an ECR host, or
// the registry output of an aws-actions/amazon-ecr-login step (directly or
// through an env variable).
func isECRRef(s *RepoStep, ref string) bool {
	if ecrHostRe.MatchString(ref) {
		return true
	}
	login := map[string]bool{}
	for _, st := range s.Job.Steps {
		if st.Is("aws-actions/amazon-ecr-login") && st.Step.ID != nil {
			login[strings.ToLower(st.Step.ID.Value)] = true
		}
	}
	var check func(v string, depth int) bool
	check = func(v string, depth int) bool {
		if ecrHostRe.MatchString(v) {
			return true
		}
		if depth > 3 {
			return false
		}
		return exprRefs(v, func(p string) bool {
			if id, ok := strings.CutPrefix(p, "steps."); ok {
				id, _, _ = strings.Cut(id, ".")
				return login[id]
			}
			if name, ok := strings.CutPrefix(p, "env."); ok {
				if e := s.Env(name); e != nil {
					return check(e.Value, depth+1)
				}
			}
			return false
		}) || func() bool {
			for _, name := range shellVars(v) {
				if e := s.Env(name); e != nil && check(e.Value, depth+1) {
					return true
				}
			}
			return false
		}()
	}
	return check(ref, 0)
}
