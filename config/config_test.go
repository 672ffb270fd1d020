package config

import (
	"errors"
	"strings"
	"testing"
)

// fakeRules knows one rule, with options.
type fakeRules struct{}

type fakeOptions struct {
	Max int `yaml:"max"`
}

func (fakeRules) Lookup(id string) (func() any, bool) {
	if id != "timeout-missing" {
		return nil, false
	}
	return func() any { return &fakeOptions{Max: 360} }, true
}

func (fakeRules) Suggest(string) string { return " (did you mean \"timeout-missing\"?)" }

func TestParse(t *testing.T) {
	cfg, err := Parse("g.yaml", []byte("rules:\n  timeout-missing:\n    severity: warn\n    options: {max: 60}\nignore: [legacy/**]\npush:\n  allow-forks: true\n"), fakeRules{})
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Rules["timeout-missing"]
	if rc == nil || rc.Severity != "warning" || rc.Options.(*fakeOptions).Max != 60 {
		t.Errorf("rule config %+v", rc)
	}
	if !cfg.Ignored("legacy/a.yml", "", false) || !cfg.Ignored("legacy/a.yml", "x", false) || cfg.Ignored("legacy/a.yml", "x", true) || cfg.Ignored("src/a.yml", "x", false) {
		t.Error("ignore: legacy/** does not apply as documented")
	}
	if p := cfg.PushPolicy(); !p.AllowForks || p.File != "g.yaml" {
		t.Errorf("push policy %+v", p)
	}
	if p := (*Config)(nil).PushPolicy(); p.AllowForks || p.File != "" || len(p.Tags) != 2 {
		t.Errorf("default push policy %+v", p)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		src   string
		rules Rules
		want  string
	}{
		{"build:\n  target: app\n", fakeRules{}, `g.yaml:1:1: unknown key "build" in config (known keys: rules, ignore, shellcheck, pyflakes, push)`},
		{"push:\n  allow_forks: true\n", fakeRules{}, `g.yaml:2:3: unknown key "allow_forks" in push`},
		{"rules:\n  timeout-mising: off\n", fakeRules{}, `g.yaml:2:3: unknown rule "timeout-mising" (did you mean "timeout-missing"?)`},
		{"rules:\n  timeout-missing: off\n", nil, `g.yaml:2:3: unknown rule "timeout-missing"`},
		{"rules:\n  timeout-missing:\n    options: {min: 1}\n", fakeRules{}, `g.yaml:3:15: unknown option "min" in rules.timeout-missing.options (known options: max)`},
		// a second document, with or without mistakes of its own, is one
		{"rules: {timeout-missing: error}\n---\nrules: {timeout-missing: off}\nbogus: 1\n", fakeRules{}, `g.yaml:2:1: a config file holds one YAML document; this is a second`},
		{"---\n---\nrules: {timeout-missing: off}\n", fakeRules{}, `g.yaml:2:1: a config file holds one YAML document; this is a second`},
		{"rules: {timeout-missing: off}\n--- x\n", fakeRules{}, `g.yaml:2:1: a config file holds one YAML document; this is a second`},
		{"rules: {timeout-missing: off}\n---\n", fakeRules{}, `g.yaml:2:1: a config file holds one YAML document; this is a second`},
		{"rules: {timeout-missing: off}\n---\nrules: [\n", fakeRules{}, `g.yaml:3:`},
		// yaml errors carry the position of their cause
		{"rules: {}\nshellcheck: \x00\n", fakeRules{}, `g.yaml:2:13: invalid yaml: control characters are not allowed`},
		{"\x00", fakeRules{}, `g.yaml:1:1: invalid yaml: control characters are not allowed`},
		{"# é\nrules: {}\n# é\xff\n", fakeRules{}, `g.yaml:3:4: invalid yaml: invalid leading UTF-8 octet`},
		{"rules: {}\n# \xc3\n", fakeRules{}, `g.yaml:2:3: invalid yaml: `},
		{"rules: [\n", fakeRules{}, `g.yaml:1:9: invalid yaml: did not find expected node content`},
		{"rules: [", fakeRules{}, `g.yaml:1:9: invalid yaml: did not find expected node content`},
		{"shellcheck: true\nrules: [\n\n", fakeRules{}, `g.yaml:2:9: invalid yaml: did not find expected node content`},
		{"shellcheck: true\nignore: [a, b\npyflakes: true\n", fakeRules{}, `g.yaml:2:1: invalid yaml: did not find expected ',' or ']'`},
		{"shellcheck: true\nrules:\n  a: 1\n b: 2\n", fakeRules{}, `g.yaml:4:1: invalid yaml: did not find expected key`},
		{"shellcheck: true\n  pyflakes: true\n", fakeRules{}, `g.yaml:2:1: invalid yaml: mapping values are not allowed in this context`},
		{"shellcheck: true\npyflakes: *x\n", fakeRules{}, `g.yaml:2:11: invalid yaml: unknown anchor 'x' referenced`},
	} {
		_, err := Parse("g.yaml", []byte(tc.src), tc.rules)
		var ce *Error
		if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n have %v\n want %s", tc.src, err, tc.want)
		}
	}
}

func TestSeverityName(t *testing.T) {
	for in, want := range map[string]string{"error": "error", " WARN ": "warning", "notice": "info", "Info": "info"} {
		if got, err := SeverityName(in); err != nil || got != want {
			t.Errorf("SeverityName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SeverityName("fatal"); err == nil {
		t.Error("fatal is a severity")
	}
}
