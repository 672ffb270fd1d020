package lint

import (
	"bytes"
	"context"
	"testing"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/testenv"
)

// TestDropTreesRealworld lints the real-world workflows, regrouped into
// their repositories, with each repository rule alone, once keeping every
// workflow's syntax tree and once dropping the trees of scanned workflows
// (Options.DropTrees): the findings must be the same, so no rule reads a
// tree that is gone.
func TestDropTreesRealworld(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "slow: lints 1,503 workflows for each repository rule (-short)")
	}
	dir := t.TempDir()
	repos := unzipRealworld(t, dir)
	for _, r := range Rules() {
		if r.CheckRepository == nil {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			only := func(x *Rule) bool { return x == r || x == internalErrorRule }
			opts := Options{WorkDir: dir, Config: &config.Config{}, RuleFilter: only}
			kept := lintJSON(t, opts, repos)
			opts.DropTrees = true
			dropped := lintJSON(t, opts, repos)
			if !bytes.Equal(kept, dropped) {
				t.Errorf("findings differ with DropTrees: %s", firstDifference(kept, dropped))
			}
			if bytes.Contains(dropped, []byte(`"rule":"`+internalErrorRule.ID+`"`)) {
				t.Errorf("internal error with DropTrees")
			}
		})
	}
}

// TestDropTreesKeepsFew checks that a run with every rule on drops the
// syntax trees of nearly all the real-world workflows: those the rules need
// whole are a few percent (concurrency groups, workflow_run downloads).
func TestDropTreesKeepsFew(t *testing.T) {
	if testing.Short() {
		testenv.SkipOrFail(t, "slow: lints 1,503 workflows (-short)")
	}
	dir := t.TempDir()
	repos := unzipRealworld(t, dir)
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}, DropTrees: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), repos)
	if err != nil {
		t.Fatal(err)
	}
	workflows, kept := 0, 0
	for _, f := range res.Files {
		if f.Kind != KindWorkflow {
			continue
		}
		workflows++
		if f.Workflow != nil {
			kept++
		}
	}
	t.Logf("%d of %d syntax trees kept", kept, workflows)
	if workflows < 1500 || kept > workflows/10 {
		t.Errorf("%d of %d syntax trees kept, want at most a tenth", kept, workflows)
	}
}
