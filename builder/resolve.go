package builder

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/moby/buildkit/util/appdefaults"

	"github.com/gantry-ci/gantry/buildcache"
)

// Source says how the builder was found.
type Source string

// The steps of Resolve, in order.
const (
	FromFlag      Source = "--builder"
	FromEnv       Source = "$BUILDKIT_HOST"
	FromManaged   Source = "gantry-managed builder"
	FromDefault   Source = "default socket"
	FromBuildx    Source = "current buildx builder"
	StartedLocal  Source = "started a local buildkitd"
	StartedDocker Source = "started the container builder"
)

// Resolution is the builder gantry uses and how it was found.
type Resolution struct {
	Addr   string
	Source Source
	// Detail adds to Source, e.g. the buildx builder's name or the pid.
	Detail string
	// TLS is set for a remote buildx builder with certificates.
	TLS buildcache.TLSOptions
	// Trace lists each step tried and why it was passed over.
	Trace []string
	// Managed is the managed daemon's record when Source is FromManaged or
	// StartedLocal.
	Managed *Record
}

// How is the one-line account of where the builder came from.
func (r *Resolution) How() string {
	if r.Detail == "" {
		return string(r.Source)
	}
	return string(r.Source) + " (" + r.Detail + ")"
}

// Options configure Resolve.
type Options struct {
	StartOptions
	// Flag is --builder.
	Flag string
	// NoStart stops at the steps that find a running builder (gantry
	// builder status).
	NoStart bool
	// DefaultSocket is BuildKit's default address (default
	// appdefaults.Address, unix:///run/buildkit/buildkitd.sock for root).
	DefaultSocket string
	// Docker runs the docker CLI (tests replace it).
	Docker func(ctx context.Context, args ...string) (string, error)
}

// NoBuilderError says that no builder was found or could be started, with
// what to do on Linux, macOS and GitHub runners. It wraps
// buildcache.ErrDaemonUnreachable: gantry build exits 4.
type NoBuilderError struct {
	Trace []string
	// NotStarted is true when Resolve was asked not to start one.
	NotStarted bool
}

func (e *NoBuilderError) Error() string {
	if e.NotStarted {
		return "no BuildKit builder is running:\n  " + strings.Join(e.Trace, "\n  ") +
			"\ngantry build starts one, or gantry builder start"
	}
	return "no BuildKit builder found, and none could be started:\n  " + strings.Join(e.Trace, "\n  ") + `
to get one:
  Linux:          install buildkitd and runc (e.g. scripts/services install in gantry's
                  repository, or BuildKit's release tarball plus your distribution's runc);
                  gantry then starts and stops it itself (as root, or through rootlesskit)
  macOS:          start Docker Desktop, Colima or OrbStack; gantry then starts the
                  moby/buildkit container gantry-buildkit
  GitHub runners: ubuntu runners have docker, so gantry starts the container builder;
                  on others, point BUILDKIT_HOST at a daemon, or create a builder with
                  docker/setup-buildx-action (gantry uses the current buildx builder)
or point --builder or BUILDKIT_HOST at a running daemon`
}

// Unwrap makes the error match buildcache.ErrDaemonUnreachable.
func (e *NoBuilderError) Unwrap() error { return buildcache.ErrDaemonUnreachable }

// Resolve finds the builder, in order: --builder; $BUILDKIT_HOST; a running
// gantry-managed builder; a daemon answering at the default socket; the
// current buildx builder when its driver is docker-container or remote; then
// it starts one: a local buildkitd (supervised, stopping itself when idle)
// when buildkitd and runc are installed, else the container builder when
// docker answers. It fails with a *NoBuilderError when nothing works, and
// with a plain error for an invalid --builder or $BUILDKIT_HOST.
func Resolve(ctx context.Context, o Options) (*Resolution, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if o.DefaultSocket == "" {
		o.DefaultSocket = appdefaults.Address
	}
	if o.Docker == nil {
		o.Docker = runDocker
	}
	res := &Resolution{}
	note := func(format string, args ...any) { res.Trace = append(res.Trace, fmt.Sprintf(format, args...)) }
	found := func(addr string, src Source, detail string) (*Resolution, error) {
		res.Addr, res.Source, res.Detail = addr, src, detail
		note("%s: %s", src, addr)
		return res, nil
	}

	if o.Flag != "" {
		addr, err := buildcache.ResolveAddress(o.Flag, func(string) string { return "" })
		if err != nil {
			return nil, err
		}
		return found(addr, FromFlag, "")
	}
	note("%s: not given", FromFlag)
	if env := o.getenv("BUILDKIT_HOST"); env != "" {
		addr, err := buildcache.ResolveAddress(env, func(string) string { return "" })
		if err != nil {
			return nil, fmt.Errorf("$BUILDKIT_HOST: %w", err)
		}
		return found(addr, FromEnv, "")
	}
	note("%s: not set", FromEnv)

	p := o.Paths()
	if r, ok := Running(ctx, p); ok {
		res.Managed = r
		return found(r.Address, FromManaged, fmt.Sprintf("pid %d, state %s", r.Pid, p.State))
	}
	note("%s: none running (%s)", FromManaged, p.Pid)

	if err := answers(ctx, o.DefaultSocket); err == nil {
		return found(o.DefaultSocket, FromDefault, "")
	} else {
		note("%s: %s: %v", FromDefault, o.DefaultSocket, err)
	}

	if addr, name, tls, err := currentBuildx(o.Env); err != nil {
		note("%s: %v", FromBuildx, err)
	} else if err := answers(ctx, addr); err != nil {
		note("%s: %s at %s: %v", FromBuildx, name, addr, err)
	} else {
		res.TLS = tls
		return found(addr, FromBuildx, name)
	}

	if o.NoStart {
		return nil, &NoBuilderError{Trace: res.Trace, NotStarted: true}
	}
	r, started, err := Start(ctx, o.StartOptions)
	if err == nil {
		res.Managed = r
		if !started { // another gantry started it while this one waited for the lock
			return found(r.Address, FromManaged, fmt.Sprintf("pid %d, state %s", r.Pid, p.State))
		}
		return found(r.Address, StartedLocal, fmt.Sprintf("pid %d, log %s", r.Pid, p.Log))
	}
	if !errors.Is(err, ErrCannotStartLocal) {
		return nil, &startError{err: err}
	}
	note("%s: %v", StartedLocal, err)

	if err := dockerAvailable(ctx, o.LookPath, o.Docker); err != nil {
		note("%s: %v", StartedDocker, err)
		return nil, &NoBuilderError{Trace: res.Trace}
	}
	if err := startContainer(ctx, o.Docker, o.KeepStorage, waitContainer); err != nil {
		return nil, &startError{err: err}
	}
	return found(ContainerAddress, StartedDocker, ContainerImage())
}

// startError is a failure to start a builder that gantry should have been
// able to start; it wraps buildcache.ErrDaemonUnreachable (exit 4).
type startError struct{ err error }

func (e *startError) Error() string   { return "starting a builder: " + e.err.Error() }
func (e *startError) Unwrap() []error { return []error{buildcache.ErrDaemonUnreachable, e.err} }

// answers checks that a daemon answers at addr. A unix socket that does not
// exist is passed over at once; other addresses get a few seconds.
func answers(ctx context.Context, addr string) error {
	if u, err := url.Parse(addr); err == nil && u.Scheme == "unix" {
		if _, err := os.Stat(u.Path); err != nil {
			return fmt.Errorf("no socket")
		}
	}
	if strings.HasPrefix(addr, "docker-container://") {
		if _, err := exec.LookPath("docker"); err != nil {
			return fmt.Errorf("docker is not on PATH")
		}
	}
	if err := ping(ctx, addr, 5*time.Second); err != nil {
		return fmt.Errorf("no answer")
	}
	return nil
}
