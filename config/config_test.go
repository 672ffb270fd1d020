package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeRules knows one rule, with options.
type fakeRules struct{}

type fakeOptions struct {
	Max int `yaml:"max"`
}

// numberOptions has a field of each kind of number an option can be.
type numberOptions struct {
	Count int             `yaml:"count"`
	Small int8            `yaml:"small"`
	Sizes []uint          `yaml:"sizes"`
	Ratio float64         `yaml:"ratio"`
	Limit *float32        `yaml:"limit"`
	Names []string        `yaml:"names"`
	Inner struct{ N int } `yaml:"inner"`
}

func (fakeRules) Lookup(id string) (func() any, bool) {
	switch id {
	case "timeout-missing":
		return func() any { return &fakeOptions{Max: 360} }, true
	case "numbers":
		return func() any { return &numberOptions{} }, true
	}
	return nil, false
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
		// a number option takes only a number its field holds as written
		{"rules:\n  numbers:\n    options: {count: 2.5}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number, not "2.5"`},
		{"rules:\n  numbers:\n    options: {count: .nan}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number, not ".nan"`},
		{"rules:\n  numbers:\n    options: {count: -.inf}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number, not "-.inf"`},
		{"rules:\n  numbers:\n    options: {count: \"30\"}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number, not "30"`},
		{"rules:\n  numbers:\n    options: {count: 99999999999999999999}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number from -9223372036854775808 to 9223372036854775807, not "99999999999999999999"`},
		{"rules:\n  numbers:\n    options: {count: 1e300}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number from -9223372036854775808 to 9223372036854775807, not "1e300"`},
		{"rules:\n  numbers:\n    options: {small: 128}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.small must be a whole number from -128 to 127, not "128"`},
		{"rules:\n  numbers:\n    options: {sizes: [1, -1]}\n", fakeRules{}, `g.yaml:3:26: rules.numbers.options.sizes[1] must be a whole number from 0 to 18446744073709551615, not "-1"`},
		{"rules:\n  numbers:\n    options: {inner: {n: 0.5}}\n", fakeRules{}, `g.yaml:3:26: rules.numbers.options.inner.n must be a whole number, not "0.5"`},
		{"rules:\n  numbers:\n    options: {ratio: .nan}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.ratio must be a number, not ".nan"`},
		{"rules:\n  numbers:\n    options: {ratio: .inf}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.ratio must be a number, not ".inf"`},
		{"rules:\n  numbers:\n    options: {ratio: 99999999999999999999}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.ratio must be a number from -9007199254740992 to 9007199254740992, not "99999999999999999999"`},
		{"rules:\n  numbers:\n    options: {ratio: yes}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.ratio must be a number, not "yes"`},
		{"rules:\n  numbers:\n    options: {limit: 16777217}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.limit must be a number from -16777216 to 16777216, not "16777217"`},
		{"rules:\n  numbers:\n    options: {count: &c 300, small: *c}\n", fakeRules{}, `g.yaml:3:37: rules.numbers.options.small must be a whole number from -128 to 127, not "300"`},
		// an alias that names a node holding it is read once, not followed forever
		{"&r {rules: *r}\n", fakeRules{}, `g.yaml:1:5: unknown rule "rules"`},
		{"ignore: [{paths: &p [*p]}]\n", fakeRules{}, `g.yaml:1:22: ignore.paths must list strings`},
		{"rules:\n  numbers: {options: {names: &n [*n]}}\n", fakeRules{}, `g.yaml:2:34: rules.numbers.options.names[0] must be a string, not a sequence`},
		// an ignore entry's rules are rule IDs, in any form, and at least one
		{"ignore:\n  - paths: [a]\n    rules: timout-missing\n", fakeRules{}, `g.yaml:3:12: unknown rule "timout-missing" (did you mean "timeout-missing"?)`},
		{"ignore:\n  - paths: [a]\n    rules: [timeout-missing, timout-missing]\n", fakeRules{}, `g.yaml:3:30: unknown rule "timout-missing"`},
		{"ignore:\n  - paths: [a]\n    rules: []\n", fakeRules{}, `g.yaml:3:12: ignore.rules lists no rule; leave it out to ignore the whole file`},
		{"ignore:\n  - paths: [a]\n    rules:\n", fakeRules{}, `g.yaml:3:11: ignore.rules lists no rule; leave it out to ignore the whole file`},
		{"ignore:\n  - paths: [a]\n    rules: ~\n", fakeRules{}, `g.yaml:3:12: ignore.rules lists no rule; leave it out to ignore the whole file`},
		{"ignore:\n  - paths: [a]\n    rules: [[timeout-missing]]\n", fakeRules{}, `g.yaml:3:13: ignore.rules must list strings`},
		{"ignore:\n  - paths: [a]\n    rules: {timeout-missing: true}\n", fakeRules{}, `g.yaml:3:12: ignore.rules must be a sequence, not a mapping`},
		// a null is neither true nor false
		{"shellcheck:\n", fakeRules{}, `g.yaml:1:12: shellcheck must be true or false, not ""`},
		{"pyflakes: ~\n", fakeRules{}, `g.yaml:1:11: pyflakes must be true or false, not "~"`},
		{"rules:\n  timeout-missing: {enabled: null, severity: error}\n", fakeRules{}, `g.yaml:2:30: rules.timeout-missing.enabled must be true or false, not "null"`},
		// an ignore path that never matches is an error, at the path
		{"ignore:\n  - ./legacy/**\n", fakeRules{}, `g.yaml:2:5: ignore path "./legacy/**" never matches: paths are relative to the repository root, as in "legacy/**"`},
		{"ignore:\n  - paths: [a, /.github/workflows/x.yml]\n", fakeRules{}, `g.yaml:2:16: ignore path "/.github/workflows/x.yml" never matches: paths are relative to the repository root, as in ".github/workflows/x.yml"`},
		{"ignore:\n  - ~\n", fakeRules{}, `g.yaml:2:5: an ignore path must not be empty`},
		{"ignore:\n  - paths:\n", fakeRules{}, `g.yaml:2:11: an ignore path must not be empty`},
		{"ignore:\n  - paths: [a, '']\n", fakeRules{}, `g.yaml:2:16: an ignore path must not be empty`},
		{"ignore:\n  - paths: [a, '[b']\n", fakeRules{}, `g.yaml:2:16: invalid glob "[b"`},
		// a key set twice is an error, not the last one winning
		{"shellcheck: true\nshellcheck: false\n", fakeRules{}, `g.yaml:2:1: shellcheck is set twice`},
		{"rules: {timeout-missing: off}\nignore: [a]\nrules: {numbers: off}\n", fakeRules{}, `g.yaml:3:1: rules is set twice`},
		{"push: {allow-forks: false}\npush: {allow-forks: true}\n", fakeRules{}, `g.yaml:2:1: push is set twice`},
		{"rules:\n  timeout-missing:\n    severity: error\n    severity: info\n", fakeRules{}, `g.yaml:4:5: rules.timeout-missing.severity is set twice`},
		{"rules:\n  timeout-missing:\n    options: {max: 60}\n    options: {max: 10}\n", fakeRules{}, `g.yaml:4:5: rules.timeout-missing.options is set twice`},
		{"ignore:\n  - paths: [a]\n    rules: [timeout-missing]\n    rules: [numbers]\n", fakeRules{}, `g.yaml:4:5: ignore.rules is set twice`},
		// an option of the wrong kind is reported where it is written
		{"rules:\n  numbers:\n    options:\n      count: 1\n      names: a\n", fakeRules{}, `g.yaml:5:14: rules.numbers.options.names must be a sequence, not a scalar`},
		{"rules:\n  numbers:\n    options: {names: [a, [b]]}\n", fakeRules{}, `g.yaml:3:26: rules.numbers.options.names[1] must be a string, not a sequence`},
		{"rules:\n  numbers:\n    options: {inner: [1]}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.inner must be a mapping, not a sequence`},
		{"rules:\n  numbers:\n    options: {names: &n x, sizes: *n}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.names must be a sequence, not a scalar`},
		// a list or a mapping where a word or a number is wanted is named as such
		{"shellcheck: [true]\n", fakeRules{}, `g.yaml:1:13: shellcheck must be true or false, not a sequence`},
		{"rules:\n  timeout-missing: {severity: {level: error}}\n", fakeRules{}, `g.yaml:2:31: rules.timeout-missing.severity must be error, warning or info, not a mapping`},
		{"rules:\n  numbers:\n    options: {count: [1]}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.count must be a whole number, not a sequence`},
		{"rules:\n  numbers:\n    options: {ratio: {a: 1}}\n", fakeRules{}, `g.yaml:3:22: rules.numbers.options.ratio must be a number, not a mapping`},
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

// TestParseAliases checks that an alias (*name) stands for its anchor's
// value wherever the config takes a value.
func TestParseAliases(t *testing.T) {
	src := `rules:
  timeout-missing: &sev error
  numbers:
    enabled: &yes true
    severity: *sev
    options: &opts {count: 3, names: &names [a, b]}
shellcheck: *yes
pyflakes: *yes
ignore:
  - &legacy legacy/**
  - paths: [*legacy, old/**]
    rules: &ids [timeout-missing]
  - paths: *names
    rules: *ids
  - &entry {paths: x, rules: numbers}
`
	cfg, err := Parse("g.yaml", []byte(src), fakeRules{})
	if err != nil {
		t.Fatal(err)
	}
	tm, n := cfg.Rules["timeout-missing"], cfg.Rules["numbers"]
	if tm == nil || tm.Severity != "error" || n == nil || n.Severity != "error" || n.Enabled == nil || !*n.Enabled {
		t.Errorf("rules %+v %+v", tm, n)
	} else if o := n.Options.(*numberOptions); o.Count != 3 || len(o.Names) != 2 {
		t.Errorf("options %+v", o)
	}
	if cfg.Shellcheck == nil || !*cfg.Shellcheck || cfg.Pyflakes == nil || !*cfg.Pyflakes {
		t.Errorf("shellcheck %v, pyflakes %v", cfg.Shellcheck, cfg.Pyflakes)
	}
	if !cfg.Ignored("legacy/a.yml", "", false) || !cfg.Ignored("old/a.yml", "timeout-missing", true) || !cfg.Ignored("b/a.yml", "timeout-missing", true) || !cfg.Ignored("x/a.yml", "numbers", true) || len(cfg.Ignore) != 4 {
		t.Errorf("ignore %+v", cfg.Ignore)
	}
	// a mistake through an alias is reported where the alias is
	_, err = Parse("g.yaml", []byte("rules:\n  timeout-missing: {severity: &s error}\nshellcheck: *s\n"), fakeRules{})
	if want := `g.yaml:3:13: shellcheck must be true or false, not "error"`; err == nil || err.Error() != want {
		t.Errorf("have %v, want %s", err, want)
	}
}

// TestParseNumberOptions checks the numbers that option fields take.
func TestParseNumberOptions(t *testing.T) {
	cfg, err := Parse("g.yaml", []byte("rules:\n  numbers:\n    options: {count: 1e3, small: -128, sizes: [0x10, 18446744073709551615], ratio: 0.5, limit: ~, names: [1.5], inner: {n: 20.0}}\n"), fakeRules{})
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Rules["numbers"].Options.(*numberOptions)
	if o.Count != 1000 || o.Small != -128 || len(o.Sizes) != 2 || o.Sizes[0] != 16 || o.Sizes[1] != 1<<64-1 || o.Ratio != 0.5 || o.Limit != nil || o.Inner.N != 20 {
		t.Errorf("options %+v", o)
	}
}

// TestLoadNotARegularFile checks that whatever sits at .github/gantry.yaml
// is found, and is an error unless it is a regular file: a directory is not
// an empty config and a FIFO does not block.
func TestLoadNotARegularFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, "cannot read config: not a regular file (a directory)"},
		{"fifo", mkfifo, "cannot read config: not a regular file (a named pipe)"},
		{"dangling link", func(p string) error { return os.Symlink("missing.yaml", p) }, "cannot read config: "},
		{"link to a directory", func(p string) error { return os.Symlink(".", p) }, "cannot read config: not a regular file (a directory)"},
	} {
		root := t.TempDir()
		os.Mkdir(filepath.Join(root, ".github"), 0o755)
		path := filepath.Join(root, ".github", "gantry.yaml")
		if err := tc.make(path); errors.Is(err, errors.ErrUnsupported) {
			continue
		} else if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, err := Find(root); got != path || err != nil {
			t.Errorf("%s: Find = %q, %v; want %q", tc.name, got, err, path)
			continue
		}
		done := make(chan error, 1)
		go func() { _, err := Load(path, fakeRules{}); done <- err }()
		select {
		case err := <-done:
			var ce *Error
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), path+": "+tc.want) {
				t.Errorf("%s: Load: %v, want %s: %s", tc.name, err, path, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Load blocks", tc.name)
		}
	}
}

// TestFind checks which config Find returns, and that a config at both
// names is an error at the second instead of one of them being ignored.
func TestFind(t *testing.T) {
	root := t.TempDir()
	github := filepath.Join(root, ".github")
	os.Mkdir(github, 0o755)
	if p, err := Find(root); p != "" || err != nil {
		t.Errorf("no config: Find = %q, %v", p, err)
	}
	yml := filepath.Join(github, "gantry.yml")
	os.WriteFile(yml, []byte("shellcheck: false\n"), 0o644)
	if p, err := Find(root); p != yml || err != nil {
		t.Errorf("gantry.yml: Find = %q, %v", p, err)
	}
	os.WriteFile(filepath.Join(github, "gantry.yaml"), []byte("rules: {}\n"), 0o644)
	p, err := Find(root)
	var ce *Error
	if want := yml + ": gantry reads gantry.yaml and would ignore this second config: keep one of them"; p != "" || !errors.As(err, &ce) || err.Error() != want {
		t.Errorf("both: Find = %q, %v; want the error %s", p, err, want)
	}
}

// TestLoadHugeFile checks that a file far larger than a config may be is
// refused after reading only enough of it to tell.
func TestLoadHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gantry.yaml")
	if err := os.WriteFile(path, []byte("# big\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 64<<20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	b, err := ReadFile(path)
	if err != nil || len(b) != maxConfigSize+1 {
		t.Fatalf("ReadFile read %d bytes, %v; want %d", len(b), err, maxConfigSize+1)
	}
	if _, err := Load(path, fakeRules{}); err == nil || err.Error() != path+": config is larger than 1 MiB" {
		t.Errorf("Load: %v", err)
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
