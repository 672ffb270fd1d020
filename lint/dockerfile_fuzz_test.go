package lint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// FuzzDockerfile lints arbitrary Dockerfiles: BuildKit's parser and checks
// and every gantry rule must give findings, never a panic or an
// internal-error finding.
func FuzzDockerfile(f *testing.F) {
	for _, glob := range []string{
		filepath.Join("..", "testdata", "dockerfile", "*", "*.Dockerfile"),
		filepath.Join("..", "testdata", "apps", "rails-webpack", "Dockerfile*"),
		filepath.Join("..", "..", "shared", "corpus", "buildkit-parser", "*", "*", "Dockerfile"),
	} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("FROM a AS b\nCOPY --from=b . .\n"))
	f.Add([]byte("FROM scratch\nRUN --mount=type=secret,id=x,env=SECRET_KEY_BASE bin/rails assets:precompile\n"))
	l, err := New(Options{WorkDir: f.TempDir(), Config: &config.Config{}, Jobs: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := l.LintSource(context.Background(), "Dockerfile", src)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range res.Findings {
			if fd.RuleID == internalErrorRule.ID {
				t.Fatalf("internal error: %s", fd.Message)
			}
		}
	})
}

// BenchmarkLintDockerfile measures one Dockerfile through the whole
// engine: parse, BuildKit's checks and gantry's rules.
func BenchmarkLintDockerfile(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "apps", "rails-webpack", "Dockerfile"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := New(Options{WorkDir: b.TempDir(), Config: &config.Config{}, Jobs: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.LintSource(context.Background(), "Dockerfile", src); err != nil {
			b.Fatal(err)
		}
	}
}
