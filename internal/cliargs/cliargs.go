// Package cliargs checks command-line values before a command runs: flag
// values from a fixed set and path arguments. Its errors are usage
// mistakes (gantry exits 2).
package cliargs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/gantry-ci/gantry/internal/parallel"
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
// cannot be read or is not a directory (without dirs, a path that exists
// but cannot be read is left to the command); "-" (stdin) passes unless dirs. hint, when not nil,
// adds to the error about a missing path. The error is about the first
// such argument; many arguments (a pre-commit run over every staged file)
// are looked up on every CPU, so hint may be called from several
// goroutines at once.
func CheckPaths(args []string, dirs bool, hint func(arg string) string) error {
	errs := make([]error, len(args))
	check := func(i int) {
		a := args[i]
		if a == "-" && !dirs {
			return
		}
		st, err := os.Stat(a)
		if err == nil && dirs && !st.IsDir() {
			errs[i] = fmt.Errorf("%s is not a directory", a)
			return
		}
		if err != nil && !dirs && !errors.Is(err, fs.ErrNotExist) {
			// a path that exists but cannot be read (a symlink loop, no
			// permission) is the linter's to report, as a finding beside
			// the other files' findings
			return
		}
		if err != nil && !dirs {
			if _, lerr := os.Lstat(a); lerr == nil {
				// a symbolic link that points nowhere exists too: a
				// pre-commit hook names it among the staged files
				return
			}
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
			errs[i] = fmt.Errorf("cannot read %s: %v%s", a, err, h)
		}
	}
	parallel.Each(len(args), min(runtime.GOMAXPROCS(0), len(args)/minArgsPerWorker), check)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// minArgsPerWorker is how many path arguments make another goroutine
// worth starting.
const minArgsPerWorker = 64
