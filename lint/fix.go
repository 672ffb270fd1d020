package lint

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
)

// FixMode says which fixes run.
type FixMode int

const (
	// FixModeSafe runs only fixes that preserve behaviour (--fix).
	FixModeSafe FixMode = iota + 1
	// FixModeAll runs opinionated fixes too (--fix=all).
	FixModeAll
)

// FixOptions configures (*Linter).Fix.
type FixOptions struct {
	// Mode says which fixes run; 0 means FixModeSafe.
	Mode FixMode
	// Only limits the fixes to these rule IDs (--fix-only); empty means every rule.
	Only []string
	// DryRun computes the fixed text and the findings that would remain, but
	// writes nothing (--fix=dry-run).
	DryRun bool
}

// FixModeWords are the words of --fix=WORD[,WORD] (diff is dry-run's alias).
var FixModeWords = []string{"safe", "all", "dry-run", "diff"}

// IsFixMode reports whether s is a --fix value, such as all or all,dry-run:
// a command-line argument that is one most likely meant --fix=s.
func IsFixMode(s string) bool {
	for _, v := range strings.Split(s, ",") {
		if !slices.Contains(FixModeWords, strings.TrimSpace(v)) {
			return false
		}
	}
	return s != ""
}

// ParseFixOptions reads --fix (a comma-separated list of FixModeWords, ""
// meaning safe) and --fix-only (rule IDs) and validates them.
func ParseFixOptions(fix string, only []string) (FixOptions, error) {
	opts := FixOptions{Mode: FixModeSafe}
	for _, v := range strings.Split(fix, ",") {
		switch strings.TrimSpace(v) {
		case "", "safe":
		case "all":
			opts.Mode = FixModeAll
		case "dry-run", "diff":
			opts.DryRun = true
		default:
			return opts, fmt.Errorf("--fix must be safe, all or dry-run (or all,dry-run), not %q", v)
		}
	}
	for _, id := range only {
		if id = strings.TrimSpace(id); id != "" {
			opts.Only = append(opts.Only, id)
		}
	}
	if err := opts.Validate(); err != nil {
		return opts, fmt.Errorf("--fix-only: %w", err)
	}
	return opts, nil
}

// CarriesFixes reports whether a --format can carry each finding's fix:
// JSON's fix field, SARIF's fixes and rdjson's suggestions.
func CarriesFixes(format string) bool {
	return format == "json" || format == "sarif" || format == "rdjson"
}

// Validate checks that every rule in Only exists, has a fix, and that its
// fix runs in Mode.
func (o FixOptions) Validate() error {
	for _, id := range o.Only {
		r, ok := LookupRule(id)
		if !ok {
			return fmt.Errorf("unknown rule %q%s", id, suggestRule(id))
		}
		if r.Fix == FixNone {
			return fmt.Errorf("rule %q has no fix (rules with fixes: %s)", id, strings.Join(fixableRuleIDs(), ", "))
		}
		if r.Fix == FixOpinionated && o.Mode != FixModeAll {
			return fmt.Errorf("the fix of %q is opinionated: add --fix=all to run it", id)
		}
	}
	return nil
}

func fixableRuleIDs() []string {
	var ids []string
	for _, r := range allRules {
		if r.Fix != FixNone {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// runs reports whether the fix of rule r runs under these options.
func (o FixOptions) runs(r *Rule) bool {
	if _, ok := fixers[r.ID]; !ok {
		return false
	}
	switch r.Fix {
	case FixSafe:
	case FixOpinionated:
		if o.Mode != FixModeAll {
			return false
		}
	default:
		return false
	}
	return len(o.Only) == 0 || slices.Contains(o.Only, r.ID)
}

// FixedFile is a file that fixing changed (or, in a dry run, would change).
type FixedFile struct {
	// Path is the display path, as in findings.
	Path string
	// AbsPath is the absolute path ("" for stdin).
	AbsPath string
	// Before and After are the file's text before and after fixing.
	Before, After []byte
	// Fixed are the findings that the applied fixes resolved, with their Fix.
	Fixed []Finding
}

// FixFailure is a fix that was computed but not applied because the fixed
// file no longer parsed or did not lose the finding.
type FixFailure struct {
	// Finding is the finding whose fix failed.
	Finding Finding
	// Reason says why, in lower case.
	Reason string
}

// FixResult is the outcome of (*Linter).Fix.
type FixResult struct {
	// Result holds the findings that remain after fixing, and the files with
	// their fixed text.
	*Result
	// Fixed lists the files that were changed, sorted by path.
	Fixed []*FixedFile
	// Failures lists the fixes that were left out, and why.
	Failures []FixFailure
}

// FixedCount returns how many findings the fixes resolved.
func (r *FixResult) FixedCount() int {
	n := 0
	for _, f := range r.Fixed {
		n += len(f.Fixed)
	}
	return n
}

// Diff returns a unified diff of every change, with a/ and b/ path prefixes.
func (r *FixResult) Diff() []byte {
	var b bytes.Buffer
	for _, f := range r.Fixed {
		b.Write(UnifiedDiff("a/"+f.Path, "b/"+f.Path, f.Before, f.After))
	}
	return b.Bytes()
}

// maxFixPasses bounds the lint-fix-verify cycles of one run. A fix can
// uncover a finding that another fix resolves, so one pass is not always
// enough.
const maxFixPasses = 8

// fixState tracks one file across fix passes.
type fixState struct {
	file  *File // the file as first linted: path, kind, root
	orig  []byte
	cur   []byte
	fixed []Finding
	// onOrig are the fixed findings whose fix applies to the original text.
	onOrig []Finding
	// failed holds rules whose fix failed on this file; they are not retried.
	failed map[string]bool
	// outside says why none of its fixes is written, when the file is a
	// symbolic link to a file outside its repository (see linkedOutside)
	outside string
}

// Fix lints the paths (as LintPaths does), applies the fixes of the findings
// selected by opts, verifies every fixed file by linting it again, and writes
// the files that changed unless opts.DryRun. A fixed file that no longer
// parses, gains findings (or adds some to another file), or keeps the fixed
// finding is left as it was and reported in Failures. The result's findings
// are those that remain.
func (l *Linter) Fix(ctx context.Context, paths []string, opts FixOptions) (*FixResult, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	defer l.keepTrees()()
	res, err := l.LintPaths(ctx, paths)
	if err != nil {
		return nil, err
	}
	fr, err := l.fixResult(ctx, res, opts)
	if err != nil {
		return nil, err
	}
	if !opts.DryRun {
		var written []string
		for _, f := range fr.Fixed {
			if f.AbsPath == "" {
				continue
			}
			if err := writeFileKeepMode(f.AbsPath, f.After); err != nil {
				return nil, &FixWriteError{Path: f.Path, Written: written, Err: err}
			}
			written = append(written, f.Path)
		}
	}
	return fr, nil
}

// FixWriteError is a fixed file that could not be written: a failure of
// gantry or of the file system (exit code 3), not of the command line. The
// files in Written were fixed and written before it; the others were not.
type FixWriteError struct {
	Path    string
	Written []string
	Err     error
}

func (e *FixWriteError) Error() string {
	msg := fmt.Sprintf("cannot write %s: %v", e.Path, e.Err)
	if len(e.Written) > 0 {
		msg += "; already fixed and written: " + strings.Join(e.Written, ", ")
	}
	return msg
}

func (e *FixWriteError) Unwrap() error { return e.Err }

// FixSource fixes content that does not come from a file (stdin); nothing
// is written. The fixed text is in the result's Fixed (or unchanged).
func (l *Linter) FixSource(ctx context.Context, name string, src []byte, opts FixOptions) (*FixResult, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	defer l.keepTrees()()
	res, err := l.LintSource(ctx, name, src)
	if err != nil {
		return nil, err
	}
	return l.fixResult(ctx, res, opts)
}

// keepTrees makes the runs until the returned function is called keep
// every syntax tree, which fixing reads (see Options.DropTrees).
func (l *Linter) keepTrees() (restore func()) {
	was := l.fixing
	l.fixing = true
	return func() { l.fixing = was }
}

// fixResult runs fix passes over the files of a lint result until nothing
// more can be fixed. Each pass applies every file's fixes at once and lints
// everything again; a file that fails verification gets its fixes back one
// rule at a time, each verified against the files as they then are, so that
// fixes of two files that clash (two new concurrency groups that collide)
// are decided one after the other, and a second run finds nothing to do.
func (l *Linter) fixResult(ctx context.Context, res *Result, opts FixOptions) (*FixResult, error) {
	fr, _, err := l.fixPasses(ctx, res, opts, maxFixPasses)
	return fr, err
}

// fixPasses runs at most passes fix passes (see fixResult) and returns the
// state of every file too.
func (l *Linter) fixPasses(ctx context.Context, res *Result, opts FixOptions, passes int) (*FixResult, []*fixState, error) {
	pre := outsideFiles(res)
	states := make([]*fixState, len(res.Files))
	byPath := map[string]*fixState{}
	for i, f := range res.Files {
		states[i] = &fixState{file: f, orig: f.Src, cur: f.Src, failed: map[string]bool{}, outside: linkedOutside(f)}
		byPath[f.Path] = states[i]
	}
	out := &FixResult{Result: res}
	var w *worker
	accept := func(st *fixState, base []byte, fixed []Finding) {
		st.fixed = append(st.fixed, fixed...)
		if bytes.Equal(base, st.orig) {
			st.onOrig = append(st.onOrig, fixed...)
		}
	}
	for range passes {
		// all fixes of all files at once
		pending := map[*fixState][]Finding{}
		var changed []*fixState
		for _, f := range res.Files {
			st := byPath[f.Path]
			fixes, failures := collectFixes(f, opts, st.failed)
			if st.outside != "" {
				for _, fd := range fixes {
					failures = append(failures, FixFailure{Finding: fd, Reason: st.outside})
				}
				fixes = nil
			}
			for _, fl := range failures {
				st.failed[fl.Finding.RuleID] = true
			}
			out.Failures = append(out.Failures, failures...)
			patched, applied := applyFixes(f.Src, fixes)
			if len(applied) == 0 {
				continue
			}
			st.cur, pending[st] = patched, applied
			changed = append(changed, st)
		}
		if len(changed) == 0 {
			break
		}
		next, err := l.relint(ctx, states, pre)
		if err != nil {
			return nil, nil, err
		}
		before, after := filesByPath(res), filesByPath(next)
		changedPaths := map[string]bool{}
		for _, st := range changed {
			changedPaths[st.file.Path] = true
		}
		// a new finding in a file no fix touched (a caller that now
		// deadlocks) is nobody's in particular: every fix goes one by one
		elsewhere := othersGain(before, after, changedPaths) != ""
		var retry []*fixState
		for _, st := range changed {
			if !elsewhere && verifyFix(before[st.file.Path], after[st.file.Path], pending[st]) == "" {
				accept(st, before[st.file.Path].Src, pending[st])
				continue
			}
			st.cur = before[st.file.Path].Src
			retry = append(retry, st)
		}
		if len(retry) > 0 {
			if next, err = l.relint(ctx, states, pre); err != nil {
				return nil, nil, err
			}
		}
		res = next
		// the files that failed: one rule at a time
		for _, st := range retry {
			if w == nil {
				w = l.newWorker()
			}
			var rules []string
			for _, fd := range pending[st] {
				if !slices.Contains(rules, fd.RuleID) {
					rules = append(rules, fd.RuleID)
				}
			}
			for _, rule := range rules {
				f := filesByPath(res)[st.file.Path]
				fixes, _ := collectFixes(f, opts, st.failed)
				fixes = slices.DeleteFunc(fixes, func(fd Finding) bool { return fd.RuleID != rule })
				patched, applied := applyFixes(f.Src, fixes)
				if len(applied) == 0 {
					continue
				}
				next := l.relintOne(ctx, w, res, st.file.Path, patched, pre)
				reason := verifyFix(f, filesByPath(next)[st.file.Path], applied)
				if reason == "" {
					reason = othersGain(filesByPath(res), filesByPath(next), map[string]bool{st.file.Path: true})
				}
				if reason != "" {
					if len(applied) == 1 {
						out.Failures = append(out.Failures, FixFailure{Finding: applied[0], Reason: reason})
					} else {
						res = l.fixOneByOne(ctx, w, st, res, rule, applied, opts, pre, accept, &out.Failures)
					}
					st.failed[rule] = true
					continue
				}
				st.cur, res = patched, next
				accept(st, f.Src, applied)
			}
		}
	}
	out.Result = res
	for _, st := range states {
		if bytes.Equal(st.orig, st.cur) {
			continue
		}
		fixed := st.fixed
		for i := range fixed {
			fixed[i].File = st.file.Path
		}
		out.Fixed = append(out.Fixed, &FixedFile{Path: st.file.Path, AbsPath: st.file.AbsPath, Before: st.orig, After: st.cur, Fixed: fixed})
	}
	slices.SortStableFunc(out.Failures, func(a, b FixFailure) int { return CompareFindings(&a.Finding, &b.Finding) })
	out.Failures = slices.CompactFunc(out.Failures, func(a, b FixFailure) bool {
		return CompareFindings(&a.Finding, &b.Finding) == 0 && a.Reason == b.Reason
	})
	return out, states, nil
}

// fixOneByOne applies the fixes of one rule in a file one finding at a
// time, after they failed together, so that a fix that fails (one that
// shellcheck objects to, say) does not hold back the others of its rule. It
// goes from the last finding up, so that the positions of the findings
// still to try do not move. It returns the result with the accepted fixes.
func (l *Linter) fixOneByOne(ctx context.Context, w *worker, st *fixState, res *Result, rule string, applied []Finding,
	opts FixOptions, pre []Finding, accept func(*fixState, []byte, []Finding), failures *[]FixFailure) *Result {
	path := st.file.Path
	same := func(a, b *Finding) bool {
		return a.Line == b.Line && a.Column == b.Column && a.RuleID == b.RuleID && a.Message == b.Message
	}
	for i := len(applied) - 1; i >= 0; i-- {
		want := &applied[i]
		f := filesByPath(res)[path]
		fixes, _ := collectFixes(f, opts, st.failed)
		k := slices.IndexFunc(fixes, func(fd Finding) bool { return same(&fd, want) })
		if k < 0 {
			continue // fixed along with another finding
		}
		patched, one := applyFixes(f.Src, fixes[k:k+1])
		if len(one) == 0 {
			continue
		}
		next := l.relintOne(ctx, w, res, path, patched, pre)
		reason := verifyFix(f, filesByPath(next)[path], one)
		if reason == "" {
			reason = othersGain(filesByPath(res), filesByPath(next), map[string]bool{path: true})
		}
		if reason != "" {
			*failures = append(*failures, FixFailure{Finding: *want, Reason: reason})
			continue
		}
		st.cur, res = patched, next
		accept(st, f.Src, one)
	}
	return res
}

// relintOne lints the new text of one file and assembles the result again
// with the other files as they were last linted, so that the repository
// rules see every file. The other files' repository models (File.model)
// are shared with the result before, whose calls buildRepository links
// again: fixing runs one relint at a time.
func (l *Linter) relintOne(ctx context.Context, w *worker, res *Result, path string, src []byte, pre []Finding) *Result {
	out := &Result{InternalErrors: res.InternalErrors}
	for _, f := range res.Files {
		nf := *f
		if f.Path == path {
			nf = File{Path: f.Path, AbsPath: f.AbsPath, Root: f.Root, RelPath: f.RelPath, Kind: f.Kind, Src: src, Explicit: f.Explicit, cfg: f.cfg}
			if l.lintFile(ctx, w, &nf) {
				out.InternalErrors++
			}
			nf.raw = slices.Clone(nf.Findings)
		}
		out.Files = append(out.Files, &nf)
	}
	return l.assemble(out, slices.Clone(pre))
}

// outsideFiles returns the findings of a result that belong to no linted
// file (unreadable paths), which every re-lint carries over.
func outsideFiles(res *Result) []Finding {
	in := map[string]bool{}
	for _, f := range res.Files {
		in[f.Path] = true
	}
	var out []Finding
	for _, fd := range res.Findings {
		if !in[fd.File] {
			out = append(out, fd)
		}
	}
	return out
}

func filesByPath(res *Result) map[string]*File {
	m := make(map[string]*File, len(res.Files))
	for _, f := range res.Files {
		m[f.Path] = f
	}
	return m
}

// relint lints every file again with its current text, so that repository
// rules see the same set of files as before.
func (l *Linter) relint(ctx context.Context, states []*fixState, pre []Finding) (*Result, error) {
	files := make([]*File, len(states))
	for i, st := range states {
		f := st.file
		files[i] = &File{Path: f.Path, AbsPath: f.AbsPath, Root: f.Root, RelPath: f.RelPath, Kind: f.Kind, Src: st.cur, Explicit: f.Explicit}
	}
	return l.run(ctx, files, slices.Clone(pre))
}

// fixContext is what a fixer gets: the file, the finding, the rule's
// options, and the file's YAML text parsed once per pass.
type fixContext struct {
	file    *File
	finding *Finding
	opts    any
	// dup is the index of the finding among identical findings (same rule,
	// position and message), such as one per set-output in a script.
	dup  int
	yaml func() *yamlText
}

// fixer computes the fix of one finding, or nil when it has none.
type fixer struct {
	kind FixKind
	fix  func(c *fixContext) *Fix
}

// fixers holds the fix of every rule that has one, keyed by rule ID. Rules
// of actionlint are fixed here too, from the finding's position and the
// file's text, since actionlint's errors carry no fix.
var fixers = map[string]fixer{
	"expression":          {FixSafe, fixDoubleQuotedLiteral},
	"deprecated-commands": {FixSafe, fixDeprecatedCommand},
	"action":              {FixOpinionated, fixActionTooOld},
	// gantry's workflow rules
	"timeout-missing":            {FixOpinionated, fixTimeoutMissing},
	"concurrency-missing":        {FixOpinionated, fixConcurrencyMissing},
	"concurrency-group-unscoped": {FixOpinionated, fixConcurrencyGroupUnscoped},
	// gantry's repository rules
	"action-outdated":     {FixOpinionated, fixActionOutdated},
	"buildx-cache-growth": {FixOpinionated, fixBuildxCacheGrowth},
	"template-injection":  {FixSafe, fixTemplateInjection},
	// gantry's Dockerfile rules
	"volatile-arg-early": {FixOpinionated, fixVolatileArgEarly},
}

// AttachFixes sets Finding.Fix on the findings of res (a result of this
// Linter's LintPaths or LintSource) whose fix runs under opts and passes
// the checks of --fix: the fixed file parses, gains no findings and loses
// this one. The edits apply to the text the files had when linted; fixes
// that become possible only after other fixes are not attached. Reporters
// that offer fixes as suggested changes (JSON, SARIF, rdjson) use them.
func (l *Linter) AttachFixes(ctx context.Context, res *Result, opts FixOptions) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	for _, f := range res.Files {
		if f.model != nil && f.model.Workflow == nil {
			return errors.New("fixes need the workflows' syntax trees: lint without Options.DropTrees")
		}
	}
	defer l.keepTrees()()
	_, states, err := l.fixPasses(ctx, res, opts, 1)
	if err != nil {
		return err
	}
	byFile := map[string][]Finding{}
	for _, st := range states {
		byFile[st.file.Path] = st.onOrig
	}
	attach := func(fs []Finding) {
		for i := range fs {
			for _, fx := range byFile[fs[i].File] {
				if fs[i].Fix == nil && CompareFindings(&fs[i], &fx) == 0 {
					fs[i].Fix = fx.Fix
					break
				}
			}
		}
	}
	for _, f := range res.Files {
		attach(f.Findings)
	}
	attach(res.Findings)
	return nil
}

// collectFixes computes the fixes of a file's findings, in finding order.
// Findings whose fixer crashed are returned as failures.
func collectFixes(f *File, opts FixOptions, failed map[string]bool) (fixes []Finding, failures []FixFailure) {
	if f.Invalid || len(f.Src) == 0 {
		return nil, nil
	}
	var yt *yamlText
	parsed := false
	yamlOnce := func() *yamlText {
		if !parsed {
			parsed = true
			if t, err := newYAMLText(f.Src); err == nil {
				yt = t
			}
		}
		return yt
	}
	seen := map[string]int{}
	for i := range f.Findings {
		fd := f.Findings[i]
		r, ok := LookupRule(fd.RuleID)
		if !ok || !opts.runs(r) || failed[fd.RuleID] {
			continue
		}
		key := fmt.Sprintf("%s\x00%d\x00%d\x00%s", fd.RuleID, fd.Line, fd.Column, fd.Message)
		c := &fixContext{file: f, finding: &fd, opts: ruleOptions(f.cfg, r), dup: seen[key], yaml: yamlOnce}
		seen[key]++
		fx, crash := runFixer(fixers[r.ID], c)
		if crash != "" {
			failures = append(failures, FixFailure{Finding: fd, Reason: crash})
			continue
		}
		if fx == nil || !validEdits(fx.Edits, len(f.Src)) {
			continue
		}
		fx.Safe = r.Fix == FixSafe
		fd.Fix = fx
		fixes = append(fixes, fd)
	}
	return fixes, failures
}

func runFixer(fx fixer, c *fixContext) (fix *Fix, crash string) {
	defer func() {
		if r := recover(); r != nil {
			crash = fmt.Sprintf("internal error while computing the fix: %v; please report it with the file: %s", r, firstFrames(string(debug.Stack())))
		}
	}()
	return fx.fix(c), ""
}

// validEdits reports whether edits are sorted, within the text and do not overlap.
func validEdits(edits []Edit, n int) bool {
	if len(edits) == 0 {
		return false
	}
	last := 0
	for i, e := range edits {
		if e.Start < 0 || e.End < e.Start || e.End > n || (i > 0 && e.Start < last) {
			return false
		}
		last = e.End
	}
	return true
}

// applyFixes applies the fixes of the findings to src. Identical fixes of
// several findings are applied once; a fix that overlaps an applied one is
// left for the next pass. It returns the new text and the findings whose
// fix was applied.
func applyFixes(src []byte, fixes []Finding) ([]byte, []Finding) {
	var edits []Edit
	var applied []Finding
	var accepted [][]Edit
	for _, fd := range fixes {
		es := fd.Fix.Edits
		if slices.ContainsFunc(accepted, func(a []Edit) bool { return slices.Equal(a, es) }) {
			applied = append(applied, fd)
			continue
		}
		if slices.ContainsFunc(es, func(e Edit) bool { return overlapsAny(e, edits) }) {
			continue
		}
		accepted = append(accepted, es)
		edits = append(edits, es...)
		applied = append(applied, fd)
	}
	if len(edits) == 0 {
		return src, nil
	}
	out := applyEdits(src, edits)
	if bytes.Equal(out, src) {
		return src, nil
	}
	return out, applied
}

func overlapsAny(e Edit, edits []Edit) bool {
	for _, o := range edits {
		if e.Start < o.End && o.Start < e.End {
			return true
		}
		if e.Start == e.End && o.Start == o.End && e.Start == o.Start {
			return true // two insertions at one place: their order is unclear
		}
		if (e.Start == e.End && e.Start > o.Start && e.Start < o.End) || (o.Start == o.End && o.Start > e.Start && o.Start < e.End) {
			return true
		}
	}
	return false
}

// applyEdits applies non-overlapping edits.
func applyEdits(src []byte, edits []Edit) []byte {
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b Edit) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End)) })
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.Start])
		b.WriteString(e.New)
		last = e.End
	}
	b.Write(src[last:])
	return b.Bytes()
}

// verifyFix compares a file before and after its fixes. It returns why the
// fix must be rejected, or "".
func verifyFix(before, after *File, fixed []Finding) string {
	if after == nil || before == nil {
		return "the file was not linted again"
	}
	if after.Invalid && !before.Invalid {
		return "the fixed file no longer parses" + firstMessage(after.Findings)
	}
	if isYAMLKind(after.Kind) {
		if _, err := newYAMLText(before.Src); err == nil {
			if _, err := newYAMLText(after.Src); err != nil {
				return "the fixed file no longer parses as yaml: " + strings.TrimPrefix(err.Error(), "yaml: ")
			}
		}
	}
	byRule := func(f *Finding) string { return f.RuleID }
	rb, ra := countFindings(before.Findings, byRule), countFindings(after.Findings, byRule)
	mb, ma := countFindings(before.Findings, byMessage), countFindings(after.Findings, byMessage)
	for i := range after.Findings {
		fd := &after.Findings[i]
		if ra[fd.RuleID] > rb[fd.RuleID] && ma[byMessage(fd)] > mb[byMessage(fd)] {
			return fmt.Sprintf("the fix adds a finding: %d:%d: %s [%s]", fd.Line, fd.Column, fd.Message, fd.RuleID)
		}
	}
	for rule, n := range ra {
		if n > rb[rule] {
			return fmt.Sprintf("the fix adds %s findings (%d before, %d after)", rule, rb[rule], n)
		}
	}
	mf := countFindings(fixed, byMessage)
	for i := range fixed {
		k := byMessage(&fixed[i])
		if ma[k] > mb[k]-mf[k] {
			return fmt.Sprintf("the fix did not remove the finding: %s [%s]", fixed[i].Message, fixed[i].RuleID)
		}
	}
	return ""
}

// byMessage keys a finding by its rule and message, not its position, which
// a fix elsewhere in the file moves.
func byMessage(f *Finding) string { return f.RuleID + "\x00" + f.Message }

// countFindings counts findings by key.
func countFindings(fs []Finding, key func(*Finding) string) map[string]int {
	m := map[string]int{}
	for i := range fs {
		m[key(&fs[i])]++
	}
	return m
}

// othersGain returns why fixing the files in changed adds a finding to
// another file (repository rules such as concurrency-collision look at
// several files), or "".
func othersGain(before, after map[string]*File, changed map[string]bool) string {
	for _, path := range slices.Sorted(maps.Keys(after)) {
		a, b := after[path], before[path]
		if changed[path] || a == nil || b == nil {
			continue
		}
		had := countFindings(b.Findings, byMessage)
		for i := range a.Findings {
			fd := &a.Findings[i]
			if had[byMessage(fd)]--; had[byMessage(fd)] < 0 {
				return fmt.Sprintf("the fix adds a finding to %s: %d:%d: %s [%s]", path, fd.Line, fd.Column, fd.Message, fd.RuleID)
			}
		}
	}
	return ""
}

func firstMessage(fs []Finding) string {
	for _, f := range fs {
		if f.RuleID == "syntax-check" || f.RuleID == invalidFileRule.ID {
			return fmt.Sprintf(": %d:%d: %s", f.Line, f.Column, f.Message)
		}
	}
	return ""
}

func isYAMLKind(k FileKind) bool {
	return k == KindWorkflow || k == KindAction || k == KindDependabot
}

// linkedOutside says why a fix of f is not written when f is, or lies
// under, a symbolic link to a file outside its repository: --fix writes
// through links, and a checkout must not make it rewrite a file elsewhere
// (another project's Dockerfile). "" for every other file.
func linkedOutside(f *File) string {
	if f.AbsPath == "" || f.Root == "" {
		return ""
	}
	target, err := filepath.EvalSymlinks(f.AbsPath)
	if err != nil {
		return ""
	}
	root, err := filepath.EvalSymlinks(linkHolder(f.Root))
	if err != nil {
		return ""
	}
	root = gitTop(root)
	if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Sprintf("the file resolves through a symbolic link to %s, outside the repository", target)
	}
	return ""
}

// linkHolder returns the repository that holds the symbolic link through
// which root, a folder FindRoot chose, was reached, else root. FindRoot
// follows links: under repo/vendored, a link to another project's folder
// with a .git (or .github) of its own, it takes repo/vendored for the
// repository, and the other project's files would count as inside it. A
// link to root from a folder in no repository (~/work/svc, a link to a
// checkout) is how the repository is reached, and is kept.
func linkHolder(root string) string {
	for cur := root; ; {
		if fi, err := os.Lstat(cur); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			if outer, ok := markedRoot(filepath.Dir(cur)); ok {
				root, cur = outer, outer
				continue
			}
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return root
		}
		cur = parent
	}
}

// gitTop returns the git work tree around root, a folder FindRoot chose
// with its symbolic links resolved: the nearest folder up from root that
// holds a .git entry (in a monorepo, root may be a service's folder with a
// .github of its own), else root. Like git, it goes up the resolved path: a
// service folder reached through a link is in the work tree it lies in,
// not in one around the link.
func gitTop(root string) string {
	top, ok := ancestorWith(root, func(d string) bool {
		_, err := os.Lstat(filepath.Join(d, ".git"))
		return err == nil
	})
	if !ok {
		return root
	}
	return top
}

// writeFileKeepMode replaces the content of a file atomically, keeping its
// permissions and writing through symbolic links (within the repository:
// see linkedOutside).
func writeFileKeepMode(path string, data []byte) error {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".gantry-fix-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
