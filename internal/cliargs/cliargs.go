// Package cliargs checks command-line values before a command runs: flag
// values from a fixed set and path arguments. Its errors are usage
// mistakes (gantry exits 2).
package cliargs

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// CheckEnum fails for a flag value that is not one of valid, listing the
// valid ones.
func CheckEnum(flag, value string, valid []string) error {
	if slices.Contains(valid, value) {
		return nil
	}
	return fmt.Errorf("unknown %s %q (valid: %s)", flag, value, strings.Join(valid, ", "))
}

// CheckPaths fails for a path argument that does not exist or, with dirs,
// is not a directory; "-" (stdin) passes unless dirs. hint, when not nil,
// adds to the error about a missing path.
func CheckPaths(args []string, dirs bool, hint func(arg string) string) error {
	for _, a := range args {
		if a == "-" && !dirs {
			continue
		}
		st, err := os.Stat(a)
		if err == nil && dirs && !st.IsDir() {
			return fmt.Errorf("%s is not a directory", a)
		}
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			h := ""
			if hint != nil {
				h = hint(a)
			}
			return fmt.Errorf("cannot read %s: %v%s", a, err, h)
		}
	}
	return nil
}
