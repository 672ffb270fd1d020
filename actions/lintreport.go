package actions

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gantry-ci/gantry/internal/outfile"
	"github.com/gantry-ci/gantry/lint"
)

// ReportOptions are gantry lint's flags that choose its report.
type ReportOptions struct {
	// Format is --format: one of FormatNames, or "" for DefaultFormat.
	Format string
	// Color is --color: one of ColorModes.
	Color string
	// Output is --output: a file for the report instead of the terminal.
	Output string
	// Token is --github-token; "" is $GITHUB_TOKEN.
	Token string
	// CheckName is --check-name, the name of the check run of --format checks.
	CheckName string
	// FailOn is --fail-on's severity (set by Check); it decides a check
	// run's conclusion.
	FailOn lint.Severity
}

// Check validates the report's flags with the others of f
// (lint.CheckFlags) and the path arguments, and sets FailOn.
func (o *ReportOptions) Check(f lint.Flags, args []string) error {
	f.Format, f.Formats = o.Format, FormatNames()
	f.Color, f.ColorModes = o.Color, ColorModes
	failOn, err := lint.CheckFlags(f, args)
	o.FailOn = failOn
	return err
}

// FormatName returns the format the report is written in: Format, or
// DefaultFormat when none is set.
func (o *ReportOptions) FormatName() string {
	return cmp.Or(o.Format, DefaultFormat(os.Getenv))
}

// FormatError is a reporter of --format that could not be built, such as
// github without a readable event payload: a usage mistake.
type FormatError struct {
	Format string
	Err    error
}

func (e *FormatError) Error() string { return fmt.Sprintf("--format %s: %v", e.Format, e.Err) }

func (e *FormatError) Unwrap() error { return e.Err }

// WriteReport writes the report of res as o says: to o.Output, or else to
// stdout, or to stderr when stdoutTaken (stdout carries a diff or fixed
// text). Only a report on stdout is coloured with --color auto. Errors are
// an *outfile.CreateError, a *FormatError, or the report's own.
func WriteReport(ctx context.Context, o ReportOptions, res *lint.Result, stdout, stderr io.Writer, stdoutTaken bool) error {
	w, toStdout := stdout, true
	if stdoutTaken {
		w, toStdout = stderr, false
	}
	return outfile.Write(o.Output, w, func(w io.Writer, toFile bool) error {
		name := o.FormatName()
		rep, err := ReporterFor(name, UseColor(o.Color, toStdout && !toFile), ReporterOptions{W: w, Token: o.Token, FailOn: o.FailOn, CheckName: o.CheckName})
		if err != nil {
			return &FormatError{Format: name, Err: err}
		}
		return rep.Report(ctx, lint.NewReport(res))
	})
}
