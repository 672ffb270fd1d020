package lint

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

var (
	buildxFindingRe = lazyre.New(`^cache-to (.+?) (with the mv workaround|writes the local cache into the directory it reads from|exports a registry cache to ECR|exports only the final stage's layers)`)
	buildxTargetRe  = lazyre.New(`export to (\S+) itself`)
)

// fixBuildxCacheGrowth rewrites the cache-to entry of a
// docker/build-push-action step the way the finding says:
//
//   - the mv workaround: export to the cache-from directory itself with
//     reset=true (so BuildKit deletes unreferenced blobs: a bounded cache)
//     and remove the step that moves the new cache over the old one, when
//     that step does nothing else;
//   - a local cache written over its own cache-from: add reset=true;
//   - an ECR registry cache: set image-manifest=true,oci-mediatypes=true;
//   - a multi-stage Dockerfile without mode=max: set mode=max.
//
// docker buildx build commands in run: scripts are not rewritten.
func fixBuildxCacheGrowth(c *fixContext) *Fix {
	m := buildxFindingRe.FindStringSubmatch(c.finding.Message)
	t := c.yaml()
	if m == nil || t == nil {
		return nil
	}
	entry := m[1]
	s, a, b := cacheToEntry(t, c.finding.Line, entry)
	if s == nil {
		return nil
	}
	fields := splitCSV(entry)
	fix := &Fix{}
	var step *Edit
	if (m[2] == "with the mv workaround" || m[2] == "writes the local cache into the directory it reads from") && !jobBuildxResets(t, s.node) {
		return nil
	}
	switch m[2] {
	case "with the mv workaround":
		tm := buildxTargetRe.FindStringSubmatch(c.finding.Message)
		if tm == nil {
			return nil
		}
		dest := ""
		for _, f := range fields {
			if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(strings.TrimSpace(k), "dest") {
				dest = strings.TrimSpace(v)
			}
		}
		fields = setCacheAttr(fields, "dest", tm[1])
		fields = setCacheAttr(fields, "reset", "true")
		for _, rel := range c.finding.Related {
			if strings.HasPrefix(rel.Message, "moves the new cache") {
				step = removeMoveStep(t, rel.Line, dest, tm[1])
			}
		}
		if step == nil {
			return nil
		}
		fix.Description = "export the cache to " + tm[1] + " with reset=true and remove the mv step"
	case "writes the local cache into the directory it reads from":
		fields = setCacheAttr(fields, "reset", "true")
		fix.Description = "add reset=true to the local cache export"
	case "exports a registry cache to ECR":
		fields = setCacheAttr(fields, "image-manifest", "true")
		fields = setCacheAttr(fields, "oci-mediatypes", "true")
		fix.Description = "add image-manifest=true,oci-mediatypes=true for ECR"
	default:
		fields = setCacheAttr(fields, "mode", "max")
		fix.Description = "export every stage's layers: mode=max"
	}
	rewritten := strings.Join(fields, ",")
	if !slices.Equal(splitCSV(rewritten), fields) {
		// An open quote or ${{: where the entry's fields end is unknown,
		// and an added field would land inside the open one.
		return nil
	}
	e, ok := s.edit(a, b, rewritten)
	if !ok {
		return nil
	}
	fix.Edits = []Edit{e}
	if step != nil {
		if step.End <= e.Start {
			fix.Edits = []Edit{*step, e}
		} else if step.Start >= e.End {
			fix.Edits = append(fix.Edits, *step)
		} else {
			return nil
		}
	}
	return fix
}

var buildxVersionRe = lazyre.New(`^v?(\d+)\.(\d+)(\.\d+)?$`)

// jobBuildxResets reports whether the Buildx of the job that holds n can
// honour reset=true, which Buildx before 0.35 ignores without a word (the
// cache would grow again, without the mv step that kept it bounded): false
// when the job's docker/setup-buildx-action pins a version before 0.35, or
// one it cannot read (other than latest).
func jobBuildxResets(t *yamlText, n *yaml.Node) bool {
	var steps *yaml.Node
	for p := t.parent[n]; p != nil; p = t.parent[p] {
		if k := t.keyOf(p); k != nil && k.Value == "steps" && p.Kind == yaml.SequenceNode {
			steps = p
			break
		}
	}
	if steps == nil {
		return true
	}
	for _, st := range steps.Content {
		_, uses := valueOf(resolve(st), "uses")
		if uses == nil || !strings.HasPrefix(strings.ToLower(uses.Value), "docker/setup-buildx-action@") {
			continue
		}
		_, with := valueOf(resolve(st), "with")
		_, v := valueOf(resolve(with), "version")
		if v == nil {
			continue
		}
		ver := strings.TrimSpace(v.Value)
		if ver == "" || ver == "latest" {
			continue
		}
		m := buildxVersionRe.FindStringSubmatch(ver)
		if m == nil {
			return false
		}
		if major, minor := majorNum(m[1]), majorNum(m[2]); major == 0 && minor < 35 {
			return false
		}
	}
	return true
}

// setCacheAttr sets key=value in the fields of a cache entry.
func setCacheAttr(fields []string, key, value string) []string {
	for i, f := range fields {
		if k, _, ok := strings.Cut(f, "="); ok && strings.EqualFold(strings.TrimSpace(k), key) {
			fields[i] = strings.TrimSpace(k) + "=" + value
			return fields
		}
	}
	return append(fields, key+"="+value)
}

// cacheToEntry finds the cache-to input that spans line and holds entry on
// a line of its own, and returns its text and the entry's value span.
func cacheToEntry(t *yamlText, line int, entry string) (*scalarText, int, int) {
	var found *scalarText
	var a, b int
	t.walk(func(n *yaml.Node) {
		if found != nil || n.Kind != yaml.ScalarNode {
			return
		}
		if k := t.keyOf(n); k == nil || k.Value != "cache-to" {
			return
		}
		s, ok := t.scalar(n)
		if !ok || t.lineOf(s.start)+1 > line || t.lineOf(max(s.end-1, s.start))+1 < line {
			return
		}
		off := 0
		for _, l := range strings.SplitAfter(s.value, "\n") {
			text := strings.TrimRight(l, "\r\n")
			if strings.TrimSpace(text) == entry {
				lead := len(text) - len(strings.TrimLeft(text, " \t"))
				found, a, b = s, off+lead, off+lead+len(entry)
				return
			}
			off += len(l)
		}
	})
	return found, a, b
}

var (
	rmDirRe = lazyre.New(`^rm\s+-(?:rf|fr|Rf|fR|r)\s+(\S+)$`)
	mvDirRe = lazyre.New(`^mv\s+(\S+)\s+(\S+)$`)
)

// removeMoveStep returns the edit that removes the step whose run: script,
// which spans line, only removes target and moves dest over it.
func removeMoveStep(t *yamlText, line int, dest, target string) *Edit {
	var item *yaml.Node
	t.walk(func(n *yaml.Node) {
		if item != nil || n.Kind != yaml.MappingNode {
			return
		}
		_, run := valueOf(n, "run")
		if run == nil || run.Kind != yaml.ScalarNode {
			return
		}
		if s, ok := t.scalar(run); ok && t.lineOf(s.start)+1 <= line && t.lineOf(max(s.end-1, s.start))+1 >= line {
			item = n
		}
	})
	seq := t.parent[item]
	if item == nil || seq == nil || seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || item.Style&yaml.FlowStyle != 0 {
		return nil
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		if !slices.Contains([]string{"run", "name", "if", "shell", "continue-on-error", "working-directory"}, item.Content[i].Value) {
			return nil
		}
	}
	_, run := valueOf(item, "run")
	moved := false
	for _, l := range strings.Split(run.Value, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if m := rmDirRe.FindStringSubmatch(l); m != nil && cleanDir(m[1]) == cleanDir(target) {
			continue
		}
		if m := mvDirRe.FindStringSubmatch(l); m != nil && cleanDir(m[1]) == cleanDir(dest) && cleanDir(m[2]) == cleanDir(target) {
			moved = true
			continue
		}
		return nil
	}
	if !moved {
		return nil
	}
	// the item starts at its dash, possibly on an earlier line than its first key
	off := t.nodeOffset(item)
	if off < 0 {
		return nil
	}
	first := t.lineOf(off)
	dash := -1
	for l := first; l >= 0 && l >= first-20; l-- {
		text := strings.TrimSpace(string(t.src[t.lines[l]:t.lineContentEnd(l)]))
		if l == first {
			text = strings.TrimSpace(string(t.src[t.lines[l]:off]))
		}
		switch {
		case text == "-":
			dash = l
		case l != first && (text == "" || strings.HasPrefix(text, "#")):
			continue
		case l == first && text == "":
			continue
		}
		break
	}
	if dash < 0 {
		return nil
	}
	// comment lines right above the dash, indented like it, go too
	indent := t.indentOf(dash)
	for dash > 0 && t.indentOf(dash-1) == indent && strings.HasPrefix(strings.TrimSpace(string(t.src[t.lines[dash-1]:t.lineContentEnd(dash-1)])), "#") {
		dash--
	}
	end, ok := t.nodeEnd(item)
	if !ok {
		return nil
	}
	return &Edit{Start: t.lines[dash], End: t.lineEnd(t.lineOf(end - 1))}
}
