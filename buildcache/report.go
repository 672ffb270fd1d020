package buildcache

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/text"
)

// ReportVersion is the version of the JSON report's schema.
const ReportVersion = 1

// Report is what a build did, stage by stage, from BuildKit's solve status
// stream: which steps ran and which came from the cache.
type Report struct {
	// Version is ReportVersion.
	Version int `json:"version"`
	// Target is the stage that was built.
	Target string `json:"target"`
	// Builder is the BuildKit address.
	Builder string `json:"builder,omitempty"`
	// Cache is the cache backend type ("local", "registry", ...), "" for none.
	Cache string `json:"cache,omitempty"`
	// CacheReadOnly is true when the build imported its caches and
	// exported none (BuildOptions.CacheReadOnly).
	CacheReadOnly bool `json:"cache_read_only,omitempty"`
	// Started is when the build started.
	Started time.Time `json:"started"`
	// Seconds is the build's wall time.
	Seconds float64 `json:"seconds"`
	// Waves are the build's solves, one per stage with its own cache entry,
	// grouped in dependency waves; the last wave is the target. The solves
	// ran all at once (one wave after the other with
	// BuildOptions.SolveInWaves); a stage whose entry was kept
	// (StageReport.EntryKept) or took the target's
	// (StageReport.EntryFromTarget) had no solve.
	Waves [][]string `json:"waves,omitempty"`
	// Stages are the stages of the target, in Dockerfile order.
	Stages []*StageReport `json:"stages"`
	// Steps counts every stage step; Cached and Executed split them.
	Steps    int `json:"steps"`
	Cached   int `json:"cached"`
	Executed int `json:"executed"`
	// Warnings are cache import and export failures and Dockerfile warnings.
	Warnings []Warning `json:"warnings,omitempty"`
	// ImageDigest is the digest of the exported image, if any.
	ImageDigest string `json:"image_digest,omitempty"`
	// Error is why the build failed, "" when it succeeded.
	Error string `json:"error,omitempty"`
}

// StageReport is one stage's share of a build.
type StageReport struct {
	// Name is the stage's name ("stage-N" for an unnamed stage).
	Name string `json:"name"`
	// Deps are the stages it needs.
	Deps []string `json:"deps,omitempty"`
	// Steps is the number of its steps that BuildKit reported; Cached and
	// Executed split them (a step that did not finish is in neither).
	Steps    int `json:"steps"`
	Cached   int `json:"cached"`
	Executed int `json:"executed"`
	// Seconds is the wall time from its first step's start to its last step's end.
	Seconds float64 `json:"seconds"`
	// Result is "hit" (every step cached), "miss" (none cached), "partial",
	// "failed", or "empty" (no steps reported).
	Result string `json:"result"`
	// CacheSource is where its cached steps came from: "import" (an
	// imported cache entry loaded, see CacheFrom), "builder" (the daemon's
	// own state), or "none" (nothing cached).
	CacheSource string `json:"cache_source"`
	// CacheFrom are the cache entries imported for the solve that built it
	// and that loaded.
	CacheFrom []string `json:"cache_from,omitempty"`
	// CacheTo is its own cache entry, if it has one.
	CacheTo string `json:"cache_to,omitempty"`
	// EntryKept is true when its entry was left as it was, without a solve
	// of its own: the entry was present and none of the stage's steps ran
	// in the build, so exporting it again would write the same entry.
	EntryKept bool `json:"entry_kept,omitempty"`
	// EntryFromTarget is true when its entry now names the target's new
	// entry, without a solve of its own: the entry was present and the
	// target's mode=max entry holds the stage's steps, which ran in the
	// target's solve, or the entry took the target's in an earlier build
	// and the target's export wrote another one (a type=local or
	// type=registry cache; see docs/build.md).
	EntryFromTarget bool `json:"entry_from_target,omitempty"`
	// Details lists its steps.
	Details []StepReport `json:"details,omitempty"`
}

// StepReport is one Dockerfile step.
type StepReport struct {
	// Name is BuildKit's name for the step, e.g. "[bundle 2/3] RUN bundle install".
	Name string `json:"name"`
	// Cached is true when it came from the cache.
	Cached bool `json:"cached"`
	// Executed is true when it ran.
	Executed bool `json:"executed"`
	// Seconds is how long it took.
	Seconds float64 `json:"seconds"`
	// Error is why it failed.
	Error string `json:"error,omitempty"`
}

// Warning is something that did not fail the build but should be seen.
type Warning struct {
	// Kind is "cache-import", "cache-export" or "dockerfile".
	Kind string `json:"kind"`
	// Stage is the stage whose solve it happened in, if known.
	Stage string `json:"stage,omitempty"`
	// Message says what happened.
	Message string `json:"message"`
}

// String says the warning as the table does: "kind (stage): message".
func (w Warning) String() string {
	if w.Stage == "" {
		return w.Kind + ": " + w.Message
	}
	return w.Kind + " (" + w.Stage + "): " + w.Message
}

// Warning kinds.
const (
	WarnCacheImport = "cache-import"
	WarnCacheExport = "cache-export"
	WarnDockerfile  = "dockerfile"
)

// CacheWarnings counts the cache import and export warnings.
func (r *Report) CacheWarnings() int {
	n := 0
	for _, w := range r.Warnings {
		if w.Kind == WarnCacheImport || w.Kind == WarnCacheExport {
			n++
		}
	}
	return n
}

// CacheWarningError says that the build succeeded but CacheWarnings cache
// imports or exports failed; nil when none did. It points to the warnings
// that the table lists.
func (r *Report) CacheWarningError() error {
	return r.cacheWarningError(false)
}

// CacheWarningErrorListed is CacheWarningError naming the warnings itself,
// for a build that does not print the table (--progress rawjson).
func (r *Report) CacheWarningErrorListed() error {
	return r.cacheWarningError(true)
}

func (r *Report) cacheWarningError(listed bool) error {
	n := r.CacheWarnings()
	if n == 0 {
		return nil
	}
	what := "cache import or export"
	if n > 1 {
		what = "cache imports or exports"
	}
	if !listed {
		return fmt.Errorf("built, but %d %s failed (see the warnings above; --allow-cache-errors exits 0)", n, what)
	}
	var ws []string
	for _, w := range r.Warnings {
		if w.Kind == WarnCacheImport || w.Kind == WarnCacheExport {
			ws = append(ws, w.String())
		}
	}
	return fmt.Errorf("built, but %d %s failed: %s (--allow-cache-errors exits 0)", n, what, strings.Join(ws, "; "))
}

// Stage returns the report of the named stage.
func (r *Report) Stage(name string) *StageReport {
	for _, s := range r.Stages {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// stepName matches the names the Dockerfile frontend gives to stage steps:
// "[bundle 2/3] RUN ...", "[linux/amd64 bundle 2/3] ...", "[ 1/12] ..." for a
// single-stage Dockerfile.
var stepName = regexp.MustCompile(`^\[(?:(\S+/\S+) )?(?:([^\s\]]+) )?\s*(\d+)/(\d+)\] `)

// parseStepName returns the stage label and step number of a vertex name.
func parseStepName(name string) (stage string, step int, ok bool) {
	m := stepName.FindStringSubmatch(name)
	if m == nil {
		return "", 0, false
	}
	n, _ := strconv.Atoi(m[3])
	return m[2], n, true
}

// solveVertex is what one solve's status stream said about one vertex.
type solveVertex struct {
	cached    bool
	started   *time.Time
	completed *time.Time
	err       string
}

// collector turns the status streams of a build's solves into a Report.
type collector struct {
	mu      sync.Mutex
	names   map[digest.Digest]string
	order   []digest.Digest
	solves  map[string]map[digest.Digest]*solveVertex
	stageOf map[string]string // solve -> stage it built
	imports map[string][]importEntry
	// warnings from VertexWarning messages, by message to avoid repeats
	warned map[string]bool
	warns  []Warning
	// succeeded: the build succeeded (set before report)
	succeeded bool
}

// importEntry is one cache import of a solve and what became of it.
type importEntry struct {
	typ     string // cache type: registry, local, gha, s3
	desc    string // "registry:REF", "local:DIR", "gha:SCOPE", ...
	vertex  string // name of its "importing cache manifest from ..." vertex, when known
	present bool   // false when the client knows it does not exist (an empty local dir)
}

func newCollector() *collector {
	return &collector{
		names:   map[digest.Digest]string{},
		solves:  map[string]map[digest.Digest]*solveVertex{},
		stageOf: map[string]string{},
		imports: map[string][]importEntry{},
		warned:  map[string]bool{},
	}
}

// addSolve registers a solve that builds stage with the given imports.
func (c *collector) addSolve(id, stage string, imports []importEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.solves[id] = map[digest.Digest]*solveVertex{}
	c.stageOf[id] = stage
	c.imports[id] = imports
}

// add records one status message of solve id.
func (c *collector) add(id string, ss *client.SolveStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vs := c.solves[id]
	if vs == nil {
		vs = map[digest.Digest]*solveVertex{}
		c.solves[id] = vs
	}
	for _, v := range ss.Vertexes {
		if _, ok := c.names[v.Digest]; !ok {
			c.order = append(c.order, v.Digest)
		}
		c.names[v.Digest] = v.Name
		sv := vs[v.Digest]
		if sv == nil {
			sv = &solveVertex{}
			vs[v.Digest] = sv
		}
		sv.cached = sv.cached || v.Cached
		if v.Started != nil && (sv.started == nil || v.Started.Before(*sv.started)) {
			sv.started = v.Started
		}
		if v.Completed != nil {
			sv.completed = v.Completed
		}
		if v.Error != "" {
			sv.err = v.Error
		}
	}
	for _, w := range ss.Warnings {
		// by message, not by vertex: every solve loads the Dockerfile in a
		// vertex of its own, and the linter says the same in each
		msg := strings.TrimSpace(string(w.Short))
		if msg == "" || c.warned[msg] {
			continue
		}
		c.warned[msg] = true
		c.warns = append(c.warns, Warning{Kind: WarnDockerfile, Stage: c.stageOf[id], Message: msg})
	}
}

// ranStages returns the labels of the stages whose steps run according to
// one status message: a step that starts without being marked cached. In
// BuildKit v0.34 a step loaded from the cache starts and ends marked cached
// (sharedOp.LoadCache), and one that runs starts unmarked (sharedOp.Exec),
// also after a cache load that failed. Two kinds of vertex statuses that
// start unmarked are not steps that run, and both have no inputs: a source
// (FROM an image, a build context), whose cache key is worked out when it
// starts, and the pull of a cached step's lazy layers, which BuildKit
// reports under the step's digest and name with no inputs.
func ranStages(ss *client.SolveStatus) []string {
	var out []string
	for _, v := range ss.Vertexes {
		if v.Started == nil || v.Cached || len(v.Inputs) == 0 {
			continue
		}
		if label, _, ok := parseStepName(v.Name); ok {
			out = append(out, label)
		}
	}
	return out
}

// reported reports whether any solve reported a step of the stage with
// this label.
func (c *collector) reported(label string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, name := range c.names {
		if l, _, ok := parseStepName(name); ok && l == label {
			return true
		}
	}
	return false
}

// addWarning records a warning of gantry's own, such as a local cache entry
// it could not use.
func (c *collector) addWarning(w Warning) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warns = append(c.warns, w)
}

// vertexState is the verdict on one vertex over all solves.
type vertexState struct {
	name               string
	executed, cached   bool
	started, completed *time.Time
	err                string
}

func (c *collector) vertexStates() map[digest.Digest]*vertexState {
	out := map[digest.Digest]*vertexState{}
	for _, dg := range c.order {
		st := &vertexState{name: c.names[dg]}
		for _, vs := range c.solves {
			sv := vs[dg]
			if sv == nil {
				continue
			}
			if sv.err != "" && !isCanceled(sv.err) {
				st.err = sv.err
				st.executed = true
			}
			// a canceled step (an interrupt, another solve's failure) did
			// not finish: it is neither cached nor executed
			if sv.completed == nil || isCanceled(sv.err) {
				continue
			}
			if !sv.cached {
				st.executed = true
				st.started, st.completed = sv.started, sv.completed
			} else if st.completed == nil {
				st.started, st.completed = sv.started, sv.completed
			}
			if sv.cached {
				st.cached = true
			}
		}
		if st.executed {
			st.cached = false
		}
		out[dg] = st
	}
	return out
}

func isCanceled(err string) bool {
	return strings.Contains(err, "context canceled") || strings.Contains(err, "canceled")
}

// cacheWarnings reports the cache imports that failed and the cache exports
// that failed (BuildKit ignores export errors with ignore-error=true, so the
// status stream is the only place they show).
func (c *collector) cacheWarnings() []Warning {
	var ws []Warning
	seen := map[string]bool{}
	ids := make([]string, 0, len(c.solves))
	for id := range c.solves {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for dg, sv := range c.solves[id] {
			name := c.names[dg]
			if sv.err == "" {
				continue
			}
			var kind string
			switch {
			case strings.HasPrefix(name, "importing cache manifest from "):
				if isNotFound(sv.err) {
					continue // a cold cache: nothing exported yet
				}
				kind = WarnCacheImport
			case strings.HasPrefix(name, "exporting cache to ") || strings.HasPrefix(name, "exporting to GitHub Actions Cache") ||
				name == "preparing build cache for export" || name == "sending cache export":
				kind = WarnCacheExport
			default:
				continue
			}
			msg := fmt.Sprintf("%s: %s", name, firstLine(sv.err))
			if seen[msg] {
				continue
			}
			seen[msg] = true
			// an import is shared by many solves; an export belongs to one stage
			stage := ""
			if kind == WarnCacheExport {
				stage = c.stageOf[id]
			}
			ws = append(ws, Warning{Kind: kind, Stage: stage, Message: msg})
		}
	}
	sort.SliceStable(ws, func(i, j int) bool {
		if ws[i].Stage != ws[j].Stage {
			return ws[i].Stage < ws[j].Stage
		}
		return ws[i].Message < ws[j].Message
	})
	return ws
}

// loadedImports lists, for solve id, the imports whose manifest loaded: a
// registry import whose "importing cache manifest from REF" vertex finished
// without error, or a local, gha or s3 import that was present and whose
// kind of import vertex did not fail in that solve.
func (c *collector) loadedImports(id string) []string {
	var out []string
	for _, im := range c.imports[id] {
		if !im.present {
			continue
		}
		ok, seen := true, false
		for dg, sv := range c.solves[id] {
			name := c.names[dg]
			if im.vertex != "" && name != im.vertex {
				continue
			}
			if im.vertex == "" && !strings.HasPrefix(name, "importing cache manifest from "+im.typ+":") {
				continue
			}
			seen = true
			if sv.err != "" || sv.completed == nil {
				ok = false
			}
		}
		if ok && (seen || im.vertex == "") {
			out = append(out, im.desc)
		}
	}
	return out
}

// isNotFound reports whether a cache import failed only because the entry
// does not exist yet (a cold cache). It looks at what the error says, never
// at the addresses it quotes: an unreachable registry on a port such as
// 40412 is a failure, not a cold cache.
func isNotFound(err string) bool {
	e := strings.ToLower(firstLine(err))
	if strings.HasSuffix(e, ": not found") || e == "not found" {
		return true // containerd's resolver: "REF: not found"
	}
	return strings.Contains(e, "manifest unknown") || strings.Contains(e, "404 not found") || strings.Contains(e, "status code: 404")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// stageInfo is what the report needs to know about a stage of the graph.
type stageInfo struct {
	name  string
	label string // the stage's label in vertex names
	deps  []string
	// solve is the id of the solve in which the stage was built first.
	solve   string
	cacheTo string
	kept    bool // its entry was kept without a solve
	// fromTarget: its entry took the target's, without a solve
	fromTarget bool
}

// report builds the Report from everything collected.
func (c *collector) report(stages []stageInfo) *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	states := c.vertexStates()
	r := &Report{Version: ReportVersion}
	byLabel := map[string]*StageReport{}
	first := map[string]struct{ s, e *time.Time }{}
	for _, si := range stages {
		sr := &StageReport{Name: si.name, Deps: si.deps, CacheTo: si.cacheTo, EntryKept: si.kept, EntryFromTarget: si.fromTarget}
		r.Stages = append(r.Stages, sr)
		byLabel[si.label] = sr
	}
	type stepKey struct {
		stage string
		step  int
		name  string
	}
	var keys []stepKey
	stepStates := map[stepKey]*vertexState{}
	for _, dg := range c.order {
		st := states[dg]
		label, n, ok := parseStepName(st.name)
		if !ok {
			continue
		}
		if _, ok := byLabel[label]; !ok {
			continue
		}
		k := stepKey{label, n, st.name}
		if _, ok := stepStates[k]; ok {
			// the same step solved with different inputs in two solves
			// (e.g. other build arguments): it executed if either did
			if st.executed {
				stepStates[k] = st
			}
			continue
		}
		keys = append(keys, k)
		stepStates[k] = st
	}
	pos := map[string]int{}
	for i, si := range stages {
		pos[si.label] = i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].stage != keys[j].stage {
			return pos[keys[i].stage] < pos[keys[j].stage]
		}
		return keys[i].step < keys[j].step
	})
	for _, k := range keys {
		st := stepStates[k]
		sr := byLabel[k.stage]
		cached := st.cached
		if c.succeeded && !st.executed && st.completed == nil && st.err == "" {
			// no solve saw it complete, and the build succeeded: it did not
			// run; a later step came from the cache, or a solve running at
			// the same time took it from the cache before this one joined
			cached = true
		}
		step := StepReport{Name: st.name, Cached: cached && !st.executed, Executed: st.executed, Error: firstLine(st.err)}
		if st.started != nil && st.completed != nil {
			step.Seconds = round2(st.completed.Sub(*st.started).Seconds())
			f := first[k.stage]
			if f.s == nil || st.started.Before(*f.s) {
				f.s = st.started
			}
			if f.e == nil || st.completed.After(*f.e) {
				f.e = st.completed
			}
			first[k.stage] = f
		}
		sr.Details = append(sr.Details, step)
		sr.Steps++
		if step.Executed {
			sr.Executed++
		} else if step.Cached {
			sr.Cached++
		}
	}
	for _, si := range stages {
		sr := byLabel[si.label]
		if f := first[si.label]; f.s != nil {
			sr.Seconds = round2(f.e.Sub(*f.s).Seconds())
		}
		failed := false
		for _, d := range sr.Details {
			if d.Error != "" {
				failed = true
			}
		}
		switch {
		case failed:
			sr.Result = "failed"
		case sr.Steps == 0:
			sr.Result = "empty"
		case sr.Executed == 0 && sr.Cached == sr.Steps:
			sr.Result = "hit"
		case sr.Cached == 0:
			sr.Result = "miss"
		default:
			sr.Result = "partial"
		}
		sr.CacheSource = "none"
		if sr.Cached > 0 {
			sr.CacheFrom = c.loadedImports(si.solve)
			if len(sr.CacheFrom) > 0 {
				sr.CacheSource = "import"
			} else {
				sr.CacheSource = "builder"
			}
		}
		r.Steps += sr.Steps
		r.Cached += sr.Cached
		r.Executed += sr.Executed
	}
	r.Warnings = append(c.cacheWarnings(), c.warns...)
	return r
}

// shortCacheName names a cache entry by its stage: the last path element
// of a local directory, the tag of a registry reference.
func shortCacheName(desc string) string {
	typ, rest, _ := strings.Cut(desc, ":")
	switch typ {
	case "local":
		return filepath.Base(rest)
	case "registry":
		if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
			return rest[i+1:]
		}
	}
	return rest
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// Publish publishes the build's report (Report.Publish) when the build got
// as far as one: a nil r, such as a build that could not start, has none.
func (r *BuildResult) Publish(w io.Writer, path string, getenv runenv.Getenv) error {
	if r == nil || r.Report == nil {
		return nil
	}
	return r.Report.Publish(w, path, getenv)
}

// Publish shows the report where gantry build does: the table on w, the
// JSON report at path (when not ""), and the job summary in GitHub Actions,
// whose failure is only a warning on w.
func (r *Report) Publish(w io.Writer, path string, getenv runenv.Getenv) error {
	if err := r.Write(w, path); err != nil {
		return err
	}
	if err := runenv.AppendSummary(getenv, r.Markdown()); err != nil {
		fmt.Fprintln(w, "gantry: warning: job summary:", err)
	}
	return nil
}

// Write prints the table to w and, when path is not "", writes the JSON
// report to that file.
func (r *Report) Write(w io.Writer, path string) error {
	if err := r.WriteTable(w); err != nil || path == "" {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteTable prints the report as a table, one stage a line.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tSTEPS\tCACHED\tEXECUTED\tTIME\tRESULT\tCACHE SOURCE")
	for _, s := range r.Stages {
		src := s.CacheSource
		if len(s.CacheFrom) > 0 {
			var short []string
			for _, c := range s.CacheFrom {
				short = append(short, shortCacheName(c))
			}
			src += " (" + strings.Join(short, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1fs\t%s\t%s\n", s.Name, s.Steps, s.Cached, s.Executed, s.Seconds, s.Result, src)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%.1fs\t\t\n", r.Steps, r.Cached, r.Executed, r.Seconds)
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.CacheReadOnly {
		fmt.Fprintln(w, "cache: read only (imported, nothing exported)")
	}
	if kept := r.stageNames(func(s *StageReport) bool { return s.EntryKept }); len(kept) > 0 {
		fmt.Fprintf(w, "cache entries kept as they were (none of their steps ran): %s\n", strings.Join(kept, ", "))
	}
	if copied := r.stageNames(func(s *StageReport) bool { return s.EntryFromTarget }); len(copied) > 0 {
		fmt.Fprintf(w, "cache entries that took the target's new entry, which holds their steps: %s\n", strings.Join(copied, ", "))
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", wn)
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// stageNames names the stages for which pick is true, in report order.
func (r *Report) stageNames(pick func(*StageReport) bool) []string {
	var out []string
	for _, s := range r.Stages {
		if pick(s) {
			out = append(out, s.Name)
		}
	}
	return out
}

// Markdown renders the report for a GitHub job summary: the stage graph in
// mermaid, coloured by cache hit and miss, and the table.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### gantry build: %s\n\n", r.Target)
	b.WriteString("```mermaid\ngraph LR\n")
	ids := map[string]string{}
	for i, s := range r.Stages {
		ids[s.Name] = fmt.Sprintf("s%d", i)
	}
	for _, s := range r.Stages {
		label := fmt.Sprintf("%s<br/>%d/%d cached", s.Name, s.Cached, s.Steps)
		fmt.Fprintf(&b, "  %s[\"%s\"]:::%s\n", ids[s.Name], mermaidLabel(label), s.Result)
	}
	for _, s := range r.Stages {
		for _, d := range s.Deps {
			if id, ok := ids[d]; ok {
				fmt.Fprintf(&b, "  %s --> %s\n", id, ids[s.Name])
			}
		}
	}
	b.WriteString("  classDef hit fill:#d4f8d4,stroke:#2e7d32\n")
	b.WriteString("  classDef partial fill:#fff4c2,stroke:#b28704\n")
	b.WriteString("  classDef miss fill:#ffd6d6,stroke:#c62828\n")
	b.WriteString("  classDef failed fill:#c62828,color:#fff\n")
	b.WriteString("  classDef empty fill:#eeeeee,stroke:#999\n")
	b.WriteString("```\n\n")
	b.WriteString("| stage | steps | cached | executed | time | result | cache source |\n|---|---:|---:|---:|---:|---|---|\n")
	for _, s := range r.Stages {
		src := s.CacheSource
		if len(s.CacheFrom) > 0 {
			src += ": " + strings.Join(s.CacheFrom, ", ")
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1fs | %s | %s |\n", text.EscapeMarkdown(s.Name), s.Steps, s.Cached, s.Executed, s.Seconds, s.Result, text.EscapeMarkdown(src))
	}
	fmt.Fprintf(&b, "| **total** | %d | %d | %d | %.1fs | | |\n", r.Steps, r.Cached, r.Executed, r.Seconds)
	if len(r.Warnings) > 0 {
		b.WriteString("\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- :warning: %s: %s\n", w.Kind, text.EscapeMarkdown(w.Message))
		}
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "\n**build failed:** %s\n", text.EscapeMarkdown(firstLine(r.Error)))
	}
	b.WriteString("\n")
	return b.String()
}

func mermaidLabel(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", " ").Replace(s)
}
