package main

import (
	"io"
	"os"
	"slices"

	"github.com/mattn/go-isatty"

	"github.com/gantry-ci/gantry/lint"
)

// reporterEnv is what a reporter constructor may use.
type reporterEnv struct {
	w      io.Writer
	color  bool
	stdout bool
}

// formats maps --format names to reporter constructors. Reporters of the
// actions package register here too.
var formats = map[string]func(env reporterEnv) (lint.Reporter, error){
	"text": func(env reporterEnv) (lint.Reporter, error) {
		return &lint.TextReporter{W: env.w, Color: env.color}, nil
	},
	"json": func(env reporterEnv) (lint.Reporter, error) { return &lint.JSONReporter{W: env.w}, nil },
}

func formatNames() []string {
	var ns []string
	for n := range formats {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

// defaultFormat is text, or github when running in GitHub Actions (if that
// format is available).
func defaultFormat() string {
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		if _, ok := formats["github"]; ok {
			return "github"
		}
	}
	return "text"
}

func newReporter(name string, w io.Writer, colorMode string, toStdout bool) (lint.Reporter, error) {
	if name == "" {
		name = defaultFormat()
	}
	mk, ok := formats[name]
	if !ok {
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
	return mk(reporterEnv{w: w, color: color, stdout: toStdout})
}
