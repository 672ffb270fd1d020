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

// TestQuotesText checks QuotesText's answer for every format, and that the
// report of a format that quotes no text comes out the same when the run
// let the text go (lint.Options.DropText), while the text report's does not.
func TestQuotesText(t *testing.T) {
	want := map[string]bool{"text": true, "sarif": true, "rdjson": true, "json": false, "github": false, "checks": false, "review": false}
	for _, f := range FormatNames() {
		w, ok := want[f]
		if !ok {
			t.Errorf("format %s: add it to this test, and to QuotesText if its report quotes no text", f)
			continue
		}
		if got := QuotesText(f); got != w {
			t.Errorf("QuotesText(%q) = %v, want %v", f, got, w)
		}
	}
	for _, v := range []string{"GITHUB_ACTIONS", "GITHUB_TOKEN", "GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_REPOSITORY"} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	wf := filepath.Join(dir, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
	if err := os.WriteFile(filepath.Join(wf, "ci.yml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	report := func(format string, dropText bool) string {
		l, err := lint.New(lint.Options{WorkDir: dir, DropTrees: true, DropText: dropText})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.LintPaths(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) == 0 {
			t.Fatal("no findings, so the comparison checks nothing")
		}
		var out bytes.Buffer
		if err := WriteReport(context.Background(), ReportOptions{Format: format, Color: "never"}, res, &out, &out, false); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, f := range []string{"json", "github"} {
		if kept, dropped := report(f, false), report(f, true); kept != dropped {
			t.Errorf("%s: the report changes without the text:\n--- with\n%s\n--- without\n%s", f, kept, dropped)
		}
	}
	if report("text", false) == report("text", true) {
		t.Error("the text report is the same without the text: it quotes none, or the run kept the text")
	}
}
