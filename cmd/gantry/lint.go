package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/lint"
)

// lintFlags are gantry lint's flags, held in the options they set.
type lintFlags struct {
	// check holds the flags that lint.CheckFlags validates, besides the
	// report's.
	check  lint.Flags
	report actions.ReportOptions
	opts   lint.Options
	req    lint.Request
	// noShellcheck and noPyflakes turn the linters found on PATH off.
	noShellcheck bool
	noPyflakes   bool
	fixes        fixFlags
}

func newLintCmd() *cobra.Command {
	var fl lintFlags
	cmd := &cobra.Command{
		Use:   "lint [PATH... | -]",
		Short: "lint workflows, action.yml files and Dockerfiles",
		Long:  docs.Help("lint"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, args, &fl)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.report.Format, "format", "f", "", "output format: "+strings.Join(actions.FormatNames(), ", ")+" (default text, or github in GitHub Actions)")
	f.StringVarP(&fl.report.Output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&fl.check.FailOn, "fail-on", "error", "exit 1 when a finding is at or above this severity: error, warning, info, none")
	f.StringVarP(&fl.opts.ConfigPath, "config", "c", "", "config file (default .github/gantry.yaml of each repository)")
	f.StringVar(&fl.req.StdinFilename, "stdin-filename", "<stdin>", "file name to report for content read from stdin")
	f.BoolVar(&fl.noShellcheck, "no-shellcheck", false, "do not run shellcheck on run: scripts even when it is on PATH")
	f.BoolVar(&fl.noPyflakes, "no-pyflakes", false, "do not run pyflakes on python scripts even when it is on PATH")
	f.StringVar(&fl.report.Color, "color", "auto", "colour the text output: auto, always, never")
	f.Int64Var(&fl.check.MaxFileSize, "max-file-size", lint.DefaultMaxFileSize, "largest file to lint, in bytes")
	f.IntVarP(&fl.check.Jobs, "jobs", "j", 0, "files linted at once (default: one per CPU)")
	addFixFlags(f, &fl.fixes, &fl.check.ShowFixes)
	f.StringVar(&fl.report.Token, "github-token", "", "token for --format checks and review (default $GITHUB_TOKEN)")
	f.StringVar(&fl.report.CheckName, "check-name", "gantry", "name of the check run that --format checks creates")
	return cmd
}

func runLint(cmd *cobra.Command, args []string, fl *lintFlags) error {
	if err := fl.report.Check(fl.check, args); err != nil {
		return usageError("%v", err)
	}
	opts, req := fl.opts, fl.req
	// a plain lint lets each syntax tree go once scanned; fixing keeps them
	opts.MaxFileSize, opts.Jobs, opts.SizeHeap, opts.DropTrees = fl.check.MaxFileSize, fl.check.Jobs, true, true
	// and lets their text go too when the report quotes none
	opts.DropText = !actions.QuotesText(fl.report.FormatName())
	opts.Shellcheck, opts.Pyflakes = lint.FindLinters(fl.noShellcheck, fl.noPyflakes)
	l, err := lint.New(opts)
	if err != nil {
		return err
	}
	defer l.ReleaseHeap() // the run's memory limit holds through the report
	req.Args, req.Stdin, req.ShowFixes = args, cmd.InOrStdin(), fl.check.ShowFixes
	if req.Fix, err = fl.fixes.options(); err != nil {
		return err
	}
	run, err := l.Run(cmd.Context(), req)
	if err != nil {
		return exitFor(err, exitUsage) // a config error, or stdin that is not a known kind: exit 2
	}
	cmd.OutOrStdout().Write(run.Output)
	err = actions.WriteReport(cmd.Context(), fl.report, run.Result, cmd.OutOrStdout(), cmd.ErrOrStderr(), run.StdoutTaken)
	if err != nil {
		return writeError("the report", err)
	}
	if req.Fix == nil {
		if err := actions.WriteLintOutputs(os.Getenv, run.Result.Findings); err != nil {
			return exitWith(exitInternal, fmt.Errorf("writing step outputs: %w", err))
		}
	}
	run.WriteSummary(cmd.ErrOrStderr())
	return exitCode(exitCodes[run.Result.Verdict(fl.report.FailOn)])
}
