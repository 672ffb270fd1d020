package gate

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-ci/gantry/actions"
)

// TagVariables are the placeholders a tag template may use, as {{name}}.
var TagVariables = []string{"sha", "short_sha", "branch", "tag", "semver", "major", "minor", "patch", "pr"}

// MaxTagLength is the longest image tag registries accept.
const MaxTagLength = 128

// validTag is the grammar of an image tag in the distribution spec.
var validTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// semverTag is a git tag such as v1.2.3 or 1.2.3-rc.1.
var semverTag = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

// templatePart is a literal (Var == "") or a placeholder of a tag template.
type templatePart struct{ Lit, Var string }

func parseTagTemplate(t string) ([]templatePart, error) {
	var parts []templatePart
	rest := t
	for rest != "" {
		i := strings.Index(rest, "{{")
		j := strings.Index(rest, "}}")
		if j >= 0 && (i < 0 || j < i) {
			return nil, fmt.Errorf("tag %q has \"}}\" without \"{{\"", t)
		}
		if i < 0 {
			parts = append(parts, templatePart{Lit: rest})
			break
		}
		if i > 0 {
			parts = append(parts, templatePart{Lit: rest[:i]})
		}
		end := strings.Index(rest[i:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("tag %q has an unclosed \"{{\"", t)
		}
		name := strings.TrimSpace(rest[i+2 : i+end])
		if !slices.Contains(TagVariables, name) {
			return nil, fmt.Errorf("tag %q uses unknown variable {{%s}} (known: %s)", t, name, strings.Join(TagVariables, ", "))
		}
		parts = append(parts, templatePart{Var: name})
		rest = rest[i+end+2:]
	}
	return parts, nil
}

// ValidateTagTemplate checks a tag template such as "{{branch}}-{{short_sha}}"
// or "latest": known variables, and literal text that can appear in a tag.
func ValidateTagTemplate(t string) error {
	if t == "" {
		return fmt.Errorf("empty tag")
	}
	parts, err := parseTagTemplate(t)
	if err != nil {
		return err
	}
	for i, p := range parts {
		if p.Var != "" {
			continue
		}
		if i == 0 && (p.Lit[0] == '.' || p.Lit[0] == '-') {
			return fmt.Errorf("tag %q cannot start with %q", t, p.Lit[:1])
		}
		for _, r := range p.Lit {
			if !tagChar(r) {
				return fmt.Errorf("tag %q contains %q; tags use letters, digits, '_', '.' and '-'", t, r)
			}
		}
	}
	if len(parts) == 1 && parts[0].Var == "" && len(t) > MaxTagLength {
		return fmt.Errorf("tag %q is longer than %d characters", t, MaxTagLength)
	}
	return nil
}

func tagChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-'
}

// SanitizeTag turns any string, such as a branch name, into a valid tag:
// characters other than letters, digits, '_', '.' and '-' become '-', a
// leading '.' or '-' is dropped, and the result is cut to MaxTagLength.
func SanitizeTag(s string) string {
	b := []rune(s)
	for i, r := range b {
		if !tagChar(r) {
			b[i] = '-'
		}
	}
	out := strings.TrimLeft(string(b), ".-")
	if len(out) > MaxTagLength {
		out = out[:MaxTagLength]
	}
	return out
}

// SkippedTag is a tag template that produced no tag for this run.
type SkippedTag struct {
	// Template is the template as configured.
	Template string
	// Reason says why, such as "not a git tag".
	Reason string
}

// tagValues computes the placeholder values for c; a missing key has its
// reason in the second map.
func tagValues(c *actions.Context) (map[string]string, map[string]string) {
	vals, why := map[string]string{}, map[string]string{}
	if sha := c.HeadSHA(); sha != "" {
		vals["sha"] = SanitizeTag(sha)
		vals["short_sha"] = SanitizeTag(sha[:min(7, len(sha))])
	} else {
		why["sha"] = "the commit SHA is unknown (GITHUB_SHA is not set)"
		why["short_sha"] = why["sha"]
	}
	switch {
	case c.PullRequest != nil && c.PullRequest.HeadRef != "":
		vals["branch"] = SanitizeTag(c.PullRequest.HeadRef)
	case c.PullRequest == nil && c.RefType == "branch" && c.RefName != "":
		vals["branch"] = SanitizeTag(c.RefName)
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
	vals["tag"] = SanitizeTag(c.RefName)
	m := semverTag.FindStringSubmatch(c.RefName)
	if m == nil {
		for _, v := range semverVars {
			why[v] = fmt.Sprintf("git tag %q is not a semantic version such as v1.2.3", c.RefName)
		}
		return vals, why
	}
	vals["semver"] = SanitizeTag(strings.TrimPrefix(c.RefName, "v"))
	vals["patch"] = m[3]
	if m[4] != "" {
		// 1 and 1.2 must not move to a pre-release
		why["major"] = fmt.Sprintf("git tag %q is a pre-release", c.RefName)
		why["minor"] = why["major"]
		vals["patch"] = SanitizeTag(m[3] + "-" + m[4])
		return vals, why
	}
	vals["major"] = m[1]
	vals["minor"] = m[2]
	return vals, why
}

// RenderTags expands tag templates for the run. A template whose variables
// have no value in this run (such as {{tag}} on a branch push) is skipped
// with its reason, and "latest" is only produced on the default branch.
// Invalid templates are skipped too (ParsePushPolicy rejects them earlier).
func RenderTags(templates []string, c *actions.Context) ([]string, []SkippedTag) {
	vals, why := tagValues(c)
	var tags []string
	var skipped []SkippedTag
outer:
	for _, t := range templates {
		parts, err := parseTagTemplate(t)
		if err != nil {
			skipped = append(skipped, SkippedTag{t, err.Error()})
			continue
		}
		var b strings.Builder
		for _, p := range parts {
			if p.Var == "" {
				b.WriteString(p.Lit)
				continue
			}
			v, ok := vals[p.Var]
			if !ok || v == "" {
				reason := why[p.Var]
				if reason == "" {
					reason = "{{" + p.Var + "}} is empty"
				}
				skipped = append(skipped, SkippedTag{t, reason})
				continue outer
			}
			b.WriteString(v)
		}
		tag := b.String()
		if len(tag) > MaxTagLength {
			tag = tag[:MaxTagLength]
		}
		if !validTag.MatchString(tag) {
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
