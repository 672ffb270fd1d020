package stagegraph

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/internal/outfile"
)

func TestPlanOutputPublish(t *testing.T) {
	req := PlanRequest{Dir: filepath.Join("..", "testdata", "apps", "rails-webpack"), Format: "tree", LookupEnv: os.LookupEnv}
	p, err := req.Outline()
	if err != nil {
		t.Fatal(err)
	}
	var tree bytes.Buffer
	if err := p.Write(&tree); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md")}
	getenv := func(k string) string { return env[k] }

	var w, warn bytes.Buffer
	if err := p.Publish(&w, "", &warn, getenv); err != nil || w.String() != tree.String() || warn.Len() != 0 {
		t.Errorf("to w: %v, wrote %q, warned %q", err, w.String(), warn.String())
	}
	if md, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"]); !strings.Contains(string(md), p.Outline.SummaryMarkdown()) {
		t.Errorf("job summary: %s", md)
	}

	w.Reset()
	path := filepath.Join(dir, "plan.txt")
	if err := p.Publish(&w, path, &warn, getenv); err != nil || w.Len() != 0 {
		t.Errorf("to a file: %v, wrote %q to w", err, w.String())
	}
	if b, _ := os.ReadFile(path); string(b) != tree.String() {
		t.Errorf("file holds %q, want the tree", b)
	}

	var ce *outfile.CreateError
	if err := p.Publish(&w, filepath.Join(dir, "no", "plan.txt"), &warn, getenv); !errors.As(err, &ce) {
		t.Errorf("missing directory: %v, want an *outfile.CreateError", err)
	}

	env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "no", "summary.md")
	if err := p.Publish(&w, "", &warn, getenv); err != nil || !strings.Contains(warn.String(), "gantry: warning: cannot write the job summary:") {
		t.Errorf("an unwritable summary is a warning: %v, warned %q", err, warn.String())
	}
}

func TestPlanRequestPlatforms(t *testing.T) {
	// --platform takes a list, as bake does; the graph is evaluated per
	// platform, never with the list as one platform
	dir := t.TempDir()
	write := func(src string) {
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FROM --platform=$BUILDPLATFORM golang AS build\nRUN go build\nFROM alpine:${TARGETARCH} AS main\nCOPY --from=build /x /x\n")
	req := PlanRequest{Dir: dir, Format: "json", Platform: "linux/amd64,linux/arm64"}
	p, err := req.Outline()
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Outline.Graph.Stages; st[0].Platform != "linux/amd64" || st[1].Base != "alpine:amd64" || p.Outline.Graph.Platform != "linux/amd64,linux/arm64" {
		t.Errorf("platform %q, base %q, graph platform %q", st[0].Platform, st[1].Base, p.Outline.Graph.Platform)
	}
	if p.bake.Platforms == nil || strings.Join(p.bake.Platforms, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("bake platforms %v", p.bake.Platforms)
	}

	write("FROM alpine AS build-amd64\nRUN make\nFROM alpine AS build-arm64\nRUN make\nFROM build-$TARGETARCH AS main\n")
	var pe *PlanError
	if _, err := req.Outline(); !errors.As(err, &pe) || pe.Kind != KindPlanUsage || !strings.Contains(err.Error(), "--platform: linux/amd64 and linux/arm64 need different stages (needed build-amd64 main") {
		t.Errorf("stages differ by platform: %v", err)
	}
	req.Platform = "linux/arm64"
	if p, err := req.Outline(); err != nil || names(p.Outline.Needed) != "build-arm64 main" {
		t.Errorf("one platform: %v", err)
	}

	// $BUILDARCH is the builder's, the same for every target platform
	write("FROM alpine AS build-amd64\nRUN make\nFROM alpine AS build-arm64\nRUN make\nFROM build-$BUILDARCH AS main\n")
	for _, c := range []struct{ platform, build, needed string }{
		{"linux/amd64,linux/arm64", "", "build-amd64 main"},
		{"linux/arm64", "", "build-amd64 main"},
		{"linux/amd64,linux/arm64", "linux/arm64", "build-arm64 main"},
		{"", "linux/arm64", "build-arm64 main"},
	} {
		req := PlanRequest{Dir: dir, Format: "json", Platform: c.platform, BuildPlatform: c.build}
		if p, err := req.Outline(); err != nil || names(p.Outline.Needed) != c.needed {
			t.Errorf("--platform %q --build-platform %q: %v, want %s", c.platform, c.build, err, c.needed)
		} else if c.platform == "" && p.Outline.Graph.Platform != c.build {
			t.Errorf("--build-platform %q: target platform %s", c.build, p.Outline.Graph.Platform)
		}
	}
}
