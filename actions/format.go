package actions

import (
	"os"
	"slices"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/gantry-ci/gantry/lint"
)

// FormatNames are every lint --format name, sorted: text, json and Formats.
func FormatNames() []string {
	return slices.Sorted(slices.Values(append([]string{"text", "json"}, Formats...)))
}

// QuotesText reports whether the report of a --format quotes the files'
// text: the text report's snippets, SARIF's regions and rdjson's
// suggestions. JSON and the GitHub formats (annotations, check runs,
// reviews) quote none, so a run for them need not keep it
// (lint.Options.DropText); a format added later quotes text until it is
// listed here.
func QuotesText(format string) bool {
	switch format {
	case "json", "github", "checks", "review":
		return false
	}
	return true
}

// DefaultFormat is the --format of a lint run that names none: github in
// GitHub Actions, else text.
func DefaultFormat(getenv func(string) string) string {
	if getenv("GITHUB_ACTIONS") == "true" {
		return "github"
	}
	return "text"
}

// ColorModes are the values of --color.
var ColorModes = []string{"auto", "always", "never"}

// UseColor decides --color: auto colours only a terminal on stdout, outside
// GitHub Actions and without NO_COLOR.
func UseColor(mode string, toStdout bool) bool {
	switch mode {
	case "always":
		return true
	case "auto", "":
		return toStdout && os.Getenv("NO_COLOR") == "" && os.Getenv("GITHUB_ACTIONS") != "true" && isatty.IsTerminal(os.Stdout.Fd())
	}
	return false
}

// ReporterFor builds the reporter of any of FormatNames: text (coloured when
// color) and json from package lint, the others through NewReporter.
func ReporterFor(name string, color bool, o ReporterOptions) (lint.Reporter, error) {
	switch name {
	case "text":
		return &lint.TextReporter{W: o.W, Color: color}, nil
	case "json":
		return &lint.JSONReporter{W: o.W}, nil
	}
	return NewReporter(name, o)
}

// QuoteArgs quotes the arguments that a shell would split, for display.
func QuoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
