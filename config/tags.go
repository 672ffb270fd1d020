package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// TagVariables are the placeholders a tag template may use, as {{name}}.
var TagVariables = []string{"sha", "short_sha", "branch", "tag", "semver", "major", "minor", "patch", "pr"}

// MaxTagLength is the longest image tag registries accept.
const MaxTagLength = 128

// validTag is the grammar of an image tag in the distribution spec,
// compiled on first use (config imports no other gantry package, so not
// internal/lazyre).
var validTag = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
})

// ValidTag reports whether tag is a valid image tag (the distribution
// spec's grammar).
func ValidTag(tag string) bool { return validTag().MatchString(tag) }

// TemplatePart is a literal (Var == "") or a placeholder of a tag template.
type TemplatePart struct{ Lit, Var string }

// ParseTagTemplate splits a tag template such as "{{branch}}-{{short_sha}}"
// into literals and placeholders, rejecting unknown variables and
// unbalanced braces.
func ParseTagTemplate(t string) ([]TemplatePart, error) {
	var parts []TemplatePart
	rest := t
	for rest != "" {
		i := strings.Index(rest, "{{")
		j := strings.Index(rest, "}}")
		if j >= 0 && (i < 0 || j < i) {
			return nil, fmt.Errorf("tag %q has \"}}\" without \"{{\"", t)
		}
		if i < 0 {
			parts = append(parts, TemplatePart{Lit: rest})
			break
		}
		if i > 0 {
			parts = append(parts, TemplatePart{Lit: rest[:i]})
		}
		end := strings.Index(rest[i:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("tag %q has an unclosed \"{{\"", t)
		}
		name := strings.TrimSpace(rest[i+2 : i+end])
		if !slices.Contains(TagVariables, name) {
			return nil, fmt.Errorf("tag %q uses unknown variable {{%s}} (known: %s)", t, name, strings.Join(TagVariables, ", "))
		}
		parts = append(parts, TemplatePart{Var: name})
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
	parts, err := ParseTagTemplate(t)
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

// SanitizeTag turns any string, such as a branch name, into the text of a
// tag: characters other than letters, digits, '_', '.' and '-' become '-',
// and a leading '.' or '-' is dropped. It does not cut the result to
// MaxTagLength: a tag template fits what it renders as a whole.
func SanitizeTag(s string) string {
	b := []rune(s)
	for i, r := range b {
		if !tagChar(r) {
			b[i] = '-'
		}
	}
	return strings.TrimLeft(string(b), ".-")
}
