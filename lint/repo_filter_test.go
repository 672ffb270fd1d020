package lint

import "testing"

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"main", "main", true},
		{"main", "mainline", false},
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/hotfix", false},
		{"release/**", "release/1.0/hotfix", true},
		{"v*", "v1.2.3", true},
		{"v[0-9]+.[0-9]+", "v12.3", true},
		{"v[0-9]+.[0-9]+", "vx.3", false},
		{"feature?", "feature", true},
		{"feature?", "featur", true},
		{"feature?", "features", false},
		{"*", "feature/x", false},
		{"**", "feature/x", true},
	}
	for _, tt := range tests {
		if have := globMatch(tt.pat, tt.name); have != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pat, tt.name, have, tt.want)
		}
	}
}

func TestRefFilter(t *testing.T) {
	f := refFilter{set: true, include: []string{"releases/**", "!releases/**-alpha", "releases/keep-alpha"}}
	for name, want := range map[string]bool{"releases/1": true, "releases/1-alpha": false, "releases/keep-alpha": true, "main": false} {
		if have := f.matches(name); have != want {
			t.Errorf("matches(%q) = %v, want %v", name, have, want)
		}
	}
	ign := refFilter{set: true, ignore: []string{"gh-pages", "dependabot/**"}}
	if ign.matches("gh-pages") || ign.matches("dependabot/npm/x") || !ign.matches("main") {
		t.Error("branches-ignore")
	}
	if !(refFilter{}).matches("anything") {
		t.Error("an unset filter accepts every ref")
	}
}

func TestRefFilterOverlaps(t *testing.T) {
	lit := func(ps ...string) refFilter { return refFilter{set: true, include: ps} }
	tests := []struct {
		a, b refFilter
		want bool
	}{
		{lit("main"), lit("main", "dev"), true},
		{lit("main"), lit("dev"), false},
		{lit("release/a/**"), lit("release/b/**"), false},
		{lit("release/**"), lit("release/b/**"), true},
		{lit("main"), lit("ma*"), true},
		{lit("main"), refFilter{set: true, ignore: []string{"main"}}, false},
		{lit("main"), refFilter{}, true},
	}
	for i, tt := range tests {
		if have := tt.a.overlaps(tt.b); have != tt.want {
			t.Errorf("%d: overlaps = %v, want %v", i, have, tt.want)
		}
		if have := tt.b.overlaps(tt.a); have != tt.want {
			t.Errorf("%d: overlaps (reversed) = %v, want %v", i, have, tt.want)
		}
	}
}

func TestTriggerOverlaps(t *testing.T) {
	branches := &Trigger{Event: "push", Branches: refFilter{set: true, include: []string{"main"}}}
	tags := &Trigger{Event: "push", Tags: refFilter{set: true, include: []string{"v*"}}}
	all := &Trigger{Event: "push"}
	if branches.overlaps(tags) {
		t.Error("a branch-only and a tag-only push trigger never run together")
	}
	if !all.overlaps(tags) || !all.overlaps(branches) {
		t.Error("an unfiltered push trigger runs with both")
	}
	labeled := &Trigger{Event: "pull_request", Types: []string{"labeled"}}
	def := &Trigger{Event: "pull_request"}
	if labeled.overlaps(def) {
		t.Error("labeled is not among the default pull_request types")
	}
	if !(&Trigger{Event: "pull_request", Types: []string{"opened", "labeled"}}).overlaps(def) {
		t.Error("opened is a default pull_request type")
	}
}
