package main

import (
	"github.com/spf13/pflag"

	"github.com/gantry-ci/gantry/lint"
)

// fixFlags are gantry lint's --fix and --fix-only.
type fixFlags struct {
	fix  string
	only []string
}

// addFixFlags registers --fix and --fix-only in fl, and --show-fixes in
// show.
func addFixFlags(f *pflag.FlagSet, fl *fixFlags, show *bool) {
	f.StringVar(&fl.fix, "fix", "", "apply fixes: --fix (safe fixes), --fix=all (opinionated ones too), --fix=dry-run (print a diff, change nothing); combine as --fix=all,dry-run")
	f.Lookup("fix").NoOptDefVal = "safe"
	f.StringSliceVar(&fl.only, "fix-only", nil, "apply only the fixes of these rules, comma-separated (implies --fix)")
	f.BoolVar(show, "show-fixes", false, "include each finding's verified fix in json, sarif and rdjson output (re-lints the fixed files)")
}

// options are the fix options of --fix and --fix-only; nil without them.
func (fl *fixFlags) options() (*lint.FixOptions, error) {
	if fl.fix == "" && len(fl.only) == 0 {
		return nil, nil
	}
	opts, err := lint.ParseFixOptions(fl.fix, fl.only)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return &opts, nil
}
