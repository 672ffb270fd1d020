package lint

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/config"
)

// TestGantryRulesOnActionlintOK runs gantry's own workflow rules over
// actionlint's ok/ corpus, whose workflows are valid but minimal. After a
// review of every hit, only two rules are expected to fire there, and only
// where the workflow really lacks what they ask for:
//
//   - timeout-missing: on every job without timeout-minutes that is not a
//     reusable workflow call (none of the corpus sets timeouts);
//   - concurrency-missing: once per workflow triggered by push, pull_request
//     or pull_request_target (not by tags only) with no concurrency anywhere.
//
// Every other gantry rule must report nothing on it.
func TestGantryRulesOnActionlintOK(t *testing.T) {
	dir := corpusDir(t, "actionlint", "ok")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && isYAML(e.Name()) {
			files = append(files, e.Name())
		}
	}
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}, RuleFilter: func(r *Rule) bool {
		return r.Source == SourceGantry && r.NewWorkflowRule != nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ file, rule string }
	have := map[key][]int{}
	for _, f := range res.Findings {
		switch f.RuleID {
		case timeoutMissingRule.ID, concurrencyMissingRule.ID:
			have[key{f.File, f.RuleID}] = append(have[key{f.File, f.RuleID}], f.Line)
		default:
			t.Errorf("unexpected finding on a valid workflow: %s", f.String())
		}
	}
	total := 0
	for _, f := range res.Files {
		if f.Workflow == nil {
			t.Errorf("%s did not parse", f.Path)
			continue
		}
		var want []int
		for _, j := range f.Workflow.Jobs {
			if j.WorkflowCall == nil && j.TimeoutMinutes == nil {
				want = append(want, j.ID.Pos.Line)
			}
		}
		slices.Sort(want)
		got := have[key{f.Path, timeoutMissingRule.ID}]
		if !slices.Equal(got, want) {
			t.Errorf("%s: timeout-missing on lines %v, want %v", f.Path, got, want)
		}
		total += len(got)
		wantConc := 0
		if needsConcurrency(f.Workflow) {
			wantConc = 1
		}
		if n := len(have[key{f.Path, concurrencyMissingRule.ID}]); n != wantConc {
			t.Errorf("%s: %d concurrency-missing findings, want %d", f.Path, n, wantConc)
		}
	}
	if total == 0 {
		t.Error("timeout-missing found nothing on the corpus")
	}
}

// needsConcurrency is an independent statement of concurrency-missing.
func needsConcurrency(w *actionlint.Workflow) bool {
	if w.Concurrency != nil {
		return false
	}
	for _, j := range w.Jobs {
		if j.Concurrency != nil {
			return false
		}
	}
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok {
			continue
		}
		switch we.Hook.Value {
		case "pull_request", "pull_request_target":
			return true
		case "push":
			if we.Branches != nil || we.BranchesIgnore != nil || (we.Tags == nil && we.TagsIgnore == nil) {
				return true
			}
		}
	}
	return false
}

// TestActionMetadataOnRealActions checks that action-metadata and
// hardcoded-credential report nothing on the valid action.yml files of the
// shared corpus (actionlint's action_metadata fixtures other than the
// deliberately broken ones, and zizmor's action fixtures other than its
// invalid ones), except the findings reviewed as correct below.
func TestActionMetadataOnRealActions(t *testing.T) {
	root := corpusDir(t)
	reviewed := map[string]string{
		// composite run steps without shell: GitHub refuses them
		"actionlint/action_metadata/composite/action.yaml": `run step 1 of a composite action needs "shell"`,
		// case-insensitive duplicates: actionlint's own negative fixtures
		"actionlint/action_metadata/input-duplicate/action.yml":  `input "FOO" is defined twice`,
		"actionlint/action_metadata/output-duplicate/action.yml": `output "FOO" is defined twice`,
		// a workflow key copied into an action: GitHub ignores it
		"zizmor/unpinned-uses/action.yml": `unknown key "concurrency" in action metadata`,
	}
	var files []string
	for _, dir := range []string{"actionlint/action_metadata", "zizmor"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() && (strings.HasSuffix(rel, "/broken") || strings.HasSuffix(rel, "zizmor/invalid")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && (d.Name() == "action.yml" || d.Name() == "action.yaml") {
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 20 {
		t.Fatalf("found only %d action files", len(files))
	}
	l, err := New(Options{WorkDir: root, ProjectRoot: root, Config: &config.Config{}, RuleFilter: func(r *Rule) bool {
		return r.ID == actionMetadataRule.ID || r.ID == hardcodedCredentialRule.ID
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		if want, ok := reviewed[f.File]; ok && strings.Contains(f.Message, want) {
			seen[f.File] = true
			continue
		}
		t.Errorf("unexpected finding on a valid action: %s", f.String())
	}
	for file := range reviewed {
		if !seen[file] {
			t.Errorf("%s: the reviewed finding is gone; update the test", file)
		}
	}
}

// TestExampleRepo keeps the README's demo (testdata/example-repo) showing
// every gantry workflow and action rule, and the actionlint finding the
// README quotes.
func TestExampleRepo(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "example-repo"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	quoted := false
	for _, f := range res.Findings {
		count[f.RuleID]++
		if f.File == ".github/workflows/deploy.yml" && f.Line == 21 && f.Column == 22 && f.RuleID == "expression" {
			quoted = true
		}
	}
	for _, r := range gantryRules {
		if (r.NewWorkflowRule != nil || r.CheckAction != nil) && !r.DefaultOff && (count[r.ID] == 0 || count[r.ID] > 2) {
			t.Errorf("the example repo shows %s %d times, want once or twice", r.ID, count[r.ID])
		}
	}
	if !quoted {
		t.Error(`the finding the README quotes (deploy.yml:21:22 context "env" is not allowed here) is gone`)
	}
}

// BenchmarkGantryWorkflowRules measures gantry's own workflow rules alone on
// the 1,503 real-world workflows (parsed once, outside the timing), in
// total and rule by rule: go test ./lint -run '^$' -bench GantryWorkflowRules
func BenchmarkGantryWorkflowRules(b *testing.B) {
	type parsed struct {
		src []byte
		w   *actionlint.Workflow
	}
	var wfs []parsed
	for _, src := range readDataset(b) {
		if w, _ := actionlint.Parse(src); w != nil {
			wfs = append(wfs, parsed{src, w})
		}
	}
	run := func(b *testing.B, only string) {
		for b.Loop() {
			for _, p := range wfs {
				ws := newWorkflowSource(p.src)
				v := actionlint.NewVisitor()
				for _, r := range gantryRules {
					if r.NewWorkflowRule != nil && (only == "" || r.ID == only) {
						rule := r.NewWorkflowRule(nil)
						rule.(sourceUser).useSource(ws)
						v.AddPass(rule)
					}
				}
				if err := v.Visit(p.w); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("all", func(b *testing.B) { run(b, "") })
	for _, r := range gantryRules {
		if r.NewWorkflowRule != nil {
			b.Run(r.ID, func(b *testing.B) { run(b, r.ID) })
		}
	}
}

// readDataset returns the workflows of actionlint's realworld dataset.zip.
func readDataset(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, e := range realworldDataset(tb) {
		out = append(out, e.Src)
	}
	return out
}
