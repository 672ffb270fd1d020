package lint

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/mattn/go-shellwords"
	"github.com/rhysd/actionlint"
	"golang.org/x/sync/errgroup"
)

// This file runs the external linters of the rules shellcheck and pyflakes
// (external_shellcheck.go, external_pyflakes.go) as actionlint runs them:
// the same executable lookup, the same process handling and the same
// errors, so that gantry reports what actionlint would.

// externalRule is what the rules shellcheck and pyflakes share: the batch
// of processes each starts on one workflow, and the findings those
// processes' goroutines add.
type externalRule struct {
	actionlint.RuleBase
	procs processBatch
	// mu guards the findings
	mu sync.Mutex
}

// reportf adds a finding at pos; the batch's goroutines call it.
func (r *externalRule) reportf(pos *actionlint.Pos, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Errorf(pos, format, args...)
}

// processRunner bounds how many external linter processes run at once.
// A Linter has one, shared by all its workers, with a slot per CPU.
type processRunner struct {
	slots chan struct{}
}

// newProcessRunner returns a runner that runs at most n processes at once
// (at least one).
func newProcessRunner(n int) *processRunner {
	return &processRunner{slots: make(chan struct{}, max(n, 1))}
}

// externalCommand is an external linter resolved to its executable.
type externalCommand struct {
	// path is the executable; errors name it.
	path string
	// args come before the arguments of each run: the rest of a command
	// line such as "shellcheck --norc" given for the executable.
	args []string
	// combined reads stderr with stdout, as one output: pyflakes writes
	// syntax errors to stderr and the other problems to stdout.
	combined bool
}

// lookUpCommand resolves an external linter as actionlint does: name is an
// executable (a name on PATH or a path) or, failing that, a command line
// whose first word is one. The error is the lookup's of name itself.
func lookUpCommand(name string, combined bool) (*externalCommand, error) {
	p, err := lookPathAbs(name)
	if err == nil {
		return &externalCommand{path: p, combined: combined}, nil
	}
	if words, werr := shellwords.Parse(name); werr == nil && len(words) > 0 {
		if p, werr := lookPathAbs(words[0]); werr == nil {
			return &externalCommand{path: p, args: words[1:], combined: combined}, nil
		}
	}
	return nil, err
}

// lookPathAbs is exec.LookPath, except that a bare name never resolves to
// an executable in the current directory (through a relative PATH entry).
func lookPathAbs(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil && !errors.Is(err, exec.ErrDot) {
		return "", err
	}
	if filepath.Base(name) == name && !filepath.IsAbs(p) {
		return "", fmt.Errorf("%s resolves to executable in current directory (.%c%s)", name, filepath.Separator, p)
	}
	return p, nil
}

// output runs the command with args after its own and stdin as its input,
// and returns what it wrote to stdout (and stderr, when combined). A
// non-zero exit that wrote output is a success: both linters exit 1 when
// they report problems.
func (c *externalCommand) output(args []string, stdin string) ([]byte, error) {
	cmd := exec.Command(c.path, append(slices.Clip(c.args), args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out []byte
	var err error
	if c.combined {
		out, err = cmd.CombinedOutput()
	} else {
		out, err = cmd.Output() // keeps stderr in the ExitError
	}
	if err == nil {
		return out, nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil, err
	}
	stderr := exit.Stderr
	if c.combined {
		stderr = out
	}
	code := exit.ExitCode()
	if code < 0 {
		return nil, fmt.Errorf("%s was terminated. stderr: %q", c.path, stderr)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s exited with status %d but stdout was empty. stderr: %q", c.path, code, stderr)
	}
	return out, nil
}

// processBatch is the processes that one rule starts on one workflow. They
// run in the background, each in a slot of the runner; wait returns once
// all have finished, with the first error a done callback returned.
type processBatch struct {
	runner *processRunner
	cmd    *externalCommand
	group  errgroup.Group
}

// start runs the batch's command with args and stdin in the background and
// then calls done, in that goroutine, with its output or error.
func (b *processBatch) start(args []string, stdin string, done func(out []byte, err error) error) {
	b.group.Go(func() error {
		b.runner.slots <- struct{}{}
		out, err := b.cmd.output(args, stdin)
		<-b.runner.slots
		return done(out, err)
	})
}

// wait waits for every process started so far and returns the first error
// their callbacks returned. It may be called more than once.
func (b *processBatch) wait() error {
	return b.group.Wait()
}
