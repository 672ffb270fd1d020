package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/internal/cliargs"
	"github.com/gantry-ci/gantry/internal/outfile"
	"github.com/gantry-ci/gantry/lint"
)

// githubFlags are the flags of the reporters that talk to GitHub.
type githubFlags struct {
	token     string
	checkName string
}

func (fl *githubFlags) register(f *pflag.FlagSet) {
	f.StringVar(&fl.token, "github-token", "", "token for --format checks and review (default $GITHUB_TOKEN)")
	f.StringVar(&fl.checkName, "check-name", "gantry", "name of the check run that --format checks creates")
}

// checkDirs is a usage error for a path argument that is not a directory.
func checkDirs(args []string) error {
	if err := cliargs.CheckPaths(args, true, nil); err != nil {
		return usageError("%v", err)
	}
	return nil
}

// writeOutput writes with write to the --output file, else to w
// (outfile.Write); what names the output in an error, such as "the report".
func writeOutput(path string, w io.Writer, what string, write func(w io.Writer, toFile bool) error) error {
	err := outfile.Write(path, w, write)
	var ee *exitError
	var ce *outfile.CreateError
	switch {
	case err == nil, errors.As(err, &ee):
		return err
	case errors.As(err, &ce):
		return usageError("%v", err)
	}
	return &exitError{code: exitInternal, err: fmt.Errorf("writing %s: %w", what, err)}
}

// newReporter makes the reporter of --format name (default text, or github
// in GitHub Actions); failOn decides a check run's conclusion.
func newReporter(name string, w io.Writer, colorMode string, toStdout bool, gh githubFlags, failOn lint.Severity) (lint.Reporter, error) {
	if name == "" {
		name = actions.DefaultFormat(os.Getenv)
	}
	rep, err := actions.ReporterFor(name, actions.UseColor(colorMode, toStdout), actions.ReporterOptions{W: w, Token: gh.token, FailOn: failOn, CheckName: gh.checkName})
	if err != nil {
		return nil, usageError("--format %s: %v", name, err)
	}
	return rep, nil
}
