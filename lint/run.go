package lint

import (
	"context"
	"fmt"
	"io"
)

// Request is one run of `gantry lint`: what to lint, and whether to fix it
// first.
type Request struct {
	// Args are the path arguments; a single "-" lints Stdin.
	Args []string
	// Stdin is read for "-", up to one byte over Options.MaxFileSize (the
	// engine reports a file that is too large).
	Stdin io.Reader
	// StdinFilename is the file name reported for Stdin.
	StdinFilename string
	// Fix, when set, fixes what it selects and lints what remains.
	Fix *FixOptions
	// ShowFixes attaches each finding's verified fix (without Fix).
	ShowFixes bool
}

// Outcome is what a Request gave.
type Outcome struct {
	// Result holds the findings: with Fix, those that remain.
	Result *Result
	// Fixes is the fix run, with Fix.
	Fixes *FixResult
	// Output goes to stdout before the report: the fixed text of stdin, or
	// the diff of a dry run.
	Output []byte
	// StdoutTaken is true when stdout carries Output, so that the report
	// goes elsewhere.
	StdoutTaken bool
	dryRun      bool
}

// StdinError is stdin that could not be read: a failure of gantry, not of
// the input.
type StdinError struct{ Err error }

func (e *StdinError) Error() string { return fmt.Sprintf("cannot read stdin: %v", e.Err) }

func (e *StdinError) Unwrap() error { return e.Err }

// Run lints, or with req.Fix fixes, what req names. Errors are a config
// error, stdin of no known kind or over the size limit with req.Fix, or a
// *StdinError.
func (l *Linter) Run(ctx context.Context, req Request) (*Outcome, error) {
	var src []byte
	stdin := len(req.Args) == 1 && req.Args[0] == "-"
	if stdin {
		var err error
		if src, err = io.ReadAll(io.LimitReader(req.Stdin, l.opts.MaxFileSize+1)); err != nil {
			return nil, &StdinError{Err: err}
		}
	}
	if req.Fix != nil {
		if stdin && int64(len(src)) > l.opts.MaxFileSize {
			// the fixed text goes to stdout in place of the input: a
			// truncated copy would lose the rest
			return nil, fmt.Errorf("stdin is over the %s limit: nothing was fixed or written (set --max-file-size to fix it)", humanBytes(l.opts.MaxFileSize))
		}
		return l.runFix(ctx, req, stdin, src)
	}
	var res *Result
	var err error
	if req.ShowFixes {
		defer l.keepTrees()() // AttachFixes reads the trees
	}
	if stdin {
		res, err = l.LintSource(ctx, req.StdinFilename, src)
	} else {
		res, err = l.LintPaths(ctx, req.Args)
	}
	if err != nil {
		return nil, err
	}
	if req.ShowFixes {
		// verifying a fix re-lints the fixed file, so only when asked
		if err := l.AttachFixes(ctx, res, FixOptions{Mode: FixModeAll}); err != nil {
			return nil, err
		}
	}
	return &Outcome{Result: res}, nil
}

// runFix is Run with req.Fix. With a dry run the diff is the Output, else
// with stdin the fixed text is.
func (l *Linter) runFix(ctx context.Context, req Request, stdin bool, src []byte) (*Outcome, error) {
	opts := *req.Fix
	var fr *FixResult
	var err error
	if stdin {
		fr, err = l.FixSource(ctx, req.StdinFilename, src, opts)
	} else {
		fr, err = l.Fix(ctx, req.Args, opts)
	}
	if err != nil {
		return nil, err
	}
	o := &Outcome{Result: fr.Result, Fixes: fr, StdoutTaken: opts.DryRun || stdin, dryRun: opts.DryRun}
	switch {
	case opts.DryRun:
		o.Output = fr.Diff()
	case stdin:
		o.Output = src
		if len(fr.Fixed) == 1 {
			o.Output = fr.Fixed[0].After
		}
	}
	return o, nil
}

// WriteSummary writes the closing lines of the run to w: what the fixes
// did, or that there was nothing to lint, then the count of findings.
func (o *Outcome) WriteSummary(w io.Writer) {
	if o.Fixes != nil {
		o.Fixes.WriteSummary(w, o.dryRun)
	} else if len(o.Result.Files) == 0 && len(o.Result.Findings) == 0 {
		fmt.Fprintln(w, "gantry: nothing to lint: no workflow, action.yml or Dockerfile found")
	}
	WriteSummary(w, o.Result)
}

// Verdict is what a lint run comes to, for its exit code.
type Verdict int

const (
	// VerdictPass is a run with no finding at or above --fail-on.
	VerdictPass Verdict = iota
	// VerdictFindings is a run with findings at or above --fail-on.
	VerdictFindings
	// VerdictInternalError is a run in which a file could not be linted.
	VerdictInternalError
)

// Verdict is what the run comes to with --fail-on's severity failOn (0 is
// none): a file that could not be linted outweighs the findings.
func (r *Result) Verdict(failOn Severity) Verdict {
	if r.InternalErrors > 0 {
		return VerdictInternalError
	}
	if failOn != 0 && MaxSeverity(r.Findings) >= failOn {
		return VerdictFindings
	}
	return VerdictPass
}
