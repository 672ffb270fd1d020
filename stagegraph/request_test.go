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
