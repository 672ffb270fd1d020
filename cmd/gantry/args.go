package main

import "github.com/gantry-ci/gantry/internal/cliargs"

// dirArg is the directory argument of plan, build, push and gate: "." when
// there is none, and a usage error when it is not a directory.
func dirArg(args []string) (string, error) {
	if err := cliargs.CheckPaths(args, true, nil); err != nil {
		return "", usageError("%v", err)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return ".", nil
}
