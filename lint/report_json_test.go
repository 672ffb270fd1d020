package lint

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

// BenchmarkJSONFindings renders 11,000 findings (the count on the 1,503
// real-world workflows) as the JSON reporter does, against the baseline of
// one json.Marshal per finding on one goroutine, in the same run.
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
	b.Run("chunks", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			chunks, _ := encodeFindingLines(fs)
			bw := bufio.NewWriterSize(io.Discard, 64<<10)
			for _, c := range chunks {
				bw.Write(c)
			}
			bw.Flush()
		}
	})
}

// TestEncodeFindingLines checks the chunks against one json.Marshal per
// finding, across chunk boundaries.
func TestEncodeFindingLines(t *testing.T) {
	for _, n := range []int{0, 1, findingsPerChunk - 1, findingsPerChunk, findingsPerChunk + 1, 2*findingsPerChunk + 7} {
		fs := make([]Finding, n)
		for i := range fs {
			fs[i] = Finding{RuleID: "r", File: fmt.Sprint("f", i), Line: i, Message: "<a> & \"b\""}
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
		chunks, err := encodeFindingLines(fs)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, c := range chunks {
			got = append(got, c...)
		}
		if string(got) != string(want) {
			t.Errorf("%d findings: chunks differ from json.Marshal", n)
		}
	}
}
