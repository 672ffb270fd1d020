package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gantry-ci/gantry/lint"
)

// sarifSchema compiles the official SARIF 2.1.0 schema (testdata/sarif,
// see SOURCE.md there) with format assertions on.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	const id = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, out []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return s.Validate(inst)
}

// sarifTestReport has a source file with a multi-byte line, a related
// location, a fix, a whole-file finding and a rule gantry does not list.
func sarifTestReport() *lint.Report {
	src := []byte("name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"é😀\" ${{ env.X }}\n")
	wf := ".github/workflows/my ci.yml"
	return &lint.Report{
		Files: []*lint.File{{Path: wf, RelPath: wf, Src: src}, {Path: "Dockerfile", RelPath: "Dockerfile"}},
		Findings: []lint.Finding{
			{RuleID: "invalid-file", Severity: lint.SeverityError, File: "Dockerfile", Message: "binary file"},
			{RuleID: "UnknownBuildKitCheck", Severity: lint.SeverityWarning, File: "Dockerfile", Line: 2, Column: 1, Message: "new check", DocsURL: "https://docs.docker.com/reference/build-checks/unknown/"},
			{RuleID: "unused-ignore", Severity: lint.SeverityInfo, File: wf, Line: 4, Column: 3, EndLine: 4, EndColumn: 8, Message: "unused",
				Related: []lint.Location{{File: wf, Line: 1, Column: 1, Message: "the workflow"}},
				Fix:     &lint.Fix{Description: "remove the comment", Safe: true, Edits: []lint.Edit{{Start: 9, End: 18, New: ""}, {Start: 19, End: 19, New: "# x\n"}}}},
			{RuleID: "expression", Severity: lint.SeverityError, File: wf, Line: 7, Column: 30, EndLine: 7, EndColumn: 34, Message: "context \"env\" is not allowed here"},
		},
	}
}

func TestSARIFValidatesAgainstTheSchema(t *testing.T) {
	schema := sarifSchema(t)
	var out bytes.Buffer
	if err := (&SARIFReporter{W: &out, Getenv: envMap(nil)}).Report(context.Background(), sarifTestReport()); err != nil {
		t.Fatal(err)
	}
	if err := validateSARIF(t, schema, out.Bytes()); err != nil {
		t.Fatalf("gantry's SARIF does not validate: %v\n%s", err, out.String())
	}
	var empty bytes.Buffer
	if err := (&SARIFReporter{W: &empty, Getenv: envMap(nil)}).Report(context.Background(), &lint.Report{}); err != nil {
		t.Fatal(err)
	}
	if err := validateSARIF(t, schema, empty.Bytes()); err != nil || !strings.Contains(empty.String(), `"results": []`) {
		t.Errorf("a run without findings must validate and say results: []: %v\n%s", err, empty.String())
	}
	// the schema is really in effect: a wrong level does not validate
	bad := strings.Replace(out.String(), `"level": "error"`, `"level": "fatal"`, 1)
	if err := validateSARIF(t, schema, []byte(bad)); err == nil {
		t.Error("a result with level fatal validated")
	}
}

func TestSARIFContent(t *testing.T) {
	var out bytes.Buffer
	if err := (&SARIFReporter{W: &out, Getenv: envMap(nil)}).Report(context.Background(), sarifTestReport()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	rules := run.Tool.Driver.Rules
	all := lint.Rules()
	if len(rules) != len(all)+1 {
		t.Fatalf("%d rules in the driver, want every rule (%d) and the unknown one", len(rules), len(all))
	}
	for i, r := range all {
		got := rules[i]
		if got.ID != r.ID || got.ShortDescription.Text != r.Summary || got.HelpURI != r.DocsURL() ||
			got.FullDescription.Text == "" || got.DefaultConfiguration.Level != sarifLevel(r.Severity) {
			t.Errorf("rule %s: %+v", r.ID, got)
		}
	}
	for _, res := range run.Results {
		if rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s has ruleIndex %d (%s)", res.RuleID, res.RuleIndex, rules[res.RuleIndex].ID)
		}
		if len(res.PartialFingerprints[SARIFFingerprintKey]) != 32 {
			t.Errorf("result %s: fingerprints %v", res.RuleID, res.PartialFingerprints)
		}
	}
	byRule := map[string]sarifResult{}
	for _, res := range run.Results {
		byRule[res.RuleID] = res
	}
	if unknown := rules[byRule["UnknownBuildKitCheck"].RuleIndex]; unknown.HelpURI != "https://docs.docker.com/reference/build-checks/unknown/" {
		t.Errorf("unknown rule %+v", unknown)
	}
	whole := byRule["invalid-file"].Locations[0].PhysicalLocation
	if whole.Region != nil || whole.ArtifactLocation.URI != "Dockerfile" || whole.ArtifactLocation.URIBaseID != "%SRCROOT%" {
		t.Errorf("whole-file finding: %+v", whole)
	}
	expr := byRule["expression"]
	loc := expr.Locations[0].PhysicalLocation
	// line 7 is `      - run: echo "é😀" ${{ env.X }}`: byte column 30 is the second "{",
	// after é (2 bytes, 1 UTF-16 unit) and 😀 (4 bytes, 2 units)
	if loc.ArtifactLocation.URI != ".github/workflows/my%20ci.yml" || *loc.Region != (sarifRegion{StartLine: 7, StartColumn: 27, EndColumn: 32}) {
		t.Errorf("expression location %+v %+v", loc.ArtifactLocation, *loc.Region)
	}
	if expr.Level != "error" || expr.Message.Text != `context "env" is not allowed here` {
		t.Errorf("expression result %+v", expr)
	}
	unused := byRule["unused-ignore"]
	if unused.Level != "note" || len(unused.RelatedLocations) != 1 || *unused.RelatedLocations[0].ID != 1 ||
		len(unused.Fixes) != 1 || len(unused.Fixes[0].ArtifactChanges[0].Replacements) != 2 ||
		unused.Fixes[0].ArtifactChanges[0].Replacements[1].DeletedRegion != (sarifDeletedRegion{ByteOffset: 19, ByteLength: 0}) {
		t.Errorf("unused-ignore result %+v", unused)
	}
}

func TestSARIFFingerprintsAreStable(t *testing.T) {
	fingerprints := func(src string, lines ...int) []string {
		r := &lint.Report{Files: []*lint.File{{Path: "w.yml", RelPath: "w.yml", Src: []byte(src)}}}
		for _, l := range lines {
			r.Findings = append(r.Findings, lint.Finding{RuleID: "timeout-missing", Severity: lint.SeverityWarning, File: "w.yml", Line: l, Column: 3, Message: "no timeout"})
		}
		var out bytes.Buffer
		if err := (&SARIFReporter{W: &out, Getenv: envMap(nil)}).Report(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		var log sarifLog
		json.Unmarshal(out.Bytes(), &log)
		var fps []string
		for _, res := range log.Runs[0].Results {
			fps = append(fps, res.PartialFingerprints[SARIFFingerprintKey])
		}
		return fps
	}
	before := fingerprints("jobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: x\n", 2, 4)
	after := fingerprints("# a comment\n\njobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: x\n", 4, 6)
	if before[0] != after[0] || before[1] != after[1] {
		t.Errorf("fingerprints changed when lines moved: %v -> %v", before, after)
	}
	if before[0] == before[1] {
		t.Error("different jobs got the same fingerprint")
	}
	same := fingerprints("  a:\n  a:\n", 1, 2)
	if same[0] == same[1] {
		t.Error("two findings on identical lines got the same fingerprint")
	}
}
