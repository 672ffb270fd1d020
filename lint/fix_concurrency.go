package lint

import (
	"strings"

	"go.yaml.in/yaml/v4"
)

// scopedGroup is the concurrency group the fixes add: one per workflow and ref.
const scopedGroup = "${{ github.workflow }}-${{ github.ref }}"

// fixConcurrencyMissing adds a workflow-level concurrency after on:, with
// the group ${{ github.workflow }}-${{ github.ref }}, cancelling superseded
// runs only for pull requests so that pushes to the default branch are
// never cancelled.
func fixConcurrencyMissing(c *fixContext) *Fix {
	t := c.yaml()
	wf := c.file.Workflow
	if t == nil || wf == nil || wf.Concurrency != nil {
		return nil
	}
	root := t.root()
	if root == nil || root.Kind != yaml.MappingNode {
		return nil
	}
	k, v := valueOf(root, "on")
	if k == nil {
		return nil
	}
	cancel := suggestedCancel(wf)
	step := strings.Repeat(" ", t.indentStep())
	block := []string{"concurrency:", step + "group: " + scopedGroup}
	flow := "concurrency: {group: '" + scopedGroup + "'"
	if cancel != "" {
		block = append(block, step+"cancel-in-progress: "+cancel)
		flow += ", cancel-in-progress: \"" + cancel + "\""
	}
	flow += "}"
	e, ok := t.insertEntryAfter(root, k, v, block, flow)
	if !ok {
		return nil
	}
	desc := "add concurrency: group " + scopedGroup
	if cancel != "" {
		desc += ", cancelling superseded pull request runs"
	}
	return &Fix{Description: desc, Edits: []Edit{e}}
}

// fixConcurrencyGroupUnscoped fixes both findings of the rule: a group
// without the workflow gets ${{ github.workflow }}- in front (keeping what
// it was scoped by), and an unconditional cancel-in-progress: true becomes
// ${{ github.event_name == 'pull_request' }}.
func fixConcurrencyGroupUnscoped(c *fixContext) *Fix {
	t := c.yaml()
	if t == nil {
		return nil
	}
	n := t.valueScalarAt(c.finding.Line, c.finding.Column)
	if n == nil || n.Line != c.finding.Line || n.Column != c.finding.Column {
		return nil
	}
	s, ok := t.scalar(n)
	if !ok {
		return nil
	}
	key := t.keyOf(n)
	switch {
	case strings.HasPrefix(c.finding.Message, "concurrency group ") && key != nil && (key.Value == "group" || key.Value == "concurrency"):
		if strings.Contains(s.value, "github.workflow") {
			return nil
		}
		e, ok := s.edit(0, 0, "${{ github.workflow }}-")
		if !ok {
			return nil
		}
		return &Fix{Description: "scope the group to the workflow: ${{ github.workflow }}-" + strings.TrimSpace(s.value), Edits: []Edit{e}}
	case strings.HasPrefix(c.finding.Message, "cancel-in-progress: true ") && key != nil && key.Value == "cancel-in-progress":
		cancel := "${{ github.event_name == 'pull_request' }}"
		e, ok := s.edit(0, len(s.value), cancel)
		if !ok && s.flow && n.Style == 0 {
			// a plain scalar in a flow mapping cannot hold braces: quote it
			e, ok = Edit{Start: s.start, End: s.end, New: `"` + cancel + `"`}, true
		}
		if !ok {
			return nil
		}
		return &Fix{Description: "cancel only pull request runs: cancel-in-progress: " + cancel, Edits: []Edit{e}}
	}
	return nil
}
