package main

import "github.com/gantry-ci/gantry/internal/cliargs"

// checkDirs is a usage error for a path argument that is not a directory.
func checkDirs(args []string) error {
	if err := cliargs.CheckPaths(args, true, nil); err != nil {
		return usageError("%v", err)
	}
	return nil
}
