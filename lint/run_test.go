package lint

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gantry-ci/gantry/config"
)

func TestRun(t *testing.T) {
	ins, _ := filepath.Glob(filepath.Join(fixGoldenDir, "*.in.yml"))
	if len(ins) == 0 {
		t.Fatal("no fix goldens")
	}
	src, err := os.ReadFile(ins[0])
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stdin := func(fix *FixOptions) Request {
		return Request{Args: []string{"-"}, Stdin: bytes.NewReader(src), StdinFilename: "ci.yml", Fix: fix}
	}

	o, err := l.Run(ctx, stdin(nil))
	if err != nil || o.Fixes != nil || o.StdoutTaken || len(o.Output) != 0 || len(o.Result.Findings) == 0 {
		t.Fatalf("lint: %+v, %v", o, err)
	}
	fixed, err := l.Run(ctx, stdin(&FixOptions{Mode: FixModeAll}))
	if err != nil || fixed.Fixes == nil || !fixed.StdoutTaken || bytes.Equal(fixed.Output, src) {
		t.Fatalf("fix: %+v, %v", fixed, err)
	}
	dry, err := l.Run(ctx, stdin(&FixOptions{Mode: FixModeAll, DryRun: true}))
	if err != nil || !dry.StdoutTaken || !strings.HasPrefix(string(dry.Output), "--- a/ci.yml") {
		t.Fatalf("dry run: %q, %v", dry.Output, err)
	}
	var summary strings.Builder
	dry.WriteSummary(&summary)
	if !strings.Contains(summary.String(), "would fix") {
		t.Errorf("dry run summary: %q", summary.String())
	}

	req := stdin(nil)
	req.Stdin = iotest.ErrReader(errors.New("broken pipe"))
	var se *StdinError
	if _, err := l.Run(ctx, req); !errors.As(err, &se) {
		t.Errorf("unreadable stdin: %v, want a *StdinError", err)
	}
}

func TestResultVerdict(t *testing.T) {
	warning := []Finding{{Severity: SeverityWarning}}
	tests := []struct {
		name   string
		res    Result
		failOn Severity
		want   Verdict
	}{
		{"no findings", Result{}, SeverityError, VerdictPass},
		{"below fail-on", Result{Findings: warning}, SeverityError, VerdictPass},
		{"at fail-on", Result{Findings: warning}, SeverityWarning, VerdictFindings},
		{"fail-on none", Result{Findings: warning}, 0, VerdictPass},
		{"internal error outweighs", Result{Findings: warning, InternalErrors: 1}, SeverityWarning, VerdictInternalError},
		{"internal error with fail-on none", Result{InternalErrors: 1}, 0, VerdictInternalError},
	}
	for _, tt := range tests {
		if got := tt.res.Verdict(tt.failOn); got != tt.want {
			t.Errorf("%s: Verdict = %d, want %d", tt.name, got, tt.want)
		}
	}
}
