package lint

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/config"
)

// BenchmarkLintRealworld lints the 1,503 real-world workflows with every
// gantry rule; BenchmarkActionlintRealworld is the baseline (actionlint's
// own LintFiles on the same files). Compare them with benchstat or the ratio
// of ns/op; scripts/bench-lint compares the two CLIs end to end.
func BenchmarkLintRealworld(b *testing.B) {
	benchLintRealworld(b, &config.Config{})
}

// benchLintRealworld lints the 1,503 real-world workflows with cfg.
func benchLintRealworld(b *testing.B, cfg *config.Config) {
	paths := realworldFiles(b)
	l, err := New(Options{WorkDir: filepath.Dir(paths[0]), Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.LintPaths(context.Background(), paths); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkActionlintRealworld is the baseline for BenchmarkLintRealworld.
func BenchmarkActionlintRealworld(b *testing.B) {
	paths := realworldFiles(b)
	b.ResetTimer()
	for b.Loop() {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{WorkingDir: filepath.Dir(paths[0])})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.LintFiles(paths, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLintRealworldGantryRulesOff is BenchmarkLintRealworld with
// gantry's own rules switched off, actionlint's checks only: the
// difference between the two is what gantry's rules cost.
func BenchmarkLintRealworldGantryRulesOff(b *testing.B) {
	cfg := &config.Config{Rules: map[string]*config.RuleConfig{}}
	for _, r := range Rules() {
		if r.Source == SourceGantry && r.ID != internalErrorRule.ID && r.ID != invalidFileRule.ID {
			cfg.Rules[r.ID] = &config.RuleConfig{Enabled: new(false)}
		}
	}
	benchLintRealworld(b, cfg)
}
