package main

import (
	"io"
	"os"
	"slices"

	"github.com/mattn/go-isatty"
	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/lint"
)

// formatNames are the --format names: text, json and the reporters of the
// actions package.
func formatNames() []string {
	return slices.Sorted(slices.Values(append([]string{"text", "json"}, actions.Formats...)))
}

// githubFlags are the flags of the reporters that talk to GitHub.
type githubFlags struct {
	token     string
	checkName string
}

func (fl *githubFlags) register(f *pflag.FlagSet) {
	f.StringVar(&fl.token, "github-token", "", "token for --format checks and review (default $GITHUB_TOKEN)")
	f.StringVar(&fl.checkName, "check-name", "gantry", "name of the check run that --format checks creates")
}

// newReporter makes the reporter of --format name (default text, or github
// in GitHub Actions); failOn decides a check run's conclusion.
func newReporter(name string, w io.Writer, colorMode string, toStdout bool, gh githubFlags, failOn lint.Severity) (lint.Reporter, error) {
	if name == "" {
		name = "text"
		if os.Getenv("GITHUB_ACTIONS") == "true" {
			name = "github"
		}
	}
	if !slices.Contains(formatNames(), name) {
		return nil, usageError("unknown --format %q (known: %v)", name, formatNames())
	}
	color := false
	switch colorMode {
	case "always":
		color = true
	case "never":
	case "auto", "":
		color = toStdout && os.Getenv("NO_COLOR") == "" && os.Getenv("GITHUB_ACTIONS") != "true" && isatty.IsTerminal(os.Stdout.Fd())
	default:
		return nil, usageError("--color must be auto, always or never, not %q", colorMode)
	}
	switch name {
	case "text":
		return &lint.TextReporter{W: w, Color: color}, nil
	case "json":
		return &lint.JSONReporter{W: w}, nil
	}
	rep, err := actions.NewReporter(name, actions.ReporterOptions{W: w, Token: gh.token, FailOn: failOn, CheckName: gh.checkName})
	if err != nil {
		return nil, usageError("--format %s: %v", name, err)
	}
	return rep, nil
}
