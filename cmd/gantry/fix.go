package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// runFix is gantry lint with --fix: it fixes, then reports what remains.
// With --fix=dry-run the diff goes to stdout and the report to stderr (or
// --output); with stdin the fixed text goes to stdout.
func runFix(cmd *cobra.Command, args []string, fl *lintFlags, l *lint.Linter, failOn lint.Severity) error {
	opts, err := lint.ParseFixOptions(fl.fixes.fix, fl.fixes.only)
	if err != nil {
		return usageError("%v", err)
	}
	ctx := cmd.Context()
	stdin := len(args) == 1 && args[0] == "-"
	var fr *lint.FixResult
	if stdin {
		src, err := readStdin(cmd, fl)
		if err != nil {
			return err
		}
		if fr, err = l.FixSource(ctx, fl.stdinFilename, src, opts); err != nil {
			return err // a config error, or stdin that is not a known kind: exit 2
		}
		if !opts.DryRun {
			out := src
			if len(fr.Fixed) == 1 {
				out = fr.Fixed[0].After
			}
			cmd.OutOrStdout().Write(out)
		}
	} else if fr, err = l.Fix(ctx, args, opts); err != nil {
		return err
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
	fr.WriteSummary(cmd.ErrOrStderr(), opts.DryRun)
	lint.WriteSummary(cmd.ErrOrStderr(), fr.Result)
	return lintExit(fr.Result, failOn)
}
