package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// SuperviseOptions configure Supervise.
type SuperviseOptions struct {
	// State is the state directory, and Socket the socket clients connect
	// to (PathsFor); both are required.
	State, Socket string
	// Argv runs buildkitd on the private socket (see localCommand).
	Argv []string
	// IdleTimeout: stop after this long with no client connected (0: never).
	IdleTimeout time.Duration
	Rootless    bool
	// Log receives the supervisor's messages.
	Log io.Writer
}

// Check rejects options that Supervise cannot run with: no state
// directory or socket.
func (o *SuperviseOptions) Check() error {
	if o.State == "" || o.Socket == "" {
		return errors.New("--state and --socket are required")
	}
	return nil
}

// Supervise runs buildkitd and owns it until ctx ends, buildkitd exits, or
// no client has been connected for IdleTimeout; then it stops buildkitd and
// removes the socket and the record.
//
// buildkitd listens on a private socket. The supervisor listens on the
// public one and copies each connection through, so it knows how many
// clients are connected: a build holds its gRPC connection for the whole
// build (a per-stage build, for all its waves), so "no connection for
// IdleTimeout" means no build, status or prune ran in that time. This is
// exact where a poll of BuildKit's API (ListWorkers, DiskUsage, the build
// history) would miss a build that started and ended between two polls, or
// count its own polls as activity.
func Supervise(ctx context.Context, o SuperviseOptions) error {
	lg := log.New(o.Log, "gantry supervisor: ", log.LstdFlags)
	p := PathsFor(o.State, o.Socket)
	os.Remove(p.Private)
	os.Remove(p.Socket)

	// buildkitd gets SIGTERM if the supervisor dies (kill -9 included):
	// Pdeathsig follows the thread that forked it, so that thread stays
	// locked and alive in this goroutine until buildkitd exits.
	started := make(chan error, 1)
	exited := make(chan error, 1)
	var cmd *exec.Cmd
	go func() {
		runtime.LockOSThread()
		cmd = exec.Command(o.Argv[0], o.Argv[1:]...)
		cmd.Stdout, cmd.Stderr = o.Log, o.Log
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("starting buildkitd: %w", err)
	}
	stopBuildkitd := func() {
		stopProcess(cmd.Process.Pid, 30*time.Second)
		CleanUnder(p.Root)
		os.Remove(p.Private)
	}

	// wait until buildkitd answers on its private socket
	for {
		if err := ping(ctx, "unix://"+p.Private, 5*time.Second); err == nil {
			break
		}
		select {
		case err := <-exited:
			return fmt.Errorf("buildkitd exited at start: %v", err)
		case <-ctx.Done():
			stopBuildkitd()
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}

	ln, err := net.Listen("unix", p.Socket)
	if err != nil {
		stopBuildkitd()
		return err
	}
	px := &proxy{private: p.Private, last: time.Now(), log: lg}
	go px.serve(ln)
	rec := &Record{Pid: os.Getpid(), BuildkitdPid: cmd.Process.Pid, Address: p.Address(), Started: time.Now(),
		IdleTimeout: Duration(o.IdleTimeout), Buildkitd: o.Argv[0], Rootless: o.Rootless}
	if err := writeRecord(p, rec); err != nil {
		ln.Close()
		stopBuildkitd()
		return err
	}
	lg.Printf("buildkitd (pid %d) ready at %s, idle timeout %s", cmd.Process.Pid, rec.Address, o.IdleTimeout)

	shutdown := func(why string) {
		lg.Printf("stopping: %s", why)
		ln.Close()
		os.Remove(p.Socket)
		os.Remove(p.Pid)
		stopBuildkitd()
	}
	check := time.Second
	if o.IdleTimeout > 0 && o.IdleTimeout/4 < check {
		check = o.IdleTimeout / 4
	}
	tick := time.NewTicker(check)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			shutdown("asked to stop")
			return nil
		case err := <-exited:
			ln.Close()
			os.Remove(p.Socket)
			os.Remove(p.Pid)
			CleanUnder(p.Root)
			lg.Printf("buildkitd exited: %v", err)
			return fmt.Errorf("buildkitd exited: %v", err)
		case <-tick.C:
			if o.IdleTimeout > 0 {
				if idle := px.idleFor(); idle >= o.IdleTimeout {
					shutdown(fmt.Sprintf("no client for %s (idle timeout %s)", idle.Round(time.Second), o.IdleTimeout))
					return nil
				}
			}
		}
	}
}

// proxy copies client connections to buildkitd's private socket and counts
// them.
type proxy struct {
	private string
	log     *log.Logger

	mu     sync.Mutex
	active int
	last   time.Time // when the last client disconnected (or the start)
}

func (x *proxy) idleFor() time.Duration {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.active > 0 {
		return 0
	}
	return time.Since(x.last)
}

func (x *proxy) track(delta int) {
	x.mu.Lock()
	x.active += delta
	x.last = time.Now()
	x.mu.Unlock()
}

func (x *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				x.log.Printf("accept: %v", err)
			}
			return
		}
		x.track(1)
		go func() {
			defer x.track(-1)
			x.relay(c)
		}()
	}
}

// relay copies one connection both ways until either side closes.
func (x *proxy) relay(c net.Conn) {
	defer c.Close()
	b, err := net.Dial("unix", x.private)
	if err != nil {
		x.log.Printf("buildkitd: %v", err)
		return
	}
	defer b.Close()
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(b, c)
		b.(*net.UnixConn).CloseWrite()
		done <- struct{}{}
	}()
	go func() {
		io.Copy(c, b)
		c.(*net.UnixConn).CloseWrite()
		done <- struct{}{}
	}()
	<-done
	<-done
}
