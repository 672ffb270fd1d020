package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/lint"
)

type lintFlags struct {
	format        string
	output        string
	failOn        string
	config        string
	stdinFilename string
	noShellcheck  bool
	noPyflakes    bool
	color         string
	maxFileSize   int64
	jobs          int
	fixes         fixFlags
	github        githubFlags
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
	f.StringVarP(&fl.format, "format", "f", "", "output format: "+strings.Join(actions.FormatNames(), ", ")+" (default text, or github in GitHub Actions)")
	f.StringVarP(&fl.output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&fl.failOn, "fail-on", "error", "exit 1 when a finding is at or above this severity: error, warning, info, none")
	f.StringVarP(&fl.config, "config", "c", "", "config file (default .github/gantry.yaml of each repository)")
	f.StringVar(&fl.stdinFilename, "stdin-filename", "<stdin>", "file name to report for content read from stdin")
	f.BoolVar(&fl.noShellcheck, "no-shellcheck", false, "do not run shellcheck on run: scripts even when it is on PATH")
	f.BoolVar(&fl.noPyflakes, "no-pyflakes", false, "do not run pyflakes on python scripts even when it is on PATH")
	f.StringVar(&fl.color, "color", "auto", "colour the text output: auto, always, never")
	f.Int64Var(&fl.maxFileSize, "max-file-size", lint.DefaultMaxFileSize, "largest file to lint, in bytes")
	f.IntVarP(&fl.jobs, "jobs", "j", 0, "files linted at once (default: one per CPU)")
	addFixFlags(f, &fl.fixes)
	fl.github.register(f)
	return cmd
}

// check rejects bad flag values and path arguments (lint.CheckFlags).
func (fl *lintFlags) check(args []string) (lint.Severity, error) {
	failOn, err := lint.CheckFlags(lint.Flags{Format: fl.format, Formats: actions.FormatNames(), Color: fl.color, ColorModes: actions.ColorModes,
		FailOn: fl.failOn, MaxFileSize: fl.maxFileSize, Jobs: fl.jobs, ShowFixes: fl.fixes.show}, args)
	if err != nil {
		return 0, usageError("%v", err)
	}
	return failOn, nil
}

func runLint(cmd *cobra.Command, args []string, fl *lintFlags) error {
	failOn, err := fl.check(args)
	if err != nil {
		return err
	}
	opts := lint.Options{ConfigPath: fl.config, MaxFileSize: fl.maxFileSize, Jobs: fl.jobs}
	opts.Shellcheck, opts.Pyflakes = lint.FindLinters(fl.noShellcheck, fl.noPyflakes)
	l, err := lint.New(opts)
	if err != nil {
		return err
	}
	req := lint.Request{Args: args, Stdin: cmd.InOrStdin(), StdinFilename: fl.stdinFilename, MaxFileSize: fl.maxFileSize, ShowFixes: fl.fixes.show}
	if req.Fix, err = fl.fixes.options(); err != nil {
		return err
	}
	run, err := l.Run(cmd.Context(), req)
	var se *lint.StdinError
	if errors.As(err, &se) {
		return exitWith(exitInternal, err)
	} else if err != nil {
		return err // a config error, or stdin that is not a known kind: exit 2
	}
	cmd.OutOrStdout().Write(run.Output)
	// the report: stdout, unless stdout carries the diff or the fixed text
	out, toStdout := cmd.OutOrStdout(), true
	if run.StdoutTaken {
		out, toStdout = cmd.ErrOrStderr(), false
	}
	if err := writeReport(cmd, fl, run.Result, out, toStdout, failOn); err != nil {
		return err
	}
	if req.Fix == nil {
		if err := actions.WriteLintOutputs(os.Getenv, run.Result.Findings); err != nil {
			return exitWith(exitInternal, fmt.Errorf("writing step outputs: %w", err))
		}
	}
	run.WriteSummary(cmd.ErrOrStderr())
	return lintExit(run.Result, failOn)
}

// writeReport writes res in --format to --output, or else to w (stdout
// when toStdout).
func writeReport(cmd *cobra.Command, fl *lintFlags, res *lint.Result, w io.Writer, toStdout bool, failOn lint.Severity) error {
	return writeOutput(fl.output, w, "the report", func(w io.Writer, toFile bool) error {
		rep, err := newReporter(fl.format, w, fl.color, toStdout && !toFile, fl.github, failOn)
		if err != nil {
			return err
		}
		return rep.Report(cmd.Context(), lint.NewReport(res))
	})
}

// lintExit is the exit code of a lint run: 3 when a file could not be
// linted, 1 with findings at or above --fail-on.
func lintExit(res *lint.Result, failOn lint.Severity) error {
	if res.InternalErrors > 0 {
		return &exitError{code: exitInternal}
	}
	if failOn != 0 && lint.MaxSeverity(res.Findings) >= failOn {
		return &exitError{code: exitFindings}
	}
	return nil
}
