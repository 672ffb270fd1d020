package lint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

// BenchmarkJSONFindings renders 11,000 findings (the count on the 1,503
// real-world workflows) as the JSON reporter does, against the baseline of
// one json.Marshal per finding, in the same run.
func BenchmarkJSONFindings(b *testing.B) {
	fs := make([]Finding, 11000)
	for i := range fs {
		fs[i] = Finding{RuleID: "timeout-missing", Severity: SeverityInfo, File: fmt.Sprintf("owner_repo_.github_workflows_ci-%d.yml", i),
			Line: 10 + i%300, Column: 3, DocsURL: "https://github.com/gantry-ci/gantry/blob/main/docs/rules/timeout-missing.md",
			Message: fmt.Sprintf("job %q has no timeout-minutes, so a hung step keeps the runner busy and billed for the default 360 minutes", fmt.Sprint("build-", i))}
	}
	b.Run("baseline-marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bw := bufio.NewWriterSize(io.Discard, 64<<10)
			for k := range fs {
				out, _ := json.Marshal(&fs[k])
				bw.Write(out)
			}
			bw.Flush()
		}
	})
	b.Run("writer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bw := bufio.NewWriterSize(io.Discard, 64<<10)
			writeFindingLines(bw, fs)
			bw.Flush()
		}
	})
}

// jsonTestFindings are findings with every field set or left empty, and
// strings that JSON escapes.
var jsonTestFindings = []Finding{
	{RuleID: "r", File: "f", Line: 1, Message: "<a> & \"b\""},
	{RuleID: "timeout-missing", Severity: SeverityWarning, File: "a/b.yml", Line: 3, Column: 9, EndLine: 4, EndColumn: 2,
		Message: "plain message", DocsURL: "https://example.com/docs?a=1&b=2"},
	{RuleID: "x", Severity: SeverityError, File: "tab\there", Column: 7, EndColumn: 8, Message: "line\nbreak\r\x00\x1f\x7f back\\slash"},
	{RuleID: "u", Severity: SeverityInfo, File: "caf\u00e9.yml", Message: "bad \xff utf-8, \u2028 and \u2029, emoji \U0001F600"},
	{RuleID: "rel", File: "f", EndLine: 9, Message: "m", Related: []Location{{File: "g<h>", Line: 2, Message: "here"}, {File: "i"}}},
	{RuleID: "fix", File: "f", Line: 5, Message: "m", Fix: &Fix{Description: "insert timeout-minutes: 30", Safe: true,
		Edits: []Edit{{Start: 1, End: 2, New: "  timeout-minutes: 30\n"}}}},
	{RuleID: "empty", Related: []Location{}, Fix: &Fix{}},
	{},
}

// TestWriteFindingLines checks the report's lines against one json.Marshal
// per finding, through writer buffers larger and smaller than a finding.
func TestWriteFindingLines(t *testing.T) {
	for _, n := range []int{0, 1, 2, 100} {
		fs := make([]Finding, n)
		for i := range fs {
			fs[i] = jsonTestFindings[i%len(jsonTestFindings)]
			fs[i].File = fmt.Sprint(fs[i].File, i)
		}
		var want []byte
		for k := range fs {
			if k > 0 {
				want = append(want, ',')
			}
			want = append(want, "\n  "...)
			out, err := json.Marshal(&fs[k])
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, out...)
		}
		for _, size := range []int{16, 64 << 10} {
			var got bytes.Buffer
			bw := bufio.NewWriterSize(&got, size)
			if err := writeFindingLines(bw, fs); err != nil {
				t.Fatal(err)
			}
			bw.Flush()
			if got.String() != string(want) {
				t.Errorf("%d findings, buffer of %d: lines differ from json.Marshal", n, size)
			}
		}
	}
}

// TestAppendJSONString compares the quoting with json.Marshal's on every
// byte and on random strings of escapes, HTML characters and bytes that
// are not ASCII.
func TestAppendJSONString(t *testing.T) {
	var ins []string
	for c := range 256 {
		ins = append(ins, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"b")
	}
	parts := []string{"a", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\x01", "\x7f", "é", "\xff", "\u2028", "job \"x\""}
	ins = append(ins, randomTexts(5, 5000, 8, parts)...)
	for _, in := range ins {
		want, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), in); string(got) != "x"+string(want) {
			t.Fatalf("appendJSONString(%q) = %s, want x%s", in, got, want)
		}
	}
}
