// Command gantry lints GitHub Actions workflows, actions and Dockerfiles,
// builds multi-stage images with per-stage caches on BuildKit, and decides
// whether an image may be pushed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/cpuprofile"
	"github.com/gantry-ci/gantry/lint"
)

// Exit codes shared by every command.
const (
	exitOK       = 0 // nothing at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on, or a denied gate
	exitUsage    = 2 // bad flags, arguments or config
	exitInternal = 3 // gantry itself failed
	// exitInterrupted is a run stopped by SIGINT or SIGTERM (128 + SIGINT,
	// as shells report it)
	exitInterrupted = 130
)

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitWith gives err the exit code code; a nil err stays nil.
func exitWith(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func main() {
	// gantry writes no heap profile; without this the runtime samples
	// allocations for one anyway and keeps the samples' stacks, 1.4 MiB by
	// the end of a lint of 1,500 workflows
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var prof cpuprofile.Profile
	root := newRootCmd(&prof)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	prof.Stop()
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil {
		// stopped by a signal: whatever failed after it, failed because of it
		if ee := (*exitError)(nil); !errors.As(err, &ee) || ee.err != nil {
			fmt.Fprintln(stderr, "gantry: interrupted:", err)
		} else {
			fmt.Fprintln(stderr, "gantry: interrupted")
		}
		return exitInterrupted
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "gantry:", ee.err)
		}
		return ee.code
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Fprintln(stderr, "gantry: config error:", ce)
		return exitUsage
	}
	// cobra's own errors are about flags and arguments
	fmt.Fprintln(stderr, "gantry:", err)
	return exitUsage
}

func newRootCmd(prof *cpuprofile.Profile) *cobra.Command {
	root := &cobra.Command{
		Use:           "gantry",
		Short:         "keep GitHub Actions CI and Docker image builds out of trouble",
		Version:       lint.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see %s --help)", err, c.CommandPath())
	})
	root.PersistentFlags().StringVar(&prof.Path, "cpuprofile", "", "write a Go CPU profile to this file")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := prof.Start(); err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		return nil
	}
	root.AddCommand(newLintCmd(), newRulesCmd(), newExplainCmd(), newPlanCmd(), newBuildCmd(), newBuilderCmd(), newPushCmd(), newGateCmd(), newGitHubActionCmd())
	return root
}
