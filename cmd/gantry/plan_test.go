package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanCommand(t *testing.T) {
	app := filepath.Join("..", "..", "testdata", "apps", "rails-webpack")
	out := filepath.Join(t.TempDir(), "out")
	summary := filepath.Join(t.TempDir(), "summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)

	if code := planRun([]string{"plan", app, "-o", out}); code != exitOK {
		t.Fatalf("plan: exit %d", code)
	}
	b, _ := os.ReadFile(out)
	for _, want := range []string{"target main", "3  bundle ∥ npm", "cache plan", "dead stages"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("tree output lacks %q:\n%s", want, b)
		}
	}
	s, _ := os.ReadFile(summary)
	if !strings.Contains(string(s), "```mermaid\nflowchart TD\n") {
		t.Errorf("job summary lacks the mermaid graph:\n%s", s)
	}

	if code := planRun([]string{"plan", "--target", "npm", "--format", "json", "-o", out, app}); code != exitOK {
		t.Fatalf("plan json: exit %d", code)
	}
	var doc struct {
		Target string     `json:"target"`
		Waves  [][]string `json:"waves"`
		Dead   []string   `json:"dead"`
	}
	b, _ = os.ReadFile(out)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Target != "npm" || len(doc.Waves) != 3 || strings.Join(doc.Dead, ",") != "bundle,assets,main" {
		t.Errorf("json plan: %+v", doc)
	}

	if code := planRun([]string{"plan", "--format", "bake", "--cache", "type=gha", "-f", filepath.Join(app, "Dockerfile.busybox"), "-o", out, app}); code != exitOK {
		t.Fatalf("plan bake: exit %d", code)
	}
	var bake struct {
		Target map[string]struct {
			Dockerfile string   `json:"dockerfile"`
			CacheTo    []string `json:"cache-to"`
		} `json:"target"`
	}
	b, _ = os.ReadFile(out)
	if err := json.Unmarshal(b, &bake); err != nil {
		t.Fatal(err)
	}
	if bake.Target["npm"].Dockerfile != "Dockerfile.busybox" || strings.Join(bake.Target["npm"].CacheTo, "") != "type=gha,mode=max,scope=npm" {
		t.Errorf("bake npm target: %+v", bake.Target["npm"])
	}

	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"plan", "--format", "svg", app}, exitUsage},
		{[]string{"plan", "--format", "bake", app}, exitUsage},
		{[]string{"plan", "--format", "bake", "--cache", "type=inline", app}, exitUsage},
		{[]string{"plan", "--target", "nope", app}, exitUsage},
		{[]string{"plan", "--target", "0", "--format", "bake", "--cache", "type=gha", "-f", writeTemp(t, "FROM alpine\nRUN make\nFROM alpine AS b\n"), "."}, exitUsage},
		{[]string{"plan", "--build-arg", "=x", app}, exitUsage},
		{[]string{"plan", filepath.Join(app, "nowhere")}, exitUsage},
		{[]string{"plan", "-f", writeTemp(t, "FROM alpine\nCOPY --from=7 /a /b\n"), "."}, exitFindings},
		{[]string{"plan", "-f", writeTemp(t, "FROM alpine AS a\nCOPY --from=b /a /b\nFROM alpine AS b\nRUN make\n"), "--target", "a", "."}, exitFindings},
		{[]string{"plan", "-f", writeTemp(t, "FROM alpine AS a\nCOPY --from=b /a /b\nFROM alpine AS b\nRUN make\n"), "."}, exitOK},
	} {
		if code := planRun(append(c.args, "-o", out)); code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
	}
}

// planRun runs the CLI in-process, discarding its output.
func planRun(args []string) int {
	return run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanBuildPlatform: --build-platform is the builder's platform, for
// $BUILDARCH and friends whatever --platform says, and the target platform
// when --platform is not given.
func TestPlanBuildPlatform(t *testing.T) {
	df := writeTemp(t, "FROM alpine AS tools-amd64\nRUN make\nFROM alpine AS tools-arm64\nRUN make\nFROM tools-$BUILDARCH AS main\n")
	out := filepath.Join(t.TempDir(), "out.json")
	for _, c := range []struct {
		args           []string
		platform, dead string
	}{
		{nil, "linux/amd64", "tools-arm64"},
		{[]string{"--platform", "linux/arm64"}, "linux/arm64", "tools-arm64"},
		{[]string{"--build-platform", "linux/arm64"}, "linux/arm64", "tools-amd64"},
		{[]string{"--platform", "linux/amd64", "--build-platform", "arm64"}, "linux/amd64", "tools-amd64"},
	} {
		if code := planRun(append([]string{"plan", "-f", df, "--format", "json", "-o", out, "."}, c.args...)); code != exitOK {
			t.Fatalf("%v: exit %d", c.args, code)
		}
		var doc struct {
			Platform string   `json:"platform"`
			Dead     []string `json:"dead"`
		}
		b, _ := os.ReadFile(out)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Platform != c.platform || strings.Join(doc.Dead, ",") != c.dead {
			t.Errorf("%v: platform %s, dead %v; want %s, %s", c.args, doc.Platform, doc.Dead, c.platform, c.dead)
		}
	}
}
