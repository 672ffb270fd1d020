package buildcache

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/gantry-ci/gantry/stagegraph"
)

// This file schedules the solves of a build that runs them at once (the
// default; see BuildOptions.SolveInWaves). Most solves of a rebuild only
// export an entry that is already there: after a code change, the solves of
// base, builder, bundle and npm find every step in the cache and write the
// same entry again, and on two cores those exports compete with the steps
// that do run. So the solve of a stage whose entry exists waits (waitable):
// a stage none of whose steps ran keeps its entry and has no solve at all,
// and one whose steps ran takes the target's new entry (copiesTarget), or
// else solves once a step of it runs in another solve.

// solveResult is one finished solve.
type solveResult struct {
	job  solveJob
	resp *client.SolveResponse
	err  error
}

// stepsRan records the stages (by their label in step names) whose steps
// ran in some solve of the build, and wakes the scheduler when one is new.
type stepsRan struct {
	mu     sync.Mutex
	stages map[string]bool
	wake   chan struct{}
}

func newStepsRan() *stepsRan {
	return &stepsRan{stages: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// note records stages whose steps ran (see ranStages).
func (s *stepsRan) note(labels []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, label := range labels {
		if !s.stages[label] {
			s.stages[label] = true
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
}

// ran reports whether a step of the stage ran.
func (s *stepsRan) ran(label string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stages[label]
}

// waitable reports, by index in jobs (the target's last), which solves may
// wait for a step of their stage to run: not the target's, each exporting
// one local or registry entry that exists and that the target's own entry
// covers (every blob the stage's entry names is in the target's). The
// target's solve then finds those stages' steps in the target's entry as
// the stages' entries hold them (every entry is mode=max, so it holds its
// ancestors' steps). A stage entry that the target's does not cover (the
// target's last build failed or exported nothing, another target's build
// changed the stage, the entry is stale) solves at once as before, as does
// every stage when the target's entry is missing (see fallbackEntry).
//
// It also returns which registry entries exist, by reference, for those it
// looked up (see builder.registryFound), and records their manifests'
// digests (builder.registryDigest).
func (b *builder) waitable(ctx context.Context, jobs []solveJob) ([]bool, map[string]bool) {
	out := make([]bool, len(jobs))
	final := jobs[len(jobs)-1]
	if b.opts.NoCache || len(final.exports) == 0 {
		return out, nil
	}
	var es []client.CacheOptionsEntry
	var idx []int
	for i, j := range jobs[:len(jobs)-1] {
		if len(j.exports) == 1 && (j.exports[0].Type == "local" || j.exports[0].Type == "registry") {
			es = append(es, j.exports[0])
			idx = append(idx, i)
		}
	}
	if len(es) == 0 {
		return out, nil
	}
	es = append(es, targetEntry(final))
	blobs, digests := b.lookupEntries(ctx, es)
	b.registryDigest = digests
	found := map[string]bool{}
	for k, e := range es {
		if e.Type == "registry" {
			found[e.Attrs["ref"]] = blobs[k] != nil
		}
	}
	target := blobs[len(es)-1]
	for k, i := range idx {
		out[i] = target.covers(blobs[k])
	}
	return out, found
}

// solveAtOnce runs the solves of jobs at once, except the waitable ones. A
// waiting stage whose steps ran in another solve takes, once the solves are
// done, the target's new entry for its own (see copiesTarget); else its
// solve starts then, and with a stage that cannot take it, when a step of
// its stage runs in another solve; a stage no solve reported a step of
// solves once the others are done. It records the stages that kept their
// entry without a solve and those that took the target's.
func (b *builder) solveAtOnce(ctx context.Context, g *stagegraph.StageGraph, jobs []solveJob) (out solvesOutcome) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan solveResult)
	running := 0
	launch := func(j solveJob) {
		running++
		go func() {
			resp, err := b.solve(ctx, j)
			results <- solveResult{j, resp, err}
		}()
	}
	// the entries are looked up before any solve starts: a target's solve
	// alone would not find the steps of the stages whose entries its own
	// does not cover
	waiting := map[string]solveJob{} // by the stage's label in step names
	var order []string
	canWait, found := b.waitable(ctx, jobs)
	b.registryFound = found
	final := jobs[len(jobs)-1]
	// the target's entry as it was: a waiting stage's entry that names the
	// same took it in an earlier build (see copiesTarget)
	var oldTarget string
	if len(final.exports) > 0 {
		oldTarget = b.entryVersion(targetEntry(final))
	}
	for i, j := range jobs {
		if canWait[i] {
			label := stageLabel(g, j.stage)
			waiting[label] = j
			order = append(order, label)
			continue
		}
		launch(j)
	}
	// startRan starts the waiting solves whose stage's steps ran, and with
	// done (no solve is running), those of stages no solve reported a step
	// of. A stage that can take the target's entry waits until done, and
	// solves only if it could not take it.
	startRan := func(done bool) {
		for _, label := range order {
			j, ok := waiting[label]
			if !ok || out.failed != nil {
				continue
			}
			ran := b.ran.ran(label)
			if !ran && !(done && !b.coll.reported(label)) {
				continue
			}
			if ran && b.copiesTarget(j, final) {
				if !done {
					continue
				}
				if b.copyTargetEntry(ctx, j, final, out.final) {
					delete(waiting, label)
					out.fromTarget = append(out.fromTarget, j.stage)
					continue
				}
			}
			delete(waiting, label)
			launch(j)
		}
	}
	for running > 0 {
		for running > 0 {
			select {
			case <-b.ran.wake:
				startRan(false)
			case r := <-results:
				running--
				switch {
				case r.err != nil:
					out.fail(r.err, r.job.stage.DisplayName())
					cancel()
				case r.job.final:
					out.final = r.resp
				}
			}
		}
		// every status of the finished solves is in: a waiting stage whose
		// steps ran, or that no solve reported, exports its entry now
		b.statusWG.Wait()
		startRan(true)
	}
	// a waiting stage none of whose steps ran keeps its entry, unless the
	// entry took the target's in an earlier build and the target's export
	// wrote another: it takes the new one, which holds the stage's steps as
	// the old one did, so that it does not keep the blobs of the target's
	// old steps in the store or registry, nor fail to be covered next time.
	// (When the target's export wrote what it had, the entry is kept.)
	for _, label := range order {
		j, ok := waiting[label]
		if !ok || out.failed != nil {
			continue
		}
		if oldTarget != "" && b.copiesTarget(j, final) &&
			b.entryVersion(j.exports[0]) == oldTarget &&
			b.targetWrote(final, out.final) != oldTarget &&
			b.copyTargetEntry(ctx, j, final, out.final) {
			out.fromTarget = append(out.fromTarget, j.stage)
			continue
		}
		out.kept = append(out.kept, j.stage)
	}
	return out
}

// targetEntry is the target's own cache entry among the exports of its
// solve, final (it has one): the last (see solveWaves).
func targetEntry(final solveJob) client.CacheOptionsEntry {
	return final.exports[len(final.exports)-1]
}

// copiesTarget reports whether the waiting job's stage takes the target's
// new entry as its own when a step of the stage ran, rather than solving
// again to export it: both are entries of one local store, or of one
// registry repository. The target's solve ran the stage's steps (merged
// with any other solve that ran them), and its entry is mode=max, so it
// holds every step of the stage and of the stages it is built on, as the
// stage's own export would; it holds no blob twice (one store; a registry
// shares blobs by digest). The stage's second solve would load the
// Dockerfile, the context and its entry again and export beside the
// target's, on the same cores (issue 17 measured that as most of the
// per-stage build's extra time after a code change). The entry then also
// names the target's steps: BuildKit matches the stage's steps in it all
// the same, and it covers the stage's entry in the next build.
func (b *builder) copiesTarget(j, final solveJob) bool {
	if len(j.exports) != 1 || len(final.exports) == 0 {
		return false
	}
	se, te := j.exports[0], targetEntry(final)
	switch {
	case se.Type == "local" && te.Type == "local":
		return b.localEntry(se.Attrs["dest"]).store == b.localEntry(te.Attrs["dest"]).store
	case se.Type == "registry" && te.Type == "registry":
		// BuildKit's response names one cache manifest: the target's
		// entry must be its only export
		sr, err1 := name.NewTag(se.Attrs["ref"])
		tr, err2 := name.NewTag(te.Attrs["ref"])
		return len(final.exports) == 1 && err1 == nil && err2 == nil && sr.Context() == tr.Context()
	}
	return false
}

// copyTargetEntry makes the waiting job's entry name what the target's
// solve wrote (see copiesTarget): the local index.json it published, or
// the registry manifest it pushed (resp is its response). It reports false
// when the target's solve wrote nothing (its export failed) or the copy
// failed: the stage then solves and exports its entry itself.
func (b *builder) copyTargetEntry(ctx context.Context, j, final solveJob, resp *client.SolveResponse) bool {
	wrote := b.targetWrote(final, resp)
	if wrote == "" {
		return false
	}
	se := j.exports[0]
	if se.Type == "registry" {
		return b.tagRegistryEntry(ctx, se.Attrs["ref"], digest.Digest(wrote)) == nil
	}
	return copyEntry(ctx, b.localEntry(se.Attrs["dest"]), []byte(wrote)) == nil
}

// targetWrote returns what the target's solve wrote into its entry: the
// index.json it published into a local entry, or the digest of the
// manifest it pushed to a registry entry, as BuildKit's response names it
// (resp); "" when it wrote none.
func (b *builder) targetWrote(final solveJob, resp *client.SolveResponse) string {
	te := targetEntry(final)
	if te.Type == "registry" {
		if resp == nil {
			return ""
		}
		var desc ocispecs.Descriptor
		if json.Unmarshal([]byte(resp.ExporterResponse[cacheManifestKey]), &desc) != nil {
			return ""
		}
		return desc.Digest.String()
	}
	dir := b.localEntry(te.Attrs["dest"]).dir
	b.publishedMu.Lock()
	defer b.publishedMu.Unlock()
	return string(b.published[dir])
}

// cacheManifestKey is where BuildKit's response to a solve names the cache
// manifest a cache export wrote (remotecache.ExporterResponseManifestDesc).
const cacheManifestKey = "cache.manifest"

// entryVersion says what a local or registry entry names now, in the terms
// of targetWrote: its index.json, or as the lookup before the solves found
// it, its manifest's digest, or for a copy of the target's (see
// tagRegistryEntry), the digest of the target's manifest it copies; ""
// when it names nothing.
func (b *builder) entryVersion(e client.CacheOptionsEntry) string {
	switch e.Type {
	case "local":
		return string(entryIndex(b.localEntry(e.Attrs["dest"])))
	case "registry":
		return b.registryDigest[e.Attrs["ref"]].String()
	}
	return ""
}
