package lint

import "testing"

func TestSniffKind(t *testing.T) {
	for src, want := range map[string]FileKind{
		"FROM scratch\n":                          KindDockerfile,
		"# syntax=docker/dockerfile:1\nFROM a\n":  KindDockerfile,
		"\n# a comment\narg VERSION=1\nFROM a\n":  KindDockerfile,
		"on: push\njobs:\n  a:\n    runs-on: x\n": KindWorkflow,
		"name: ci\n\"on\": push\n":                KindWorkflow,
		"jobs:\n  a: {}\n":                        KindWorkflow,
		"name: act\nruns:\n  using: node20\n":     KindAction,
		"hello world\n":                           "",
		"":                                        "",
		"RUN echo hi\n":                           "",
		"# FROM in a comment\nkey: value\n":       "",
	} {
		if got := SniffKind([]byte(src)); got != want {
			t.Errorf("SniffKind(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestIsFixModeAndSuggestRules(t *testing.T) {
	for s, want := range map[string]bool{"dry-run": true, "all,dry-run": true, "safe": true, "diff": true, "": false, "ci.yml": false, "all,ci.yml": false} {
		if got := IsFixMode(s); got != want {
			t.Errorf("IsFixMode(%q) = %v", s, got)
		}
	}
	if got := SuggestRules("TIMEOUT-MISING"); len(got) == 0 || got[0] != "timeout-missing" {
		t.Errorf("SuggestRules = %v", got)
	}
	if got := SuggestRules("zzzzzzzzzzzz"); len(got) != 0 {
		t.Errorf("SuggestRules far away = %v", got)
	}
	if r, ok := LookupRuleFold("Timeout-Missing"); !ok || r.ID != "timeout-missing" {
		t.Errorf("LookupRuleFold: %v %v", r, ok)
	}
	if r, err := FindRule("TIMEOUT-MISSING"); err != nil || r.ID != "timeout-missing" {
		t.Errorf("FindRule: %v %v", r, err)
	}
	if _, err := FindRule("timeout-mising"); err == nil || err.Error() != `unknown rule "timeout-mising"; did you mean timeout-missing?` {
		t.Errorf("FindRule near miss: %v", err)
	}
}
