package stagegraph

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseStageGraph parses the example app's Dockerfile.
func BenchmarkParseStageGraph(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "apps", "rails-webpack", "Dockerfile"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStageGraph(src, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlan parses the app's Dockerfile and renders its tree, JSON and
// bake outputs, as `gantry plan` does.
func BenchmarkPlan(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "apps", "rails-webpack", "Dockerfile"))
	if err != nil {
		b.Fatal(err)
	}
	spec, _ := ParseCacheSpec("type=registry,ref=ghcr.io/o/app")
	b.ReportAllocs()
	for b.Loop() {
		g, err := ParseStageGraph(src, nil)
		if err != nil {
			b.Fatal(err)
		}
		p, err := g.Outline("", "Dockerfile")
		if err != nil {
			b.Fatal(err)
		}
		_ = p.WriteTree(io.Discard)
		_ = p.WriteJSON(io.Discard)
		_ = p.WriteBake(io.Discard, spec, BakeOptions{})
	}
}

// BenchmarkParseCorpus parses every Dockerfile of BuildKit's parser tests.
func BenchmarkParseCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpusDir(b, "buildkit-parser"), "*", "*", "Dockerfile"))
	var srcs [][]byte
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			ParseStageGraph(src, nil)
		}
	}
}
