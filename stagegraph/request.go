package stagegraph

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/cliargs"
	"github.com/gantry-ci/gantry/internal/outfile"
)

// PlanRequest is one `gantry plan`: the Dockerfile to read, how to evaluate
// it, and the format to write its outline in.
type PlanRequest struct {
	// Dir is the build context directory (default ".").
	Dir string
	// File is the Dockerfile (default Dir/Dockerfile).
	File string
	// Target is the stage to outline ("" is the last stage).
	Target string
	// Format is one of Formats.
	Format string
	// Cache is the --cache spec (see ParseCacheSpec); only bake uses it,
	// and bake needs it.
	Cache string
	// BuildArgs are the --build-arg values as given (see ParseBuildArgs).
	BuildArgs []string
	// LookupEnv gives the value of a --build-arg NAME without "=VALUE".
	LookupEnv func(string) (string, bool)
	// Platform is the target platform ("" is BuildPlatform); bake takes a
	// comma-separated list.
	Platform string
	// BuildPlatform is the builder's platform, for $BUILDPLATFORM and
	// friends ("" is linux/amd64).
	BuildPlatform string
	// Tags are the image tags of the final target in the bake file.
	Tags []string
}

// PlanErrorKind says what a failed PlanRequest needs, for the exit code.
type PlanErrorKind int

const (
	// KindPlanUsage is a bad flag value or a Dockerfile that cannot be read.
	KindPlanUsage PlanErrorKind = iota + 1
	// KindPlanDockerfile is a Dockerfile that does not parse, or whose
	// target BuildKit cannot build.
	KindPlanDockerfile
)

// PlanError is a failed PlanRequest.
type PlanError struct {
	Kind PlanErrorKind
	Err  error
}

func (e *PlanError) Error() string { return e.Err.Error() }

func (e *PlanError) Unwrap() error { return e.Err }

func planUsage(format string, args ...any) error {
	return &PlanError{Kind: KindPlanUsage, Err: fmt.Errorf(format, args...)}
}

// PlanOutput is a PlanRequest's outline with what writing it needs.
type PlanOutput struct {
	// Outline is the target's outline.
	Outline *Outline
	format  string
	spec    CacheSpec
	bake    BakeOptions
}

// Check fails for an unknown Format, or for bake without a valid Cache,
// before anything is read. Its errors are *PlanError.
func (r *PlanRequest) Check() error {
	_, err := r.cacheSpec()
	return err
}

// cacheSpec is the parsed Cache when Format is bake.
func (r *PlanRequest) cacheSpec() (CacheSpec, error) {
	if err := cliargs.CheckEnum("--format", r.Format, Formats); err != nil {
		return CacheSpec{}, &PlanError{Kind: KindPlanUsage, Err: err}
	}
	if r.Format != "bake" {
		return CacheSpec{}, nil
	}
	if r.Cache == "" {
		return CacheSpec{}, planUsage("--format bake needs --cache, such as --cache type=registry,ref=ghcr.io/OWNER/APP or --cache type=local,dir=.buildx-cache")
	}
	spec, err := ParseCacheSpec(r.Cache)
	if err != nil {
		return CacheSpec{}, planUsage("--cache: %v", err)
	}
	return spec, nil
}

// Outline reads the Dockerfile and outlines the target. Its errors are
// *PlanError.
func (r *PlanRequest) Outline() (*PlanOutput, error) {
	spec, err := r.cacheSpec()
	if err != nil {
		return nil, err
	}
	dir, file := r.Dir, r.File
	if dir == "" {
		dir = "."
	}
	if file == "" {
		file = filepath.Join(dir, "Dockerfile")
	}
	buildArgs, err := ParseBuildArgs(r.BuildArgs, r.LookupEnv)
	if err != nil {
		return nil, planUsage("%v", err)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, planUsage("cannot read %s: %v", file, err)
	}
	// BuildKit evaluates the Dockerfile once per platform; the plan is the
	// first platform's, and holds only if the others need the same stages.
	plats := strings.Split(r.Platform, ",")
	var o *Outline
	for i, plat := range plats {
		po, err := r.outline(src, file, buildArgs, strings.TrimSpace(plat))
		if err != nil {
			return nil, err
		}
		if i == 0 {
			o = po
		} else if a, b := o.signature(), po.signature(); a != b {
			return nil, planUsage("--platform: %s and %s need different stages (%s; %s): plan one platform at a time", o.Graph.Platform, po.Graph.Platform, a, b)
		}
	}
	if len(plats) > 1 {
		o.Graph.Platform = r.Platform
	}
	if r.Format == "bake" {
		if err := o.CheckBuildable(); err != nil {
			return nil, planUsage("--target: %v", err)
		}
	}
	return &PlanOutput{Outline: o, format: r.Format, spec: spec, bake: NewBakeOptions(dir, file, buildArgs, r.Tags, r.Platform)}, nil
}

// outline parses and outlines the Dockerfile for one platform.
func (r *PlanRequest) outline(src []byte, file string, buildArgs map[string]string, platform string) (*Outline, error) {
	g, err := ParseStageGraphOptions(src, Options{BuildArgs: buildArgs, Platform: platform, BuildPlatform: r.BuildPlatform, Target: r.Target})
	if err != nil {
		return nil, &PlanError{Kind: KindPlanDockerfile, Err: FileError(file, err)}
	}
	o, err := g.Outline(r.Target, filepath.ToSlash(file))
	var pe *ParseError
	if errors.As(err, &pe) {
		// a stage the target needs reads a later one: BuildKit cannot build it
		return nil, &PlanError{Kind: KindPlanDockerfile, Err: FileError(file, err)}
	}
	if err != nil {
		return nil, planUsage("--target: %v", err)
	}
	return o, nil
}

// signature sums up the stages the outline builds and their cache entries.
func (p *Outline) signature() string {
	var needed, entries []string
	for _, st := range p.Needed {
		needed = append(needed, st.DisplayName())
	}
	for _, e := range p.Cache.Entries {
		entries = append(entries, e.Stage)
	}
	return "needed " + strings.Join(needed, " ") + ", cache entries " + strings.Join(entries, " ")
}

// Write writes the outline in the request's format.
func (p *PlanOutput) Write(w io.Writer) error {
	return p.Outline.Write(w, p.format, p.spec, p.bake)
}

// Publish shows the plan where gantry plan does: written to the file at
// path, or to w when path is "" (outfile.Write), and the outline's job
// summary in GitHub Actions, whose failure is only a warning on warn.
// Errors are an *outfile.CreateError or the writer's.
func (p *PlanOutput) Publish(w io.Writer, path string, warn io.Writer, getenv runenv.Getenv) error {
	if err := outfile.Write(path, w, func(w io.Writer, _ bool) error { return p.Write(w) }); err != nil {
		return err
	}
	if err := runenv.AppendSummary(getenv, p.Outline.SummaryMarkdown()); err != nil {
		fmt.Fprintln(warn, "gantry: warning: cannot write the job summary:", err)
	}
	return nil
}
