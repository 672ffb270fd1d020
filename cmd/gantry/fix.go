package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/lint"
)

// fixFlags are gantry lint's --fix and --fix-only.
type fixFlags struct {
	fix  string
	only []string
	show bool
}

func addFixFlags(f *pflag.FlagSet, fl *fixFlags) {
	f.StringVar(&fl.fix, "fix", "", "apply fixes: --fix (safe fixes), --fix=all (opinionated ones too), --fix=dry-run (print a diff, change nothing); combine as --fix=all,dry-run")
	f.Lookup("fix").NoOptDefVal = "safe"
	f.StringSliceVar(&fl.only, "fix-only", nil, "apply only the fixes of these rules, comma-separated (implies --fix)")
	f.BoolVar(&fl.show, "show-fixes", false, "include each finding's verified fix in json, sarif and rdjson output (re-lints the fixed files)")
}

func (fl *fixFlags) enabled() bool { return fl.fix != "" || len(fl.only) > 0 }

// options turns the flags into lint.FixOptions.
func (fl *fixFlags) options() (lint.FixOptions, error) {
	opts := lint.FixOptions{Mode: lint.FixModeSafe}
	for _, v := range strings.Split(fl.fix, ",") {
		switch strings.TrimSpace(v) {
		case "", "safe":
		case "all":
			opts.Mode = lint.FixModeAll
		case "dry-run", "diff":
			opts.DryRun = true
		default:
			return opts, usageError("--fix must be safe, all or dry-run (or all,dry-run), not %q", v)
		}
	}
	for _, id := range fl.only {
		if id = strings.TrimSpace(id); id != "" {
			opts.Only = append(opts.Only, id)
		}
	}
	if err := opts.Validate(); err != nil {
		return opts, usageError("--fix-only: %v", err)
	}
	return opts, nil
}

// fixFormats are the output formats that carry fixes: JSON's fix field,
// SARIF's fixes and rdjson's suggestions.
var fixFormats = map[string]bool{"json": true, "sarif": true, "rdjson": true}

// attachFixes gives the findings of a plain lint run their verified fixes
// (safe and opinionated, with Fix.Safe telling them apart) when asked with
// --show-fixes and the output format can carry them. Verifying means
// re-linting the fixed files, so it is not done by default.
func attachFixes(ctx context.Context, fl *lintFlags, l *lint.Linter, res *lint.Result) error {
	if !fl.fixes.show {
		return nil
	}
	if !fixFormats[fl.format] {
		return usageError("--show-fixes needs --format json, sarif or rdjson")
	}
	return l.AttachFixes(ctx, res, lint.FixOptions{Mode: lint.FixModeAll})
}

// runFix is gantry lint with --fix: it fixes, then reports what remains.
// With --fix=dry-run the diff goes to stdout and the report to stderr (or
// --output); with stdin the fixed text goes to stdout.
func runFix(cmd *cobra.Command, args []string, fl *lintFlags, l *lint.Linter, failOn lint.Severity) error {
	opts, err := fl.fixes.options()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	stdin := len(args) == 1 && args[0] == "-"
	var fr *lint.FixResult
	if stdin {
		src, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), fl.maxFileSize+1))
		if err != nil {
			return &exitError{code: exitInternal, err: fmt.Errorf("cannot read stdin: %w", err)}
		}
		if fr, err = l.FixSource(ctx, fl.stdinFilename, src, opts); err != nil {
			return err
		}
		if !opts.DryRun {
			out := src
			if len(fr.Fixed) == 1 {
				out = fr.Fixed[0].After
			}
			cmd.OutOrStdout().Write(out)
		}
	} else {
		for _, a := range args {
			if a == "-" {
				return usageError("\"-\" (stdin) cannot be combined with other paths")
			}
		}
		if fr, err = l.Fix(ctx, args, opts); err != nil {
			return err
		}
	}
	if opts.DryRun {
		cmd.OutOrStdout().Write(fr.Diff())
	}

	// the report of what remains: stdout, unless stdout carries the diff or the fixed text
	out, toStdout := cmd.OutOrStdout(), true
	if opts.DryRun || stdin {
		out, toStdout = cmd.ErrOrStderr(), false
	}
	if err := writeReport(cmd, fl, fr.Result, out, toStdout, failOn); err != nil {
		return err
	}
	printFixSummary(cmd.ErrOrStderr(), fr, opts.DryRun)
	printSummary(cmd.ErrOrStderr(), fr.Result)
	return lintExit(fr.Result, failOn)
}

// printFixSummary says what was fixed and which fixes were left out.
func printFixSummary(w io.Writer, fr *lint.FixResult, dryRun bool) {
	var b bytes.Buffer
	for _, f := range fr.Failures {
		fd := f.Finding
		fmt.Fprintf(&b, "%s:%d:%d: not fixed [%s]: %s; the fix was left out\n", fd.File, fd.Line, fd.Column, fd.RuleID, f.Reason)
	}
	verb := "fixed"
	if dryRun {
		verb = "would fix"
	}
	n := fr.FixedCount()
	if n == 0 && len(fr.Failures) == 0 {
		return
	}
	fmt.Fprintf(&b, "%s %d %s in %d %s\n", verb, n, text.Plural(n, "finding", ""), len(fr.Fixed), text.Plural(len(fr.Fixed), "file", ""))
	w.Write(b.Bytes())
}
