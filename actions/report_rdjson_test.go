package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-ci/gantry/lint"
)

func TestRDJSON(t *testing.T) {
	var out bytes.Buffer
	if err := (&RDJSONReporter{W: &out, Getenv: envMap(nil)}).Report(context.Background(), sarifTestReport()); err != nil {
		t.Fatal(err)
	}
	var doc rdResult
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Source.Name != "gantry" || len(doc.Diagnostics) != 4 {
		t.Fatalf("%s", out.String())
	}
	whole, unknown, unused, expr := doc.Diagnostics[0], doc.Diagnostics[1], doc.Diagnostics[2], doc.Diagnostics[3]
	if whole.Location.Range != nil || whole.Severity != "ERROR" || whole.Location.Path != "Dockerfile" {
		t.Errorf("whole-file diagnostic %+v", whole)
	}
	if unknown.Severity != "WARNING" || unknown.Code.Value != "UnknownBuildKitCheck" || unknown.Code.URL == "" {
		t.Errorf("warning %+v", unknown)
	}
	// columns stay UTF-8 bytes; the end is exclusive
	if r := expr.Location.Range; r.Start != (rdPosition{Line: 7, Column: 30}) || *r.End != (rdPosition{Line: 7, Column: 35}) {
		t.Errorf("expression range %+v %+v", r.Start, *r.End)
	}
	// the fix deletes bytes 9..18 (the whole of line 2, "on: push\n") and inserts at 19
	want := []rdSuggestion{
		{Range: rdRange{Start: rdPosition{Line: 2, Column: 1}, End: &rdPosition{Line: 3, Column: 1}}, Text: ""},
		{Range: rdRange{Start: rdPosition{Line: 3, Column: 2}, End: &rdPosition{Line: 3, Column: 2}}, Text: "# x\n"},
	}
	if unused.Severity != "INFO" || len(unused.Suggestions) != 2 || unused.Suggestions[0].Range.Start != want[0].Range.Start ||
		*unused.Suggestions[0].Range.End != *want[0].Range.End || *unused.Suggestions[1].Range.End != *want[1].Range.End ||
		unused.Suggestions[1].Text != want[1].Text || len(unused.RelatedLocations) != 1 {
		t.Errorf("unused-ignore %+v", unused)
	}
	if (&RDJSONReporter{W: &bytes.Buffer{}}).Report(context.Background(), &lint.Report{}) != nil {
		t.Error("empty report failed")
	}
}

// TestRDJSONPathsFromTheWorkingDirectory runs in a subfolder of a
// repository, as gantry lint | reviewdog does with the action's
// working-directory: reviewdog joins a relative path to the folder's place
// in the repository, so the paths are relative to the working directory.
func TestRDJSONPathsFromTheWorkingDirectory(t *testing.T) {
	repo := t.TempDir()
	for _, dir := range []string{".git", "sub", "other"} {
		os.Mkdir(filepath.Join(repo, dir), 0o755)
	}
	t.Chdir(filepath.Join(repo, "sub"))
	outside := filepath.Join(repo, "other", "ci.yml")
	r := &lint.Report{
		Files: []*lint.File{
			{Path: "Dockerfile", AbsPath: filepath.Join(repo, "sub", "Dockerfile"), RelPath: "Dockerfile"},
			{Path: filepath.ToSlash(outside), AbsPath: outside, RelPath: "other/ci.yml"},
		},
		Findings: []lint.Finding{
			{RuleID: "r", Severity: lint.SeverityError, File: "Dockerfile", Line: 1, Message: "m",
				Related: []lint.Location{{File: filepath.ToSlash(outside), Line: 2, Message: "there"}}},
			{RuleID: "r", Severity: lint.SeverityError, File: filepath.ToSlash(outside), Line: 3, Message: "m"},
		},
	}
	var out bytes.Buffer
	if err := (&RDJSONReporter{W: &out, Getenv: envMap(map[string]string{"GITHUB_WORKSPACE": repo})}).Report(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	var doc rdResult
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got := []string{doc.Diagnostics[0].Location.Path, doc.Diagnostics[0].RelatedLocations[0].Location.Path, doc.Diagnostics[1].Location.Path}
	if want := []string{"Dockerfile", "../other/ci.yml", "../other/ci.yml"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("paths %q, want %q", got, want)
	}
}
