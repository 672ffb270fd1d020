package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/outfile"
	"github.com/gantry-ci/gantry/lint"
	"github.com/gantry-ci/gantry/push"
	"github.com/gantry-ci/gantry/stagegraph"
)

// TestExitFor: each typed error, wrapped or not, gets its kind's exit code;
// an error of no kind gets the caller's; a config error stays as it is.
func TestExitFor(t *testing.T) {
	plain := errors.New("plain")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"unreachable", &buildcache.UnreachableError{Err: plain}, exitUnreachable},
		{"build failed", fmt.Errorf("wrapped: %w", &buildcache.BuildError{Kind: buildcache.KindBuild, Err: plain}), exitBuildFailed},
		{"build usage", &buildcache.BuildError{Kind: buildcache.KindUsage, Err: plain}, exitUsage},
		{"push denied", &push.Error{Kind: push.KindDenied, Err: plain}, exitFindings},
		{"push registry", &push.Error{Kind: push.KindRegistry, Err: plain}, exitPushFailed},
		{"plan dockerfile", &stagegraph.PlanError{Kind: stagegraph.KindPlanDockerfile, Err: plain}, exitFindings},
		{"output file", &outfile.CreateError{Path: "x", Err: plain}, exitUsage},
		{"format", &actions.FormatError{Format: "github", Err: plain}, exitUsage},
		{"action input", &actions.InputError{Err: plain}, exitUsage},
		{"stdin", &lint.StdinError{Err: plain}, exitInternal},
		{"fix write", fmt.Errorf("wrapped: %w", &lint.FixWriteError{Path: "a.yml", Err: plain}), exitInternal},
		{"no kind", plain, exitCacheWarning},
	}
	for _, tt := range tests {
		var ee *exitError
		if err := exitFor(tt.err, exitCacheWarning); !errors.As(err, &ee) || ee.code != tt.want || ee.err != tt.err {
			t.Errorf("%s: %v, want exit %d with the error", tt.name, err, tt.want)
		}
	}
	ce := &config.Error{}
	if err := exitFor(ce, exitInternal); err != ce {
		t.Errorf("config error: %v, want it unchanged", err)
	}
	if err := exitFor(nil, exitInternal); err != nil {
		t.Errorf("nil: %v", err)
	}
	if exitCodes[lint.VerdictFindings] != exitFindings || exitCodes[lint.VerdictInternalError] != exitInternal || exitCodes[lint.VerdictPass] != exitOK {
		t.Error("lint's verdicts map to 1, 3 and 0")
	}
}

// TestInterrupted: a run whose context a signal cancelled exits 130, not
// 2 as if the cancellation were a usage mistake.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"lint", "--no-shellcheck", filepath.Join("..", "..", "testdata", "example-repo")}, strings.NewReader(""), &out, &errb)
	if code != exitInterrupted || !strings.Contains(errb.String(), "gantry: interrupted") {
		t.Errorf("exit %d\n%s", code, errb.String())
	}
}
