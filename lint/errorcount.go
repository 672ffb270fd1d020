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

// RequireLintCheck is the push gate's require-lint check of the repository
// at root: ErrorCount with the config at configPath ("" for the
// repository's own) and shellcheck and pyflakes when they are on PATH, as
// gantry lint runs. The working directory stays the process's: the engine
// reads a repository's config through its display path.
func RequireLintCheck(configPath, root string) func(context.Context) (int, error) {
	opts := Options{ConfigPath: configPath}
	opts.Shellcheck, opts.Pyflakes = FindLinters(false, false)
	return func(ctx context.Context) (int, error) { return ErrorCount(ctx, opts, root) }
}
