package stagegraph

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/plan")

// corpusDir returns a folder of the shared third-party corpus.
func corpusDir(t testing.TB, parts ...string) string {
	t.Helper()
	return testenv.CorpusDir(t, parts...)
}

// checkGolden compares have with testdata/plan/<name>, or rewrites it with -update.
func checkGolden(t *testing.T, written map[string]bool, name string, have []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "plan", filepath.FromSlash(name))
	written[filepath.ToSlash(name)] = true
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, have, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./stagegraph -run TestPlanGoldens -update)", err)
	}
	if !bytes.Equal(have, want) {
		t.Errorf("%s differs from the golden file (run go test ./stagegraph -run TestPlanGoldens -update to accept):\n--- have\n%s", name, have)
	}
}

// goldenPlan writes the tree and JSON plans of a Dockerfile, or its error.
func goldenPlan(t *testing.T, written map[string]bool, name, display string, src []byte, wantErr bool) *Outline {
	t.Helper()
	g, err := ParseStageGraph(src, nil)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error is not a *ParseError: %v", name, err)
		}
		checkGolden(t, written, name+".err", []byte(err.Error()+"\n"))
		return nil
	}
	if wantErr {
		t.Errorf("%s: want a parse error, have an outline", name)
	}
	p, err := g.Outline("", display)
	if err != nil {
		t.Fatal(err)
	}
	var tree, js bytes.Buffer
	if err := p.WriteTree(&tree); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js.Bytes()) {
		t.Errorf("%s: invalid JSON", name)
	}
	checkGolden(t, written, name+".tree", tree.Bytes())
	checkGolden(t, written, name+".json", js.Bytes())
	return p
}

// TestPlanGoldens keeps the plans of the example app and of every
// Dockerfile of BuildKit's parser tests in testdata/plan. The parser's
// negative tests, and positive ones that BuildKit parses but cannot build
// (no FROM, unknown flags), must give a positioned error, never a panic.
func TestPlanGoldens(t *testing.T) {
	written := map[string]bool{}
	app := filepath.Join("..", "testdata", "apps", "rails-webpack")
	for _, c := range []struct{ name, file string }{
		{"rails-webpack", "Dockerfile"},
		{"rails-webpack-busybox", "Dockerfile.busybox"},
	} {
		src, err := os.ReadFile(filepath.Join(app, c.file))
		if err != nil {
			t.Fatal(err)
		}
		p := goldenPlan(t, written, c.name, "testdata/apps/rails-webpack/"+c.file, src, false)
		if p == nil {
			continue
		}
		checkGolden(t, written, c.name+".mmd", []byte(p.Mermaid()))
		checkGolden(t, written, c.name+".dot", []byte(p.Dot()))
		checkGolden(t, written, c.name+".summary.md", []byte(p.SummaryMarkdown()))
		for _, spec := range []struct{ name, spec string }{
			{"registry", "type=registry,ref=123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app"},
			{"local", "type=local,dir=/tmp/.buildx-cache"},
		} {
			cs, err := ParseCacheSpec(spec.spec)
			if err != nil {
				t.Fatal(err)
			}
			var bake bytes.Buffer
			if err := p.WriteBake(&bake, cs, BakeOptions{Context: ".", Dockerfile: c.file, BuildArgs: map[string]string{"SHA": "abc123"}}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, written, c.name+".bake-"+spec.name+".json", bake.Bytes())
		}
	}

	for _, dir := range []string{"testfiles", "testfiles-negative"} {
		root := corpusDir(t, "buildkit-parser", dir)
		ents, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			src, err := os.ReadFile(filepath.Join(root, e.Name(), "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			goldenPlan(t, written, "buildkit-parser/"+dir+"/"+e.Name(), "Dockerfile", src, dir == "testfiles-negative")
		}
	}

	// no stale golden files
	var stale []string
	root := filepath.Join("..", "testdata", "plan")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			if !written[filepath.ToSlash(rel)] {
				stale = append(stale, rel)
			}
		}
		return nil
	})
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("stale golden files: %s", strings.Join(stale, ", "))
	}
}
