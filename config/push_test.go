package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func mustPolicy(t *testing.T, yml string) *PushPolicy {
	t.Helper()
	cfg, err := Parse("gantry.yaml", []byte(yml), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.PushPolicy()
}

func TestParsePushPolicyErrors(t *testing.T) {
	tests := []struct{ yml, want string }{
		{"push: [a]\n", "gantry.yaml:1:7: push must be a mapping"},
		{"push:\n  evnets: [push]\n", `gantry.yaml:2:3: unknown key "evnets" in push`},
		{"push:\n  events: [push, pull_reqest]\n", `gantry.yaml:2:18: push.events: unknown event "pull_reqest" (did you mean "pull_request"?)`},
		{"push:\n  events: {push: true}\n", "gantry.yaml:2:11: push.events must be a string or a list of strings"},
		{"push:\n  allow-forks: yes please\n", `gantry.yaml:2:16: push.allow-forks must be true or false, not "yes please"`},
		{"push:\n  branches: [\"release/[\"]\n", `gantry.yaml:2:14: push.branches: invalid glob "release/["`},
		{"push:\n  git-tags: [$default-branch]\n", "push.git-tags: $default-branch only makes sense in push.branches"},
		{"push:\n  git-tags: [\"!v*-rc*\", \"v*\"]\n", `gantry.yaml:2:14: push.git-tags: "!v*-rc*" excludes from nothing: put a pattern without "!" before it`},
		{"push:\n  branches: [\"!\"]\n", "push.branches: empty pattern"},
		{"push:\n  branches: [\"**\", \"!release/[\"]\n", `push.branches: invalid glob "!release/["`},
		{"push:\n  tags: [\"{{commit}}\"]\n", "gantry.yaml:2:10: push.tags: tag \"{{commit}}\" uses unknown variable {{commit}}"},
		{"push:\n  tags: [\"{{sha}\"]\n", `unclosed "{{"`},
		{"push:\n  tags: [\"v/{{semver}}\"]\n", `contains '/'`},
		{"push:\n  tags: [\"-{{sha}}\"]\n", `cannot start with "-"`},
		{"push:\n  tags: []\n", "push.tags must name at least one tag"},
		{"push:\n  on-immutable-tag: overwrite\n", `gantry.yaml:2:21: push.on-immutable-tag must be skip or fail, not "overwrite"`},
		{"push:\n  image: registry.example.com/app:latest\n", "has a tag; name the repository only"},
		{"push:\n  image: registry.example.com/App\n", "lower-case letters"},
		{"push:\n  image: 1\n  image: 2\n", "gantry.yaml:3:3: push.image is set twice"},
		// names BuildKit's image exporter (the distribution reference
		// grammar) rejects after the build, or reads as another registry
		{"push:\n  image: ghcr.io/acme/-shop\n", `gantry.yaml:2:10: push.image: "ghcr.io/acme/-shop": "-shop" is not a valid path component`},
		{"push:\n  image: ghcr.io/acme/shop_\n", `"shop_" is not a valid path component`},
		{"push:\n  image: ghcr.io/acme/a..b\n", `"a..b" is not a valid path component`},
		{"push:\n  image: ghcr.io/acme/a___b\n", `"a___b" is not a valid path component`},
		{"push:\n  image: \"a.example,ghcr.io/acme/shop\"\n", `"a.example,ghcr.io" is not a valid registry host`},
		{"push:\n  image: \"ghcr.io:/acme/shop\"\n", `"ghcr.io:" is not a valid registry host`},
		{"push:\n  image: -ghcr.io/acme/shop\n", `"-ghcr.io" is not a valid registry host`},
		{"push:\n  image: ghcr.io\n", `push.image: "ghcr.io" names a registry host without a repository`},
		{"push:\n  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n", "names a registry host without a repository"},
		{"push:\n  image: localhost\n", "names a registry host without a repository"},
		// the limit is on the path after the registry host, which for an
		// official Docker Hub image starts with library/
		{"push:\n  image: ghcr.io/" + strings.Repeat("a", 256) + "\n", "longer than 255 characters"},
		{"push:\n  image: acme/" + strings.Repeat("a", 251) + "\n", "longer than 255 characters"},
		{"push:\n  image: " + strings.Repeat("a", 248) + "\n", "longer than 255 characters"},
		{"push:\n  image: docker.io/" + strings.Repeat("a", 248) + "\n", "longer than 255 characters"},
	}
	for _, tt := range tests {
		_, err := Parse("gantry.yaml", []byte(tt.yml), nil)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v, want a *config.Error", tt.yml, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q:\n got %s\nwant %s", tt.yml, err, tt.want)
		}
	}
}

func TestValidateImageNameAccepts(t *testing.T) {
	for _, name := range []string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/shop", "ghcr.io/acme/shop", "127.0.0.1:5000/acme/shop",
		"localhost:5000/shop", "localhost/shop", "[::1]:5000/shop", "Registry.Example.com/shop", "acme/shop", "shop",
		"ghcr.io/acme/a__b", "ghcr.io/acme/a---b", "ghcr.io/acme/a.b_c-d", "ghcr.io/acme/0",
		// names as long as BuildKit's reference parser takes: a path of up
		// to 255 characters after the host (library/ and 247 on Docker Hub)
		"ghcr.io/" + strings.Repeat("a", 255), "123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + strings.Repeat("a", 255),
		"acme/" + strings.Repeat("a", 250), strings.Repeat("a", 247), "docker.io/" + strings.Repeat("a", 247),
	} {
		if err := ValidateImageName(name); err != nil {
			t.Errorf("ValidateImageName(%q) = %v", name, err)
		}
	}
}

func TestParsePushPolicyFull(t *testing.T) {
	p := mustPolicy(t, `
push:
  image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop
  events: push
  branches: [$default-branch, "release/**"]
  git-tags: ["v*"]
  allow-forks: false
  allow-pull-request-target: false
  allow-drafts: true
  require-lint: true
  require-label: push-image
  tags: ["{{sha}}", "{{branch}}-{{short_sha}}", "{{ semver }}", latest, latest]
  on-immutable-tag: fail
`)
	if p.Image != "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop" || !slices.Equal(p.Events, []string{"push"}) ||
		!slices.Equal(p.Branches, []string{"$default-branch", "release/**"}) || !p.AllowDrafts || !p.RequireLint ||
		p.RequireLabel != "push-image" || p.OnImmutableTag != ImmutableFail || len(p.Tags) != 4 {
		t.Errorf("%+v", p)
	}
	// an empty list is kept: no git tag may push
	if p := mustPolicy(t, "push:\n  git-tags: []\n"); p.GitTags == nil || len(p.GitTags) != 0 {
		t.Errorf("git-tags = %#v", p.GitTags)
	}
	if p := mustPolicy(t, "push:\n"); !slices.Equal(p.Events, []string{"push"}) {
		t.Errorf("empty push: section: %+v", p)
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		patterns []string
		name     string
		want     bool
		pattern  string
	}{
		{[]string{"**"}, "release/1.0", true, "**"},
		{[]string{"*"}, "release/1.0", false, ""},
		{[]string{"release/*"}, "release/1.0", true, "release/*"},
		{[]string{"$default-branch"}, "main", true, "$default-branch"},
		{[]string{"$default-branch"}, "dev", false, ""},
		// "!" excludes what the patterns before it let in, in order, as in
		// a workflow's branch and tag filters
		{[]string{"**", "!experimental/**"}, "experimental/x", false, "!experimental/**"},
		{[]string{"**", "!experimental/**"}, "main", true, "**"},
		{[]string{"v*", "!v*-rc*"}, "v2.0.0-rc1", false, "!v*-rc*"},
		{[]string{"v*", "!v*-rc*"}, "v2.0.0", true, "v*"},
		{[]string{"**", "!release/**", "release/1.*"}, "release/1.4", true, "release/1.*"},
		{[]string{"**", "!release/**", "release/1.*"}, "release/2.0", false, "!release/**"},
		{[]string{"$default-branch", "!$default-branch"}, "main", false, "!$default-branch"},
	}
	for _, tt := range tests {
		m, ok := MatchGlob(tt.patterns, tt.name, "main")
		if ok != tt.want || m != tt.pattern {
			t.Errorf("MatchGlob(%q, %q) = %q, %v; want %q, %v", tt.patterns, tt.name, m, ok, tt.pattern, tt.want)
		}
	}
}

// TestParsePushPolicyAliases checks that an alias in push: stands for its
// anchor's value, as it does in the rest of the config.
func TestParsePushPolicyAliases(t *testing.T) {
	p := mustPolicy(t, `
push:
  image: ghcr.io/acme/shop
  allow-pull-request-target: &no false
  events: &ev [push, release]
  branches: [&main main, "release/**"]
  git-tags: *ev
  allow-forks: *no
  allow-drafts: &yes true
  require-lint: *yes
  require-label: *main
  tags: [*main, "{{sha}}"]
`)
	if p.Image != "ghcr.io/acme/shop" || !slices.Equal(p.Events, []string{"push", "release"}) ||
		!slices.Equal(p.Branches, []string{"main", "release/**"}) || !slices.Equal(p.GitTags, []string{"push", "release"}) ||
		p.AllowForks || !p.AllowDrafts || !p.RequireLint || p.RequireLabel != "main" || len(p.Tags) != 2 {
		t.Errorf("%+v", p)
	}
}
