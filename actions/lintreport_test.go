package actions

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/internal/outfile"
	"github.com/gantry-ci/gantry/lint"
)

func TestReportOptionsCheck(t *testing.T) {
	flags := lint.Flags{FailOn: "warning", MaxFileSize: 1}
	o := ReportOptions{Format: "sarif", Color: "never"}
	if err := o.Check(flags, nil); err != nil || o.FailOn != lint.SeverityWarning {
		t.Errorf("valid flags: %v, FailOn %v", err, o.FailOn)
	}
	for _, bad := range []ReportOptions{{Format: "xml", Color: "auto"}, {Color: "sometimes"}} {
		if err := bad.Check(flags, nil); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestWriteReport(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	res := &lint.Result{Findings: []lint.Finding{{RuleID: "timeout-missing", File: "ci.yml", Line: 1, Column: 1, Severity: lint.SeverityWarning, Message: "no timeout"}}}
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if err := WriteReport(ctx, ReportOptions{Format: "json"}, res, &stdout, &stderr, false); err != nil || !strings.Contains(stdout.String(), "timeout-missing") || stderr.Len() != 0 {
		t.Errorf("to stdout: %v\nstdout %q\nstderr %q", err, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if err := WriteReport(ctx, ReportOptions{}, res, &stdout, &stderr, true); err != nil || stdout.Len() != 0 || !strings.Contains(stderr.String(), "no timeout") {
		t.Errorf("stdout taken: %v\nstdout %q\nstderr %q", err, stdout.String(), stderr.String())
	}
	path := filepath.Join(t.TempDir(), "report.json")
	stderr.Reset()
	if err := WriteReport(ctx, ReportOptions{Format: "json", Output: path}, res, &stdout, &stderr, true); err != nil || stdout.Len()+stderr.Len() != 0 {
		t.Errorf("to a file: %v", err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "timeout-missing") {
		t.Errorf("file holds %q", b)
	}
	var ce *outfile.CreateError
	if err := WriteReport(ctx, ReportOptions{Output: filepath.Join(path, "x")}, res, &stdout, &stderr, false); !errors.As(err, &ce) {
		t.Errorf("unwritable output: %v, want an *outfile.CreateError", err)
	}
	var fe *FormatError
	if err := WriteReport(ctx, ReportOptions{Format: "nope"}, res, &stdout, &stderr, false); !errors.As(err, &fe) || fe.Format != "nope" {
		t.Errorf("unknown format: %v, want a *FormatError", err)
	}
}
