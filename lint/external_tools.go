package lint

import "os/exec"

// This file finds the external programs that actionlint runs on run:
// scripts when they are installed.

// FindShellcheck returns the path of shellcheck on PATH, or "" when it is
// not installed (actionlint then skips the shellcheck rule).
func FindShellcheck() string {
	p, _ := exec.LookPath("shellcheck")
	return p
}

// FindPyflakes returns the path of pyflakes (or Debian's pyflakes3) on
// PATH, or "" when neither is installed (actionlint then skips the pyflakes
// rule).
func FindPyflakes() string {
	for _, name := range []string{"pyflakes", "pyflakes3"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
