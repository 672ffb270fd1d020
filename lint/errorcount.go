package lint

import (
	"context"
	"fmt"
	"path/filepath"
)

// ErrorCount lints the repository at root as gantry lint does with opts
// and returns how many findings have severity error: the push gate's
// require-lint check. A file that could not be linted is an error.
func ErrorCount(ctx context.Context, opts Options, root string) (int, error) {
	l, err := New(opts)
	if err != nil {
		return 0, err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return 0, err
	}
	res, err := l.LintPaths(ctx, []string{abs})
	if err != nil {
		return 0, err
	}
	if n := res.InternalErrors; n > 0 {
		files := "files"
		if n == 1 {
			files = "file"
		}
		return 0, fmt.Errorf("gantry lint failed on %d %s", n, files)
	}
	errs, _, _ := Counts(res.Findings)
	return errs, nil
}
