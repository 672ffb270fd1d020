package lint

import (
	"context"
	"path/filepath"
	"testing"
)

// TestNoiseOnlyRepository lints a repository whose only findings are of the
// kinds reviewers judged noise on real repositories (issue 12): cancelling
// superseded CI runs on the default branch, a short bot job without a
// timeout, a published AWS access key ID, a pull request image that is
// never pushed, a formatting commit pushed with GITHUB_TOKEN. None of them
// may be a warning or an error, so default gantry lint exits 0.
func TestNoiseOnlyRepository(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "repos-noise", "only-noise"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range res.Findings {
		kinds[f.RuleID] = true
		if f.Severity >= SeverityWarning {
			t.Errorf("a noise finding is a %s: %s", f.Severity, f.String())
		}
	}
	// the fixture must keep showing what it stands for, at info
	for _, id := range []string{"timeout-missing", "hardcoded-credential", "token-no-trigger"} {
		if !kinds[id] {
			t.Errorf("no %s finding at info: the fixture no longer exercises it", id)
		}
	}
}
