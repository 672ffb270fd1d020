// Package buildkittest gives tests and benchmarks the real services that
// scripts/services starts (a BuildKit daemon and a registry), and starts
// fresh BuildKit daemons with an empty state directory: a new CI runner.
package buildkittest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/builder"
	"github.com/gantry-ci/gantry/internal/testenv"

	"github.com/moby/buildkit/client"
)

// Services are the real components scripts/services started.
type Services struct {
	// Addr is the shared daemon's address (GANTRY_BUILDKIT_ADDR).
	Addr string
	// Buildkitd is the buildkitd binary, to start fresh daemons (GANTRY_BUILDKITD).
	Buildkitd string
	// Registry is the registry's host:port (GANTRY_REGISTRY).
	Registry string
	// Busybox is a static busybox binary (GANTRY_BUSYBOX).
	Busybox string
}

// Get returns the services from the environment. When one is missing the
// test is skipped, unless CI is set: then it fails.
func Get(tb testing.TB) Services {
	tb.Helper()
	return Services{
		Addr:      testenv.Getenv(tb, "GANTRY_BUILDKIT_ADDR"),
		Buildkitd: testenv.Getenv(tb, "GANTRY_BUILDKITD"),
		Registry:  testenv.Getenv(tb, "GANTRY_REGISTRY"),
		Busybox:   testenv.Getenv(tb, "GANTRY_BUSYBOX"),
	}
}

// Daemon is a buildkitd started for one test, with its own empty state
// directory and socket.
type Daemon struct {
	// Addr is its unix:// address.
	Addr string
	// Dir holds its state (Dir/root), socket and log.
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartDaemon starts a fresh buildkitd (OCI worker, runc), with extra
// buildkitd arguments such as another --addr, and waits until it answers on
// its unix socket. It is stopped and its state removed when the test ends.
func StartDaemon(tb testing.TB, buildkitd string, args ...string) *Daemon {
	tb.Helper()
	d, err := Start(buildkitd, args...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(d.Stop)
	return d
}

// Start starts a fresh buildkitd; the caller must Stop it.
func Start(buildkitd string, args ...string) (*Daemon, error) {
	// a short path: unix socket paths are limited to 108 bytes
	dir, err := os.MkdirTemp("", "gantry-bk-")
	if err != nil {
		return nil, err
	}
	d := &Daemon{Addr: "unix://" + filepath.Join(dir, "buildkitd.sock"), Dir: dir, done: make(chan struct{})}
	logf, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		return nil, err
	}
	d.cmd = exec.Command(buildkitd, append([]string{"--root", filepath.Join(dir, "root"), "--addr", d.Addr,
		"--oci-worker=true", "--containerd-worker=false"}, args...)...)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin:/sbin")
	if err := d.cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting buildkitd: %w", err)
	}
	go func() {
		d.cmd.Wait()
		logf.Close()
		close(d.done)
	}()
	// a hang guard, generous for a loaded 2-core machine
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if err := ping(d.Addr); err == nil {
			return d, nil
		} else if time.Now().After(deadline) {
			d.Stop()
			return nil, fmt.Errorf("buildkitd did not answer within 3 minutes: %v\n%s", err, d.Log())
		}
		select {
		case <-d.done:
			log := d.Log()
			d.Stop()
			return nil, fmt.Errorf("buildkitd exited at start:\n%s", log)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func ping(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.New(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Info(ctx)
	return err
}

// Log returns the daemon's log.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "buildkitd.log"))
	return string(b)
}

// Kill kills the daemon at once (SIGKILL), as a crash would.
func (d *Daemon) Kill() {
	if d.cmd.Process != nil {
		d.cmd.Process.Signal(syscall.SIGKILL)
	}
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
	}
}

// Stop stops the daemon, unmounts what it left mounted and removes its state.
func (d *Daemon) Stop() {
	select {
	case <-d.done:
	default:
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			d.Kill()
		}
	}
	builder.CleanUnder(d.Dir)
	os.RemoveAll(d.Dir)
}

// DirSize is the total size of the regular files under dir.
func DirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
