package stagegraph

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
)

// BakeOptions are what a bake file needs besides the outline.
type BakeOptions struct {
	// Context is the build context directory, as bake should see it.
	Context string
	// Dockerfile is the Dockerfile's path relative to Context.
	Dockerfile string
	// BuildArgs are passed to every target.
	BuildArgs map[string]string
	// Platforms are the target platforms; empty means the builder's.
	Platforms []string
	// Tags are the image tags of the final target.
	Tags []string
}

// bakeFile is docker buildx bake's JSON file format.
type bakeFile struct {
	Group  map[string]bakeGroup  `json:"group"`
	Target map[string]bakeTarget `json:"target"`
}

type bakeGroup struct {
	Targets []string `json:"targets"`
}

type bakeTarget struct {
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Target     string            `json:"target,omitempty"`
	Args       map[string]string `json:"args,omitempty"`
	Platforms  []string          `json:"platforms,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	CacheFrom  []string          `json:"cache-from,omitempty"`
	CacheTo    []string          `json:"cache-to,omitempty"`
	Output     []string          `json:"output,omitempty"`
}

// WriteBake writes a `docker buildx bake` file (JSON) with one target per
// cacheable stage plus the outline's target, each importing and exporting its
// own entry only, as gantry build does (a mode=max entry holds the layers of
// the stages it is built on too). The default group builds them all, so that
// one `docker buildx bake -f gantry.bake.json` refreshes every stage's cache.
func (p *Outline) WriteBake(w io.Writer, spec CacheSpec, opts BakeOptions) error {
	if err := p.CheckBuildable(); err != nil {
		return err
	}
	if opts.Context == "" {
		opts.Context = "."
	}
	if opts.Dockerfile == "" {
		opts.Dockerfile = "Dockerfile"
	}
	f := bakeFile{Group: map[string]bakeGroup{}, Target: map[string]bakeTarget{}}
	var order []string
	target := func(st *Stage) bakeTarget {
		t := bakeTarget{Context: opts.Context, Dockerfile: opts.Dockerfile, Target: stageRef(st),
			Platforms: opts.Platforms}
		if len(opts.BuildArgs) > 0 {
			t.Args = maps.Clone(opts.BuildArgs)
		}
		in, out := spec.ForStage(st.CacheName)
		t.CacheFrom = []string{FormatAttrs(in)}
		t.CacheTo = []string{FormatAttrs(out)}
		if st != p.Target {
			t.Output = []string{"type=cacheonly"}
		} else {
			t.Tags = opts.Tags
		}
		return t
	}
	for _, e := range p.Cache.Entries {
		f.Target[e.Stage] = target(p.stageByCacheName(e.Stage))
		order = append(order, e.Stage)
	}
	if !p.Target.Cacheable {
		// the target always has an entry of its own, as in gantry build
		f.Target[p.Target.CacheName] = target(p.Target)
		order = append(order, p.Target.CacheName)
	}
	f.Group["default"] = bakeGroup{Targets: slices.Clone(order)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

// CheckBuildable fails when BuildKit cannot build the outline's target:
// an unnamed stage other than the last, or a stage whose name a later stage
// reuses (see Stage.TargetName).
func (p *Outline) CheckBuildable() error {
	t := p.Target
	switch {
	case p.Graph.Targetable(t):
		return nil
	case t.Name == "":
		return fmt.Errorf("target %s is an unnamed stage; BuildKit can only target named stages (FROM ... AS name)", t.DisplayName())
	}
	return fmt.Errorf("target %s (line %d) has the name of a later stage, which BuildKit's --target %s builds instead; rename it", t.DisplayName(), t.Line, t.Name)
}

// stageRef is how --target names a stage (see Stage.TargetName).
func stageRef(st *Stage) string { return st.TargetName() }

func (p *Outline) stageByCacheName(name string) *Stage {
	for _, st := range p.Graph.Stages {
		if st.CacheName == name {
			return st
		}
	}
	return nil
}
