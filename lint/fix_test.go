package lint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/config"
)

// fixCase is the optional <case>.test.yaml next to a golden fix case.
type fixCase struct {
	// Mode is safe (default) or all.
	Mode string `yaml:"mode"`
	// Only is --fix-only.
	Only []string `yaml:"only"`
	// Rules are gantry rules to run besides actionlint's (the others are off
	// so that each case shows the findings of the rules it is about).
	Rules []string `yaml:"rules"`
	// CRLF turns the input and the expected output into CRLF text.
	CRLF bool `yaml:"crlf"`
	// Config is the text of .github/gantry.yaml.
	Config string `yaml:"config"`
	// Files are more files of the repository, by slash path.
	Files map[string]string `yaml:"files"`
}

// fixGoldenDir holds the golden fix cases: <case>.in.<ext> is the input,
// <case>.out.<ext> the expected fixed text and <case>.findings the findings
// that remain (and the fixes left out). The input becomes
// .github/workflows/<case>.yml, or Dockerfile or action.yml for those
// extensions, of a temporary repository. Run with -update to rewrite the
// expected files.
var fixGoldenDir = filepath.Join("..", "testdata", "fix")

// TestFixGolden runs every golden case: a dry run that changes nothing and
// whose diff applies, the fix itself, the remaining findings, and a second
// run that changes nothing.
func TestFixGolden(t *testing.T) {
	ins, err := filepath.Glob(filepath.Join(fixGoldenDir, "*.in.*"))
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden cases in %s: %v", fixGoldenDir, err)
	}
	for _, in := range ins {
		base := filepath.Base(in)
		name, ext, _ := strings.Cut(base, ".in.")
		t.Run(name, func(t *testing.T) {
			runFixCase(t, filepath.Join(fixGoldenDir, name), ext)
		})
	}
}

func runFixCase(t *testing.T, prefix, ext string) {
	var tc fixCase
	if b, err := os.ReadFile(prefix + ".test.yaml"); err == nil {
		if err := yaml.Unmarshal(b, &tc); err != nil {
			t.Fatalf("%s.test.yaml: %v", prefix, err)
		}
	}
	input := fixReadFile(t, prefix+".in."+ext)
	if tc.CRLF {
		input = fixToCRLF(input)
	}
	dir := t.TempDir()
	rel := filepath.Join(".github", "workflows", filepath.Base(prefix)+"."+ext)
	switch ext {
	case "Dockerfile":
		rel = "Dockerfile"
	case "action.yml":
		rel = "action.yml"
	}
	for p, content := range tc.Files {
		fixWriteFile(t, filepath.Join(dir, filepath.FromSlash(p)), []byte(content))
	}
	abs := filepath.Join(dir, rel)
	fixWriteFile(t, abs, input)
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Rules: map[string]*config.RuleConfig{}}
	if tc.Config != "" {
		c, err := parseConfig("gantry.yaml", []byte(tc.Config))
		if err != nil {
			t.Fatal(err)
		}
		cfg = c
	}
	opts := FixOptions{Mode: FixModeSafe, Only: tc.Only}
	if tc.Mode == "all" {
		opts.Mode = FixModeAll
	}
	l, err := New(Options{WorkDir: dir, Config: cfg, RuleFilter: func(r *Rule) bool {
		return r.Source != SourceGantry || r.Target == TargetAny || slices.Contains(tc.Rules, r.ID)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// dry run: nothing changes, and the diff turns the input into the output
	dry := opts
	dry.DryRun = true
	dr, err := l.Fix(ctx, nil, dry)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixReadFile(t, abs), input) {
		t.Fatal("a dry run changed the file")
	}

	fr, err := l.Fix(ctx, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := fixReadFile(t, abs)
	want := got
	outPath := prefix + ".out." + ext
	if *update {
		w := got
		if tc.CRLF {
			w = bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n"))
		}
		fixWriteFile(t, outPath, w)
	} else {
		want = fixReadFile(t, outPath)
		if tc.CRLF {
			want = fixToCRLF(want)
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("fixed text differs from %s:\n%s", outPath, UnifiedDiff("want", "got", want, got))
	}
	if tc.CRLF && bytes.Count(got, []byte("\n")) != bytes.Count(got, []byte("\r\n")) {
		t.Error("the fixed text of a CRLF file has LF line endings")
	}
	if !bytes.Equal(dr.Diff(), fr.Diff()) {
		t.Errorf("dry-run diff differs from the applied one:\n%s\n---\n%s", dr.Diff(), fr.Diff())
	}
	if diff := dr.Diff(); len(diff) > 0 {
		checkDiffApplies(t, rel, input, diff, got)
	}

	// the findings that remain
	var b strings.Builder
	for _, fd := range fr.Findings {
		fmt.Fprintf(&b, "%d:%d: %s: %s\n", fd.Line, fd.Column, fd.RuleID, fd.Message)
	}
	for _, f := range fr.Failures {
		fmt.Fprintf(&b, "not fixed: %d:%d: %s: %s\n", f.Finding.Line, f.Finding.Column, f.Finding.RuleID, f.Reason)
	}
	findingsPath := prefix + ".findings"
	if *update {
		fixWriteFile(t, findingsPath, []byte(b.String()))
	} else if w := string(fixReadFile(t, findingsPath)); w != b.String() {
		t.Errorf("remaining findings differ from %s:\n%s", findingsPath, UnifiedDiff("want", "got", []byte(w), []byte(b.String())))
	}
	if fr.FixedCount() == 0 && !bytes.Equal(got, input) {
		t.Error("the file changed but no finding was fixed")
	}

	// idempotency: a second run changes nothing
	again, err := l.Fix(ctx, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Fixed) > 0 || !bytes.Equal(fixReadFile(t, abs), got) {
		t.Errorf("a second run changed the file again:\n%s", again.Diff())
	}
}

// checkDiffApplies applies the diff with git apply to a copy of the input
// and compares the result with the fixed text.
func checkDiffApplies(t *testing.T, rel string, input, diff, want []byte) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Log("git not on PATH: diff not applied")
		return
	}
	dir := t.TempDir()
	fixWriteFile(t, filepath.Join(dir, rel), input)
	fixWriteFile(t, filepath.Join(dir, "fix.diff"), diff)
	cmd := exec.Command(git, "apply", "--whitespace=nowarn", "fix.diff")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply of the dry-run diff failed: %v\n%s\n%s", err, out, diff)
	}
	if got := fixReadFile(t, filepath.Join(dir, rel)); !bytes.Equal(got, want) {
		t.Errorf("applying the diff gives other text:\n%s", UnifiedDiff("fixed", "patched", want, got))
	}
}

func fixToCRLF(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func fixReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixWriteFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
