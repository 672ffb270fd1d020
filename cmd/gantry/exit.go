package main

import (
	"errors"
	"fmt"

	"github.com/gantry-ci/gantry/actions"
	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/outfile"
	"github.com/gantry-ci/gantry/lint"
	"github.com/gantry-ci/gantry/push"
	"github.com/gantry-ci/gantry/stagegraph"
)

// exitCodes are the exit codes of the packages' error kinds and of lint's
// verdicts; exitKind finds an error's key.
var exitCodes = map[any]int{
	buildcache.ErrDaemonUnreachable: exitUnreachable,
	buildcache.KindUsage:            exitUsage,
	buildcache.KindBuild:            exitBuildFailed,
	buildcache.KindInternal:         exitInternal,
	push.KindUsage:                  exitUsage,
	push.KindDenied:                 exitFindings,
	push.KindRegistry:               exitPushFailed,
	push.KindInternal:               exitInternal,
	stagegraph.KindPlanUsage:        exitUsage,
	stagegraph.KindPlanDockerfile:   exitFindings,
	(*outfile.CreateError)(nil):     exitUsage,
	(*actions.FormatError)(nil):     exitUsage,
	(*actions.InputError)(nil):      exitUsage,
	(*lint.StdinError)(nil):         exitInternal,
	(*lint.FixWriteError)(nil):      exitInternal,
	lint.VerdictPass:                exitOK,
	lint.VerdictFindings:            exitFindings,
	lint.VerdictInternalError:       exitInternal,
}

// exitKind is the key in exitCodes of the first of the packages' typed
// errors in err's chain: its kind, the sentinel error, or a nil pointer of
// its type; nil when there is none.
func exitKind(err error) any {
	var (
		be *buildcache.BuildError
		pe *push.Error
		le *stagegraph.PlanError
	)
	switch {
	case errors.Is(err, buildcache.ErrDaemonUnreachable):
		return buildcache.ErrDaemonUnreachable
	case errors.As(err, &be):
		return be.Kind
	case errors.As(err, &pe):
		return pe.Kind
	case errors.As(err, &le):
		return le.Kind
	case has[*outfile.CreateError](err):
		return (*outfile.CreateError)(nil)
	case has[*actions.FormatError](err):
		return (*actions.FormatError)(nil)
	case has[*actions.InputError](err):
		return (*actions.InputError)(nil)
	case has[*lint.StdinError](err):
		return (*lint.StdinError)(nil)
	case has[*lint.FixWriteError](err):
		return (*lint.FixWriteError)(nil)
	}
	return nil
}

// exitFor gives err the exit code of its kind (exitCodes), or otherwise
// when it has none. A config error stays as it is (run reports it, exit
// 2); nil stays nil.
func exitFor(err error, otherwise int) error {
	var ce *config.Error
	if err == nil || errors.As(err, &ce) {
		return err
	}
	code, ok := exitCodes[exitKind(err)]
	if !ok {
		code = otherwise
	}
	return &exitError{code: code, err: err}
}

// has reports whether err's chain holds an E.
func has[E error](err error) bool {
	var e E
	return errors.As(err, &e)
}

// exitCode is the error that carries code to main; nil for exitOK.
func exitCode(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitError{code: code}
}

// writeError is the exit error of writing what (such as "the report"):
// that of its kind (exitCodes), else exit 3; nil stays nil.
func writeError(what string, err error) error {
	if err == nil || exitKind(err) != nil {
		return exitFor(err, exitInternal)
	}
	return exitWith(exitInternal, fmt.Errorf("writing %s: %w", what, err))
}
