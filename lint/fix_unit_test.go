package lint

import (
	"bytes"
	"context"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/testenv"

	"go.yaml.in/yaml/v4"
)

// realworldSources reads the workflows of the realworld dataset.
func realworldSources(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range realworldFiles(t) {
		out[filepath.Base(p)] = fixReadFile(t, p)
	}
	return out
}

// TestScalarRoundTrip decodes every scalar of the realworld workflows (and
// of CRLF copies of a third of them) and rewrites each with its own value: a scalar
// either refuses, or (for a sample) the rewritten file parses to the same value. It also
// checks that scalars map to ordered source spans.
func TestScalarRoundTrip(t *testing.T) {
	total, decoded, i := 0, 0, 0
	srcs := realworldSources(t)
	for _, name := range slices.Sorted(maps.Keys(srcs)) {
		src := srcs[name]
		texts := [][]byte{src}
		if i++; i%3 == 0 {
			texts = append(texts, fixToCRLF(src))
		}
		for _, text := range texts {
			yt, err := newYAMLText(text)
			if err != nil {
				continue
			}
			yt.walk(func(n *yaml.Node) {
				if n.Kind != yaml.ScalarNode || n.Value == "" {
					return
				}
				total++
				s, ok := yt.scalar(n)
				if !ok {
					return
				}
				decoded++
				if s.start < 0 || s.end > len(text) || s.start > s.end {
					t.Fatalf("%s:%d:%d: span [%d,%d) out of range", name, n.Line, n.Column, s.start, s.end)
				}
				for i := range s.from {
					if s.from[i] > s.to[i] || s.from[i] < s.start || s.to[i] > s.end || (i > 0 && s.from[i] < s.from[i-1]) {
						t.Fatalf("%s:%d:%d: byte %d of %q maps to [%d,%d)", name, n.Line, n.Column, i, s.value, s.from[i], s.to[i])
					}
				}
				// rewrite the middle of a sample of values with themselves
				if decoded%200 != 0 {
					return
				}
				a, b := len(s.value)/3, 2*len(s.value)/3
				for a > 0 && s.value[a]&0xC0 == 0x80 {
					a--
				}
				for b < len(s.value) && s.value[b]&0xC0 == 0x80 {
					b++
				}
				e, ok := s.edit(a, b, s.value[a:b])
				if !ok {
					return
				}
				yt2, err := newYAMLText(applyEdits(text, []Edit{e}))
				if err != nil {
					t.Fatalf("%s:%d:%d: rewriting %q with itself breaks the file: %v", name, n.Line, n.Column, s.value[a:b], err)
				}
				if n2 := scalarAtPos(yt2, n.Line, n.Column); n2 == nil || n2.Value != n.Value {
					t.Fatalf("%s:%d:%d: rewriting %q with itself changes the value", name, n.Line, n.Column, s.value[a:b])
				}
			})
		}
	}
	t.Logf("%d of %d non-empty scalars decoded", decoded, total)
	if decoded < total*9/10 {
		t.Errorf("only %d of %d scalars decoded", decoded, total)
	}
}

func scalarAtPos(yt *yamlText, line, col int) *yaml.Node {
	var found *yaml.Node
	yt.walk(func(n *yaml.Node) {
		if found == nil && n.Kind == yaml.ScalarNode && n.Line == line && n.Column == col {
			found = n
		}
	})
	return found
}

func TestScalarStyles(t *testing.T) {
	src := "a: plain text # comment\n" +
		"b: 'it''s'\n" +
		"c: \"tab\\tq\\\"\\u00e9\"\n" +
		"d: |\n  line one\n\n  \tline two\n" +
		"e: >\n  folded\n" +
		"f: &anchor \"x\"\n" +
		"g: plain\n  continued\n\n  paragraph\n" +
		"h: [x, 'y z', {k: v}]\n" +
		"i: \"folded\n  quoted\"\n" +
		"j: |2\n   explicit\n" +
		"k: !!str tagged\n" +
		"l: plain é 日本\n" +
		"m: |\n  línea ü\n"
	yt, err := newYAMLText([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key  string
		want string // "" when the scalar is refused
		raw  string
	}{
		{"a", "plain text", "plain text"},
		{"b", "it's", "'it''s'"},
		{"c", "tab\tq\"é", `"tab\tq\"\u00e9"`},
		{"d", "line one\n\n\tline two", "|\n  line one\n\n  \tline two"},
		{"e", "", ""},
		{"f", "x", `"x"`},
		{"g", "plain continued\nparagraph", "plain\n  continued\n\n  paragraph"},
		{"i", "folded quoted", "\"folded\n  quoted\""},
		{"j", "", ""},
		{"k", "tagged", "tagged"},
		{"l", "plain é 日本", "plain é 日本"},
		{"m", "línea ü", "|\n  línea ü"},
	}
	root := yt.root()
	for _, c := range cases {
		_, v := valueOf(root, c.key)
		s, ok := yt.scalar(v)
		if c.want == "" {
			if ok {
				t.Errorf("%s: decoded %q, want refusal", c.key, s.value)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: refused", c.key)
			continue
		}
		if s.value != c.want || src[s.start:s.end] != c.raw {
			t.Errorf("%s: value %q raw %q, want %q %q", c.key, s.value, src[s.start:s.end], c.want, c.raw)
		}
	}
	_, h := valueOf(root, "h")
	for i, want := range []string{"x", "'y z'"} {
		s, ok := yt.scalar(h.Content[i])
		if !ok || src[s.start:s.end] != want {
			t.Errorf("h[%d]: %v %q", i, ok, want)
		}
	}
	if end, ok := yt.nodeEnd(h); !ok || !strings.HasSuffix(src[:end], "{k: v}]") {
		t.Errorf("flow sequence end: %v %q", ok, src[:end])
	}
	// encoding per style
	_, b := valueOf(root, "b")
	s, _ := yt.scalar(b)
	if e, ok := s.edit(0, 4, "say 'hi'"); !ok || e.New != "say ''hi''" {
		t.Errorf("single-quoted encoding: %q %v", e.New, ok)
	}
	if _, ok := s.edit(0, 1, "a\nb"); ok {
		t.Error("single-quoted scalar accepted a line break")
	}
	_, a := valueOf(root, "a")
	s, _ = yt.scalar(a)
	for _, bad := range []string{"x: y", "x #y", "a\nb"} {
		if _, ok := s.edit(0, 1, bad); ok {
			t.Errorf("plain scalar accepted %q", bad)
		}
	}
	if _, ok := s.edit(0, 1, "*star"); ok {
		t.Error("plain scalar accepted an indicator at its start")
	}
}

func TestApplyFixes(t *testing.T) {
	src := []byte("0123456789")
	fx := func(edits ...Edit) Finding { return Finding{RuleID: "r", Fix: &Fix{Edits: edits}} }
	same := fx(Edit{2, 4, "ab"})
	out, applied := applyFixes(src, []Finding{same, fx(Edit{2, 4, "ab"}), fx(Edit{3, 5, "zz"}), fx(Edit{8, 8, "!"}), fx(Edit{8, 8, "?"}), fx(Edit{0, 1, "A"}, Edit{6, 7, "B"})})
	if string(out) != "A1ab45B7!89" {
		t.Errorf("got %q", out)
	}
	if len(applied) != 4 {
		t.Errorf("applied %d fixes, want 4 (two identical, the insertion, the pair)", len(applied))
	}
	if _, applied := applyFixes(src, []Finding{fx(Edit{1, 2, "1"})}); applied != nil {
		t.Error("a fix that changes nothing counts as applied")
	}
	for _, bad := range [][]Edit{{}, {{-1, 0, ""}}, {{3, 2, ""}}, {{0, 11, ""}}, {{4, 6, ""}, {5, 7, ""}}} {
		if validEdits(bad, len(src)) {
			t.Errorf("validEdits(%v) = true", bad)
		}
	}
}

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	b := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk"
	want := "--- x\n+++ y\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n\\ No newline at end of file\n"
	if got := string(UnifiedDiff("x", "y", []byte(a), []byte(b))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if UnifiedDiff("x", "y", []byte(a), []byte(a)) != nil {
		t.Error("diff of equal texts is not empty")
	}
	if got := string(UnifiedDiff("x", "y", nil, []byte("new\n"))); got != "--- x\n+++ y\n@@ -0,0 +1,1 @@\n+new\n" {
		t.Errorf("diff from empty: %q", got)
	}
}

// TestUnifiedDiffSpaces checks that git apply and patch -p1 find a file
// whose name has a space.
func TestUnifiedDiffSpaces(t *testing.T) {
	git := testenv.LookPath(t, "git")
	rel := filepath.Join(".github", "workflows", "my ci.yml")
	diff := UnifiedDiff("a/.github/workflows/my ci.yml", "b/.github/workflows/my ci.yml", []byte("a\nb\n"), []byte("a\nc\n"))
	tools := [][]string{{git, "apply", "d.diff"}}
	if patch, err := exec.LookPath("patch"); err == nil {
		tools = append(tools, []string{patch, "-p1", "-i", "d.diff"})
	}
	for _, tool := range tools {
		dir := t.TempDir()
		fixWriteFile(t, filepath.Join(dir, rel), []byte("a\nb\n"))
		fixWriteFile(t, filepath.Join(dir, "d.diff"), diff)
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Dir = dir
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", filepath.Base(tool[0]), err, o, diff)
		}
		if got := string(fixReadFile(t, filepath.Join(dir, rel))); got != "a\nc\n" {
			t.Errorf("%s: patched text %q", filepath.Base(tool[0]), got)
		}
	}
}

// TestUnifiedDiffApplies makes random line edits to real workflows and
// checks that git apply turns the old text into the new with the diff.
func TestUnifiedDiffApplies(t *testing.T) {
	git := testenv.LookPath(t, "git")
	rng := rand.New(rand.NewPCG(1, 2))
	i := 0
	srcs := realworldSources(t)
	for _, name := range slices.Sorted(maps.Keys(srcs)) {
		src := srcs[name]
		if i++; i%50 != 0 {
			continue
		}
		if rng.IntN(2) == 0 {
			src = fixToCRLF(src)
		}
		lines := splitLines(src)
		var out [][]byte
		for _, l := range lines {
			switch rng.IntN(12) {
			case 0:
				continue
			case 1:
				out = append(out, []byte("# inserted\n"), l)
			case 2:
				out = append(out, bytes.ToUpper(l))
			default:
				out = append(out, l)
			}
		}
		after := bytes.Join(out, nil)
		diff := UnifiedDiff("a/f.yml", "b/f.yml", src, after)
		dir := t.TempDir()
		fixWriteFile(t, filepath.Join(dir, "f.yml"), src)
		fixWriteFile(t, filepath.Join(dir, "d.diff"), diff)
		cmd := exec.Command(git, "apply", "--whitespace=nowarn", "d.diff")
		cmd.Dir = dir
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: git apply: %v\n%s", name, err, o)
		}
		if got := fixReadFile(t, filepath.Join(dir, "f.yml")); !bytes.Equal(got, after) {
			t.Fatalf("%s: the patched text differs", name)
		}
	}
}

func TestFixOptionsValidate(t *testing.T) {
	cases := []struct {
		opts FixOptions
		want string
	}{
		{FixOptions{Only: []string{"expression"}}, ""},
		{FixOptions{Only: []string{"expresion"}}, `unknown rule "expresion" (did you mean "expression"?)`},
		{FixOptions{Only: []string{"job-needs"}}, `rule "job-needs" has no fix`},
		{FixOptions{Only: []string{"timeout-missing"}}, `the fix of "timeout-missing" is opinionated: add --fix=all`},
		{FixOptions{Mode: FixModeAll, Only: []string{"timeout-missing"}}, ""},
	}
	for _, c := range cases {
		err := c.opts.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v: got %v, want %q", c.opts, err, c.want)
		}
	}
	for id, fx := range fixers {
		if r, ok := LookupRule(id); !ok || r.Fix != fx.kind {
			t.Errorf("fixer %s: rule missing or its Fix is not %q", id, fx.kind)
		}
	}
}

// TestFixerCrash checks that a fixer that panics is reported as a failure
// and fixing goes on.
func TestFixerCrash(t *testing.T) {
	old := fixers["timeout-missing"]
	fixers["timeout-missing"] = fixer{FixOpinionated, func(*fixContext) *Fix { panic("boom") }}
	defer func() { fixers["timeout-missing"] = old }()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	p := filepath.Join(dir, ".github", "workflows", "ci.yml")
	fixWriteFile(t, p, []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    if: github.ref == \"x\"\n    steps:\n      - run: echo\n"))
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	fr, err := l.Fix(context.Background(), nil, FixOptions{Mode: FixModeAll, Only: []string{"timeout-missing", "expression"}})
	if err != nil {
		t.Fatal(err)
	}
	if fr.FixedCount() != 1 || len(fr.Failures) != 1 || !strings.Contains(fr.Failures[0].Reason, "internal error while computing the fix: boom") {
		t.Errorf("fixed %d, failures %+v", fr.FixedCount(), fr.Failures)
	}
	if !strings.Contains(string(fixReadFile(t, p)), "github.ref == 'x'") {
		t.Error("the other fix was not applied")
	}
}

// TestAttachFixes checks that findings carry their fix for reporters.
func TestAttachFixes(t *testing.T) {
	l, err := New(Options{Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintSource(context.Background(), "ci.yml", []byte("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    if: github.ref == \"x\"\n    steps:\n      - run: echo\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AttachFixes(context.Background(), res, FixOptions{}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range res.Findings {
		if fd.Fix != nil {
			n++
			if fd.RuleID != "expression" || !fd.Fix.Safe || len(fd.Fix.Edits) != 1 || fd.Fix.Edits[0].New != "'x'" {
				t.Errorf("unexpected fix %+v on %s", fd.Fix, fd.String())
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings with a fix, want 1", n)
	}
}

// FuzzFix fixes arbitrary workflow text: no panic, a fixed text that still
// parses, and nothing more to fix the second time.
func FuzzFix(f *testing.F) {
	ins, _ := filepath.Glob(filepath.Join(fixGoldenDir, "*.in.yml"))
	for _, p := range ins {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	l, err := New(Options{Config: &config.Config{}})
	if err != nil {
		f.Fatal(err)
	}
	opts := FixOptions{Mode: FixModeAll}
	f.Fuzz(func(t *testing.T, src []byte) {
		fr, err := l.FixSource(context.Background(), "ci.yml", src, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(fr.Fixed) == 0 {
			return
		}
		fixed := fr.Fixed[0].After
		if _, err := newYAMLText(fixed); err != nil {
			t.Fatalf("the fixed text does not parse: %v\n%s", err, fixed)
		}
		again, err := l.FixSource(context.Background(), "ci.yml", fixed, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Fixed) > 0 {
			t.Fatalf("a second fix changed the text:\n%s", again.Diff())
		}
	})
}

// TestShellExpands checks where the template-injection fix may write
// ${NAME}: the script's "@" marks the place asked about.
func TestShellExpands(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   bool
	}{
		{`echo @`, true},
		{`echo "x @"`, true},
		{`echo "it's @"`, true},
		{`echo '@'`, false},
		{`echo 'a' "@"`, true},
		{"python -c '\nprint(\"@\")\n'", false},
		{"python -c '\nprint(1)\n'\necho \"@\"", true},
		{`echo $'a\'@'`, false},
		{`echo "$(echo '@')"`, false},
		{`echo "$(echo "@")"`, true},
		{"echo `echo '@'`", false},
		{`echo \@`, false},
		{"cat <<EOF\n@\nEOF", true},
		{"cat <<'EOF'\n@\nEOF", false},
		{"cat <<\"EOF\" > x\n@\nEOF", false},
		{"cat <<\\EOF\n@\nEOF", false},
		{"cat <<-'EOF'\n\t@\n\tEOF", false},
		{"cat <<'EOF'\nit's\nEOF\necho \"@\"", true},
		{"cat <<'A' <<B\na\nA\n@\nB", true},
		{"cat <<A <<'B'\na\nA\n@\nB", false},
		{"# don't\necho \"@\"", true},
		{"echo a # it's @", true},
		{"echo a#'b\n@'", false},
	} {
		i := strings.IndexByte(tc.script, '@')
		script := tc.script[:i] + "$" + tc.script[i+1:]
		if got := shellExpands(script, i); got != tc.want {
			t.Errorf("shellExpands(%q) = %v, want %v", tc.script, got, tc.want)
		}
	}
}

// TestAssignsVar checks which scripts set a variable themselves.
func TestAssignsVar(t *testing.T) {
	for script, want := range map[string]bool{
		`echo "$V"`:                   false,
		`V=1`:                         true,
		`x=1; V+=2`:                   true,
		`export V=$(cat v)`:           true,
		`declare -r V`:                true,
		`read -r V < f`:               true,
		`for V in a b; do :; done`:    true,
		`for f in $V; do :; done`:     false,
		`read -r x <<< "$V"`:          false,
		`VERSION=1`:                   false,
		`echo V=1`:                    true, // not an assignment, but it may be one
		"if true; then\n  V=2\nfi":    true,
		`[ "$V" = 1 ] && echo "$V=1"`: false,
	} {
		if got := assignsVar(script, "V"); got != want {
			t.Errorf("assignsVar(%q, V) = %v, want %v", script, got, want)
		}
	}
}
