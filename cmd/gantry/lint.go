package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/internal/text"
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
	f.StringVarP(&fl.format, "format", "f", "", "output format: "+strings.Join(formatNames(), ", ")+" (default text, or github in GitHub Actions)")
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

func runLint(cmd *cobra.Command, args []string, fl *lintFlags) error {
	failOn, err := parseFailOn(fl.failOn)
	if err != nil {
		return err
	}
	opts := lint.Options{ConfigPath: fl.config, MaxFileSize: fl.maxFileSize, Jobs: fl.jobs}
	opts.Shellcheck, opts.Pyflakes = findLinters(fl.noShellcheck, fl.noPyflakes)
	l, err := lint.New(opts)
	if err != nil {
		return err
	}
	if fl.fixes.enabled() {
		return runFix(cmd, args, fl, l, failOn)
	}
	ctx := cmd.Context()
	var res *lint.Result
	if len(args) == 1 && args[0] == "-" {
		src, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), fl.maxFileSize+1))
		if err != nil {
			return &exitError{code: exitInternal, err: fmt.Errorf("cannot read stdin: %w", err)}
		}
		res, err = l.LintSource(ctx, fl.stdinFilename, src)
		if err != nil {
			return err
		}
	} else {
		for _, a := range args {
			if a == "-" {
				return usageError("\"-\" (stdin) cannot be combined with other paths")
			}
		}
		if res, err = l.LintPaths(ctx, args); err != nil {
			return err
		}
	}

	if err := attachFixes(ctx, fl, l, res); err != nil {
		return err
	}

	if err := writeReport(cmd, fl, res, cmd.OutOrStdout(), true, failOn); err != nil {
		return err
	}
	if err := writeLintOutputs(res); err != nil {
		return err
	}
	if len(res.Files) == 0 && len(res.Findings) == 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "gantry: nothing to lint: no workflow, action.yml or Dockerfile found")
	}
	printSummary(cmd.ErrOrStderr(), res)
	return lintExit(res, failOn)
}

// writeReport writes res in --format to --output, or else to w (stdout
// when toStdout).
func writeReport(cmd *cobra.Command, fl *lintFlags, res *lint.Result, w io.Writer, toStdout bool, failOn lint.Severity) error {
	var file *os.File
	if fl.output != "" {
		var err error
		if file, err = os.Create(fl.output); err != nil {
			return usageError("cannot write %s: %v", fl.output, err)
		}
		defer file.Close()
		w, toStdout = file, false
	}
	rep, err := newReporter(fl.format, w, fl.color, toStdout, fl.github, failOn)
	if err != nil {
		return err
	}
	if err := rep.Report(cmd.Context(), lint.NewReport(res)); err != nil {
		return &exitError{code: exitInternal, err: fmt.Errorf("writing the report: %w", err)}
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
	}
	return nil
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

// findLinters returns the paths of shellcheck and pyflakes on PATH, or ""
// for those not found or turned off.
func findLinters(noShellcheck, noPyflakes bool) (shellcheck, pyflakes string) {
	if !noShellcheck {
		shellcheck, _ = exec.LookPath("shellcheck")
	}
	for _, name := range []string{"pyflakes", "pyflakes3"} {
		if p, err := exec.LookPath(name); err == nil && !noPyflakes && pyflakes == "" {
			pyflakes = p
		}
	}
	return shellcheck, pyflakes
}

// parseFailOn returns the threshold severity, or 0 for "none".
func parseFailOn(s string) (lint.Severity, error) {
	if s == "none" || s == "never" {
		return 0, nil
	}
	sev, err := lint.ParseSeverity(s)
	if err != nil {
		return 0, usageError("--fail-on: %v", err)
	}
	return sev, nil
}

func printSummary(w io.Writer, res *lint.Result) {
	e, wn, i := lint.Counts(res.Findings)
	if e+wn+i == 0 {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d %s (%d %s, %d %s, %d info) in %d %s\n", e+wn+i, text.Plural(e+wn+i, "finding", ""), e, text.Plural(e, "error", ""),
		wn, text.Plural(wn, "warning", ""), i, len(res.Files), text.Plural(len(res.Files), "file", ""))
	w.Write(b.Bytes())
}
