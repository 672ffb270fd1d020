package lint

import (
	"bytes"
	"fmt"
	"io"

	"github.com/gantry-ci/gantry/internal/text"
)

// WriteSummary writes the one-line count of a lint run's findings by
// severity, or nothing when there is none.
func WriteSummary(w io.Writer, res *Result) {
	e, wn, i := Counts(res.Findings)
	if e+wn+i == 0 {
		return
	}
	fmt.Fprintf(w, "%d %s (%d %s, %d %s, %d info) in %d %s\n", e+wn+i, text.Plural(e+wn+i, "finding", ""), e, text.Plural(e, "error", ""),
		wn, text.Plural(wn, "warning", ""), i, len(res.Files), text.Plural(len(res.Files), "file", ""))
}

// WriteSummary says what was fixed (or, in a dry run, would be) and which
// fixes were left out, or nothing when no fix applied.
func (r *FixResult) WriteSummary(w io.Writer, dryRun bool) {
	var b bytes.Buffer
	for _, f := range r.Failures {
		fd := f.Finding
		fmt.Fprintf(&b, "%s:%d:%d: not fixed [%s]: %s; the fix was left out\n", fd.File, fd.Line, fd.Column, fd.RuleID, f.Reason)
	}
	verb := "fixed"
	if dryRun {
		verb = "would fix"
	}
	n := r.FixedCount()
	if n == 0 && len(r.Failures) == 0 {
		return
	}
	fmt.Fprintf(&b, "%s %d %s in %d %s\n", verb, n, text.Plural(n, "finding", ""), len(r.Fixed), text.Plural(len(r.Fixed), "file", ""))
	w.Write(b.Bytes())
}
