package lint

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/gantry-ci/gantry/config"
)

var (
	fixDatasetAll        = flag.Bool("fix-dataset-all", false, "TestFixDataset: fix every workflow of the realworld dataset, not a sample")
	fixDatasetShellcheck = flag.Bool("fix-dataset-shellcheck", false, "TestFixDataset: run shellcheck (from PATH) while fixing and verifying")
)

// TestFixDataset runs --fix=all over real-world workflows (a sample; all of
// them with -fix-dataset-all, which scripts/fix-dataset passes) copied to a
// temporary repository, and checks that every fixed file still parses, that
// no file gains findings, that the changes are only those the fixes make
// (comments, anchors, styles, key order and line endings kept), and that a
// second run changes nothing. It logs counts.
func TestFixDataset(t *testing.T) {
	paths := slices.Sorted(slices.Values(realworldFiles(t)))
	dir := t.TempDir()
	wfDir := filepath.Join(dir, ".github", "workflows")
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, p := range paths {
		if !isYAML(p) || (!*fixDatasetAll && i%6 != 0) {
			continue
		}
		fixWriteFile(t, filepath.Join(wfDir, filepath.Base(p)), fixReadFile(t, p))
		n++
	}
	opts := Options{WorkDir: dir, Config: &config.Config{Rules: map[string]*config.RuleConfig{}}}
	if *fixDatasetShellcheck {
		p, err := exec.LookPath("shellcheck")
		if err != nil {
			t.Fatal("shellcheck not on PATH")
		}
		opts.Shellcheck = p
	}
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	before, err := l.LintPaths(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// findings of rules with a fix, and those for which a fix is computed
	fixable, withFix := map[string]int{}, map[string]int{}
	for _, f := range before.Files {
		fixes, _ := collectFixes(f, FixOptions{Mode: FixModeAll}, nil)
		for i := range f.Findings {
			for _, fx := range fixes {
				if f.Findings[i].Fix == nil && CompareFindings(&f.Findings[i], &fx) == 0 {
					f.Findings[i].Fix = fx.Fix
					break
				}
			}
		}
	}
	for _, f := range before.Files {
		for _, fd := range f.Findings {
			if r, ok := LookupRule(fd.RuleID); ok && r.Fix != FixNone {
				fixable[fd.RuleID]++
				if fd.Fix != nil {
					withFix[fd.RuleID]++
				} else if testing.Verbose() && (fd.RuleID != "expression" || strings.Contains(fd.Message, `'"'`)) {
					t.Logf("no fix: %s", fd.String())
				}
			}
		}
	}
	fr, err := l.Fix(ctx, nil, FixOptions{Mode: FixModeAll})
	if err != nil {
		t.Fatal(err)
	}
	beforeFiles, afterFiles := filesByPath(before), filesByPath(fr.Result)
	fixedRules := map[string]int{}
	for _, f := range fr.Fixed {
		for _, fd := range f.Fixed {
			fixedRules[fd.RuleID]++
		}
		b, a := beforeFiles[f.Path], afterFiles[f.Path]
		if a == nil || a.Workflow == nil || a.Invalid {
			t.Errorf("%s: the fixed file does not parse", f.Path)
			continue
		}
		if !bytes.Equal(fixReadFile(t, filepath.Join(dir, filepath.FromSlash(f.Path))), f.After) {
			t.Errorf("%s: the file on disk is not the fixed text", f.Path)
		}
		if err := checkOnlyTargeted(f.Before, f.After); err != nil {
			t.Errorf("%s: %v\n%s", f.Path, err, UnifiedDiff("a", "b", f.Before, f.After))
		}
		countBy := func(fs []Finding, upstream bool) map[string]int {
			m := map[string]int{}
			for _, fd := range fs {
				if r, ok := LookupRule(fd.RuleID); !upstream || !ok || r.Source == SourceActionlint {
					m[fd.RuleID]++
				}
			}
			return m
		}
		cb, ca := countBy(b.Findings, false), countBy(a.Findings, false)
		for rule, c := range ca {
			if c > cb[rule] {
				t.Errorf("%s: %s findings went from %d to %d", f.Path, rule, cb[rule], c)
			}
		}
		if sum(countBy(a.Findings, true)) > sum(countBy(b.Findings, true)) {
			t.Errorf("%s: actionlint findings increased", f.Path)
		}
	}
	failures, example := map[string]int{}, map[string]string{}
	for _, fl := range fr.Failures {
		reason := fl.Reason
		if i := strings.Index(reason, ":"); i > 0 {
			reason = reason[:i]
		}
		k := fl.Finding.RuleID + ": " + reason
		if failures[k]++; failures[k] == 1 {
			example[k] = fl.Finding.File + ": " + fl.Reason
		}
	}

	again, err := l.Fix(ctx, nil, FixOptions{Mode: FixModeAll})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range again.Fixed {
		t.Errorf("%s: a second run changed the file again:\n%s", f.Path, UnifiedDiff("a", "b", f.Before, f.After))
	}

	t.Logf("workflows: %d, findings before: %d, after: %d", n, len(before.Findings), len(fr.Findings))
	t.Logf("files changed: %d, findings fixed: %d, fixes left out: %d, second run changes: %d",
		len(fr.Fixed), fr.FixedCount(), len(fr.Failures), len(again.Fixed))
	for _, id := range sortedKeys(fixable) {
		t.Logf("  %-28s findings %5d  with a fix %5d  fixed %5d", id, fixable[id], withFix[id], fixedRules[id])
	}
	for _, k := range sortedKeys(failures) {
		t.Logf("  left out: %s (%d), such as %s", k, failures[k], example[k])
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkOnlyTargeted compares the YAML of a file before and after fixing:
// same documents, node kinds, styles, tags, anchors and comments, keys in
// the same order, and only the differences the fixes make: added
// timeout-minutes and concurrency entries, and the scalars they rewrite.
func checkOnlyTargeted(before, after []byte) error {
	if bytes.Contains(before, []byte("\r\n")) && bytes.Count(after, []byte("\n")) != bytes.Count(after, []byte("\r\n")) {
		return fmt.Errorf("line endings changed")
	}
	ta, err := newYAMLText(before)
	if err != nil {
		return nil // nothing to compare with
	}
	tb, err := newYAMLText(after)
	if err != nil {
		return fmt.Errorf("no longer parses: %v", err)
	}
	if len(ta.docs) != len(tb.docs) {
		return fmt.Errorf("%d documents became %d", len(ta.docs), len(tb.docs))
	}
	var ca, cb []string
	for i := range ta.docs {
		if err := compareFixed(ta.docs[i], tb.docs[i], "", &ca, &cb); err != nil {
			return err
		}
	}
	slices.Sort(ca)
	slices.Sort(cb)
	if !slices.Equal(ca, cb) {
		return fmt.Errorf("comments changed: %q -> %q", ca, cb)
	}
	return nil
}

func commentLines(n *yaml.Node) []string {
	var out []string
	for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
		for _, l := range strings.Split(c, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

var addedKeys = map[string]bool{"timeout-minutes": true, "concurrency": true, "env": true}

// addedKey reports whether a fix may add key k with value v to the mapping
// at path: the keys above, and template-injection's env: entries.
func addedKey(path string, k, v *yaml.Node) bool {
	return addedKeys[k.Value] || strings.HasSuffix(path, "/env") && strings.HasPrefix(v.Value, "${{")
}

var (
	exprTextRe  = regexp.MustCompile(`\$\{\{[^}]*\}\}`)
	exprOrVarRe = regexp.MustCompile(`\$\{\{[^}]*\}\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}`)
)

func compareFixed(a, b *yaml.Node, path string, ca, cb *[]string) error {
	*ca = append(*ca, commentLines(a)...)
	*cb = append(*cb, commentLines(b)...)
	if a.Kind != b.Kind || a.Anchor != b.Anchor || a.ShortTag() != b.ShortTag() && !targetedScalar(path, a.Value, b.Value) {
		return fmt.Errorf("%s: node changed kind, anchor or tag", path)
	}
	switch a.Kind {
	case yaml.ScalarNode:
		if a.Value != b.Value && !targetedScalar(path, a.Value, b.Value) {
			return fmt.Errorf("%s: %q changed to %q", path, a.Value, b.Value)
		}
		if a.Style != b.Style && !strings.HasSuffix(path, "/cancel-in-progress") {
			return fmt.Errorf("%s: scalar style changed", path)
		}
	case yaml.AliasNode:
		if a.Value != b.Value {
			return fmt.Errorf("%s: alias changed", path)
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		ai := a.Content
		if len(ai) == len(b.Content)+1 && strings.HasSuffix(path, "/steps") {
			// the buildx fix removes the step that moves the cache
			k := slices.IndexFunc(ai, func(n *yaml.Node) bool {
				_, run := valueOf(n, "run")
				return run != nil && mvDirRe.MatchString(strings.TrimSpace(run.Value[strings.LastIndex(run.Value[:len(strings.TrimRight(run.Value, "\n"))], "\n")+1:]))
			})
			if k < 0 {
				return fmt.Errorf("%s: a step other than an mv step was removed", path)
			}
			*ca = append(*ca, allComments(ai[k])...)
			ai = slices.Delete(slices.Clone(ai), k, k+1)
		}
		if len(ai) != len(b.Content) {
			return fmt.Errorf("%s: %d items became %d", path, len(a.Content), len(b.Content))
		}
		for i := range ai {
			if err := compareFixed(ai[i], b.Content[i], fmt.Sprintf("%s/%d", path, i), ca, cb); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		j := 0
		for i := 0; i+1 < len(a.Content); i += 2 {
			for j+1 < len(b.Content) && b.Content[j].Value != a.Content[i].Value {
				if !addedKey(path, b.Content[j], b.Content[j+1]) {
					return fmt.Errorf("%s: key %q added", path, b.Content[j].Value)
				}
				*cb = append(*cb, allComments(b.Content[j])...)
				*cb = append(*cb, allComments(b.Content[j+1])...)
				j += 2
			}
			if j+1 >= len(b.Content) {
				return fmt.Errorf("%s: key %q removed or moved", path, a.Content[i].Value)
			}
			p := path + "/" + a.Content[i].Value
			if err := compareFixed(a.Content[i], b.Content[j], p, ca, cb); err != nil {
				return err
			}
			if err := compareFixed(a.Content[i+1], b.Content[j+1], p, ca, cb); err != nil {
				return err
			}
			j += 2
		}
		for ; j+1 < len(b.Content); j += 2 {
			if !addedKey(path, b.Content[j], b.Content[j+1]) {
				return fmt.Errorf("%s: key %q added", path, b.Content[j].Value)
			}
			*cb = append(*cb, allComments(b.Content[j])...)
			*cb = append(*cb, allComments(b.Content[j+1])...)
		}
	}
	return nil
}

func allComments(n *yaml.Node) []string {
	out := commentLines(n)
	for _, c := range n.Content {
		out = append(out, allComments(c)...)
	}
	return out
}

var (
	oldCommandRe = regexp.MustCompile(`::(set-output|save-state)\s+name=([a-zA-Z][a-zA-Z_-]*)::`)
	newFileRe    = regexp.MustCompile(`>>\s*"\$GITHUB_(OUTPUT|STATE)"`)
	spaceBraceRe = regexp.MustCompile(`[\s{}]+`)
)

// targetedScalar reports whether a scalar changed the way a fix changes it.
func targetedScalar(path, a, b string) bool {
	quotes := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "''", "'"), `"`, "'") }
	script := func(s string) string {
		s = oldCommandRe.ReplaceAllString(s, "$2=")
		return spaceBraceRe.ReplaceAllString(newFileRe.ReplaceAllString(s, ""), "")
	}
	switch {
	case strings.Contains(a, `"`) && quotes(a) == quotes(b):
		return true // double-quoted expression literals
	case oldCommandRe.MatchString(a) && newFileRe.MatchString(b) && script(a) == script(b):
		return true // set-output and save-state
	case strings.HasSuffix(path, "/run") && exprTextRe.ReplaceAllString(a, "X") == exprOrVarRe.ReplaceAllString(b, "X"):
		return true // template-injection: ${{ x }} became ${NAME}
	case strings.HasSuffix(path, "/group") || strings.HasSuffix(path, "/concurrency"):
		return b == "${{ github.workflow }}-"+a
	case strings.HasSuffix(path, "/cancel-in-progress"):
		return a == "true" && b == "${{ github.event_name == 'pull_request' }}"
	case strings.HasSuffix(path, "/uses"):
		ia, ib := strings.LastIndexByte(a, '@'), strings.LastIndexByte(b, '@')
		return ia > 0 && ib > 0 && a[:ia] == b[:ib]
	case strings.HasSuffix(path, "/cache-to"):
		strip := func(s string) string {
			var out []string
			for _, l := range strings.Split(s, "\n") {
				var fs []string
				for _, f := range splitCSV(strings.TrimSpace(l)) {
					k, _, _ := strings.Cut(f, "=")
					if !slices.Contains([]string{"dest", "reset", "mode", "image-manifest", "oci-mediatypes"}, strings.TrimSpace(k)) {
						fs = append(fs, f)
					}
				}
				out = append(out, strings.Join(fs, ","))
			}
			return strings.Join(out, "\n")
		}
		return strip(a) == strip(b)
	}
	return false
}
