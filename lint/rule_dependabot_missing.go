package lint

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// dependabotMissingRule flags a repository whose workflows use actions (or
// whose Dockerfiles use base images) that .github/dependabot.yml never
// updates. Repositories configured for Renovate are left alone.
//
// Each workflow is scanned as it is linted for its first remote action,
// kept as a fact; the finding, one per repository, waits for the
// repository pass.
var dependabotMissingRule = &Rule{
	ID: dependabotMissingID, Source: SourceGantry, Target: TargetRepository, Severity: SeverityInfo,
	Summary:         "workflows or Dockerfiles whose actions or base images dependabot.yml does not keep up to date",
	ScanWorkflow:    scanDependabotMissing,
	CheckRepository: checkDependabotMissing,
}

// dependabotMissingID is the ID of dependabotMissingRule, which reads its facts.
const dependabotMissingID = "dependabot-missing"

// renovateConfigs are the files that configure Renovate.
var renovateConfigs = []string{"renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json", ".renovaterc.json5",
	".github/renovate.json", ".github/renovate.json5", ".gitlab/renovate.json", ".gitlab/renovate.json5"}

func usesRenovate(root string) bool {
	for _, p := range renovateConfigs {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err == nil {
			return true
		}
	}
	if st, err := os.Stat(filepath.Join(root, "package.json")); err == nil && st.Size() < 1<<20 {
		b, _ := os.ReadFile(filepath.Join(root, "package.json"))
		return bytes.Contains(b, []byte(`"renovate"`))
	}
	return false
}

// dependabotUpdates is what dependabot.yml updates.
type dependabotUpdates struct {
	actions bool
	// dockerDirs are the directory globs of the docker entries.
	dockerDirs []string
	docker     bool
	// updates is the updates: key, where findings point.
	updates *yaml.Node
}

func readDependabot(f *File) dependabotUpdates {
	var d dependabotUpdates
	if f == nil || f.YAML == nil || f.YAML.Root == nil {
		return d
	}
	d.updates = MappingKey(f.YAML.Root, "updates")
	ups := MappingValue(f.YAML.Root, "updates")
	if ups == nil || ups.Kind != yaml.SequenceNode {
		return d
	}
	for _, u := range ups.Content {
		eco := MappingValue(u, "package-ecosystem")
		if eco == nil {
			continue
		}
		switch eco.Value {
		case "github-actions":
			d.actions = true
		case "docker":
			d.docker = true
			if dir := MappingValue(u, "directory"); dir != nil && dir.Kind == yaml.ScalarNode {
				d.dockerDirs = append(d.dockerDirs, dir.Value)
			}
			if dirs := MappingValue(u, "directories"); dirs != nil && dirs.Kind == yaml.SequenceNode {
				for _, n := range dirs.Content {
					d.dockerDirs = append(d.dockerDirs, n.Value)
				}
			}
		}
	}
	return d
}

// covers reports whether a docker entry's directory covers the directory
// (slash path relative to the root) of a Dockerfile.
func (d dependabotUpdates) covers(dir string) bool {
	dir = "/" + strings.Trim(dir, "/")
	if dir == "/." {
		dir = "/"
	}
	for _, g := range d.dockerDirs {
		g = "/" + strings.Trim(strings.TrimSpace(g), "/")
		if g == dir {
			return true
		}
		if ok, _ := doublestar.Match(g, dir); ok {
			return true
		}
	}
	return false
}

// pullableFrom returns the line and the image of the first stage of a
// Dockerfile built FROM an image dependabot can update (not scratch, an
// earlier stage, or a build argument).
func pullableFrom(f *File) (int, string, bool) {
	if f.Dockerfile == nil || f.Dockerfile.Graph == nil {
		return 0, "", false
	}
	for _, st := range f.Dockerfile.Graph.Stages {
		img := st.Base
		if st.Instruction != nil {
			img = st.Instruction.BaseName // as written, before ARG expansion
		}
		if st.BaseStage != nil || strings.EqualFold(img, "scratch") || strings.Contains(img, "$") {
			continue
		}
		return st.Line, img, true
	}
	return 0, "", false
}

// remoteUses is the first step of a workflow that uses a remote action.
type remoteUses struct {
	pos  Position
	uses string // the uses: value, trimmed
}

// firstRemoteUses returns the first step of the workflow that uses a
// remote action, if any.
func firstRemoteUses(w *RepoWorkflow) (remoteUses, bool) {
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if u := s.Uses(); u != nil && isRemoteAction(s.Action) {
				// a copy, as facts keep no part of the syntax tree
				return remoteUses{at(u), strings.Clone(strings.TrimSpace(u.Value))}, true
			}
		}
	}
	return remoteUses{}, false
}

// scanDependabotMissing keeps the workflow's first remote action as its
// facts (remoteUses), or nil when it uses none.
func scanDependabotMissing(_ *Repository, w *RepoWorkflow, _ any) ([]Finding, any) {
	if u, ok := firstRemoteUses(w); ok {
		return nil, u
	}
	return nil, nil
}

func checkDependabotMissing(r *Repository, _ any) []Finding {
	var out []Finding
	if usesRenovate(r.Root) {
		return nil
	}
	d := readDependabot(r.Dependabot)

	// actions
	if !d.actions {
		var firstFile *File
		var firstPos Position
		var firstUses string
		n := 0
		for _, w := range r.Workflows {
			var u remoteUses
			var found bool
			if w.Scanned {
				u, found = w.Facts(dependabotMissingID).(remoteUses)
			} else {
				u, found = firstRemoteUses(w)
			}
			if !found {
				continue
			}
			if firstFile == nil && !w.Context {
				firstFile, firstPos, firstUses = w.File, u.pos, u.uses
			}
			n++
		}
		for _, f := range r.Actions {
			found := false
			for _, st := range compositeSteps(f) {
				if st.uses != nil && isRemoteAction(st.action) {
					if firstFile == nil {
						firstFile, firstPos, firstUses = f, Position{st.uses.Line, st.uses.Column}, st.uses.Value
					}
					found = true
				}
			}
			if found {
				n++
			}
		}
		if firstFile != nil {
			what := fmt.Sprintf("the actions that %d workflows use", n)
			if n == 1 {
				what = "the actions this workflow uses"
			}
			if r.Dependabot == nil {
				out = append(out, finding(firstFile, firstPos, fmt.Sprintf(
					"no .github/dependabot.yml keeps %s up to date (such as %s here): add one with an updates entry for package-ecosystem: github-actions, directory: /",
					what, firstUses)))
			} else if d.updates != nil {
				out = append(out, finding(r.Dependabot, Position{d.updates.Line, d.updates.Column}, fmt.Sprintf(
					"dependabot.yml has no github-actions entry, so %s are never updated: add package-ecosystem: github-actions with directory: /", what),
					related(firstFile, firstPos, firstUses)))
			}
		}
	}

	// base images
	var uncovered []*File
	for _, f := range r.Dockerfiles {
		if _, _, ok := pullableFrom(f); !ok {
			continue
		}
		if d.docker && d.covers(path.Dir(f.RelPath)) {
			continue
		}
		uncovered = append(uncovered, f)
	}
	if len(uncovered) == 0 {
		return out
	}
	if !d.docker {
		f := uncovered[0]
		line, img, _ := pullableFrom(f)
		subject := "the base image " + img
		if len(uncovered) > 1 {
			subject = fmt.Sprintf("the base images of %d Dockerfiles (%s here)", len(uncovered), img)
		}
		dir := "/" + strings.TrimPrefix(path.Dir(f.RelPath), ".")
		if len(uncovered) > 1 {
			dir = "their directories"
		}
		msg := fmt.Sprintf("no .github/dependabot.yml keeps %s up to date: add one with an updates entry for package-ecosystem: docker, directory: %s", subject, dir)
		if r.Dependabot != nil {
			msg = fmt.Sprintf("dependabot.yml has no docker entry, so %s never get updated: add an updates entry for package-ecosystem: docker, directory: %s", subject, dir)
			if len(uncovered) == 1 {
				msg = strings.Replace(msg, "never get updated", "is never updated", 1)
			}
		}
		var rel []Location
		for _, g := range uncovered[1:min(len(uncovered), 6)] {
			l, _, _ := pullableFrom(g)
			rel = append(rel, related(g, Position{l, 1}, "also not updated"))
		}
		return append(out, finding(f, Position{line, 1}, msg, rel...))
	}
	for _, f := range uncovered {
		line, img, _ := pullableFrom(f)
		out = append(out, finding(f, Position{line, 1}, fmt.Sprintf(
			"no docker entry of dependabot.yml covers /%s, so the base image %s is never updated: add the directory to a docker entry's directories",
			strings.TrimPrefix(path.Dir(f.RelPath), "."), img)))
	}
	return out
}

// isRemoteAction reports whether a step's action is a repository action
// (owner/repo) that dependabot can update, not a local or docker action.
func isRemoteAction(action string) bool {
	return action != "" && !strings.HasPrefix(action, "./") && !strings.HasPrefix(action, "docker://") && strings.Contains(action, "/")
}
