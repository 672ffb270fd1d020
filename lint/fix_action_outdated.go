package lint

import (
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// fixActionOutdated bumps a uses: ref to the current major version from
// gantry's action table (actions/checkout@v3 -> actions/checkout@v7). A
// ref pinned to a commit SHA is left alone: its new SHA is not known
// offline.
func fixActionOutdated(c *fixContext) *Fix {
	return bumpUses(c)
}

// actionTooOldRe matches actionlint's finding on an action whose runtime
// GitHub removed, which the same bump fixes.
var actionTooOldRe = lazyre.New(`^the runner of "([^"]+)" (action is too old|fails:|is a node version GitHub removed)`)

// fixActionTooOld fixes actionlint's "the runner of ... action is too old"
// finding (rule action) with the bump, for the actions in gantry's table.
func fixActionTooOld(c *fixContext) *Fix {
	if !actionTooOldRe.MatchString(c.finding.Message) {
		return nil
	}
	return bumpUses(c)
}

// bumpUses rewrites the ref of the uses: value on the finding's line.
func bumpUses(c *fixContext) *Fix {
	t := c.yaml()
	if t == nil {
		return nil
	}
	var n *yaml.Node
	for _, x := range t.onLine(c.finding.Line) {
		if k := t.keyOf(x); n == nil && x.Kind == yaml.ScalarNode && strings.Contains(x.Value, "@") && k != nil && k.Value == "uses" {
			n = x
		}
	}
	s, ok := t.scalar(n)
	if !ok {
		return nil
	}
	at := strings.LastIndexByte(s.value, '@')
	ref := strings.TrimSpace(s.value[at+1:])
	if !versionRefRe.MatchString(ref) {
		return nil
	}
	cur, ok := CurrentActionMajor(s.value)
	if !ok || majorNum(cur) <= majorNum(strings.SplitN(strings.TrimPrefix(ref, "v"), ".", 2)[0]) {
		return nil
	}
	e, ok := s.edit(at+1, at+1+len(ref), cur)
	if !ok {
		return nil
	}
	edits := []Edit{e}
	// a version comment after the ref (@v3 # v3.5.2) names the new version too
	major := func(v string) int { return majorNum(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0]) }
	if s.end < len(t.src) {
		rest := t.src[s.end:max(s.end, t.lineContentEnd(t.lineOf(s.end)))]
		if m := usesCommentRe.FindSubmatchIndex(rest); m != nil && major(string(rest[m[2]:m[3]])) == major(ref) {
			edits = append(edits, Edit{Start: s.end + m[2], End: s.end + m[3], New: cur})
		}
	}
	return &Fix{Description: "update " + strings.TrimSpace(s.value[:at]) + " to " + cur, Edits: edits}
}

// usesCommentRe matches a comment that gives the version of a uses: ref.
var usesCommentRe = lazyre.New(`^[ \t]+#[ \t]*(v?\d+(?:\.\d+){0,2})(?:[ \t]|$)`)
