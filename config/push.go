package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/agext/levenshtein"
	"github.com/bmatcuk/doublestar/v4"
	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// DefaultBranchPattern in push.branches stands for the repository's default
// branch (read from the event payload).
const DefaultBranchPattern = "$default-branch"

// Immutable-tag policies: what gantry does with a tag that the repository
// would reject because it already exists and the repository's tags are
// immutable.
const (
	// ImmutableSkip pushes the other tags and warns about the skipped one.
	ImmutableSkip = "skip"
	// ImmutableFail fails before building.
	ImmutableFail = "fail"
)

// PushPolicy is the push: section of .github/gantry.yaml: when an image may
// be pushed and how it is tagged.
type PushPolicy struct {
	// Image is the repository pushed to, such as
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app (the --image flag wins).
	Image string
	// Events are the event names that may push.
	Events []string
	// Branches are globs of branches that may push; DefaultBranchPattern is
	// the default branch. For pull request events the base branch is matched.
	Branches []string
	// GitTags are globs of git tags whose push may push an image.
	GitTags []string
	// AllowForks lets pull requests from forks push.
	AllowForks bool
	// AllowPullRequestTarget lets pull_request_target runs push.
	AllowPullRequestTarget bool
	// AllowDrafts lets draft pull requests push.
	AllowDrafts bool
	// RequireLint denies the push when gantry lint reports an error.
	RequireLint bool
	// RequireLabel, when set, is a label a pull request must have to push.
	RequireLabel string
	// Tags are the image tag templates (see RenderTags).
	Tags []string
	// OnImmutableTag is ImmutableSkip or ImmutableFail.
	OnImmutableTag string

	// File is the config file the policy came from ("" for the default).
	File string
}

// DefaultPushPolicy is the policy used without a push: section: push only
// for a push to the default branch or of a git tag, tagged with the head
// commit SHA and, from the default branch, latest.
func DefaultPushPolicy() *PushPolicy {
	return &PushPolicy{
		Events:         []string{"push"},
		Branches:       []string{DefaultBranchPattern},
		GitTags:        []string{"**"},
		Tags:           []string{"{{sha}}", "latest"},
		OnImmutableTag: ImmutableSkip,
	}
}

// pushPolicyKeys are the keys of the push: section, in documentation order.
var pushPolicyKeys = []string{
	"image", "events", "branches", "git-tags", "allow-forks", "allow-pull-request-target",
	"allow-drafts", "require-lint", "require-label", "tags", "on-immutable-tag",
}

// PushPolicy returns the push policy of the config: its push: section, or
// DefaultPushPolicy when it has none (or c is nil).
func (c *Config) PushPolicy() *PushPolicy {
	if c == nil || c.Push == nil {
		return DefaultPushPolicy()
	}
	return c.Push
}

// parsePushPolicy decodes and validates the push: section n of the config
// file. Errors are *Error with the position of the offending key or value.
func parsePushPolicy(file string, n *yaml.Node) (*PushPolicy, error) {
	p := DefaultPushPolicy()
	p.File = file
	d := policyDecoder{file: file}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return p, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errorf(n, "push must be a mapping with keys %s", strings.Join(pushPolicyKeys, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if seen[k.Value] {
			return nil, d.errorf(k, "push.%s is set twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "image":
			p.Image, err = d.image(v)
		case "events":
			p.Events, err = d.events(v)
		case "branches":
			p.Branches, err = d.globs(v, "push.branches")
		case "git-tags":
			p.GitTags, err = d.globs(v, "push.git-tags")
		case "allow-forks":
			p.AllowForks, err = d.boolean(v, "push.allow-forks")
		case "allow-pull-request-target":
			p.AllowPullRequestTarget, err = d.boolean(v, "push.allow-pull-request-target")
		case "allow-drafts":
			p.AllowDrafts, err = d.boolean(v, "push.allow-drafts")
		case "require-lint":
			p.RequireLint, err = d.boolean(v, "push.require-lint")
		case "require-label":
			p.RequireLabel, err = d.scalar(v, "push.require-label")
		case "tags":
			p.Tags, err = d.tags(v)
		case "on-immutable-tag":
			p.OnImmutableTag, err = d.scalar(v, "push.on-immutable-tag")
			if err == nil && p.OnImmutableTag != ImmutableSkip && p.OnImmutableTag != ImmutableFail {
				err = d.errorf(v, "push.on-immutable-tag must be skip or fail, not %q", p.OnImmutableTag)
			}
		default:
			err = d.errorf(k, "unknown key %q in push (known keys: %s)", k.Value, strings.Join(pushPolicyKeys, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

type policyDecoder struct{ file string }

func (d policyDecoder) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
}

func (d policyDecoder) scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", d.errorf(n, "%s must be a string", what)
	}
	return n.Value, nil
}

func (d policyDecoder) boolean(n *yaml.Node, what string) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return false, d.errorf(n, "%s must be true or false, not %q", what, n.Value)
	}
	return b, nil
}

// list accepts a sequence of strings or a single string.
func (d policyDecoder) list(n *yaml.Node, what string) ([]*yaml.Node, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []*yaml.Node{n}, nil
	case yaml.SequenceNode:
		items := make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			c = resolve(c)
			if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
				return nil, d.errorf(c, "%s must list strings", what)
			}
			items[i] = c
		}
		return items, nil
	}
	return nil, d.errorf(n, "%s must be a string or a list of strings", what)
}

func (d policyDecoder) image(n *yaml.Node) (string, error) {
	s, err := d.scalar(n, "push.image")
	if err != nil {
		return "", err
	}
	if err := ValidateImageName(s); err != nil {
		return "", d.errorf(n, "push.image: %v", err)
	}
	return s, nil
}

// ValidateImageName checks that s names a repository without a tag or a
// digest, such as registry.example.com/team/app, in the grammar of the
// distribution reference that BuildKit's image exporter parses it with.
func ValidateImageName(s string) error {
	if s == "" {
		return fmt.Errorf("the image name is empty")
	}
	if strings.Contains(s, "@") {
		return fmt.Errorf("%q has a digest; name the repository only", s)
	}
	last := s[strings.LastIndex(s, "/")+1:]
	if strings.Contains(last, ":") {
		return fmt.Errorf("%q has a tag; name the repository only and list tags in push.tags", s)
	}
	parts := strings.Split(s, "/")
	if len(parts) == 1 && isImageHost(s) {
		// BuildKit would read it as a Docker Hub repository
		return fmt.Errorf("%q names a registry host without a repository, such as %s/team/app", s, s)
	}
	if path := imagePath(parts); len(path) > maxImageNameLength {
		return fmt.Errorf("%q: the repository path %q is longer than %d characters", s, path, maxImageNameLength)
	}
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("%q has an empty path component", s)
		}
		if i == 0 && len(parts) > 1 && isImageHost(part) {
			if !validImageHost().MatchString(part) {
				return fmt.Errorf("%q: %q is not a valid registry host[:port]", s, part)
			}
			continue
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return fmt.Errorf("%q: repository names use lower-case letters, digits, '.', '_' and '-' only", s)
			}
		}
		if !validImagePathComponent().MatchString(part) {
			return fmt.Errorf("%q: %q is not a valid path component: it starts and ends with a letter or digit, "+
				"with one '.', one or two '_', or dashes between them", s, part)
		}
	}
	return nil
}

// maxImageNameLength is the longest repository path (the name after the
// registry host) the distribution reference grammar accepts.
const maxImageNameLength = 255

// imagePath is the path of the repository name split into parts, as the
// distribution reference reads it: after the registry host, and with
// library/ before an official Docker Hub image's name.
func imagePath(parts []string) string {
	host := ""
	if len(parts) > 1 && isImageHost(parts[0]) {
		host, parts = parts[0], parts[1:]
	}
	path := strings.Join(parts, "/")
	if (host == "" || host == "docker.io" || host == "index.docker.io") && len(parts) == 1 {
		path = "library/" + path
	}
	return path
}

// isImageHost reports whether the first component of a repository name is
// a registry host, as Docker and BuildKit read it.
func isImageHost(part string) bool {
	return strings.ContainsAny(part, ".:") || part == "localhost"
}

// validImageHost and validImagePathComponent are the distribution reference
// grammar's registry host[:port] and repository path component.
var (
	validImageHost = sync.OnceValue(func() *regexp.Regexp {
		const label = `[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?`
		return regexp.MustCompile(`^(?:` + label + `(?:\.` + label + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)
	})
	validImagePathComponent = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	})
)

func (d policyDecoder) events(n *yaml.Node) ([]string, error) {
	items, err := d.list(n, "push.events")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if _, ok := actionlint.AllWebhookTypes[it.Value]; !ok {
			return nil, d.errorf(it, "push.events: unknown event %q%s", it.Value, suggestEvent(it.Value))
		}
		out = append(out, it.Value)
	}
	return out, nil
}

func suggestEvent(name string) string {
	best, bestD := "", 4
	for e := range actionlint.AllWebhookTypes {
		if dist := levenshtein.Distance(name, e, nil); dist < bestD || dist == bestD && e < best {
			best, bestD = e, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func (d policyDecoder) globs(n *yaml.Node, what string) ([]string, error) {
	items, err := d.list(n, what)
	if err != nil {
		return nil, err
	}
	out := []string{} // an empty list matches nothing, unlike an absent key
	included := false
	for _, it := range items {
		glob := strings.TrimPrefix(it.Value, "!")
		if glob == "" {
			return nil, d.errorf(it, "%s: empty pattern", what)
		}
		if glob != DefaultBranchPattern {
			if !doublestar.ValidatePattern(glob) {
				return nil, d.errorf(it, "%s: invalid glob %q", what, it.Value)
			}
		}
		if glob == DefaultBranchPattern && what != "push.branches" {
			return nil, d.errorf(it, "%s: %s only makes sense in push.branches", what, DefaultBranchPattern)
		}
		if glob == it.Value {
			included = true
		} else if !included {
			// as in a workflow's filters: "!" only takes away from what an
			// earlier pattern let in
			return nil, d.errorf(it, "%s: %q excludes from nothing: put a pattern without \"!\" before it, such as \"**\"", what, it.Value)
		}
		out = append(out, it.Value)
	}
	return out, nil
}

func (d policyDecoder) tags(n *yaml.Node) ([]string, error) {
	items, err := d.list(n, "push.tags")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, d.errorf(n, "push.tags must name at least one tag")
	}
	var out []string
	for _, it := range items {
		if err := ValidateTagTemplate(it.Value); err != nil {
			return nil, d.errorf(it, "push.tags: %v", err)
		}
		if !slices.Contains(out, it.Value) {
			out = append(out, it.Value)
		}
	}
	return out, nil
}

// MatchGlob reports whether name matches the patterns as a workflow's
// branch and tag filters do: doublestar globs ("*" stays within one
// "/"-separated part, "**" crosses them), read in order, where a pattern
// starting with "!" excludes what the patterns before it let in and a later
// pattern can let it in again. DefaultBranchPattern matches defaultBranch,
// when that is known. It returns the last pattern that matched name: the one
// that let it in, or the "!" pattern that excluded it ("" when none did).
func MatchGlob(patterns []string, name, defaultBranch string) (string, bool) {
	last, in := "", false
	for _, p := range patterns {
		exclude := strings.HasPrefix(p, "!")
		glob := strings.TrimPrefix(p, "!")
		var ok bool
		if glob == DefaultBranchPattern {
			ok = defaultBranch != "" && name == defaultBranch
		} else {
			ok, _ = doublestar.Match(glob, name)
		}
		if ok {
			last, in = p, !exclude
		}
	}
	return last, in
}
