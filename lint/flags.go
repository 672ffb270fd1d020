package lint

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gantry-ci/gantry/internal/cliargs"
)

// Flags are the values of gantry lint's flags that CheckFlags validates.
type Flags struct {
	// Format is --format ("" is the default); Formats are the valid ones.
	Format  string
	Formats []string
	// Color is --color; ColorModes are the valid ones.
	Color      string
	ColorModes []string
	// FailOn is --fail-on.
	FailOn      string
	MaxFileSize int64
	Jobs        int
	// ShowFixes is --show-fixes.
	ShowFixes bool
}

// CheckFlags rejects bad flag values and path arguments before anything
// runs, and returns --fail-on's severity. A path that is a --fix value
// gets a hint.
func CheckFlags(f Flags, args []string) (Severity, error) {
	failOn, err := ParseFailOn(f.FailOn)
	if err != nil {
		return 0, err
	}
	if f.Format != "" {
		if err := cliargs.CheckEnum("--format", f.Format, f.Formats); err != nil {
			return 0, err
		}
	}
	if err := cliargs.CheckEnum("--color", f.Color, f.ColorModes); err != nil {
		return 0, err
	}
	if f.MaxFileSize <= 0 {
		return 0, fmt.Errorf("--max-file-size must be a positive number of bytes, not %d", f.MaxFileSize)
	}
	if f.Jobs < 0 {
		return 0, fmt.Errorf("--jobs must be 0 (one per CPU) or more, not %d", f.Jobs)
	}
	if f.ShowFixes && !CarriesFixes(f.Format) {
		return 0, errors.New("--show-fixes needs --format json, sarif or rdjson")
	}
	if len(args) > 1 && slices.Contains(args, "-") {
		return 0, errors.New("\"-\" (stdin) cannot be combined with other paths")
	}
	return failOn, cliargs.CheckPaths(args, false, fixModeHint)
}

// fixModeHint is CheckPaths' hint for a path argument that is a --fix value.
func fixModeHint(arg string) string {
	if !IsFixMode(arg) {
		return ""
	}
	return fmt.Sprintf(" (to choose a fix mode, write --fix=%s: --fix takes its value after \"=\")", arg)
}
