package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/lazyre"
)

// semverTag is a git tag such as v1.2.3 or 1.2.3-rc.1.
var semverTag = lazyre.New(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

// SkippedTag is a tag template that produced no tag for this run.
type SkippedTag struct {
	// Template is the template as configured.
	Template string
	// Reason says why, such as "not a git tag".
	Reason string
}

// tagValues computes the placeholder values for c; a missing key has its
// reason in the second map.
func tagValues(c *runenv.Context) (map[string]string, map[string]string) {
	vals, why := map[string]string{}, map[string]string{}
	if sha := c.HeadSHA(); sha != "" {
		vals["sha"] = config.SanitizeTag(sha)
		vals["short_sha"] = config.SanitizeTag(sha[:min(7, len(sha))])
	} else {
		why["sha"] = "the commit SHA is unknown (GITHUB_SHA is not set)"
		why["short_sha"] = why["sha"]
	}
	switch {
	case c.PullRequest.Fork():
		// a fork's branch names are not this repository's: its "main"
		// would take the tag of this repository's main
		why["branch"] = fmt.Sprintf("the pull request's head branch is in a fork (%s), where any name can be taken; use {{pr}}", c.PullRequest.HeadRepo)
	case c.PullRequest != nil && c.PullRequest.HeadRef != "":
		vals["branch"] = config.SanitizeTag(c.PullRequest.HeadRef)
	case c.PullRequest == nil && c.RefType == "branch" && c.RefName != "":
		vals["branch"] = config.SanitizeTag(c.RefName)
	default:
		why["branch"] = "the run is not for a branch"
	}
	if c.PullRequest != nil && c.PullRequest.Number > 0 {
		vals["pr"] = strconv.Itoa(c.PullRequest.Number)
	} else {
		why["pr"] = "the run is not for a pull request"
	}
	semverVars := []string{"semver", "major", "minor", "patch"}
	if c.PullRequest != nil || c.RefType != "tag" || c.RefName == "" {
		why["tag"] = "the run is not for a git tag"
		for _, v := range semverVars {
			why[v] = why["tag"]
		}
		return vals, why
	}
	vals["tag"] = config.SanitizeTag(c.RefName)
	m := semverTag.FindStringSubmatch(c.RefName)
	if m == nil {
		for _, v := range semverVars {
			why[v] = fmt.Sprintf("git tag %q is not a semantic version such as v1.2.3", c.RefName)
		}
		return vals, why
	}
	// a tag cannot hold '+': build metadata (v1.2.3+build.5) follows '_',
	// as Helm writes it in OCI tags, not '-', which would read as a
	// pre-release
	vals["semver"] = config.SanitizeTag(strings.Replace(strings.TrimPrefix(c.RefName, "v"), "+", "_", 1))
	vals["patch"] = m[3]
	if m[4] != "" {
		// 1 and 1.2 must not move to a pre-release
		why["major"] = fmt.Sprintf("git tag %q is a pre-release", c.RefName)
		why["minor"] = why["major"]
		vals["patch"] = config.SanitizeTag(m[3] + "-" + m[4])
		return vals, why
	}
	if c.Release != nil && c.Release.Prerelease {
		why["major"] = fmt.Sprintf("the release of %q is marked as a pre-release", c.RefName)
		why["minor"] = why["major"]
		return vals, why
	}
	vals["major"] = m[1]
	vals["minor"] = m[2]
	return vals, why
}

// RenderTags expands tag templates for the run. A template whose variables
// have no value in this run (such as {{tag}} on a branch push) is skipped
// with its reason, and "latest" is only produced on the default branch.
// Invalid templates are skipped too (config.Load rejects them earlier).
func RenderTags(templates []string, c *runenv.Context) ([]string, []SkippedTag) {
	vals, why := tagValues(c)
	var tags []string
	var skipped []SkippedTag
outer:
	for _, t := range templates {
		parts, err := config.ParseTagTemplate(t)
		if err != nil {
			skipped = append(skipped, SkippedTag{t, err.Error()})
			continue
		}
		for _, p := range parts {
			if v := vals[p.Var]; p.Var != "" && v == "" {
				reason := why[p.Var]
				if reason == "" {
					reason = "{{" + p.Var + "}} is empty"
				}
				skipped = append(skipped, SkippedTag{t, reason})
				continue outer
			}
		}
		tag := fitTag(parts, vals)
		if !config.ValidTag(tag) {
			skipped = append(skipped, SkippedTag{t, fmt.Sprintf("%q is not a valid tag", tag)})
			continue
		}
		if tag == "latest" && !c.OnDefaultBranch() {
			reason := "latest is only pushed from the default branch"
			if c.DefaultBranch != "" {
				reason += " (" + c.DefaultBranch + ")"
			} else {
				reason += ", which is unknown without an event payload"
			}
			skipped = append(skipped, SkippedTag{t, reason})
			continue
		}
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	return tags, skipped
}

// fitTag renders a template's parts with vals, at most config.MaxTagLength
// long. While the tag is too long, the longest value is cut: it keeps its
// start and ends in '-' and 8 hex digits of the SHA-256 of the whole value,
// so that two long branch names with the same start still give two tags,
// and the template's literal text and its short values (the commit SHA
// beside a long branch name) stay whole. A value used several times is cut
// alike at each use, and a value with no room left for its start becomes
// the hash's first hex digits alone, so that the tag does not start with
// '-'.
func fitTag(parts []config.TemplatePart, vals map[string]string) string {
	vals = maps.Clone(vals)
	for {
		var b strings.Builder
		longest, uses := "", map[string]int{}
		for _, p := range parts {
			if p.Var == "" {
				b.WriteString(p.Lit)
				continue
			}
			b.WriteString(vals[p.Var])
			uses[p.Var]++
			if len(vals[p.Var]) > len(vals[longest]) {
				longest = p.Var
			}
		}
		over := b.Len() - config.MaxTagLength
		v := vals[longest]
		if over <= 0 || len(v) <= len(hashedEnd) {
			return b.String()
		}
		// each use of the value gives its share of what is over
		cut := (over + uses[longest] - 1) / uses[longest]
		sum := sha256.Sum256([]byte(v))
		h := hex.EncodeToString(sum[:4])
		if n := len(v) - cut; n > len(hashedEnd) {
			vals[longest] = v[:n-len(hashedEnd)] + "-" + h
		} else {
			// no room for the value's start: the hash's first digits
			vals[longest] = h[:min(max(n, 1), len(h))]
		}
	}
}

// hashedEnd is the shape of the end fitTag gives a value it cuts.
const hashedEnd = "-0123abcd"
