package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
)

// DefaultIdleTimeout is how long a managed daemon waits with no client
// connected before it stops itself.
const DefaultIdleTimeout = 30 * time.Minute

// DefaultKeepStorage is the managed daemon's garbage-collection bound:
// BuildKit removes the least recently used cache records beyond it
// (maxUsedSpace in buildkitd.toml).
const DefaultKeepStorage = "10GB"

// maxLogSize is the size beyond which a start moves the log to LOG.1.
const maxLogSize = 10 << 20

// Record describes a running managed daemon; the supervisor writes it to
// Paths.Pid when the daemon answers and removes it when it stops.
type Record struct {
	// Pid is the supervisor's process (gantry builder supervise).
	Pid int `json:"pid"`
	// BuildkitdPid is buildkitd's process (or rootlesskit's).
	BuildkitdPid int `json:"buildkitd_pid"`
	// Address is where clients connect.
	Address string `json:"address"`
	// Started is when the daemon started.
	Started time.Time `json:"started"`
	// IdleTimeout is how long it runs with no client (0: until stopped).
	IdleTimeout Duration `json:"idle_timeout"`
	// Buildkitd is the binary it runs.
	Buildkitd string `json:"buildkitd"`
	// Rootless is true when it runs through rootlesskit.
	Rootless bool `json:"rootless,omitempty"`
}

// Duration is a time.Duration written as text in JSON ("30m0s").
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads a duration written by MarshalText.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

func readRecord(p Paths) (*Record, error) {
	b, err := os.ReadFile(p.Pid)
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", p.Pid, err)
	}
	return &r, nil
}

func writeRecord(p Paths, r *Record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := p.Pid + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.Pid)
}

// ping checks that a daemon answers at addr, within timeout.
func ping(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := client.New(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Info(ctx)
	return err
}

// Running returns the managed daemon's record when its supervisor is alive
// and the daemon answers.
func Running(ctx context.Context, p Paths) (*Record, bool) {
	r, err := readRecord(p)
	if err != nil || !processAlive(r.Pid, p.State) {
		return nil, false
	}
	if err := ping(ctx, r.Address, 10*time.Second); err != nil {
		return r, false
	}
	return r, true
}

// busyPatience is how long Start waits for a managed daemon that runs (its
// supervisor and buildkitd are both alive) but did not answer a ping. On a
// loaded machine a daemon in use can take longer than a ping allows, and
// starting afresh would stop it, and fail the builds that use it.
var busyPatience = 2 * time.Minute

// pingAnswer is ping with the timeout each try of awaitBusy gets: 30 s,
// or less when the context ends first.
func pingAnswer(ctx context.Context, addr string) error {
	return ping(ctx, addr, 30*time.Second)
}

// awaitBusy waits up to patience for the managed daemon recorded at p to
// answer (see busyPatience) while its supervisor and buildkitd run. It
// returns the record once answer succeeds; false at once when there is no
// record or a process of the daemon has ended, and when patience runs out.
func awaitBusy(ctx context.Context, p Paths, patience time.Duration, answer func(context.Context, string) error) (*Record, bool) {
	r, err := readRecord(p)
	if err != nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	for processAlive(r.Pid, p.State) && processAlive(r.BuildkitdPid, p.Root) {
		if answer(ctx, r.Address) == nil {
			return r, true
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(time.Second):
		}
	}
	return nil, false
}

// StartOptions configure a managed daemon.
type StartOptions struct {
	Env
	// Self is the gantry binary that runs the supervisor (default: this
	// executable).
	Self string
	// IdleTimeout stops the daemon after this long with no client (0: never).
	IdleTimeout time.Duration
	// KeepStorage bounds the daemon's cache (default DefaultKeepStorage).
	KeepStorage string
	// LookPath finds programs (default exec.LookPath).
	LookPath func(string) (string, error)
}

func (o *StartOptions) defaults() error {
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.KeepStorage == "" {
		o.KeepStorage = DefaultKeepStorage
	}
	if o.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find the gantry binary to supervise buildkitd: %w", err)
		}
		o.Self = self
	}
	return nil
}

// ErrCannotStartLocal says that no local daemon can be started here
// (buildkitd, runc or root/rootlesskit missing); the message says which.
var ErrCannotStartLocal = errors.New("cannot start a local buildkitd")

// localCommand returns the command line that runs buildkitd here, or an
// error wrapping ErrCannotStartLocal.
func localCommand(o StartOptions, p Paths) (argv []string, runcDir string, rootless bool, err error) {
	if !supervisorSupported {
		return nil, "", false, fmt.Errorf("%w: buildkitd runs on Linux only", ErrCannotStartLocal)
	}
	bkd, ok := o.findBuildkitd(o.LookPath)
	if !ok {
		return nil, "", false, fmt.Errorf("%w: buildkitd is neither on PATH nor in %s", ErrCannotStartLocal, o.CacheDir())
	}
	runc, ok := findRunc(o.LookPath)
	if !ok {
		return nil, "", false, fmt.Errorf("%w: runc is not on PATH", ErrCannotStartLocal)
	}
	argv = []string{bkd, "--root", p.Root, "--addr", "unix://" + p.Private, "--config", p.Config}
	if os.Geteuid() != 0 {
		rk, err := o.LookPath("rootlesskit")
		if err != nil {
			return nil, "", false, fmt.Errorf("%w: not root, and rootlesskit (for a rootless buildkitd) is not on PATH", ErrCannotStartLocal)
		}
		argv = append([]string{rk}, argv...)
		rootless = true
	}
	return argv, filepath.Dir(runc), rootless, nil
}

// buildkitdConfig is the managed daemon's buildkitd.toml: the OCI worker
// only, with garbage collection bounded by keepStorage.
func buildkitdConfig(keepStorage string) string {
	return fmt.Sprintf(`# written by gantry: the configuration of its managed buildkitd
[worker.oci]
  enabled = true
  gc = true
  # BuildKit removes the least recently used cache beyond this
  maxUsedSpace = %q

[worker.containerd]
  enabled = false
`, keepStorage)
}

// Start starts the managed daemon unless it is running, and returns its
// record; started says whether this call started it. A lock makes
// concurrent calls start one daemon; a record left by a daemon that died
// (kill -9, a reboot) is cleaned up first.
func Start(ctx context.Context, o StartOptions) (r *Record, started bool, err error) {
	if err := o.defaults(); err != nil {
		return nil, false, err
	}
	p := o.Paths()
	for _, d := range []string{p.State, filepath.Dir(p.Socket)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, false, err
		}
	}
	if err := privateDir(filepath.Dir(p.Socket)); err != nil {
		return nil, false, err
	}
	unlock, err := lockFile(ctx, p.Lock)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	if r, ok := Running(ctx, p); ok {
		return r, false, nil
	}
	if r, ok := awaitBusy(ctx, p, busyPatience, pingAnswer); ok {
		return r, false, nil
	}
	if err := ctx.Err(); err != nil {
		// the daemon did not answer because the wait ended, not because it
		// is dead: stopping it would fail the builds that use it
		return nil, false, err
	}
	argv, runcDir, rootless, err := localCommand(o, p)
	if err != nil {
		return nil, false, err
	}
	cleanStale(p)
	if err := os.WriteFile(p.Config, []byte(buildkitdConfig(o.KeepStorage)), 0o600); err != nil {
		return nil, false, err
	}
	if fi, err := os.Stat(p.Log); err == nil && fi.Size() > maxLogSize {
		os.Rename(p.Log, p.Log+".1") // keep one old log
	}
	logf, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, false, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "gantry: %s starting %s\n", time.Now().Format(time.RFC3339), strings.Join(argv, " "))
	args := []string{"builder", "supervise", "--state", p.State, "--socket", p.Socket,
		"--idle-timeout", o.IdleTimeout.String()}
	if rootless {
		args = append(args, "--rootless")
	}
	args = append(args, "--")
	cmd := exec.Command(o.Self, append(args, argv...)...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+string(os.PathListSeparator)+runcDir)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, false, fmt.Errorf("starting the builder supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if r, err := readRecord(p); err == nil && r.Pid == cmd.Process.Pid {
			if err := ping(ctx, r.Address, 10*time.Second); err == nil {
				return r, true, nil
			}
		}
		select {
		case err := <-exited:
			return nil, false, fmt.Errorf("the managed buildkitd exited at start (%v); its log, %s, ends:\n%s", err, p.Log, tail(p.Log, 15))
		case <-deadline.C:
			stopProcess(cmd.Process.Pid, 30*time.Second)
			return nil, false, fmt.Errorf("the managed buildkitd did not answer within 2m; its log, %s, ends:\n%s", p.Log, tail(p.Log, 15))
		case <-ctx.Done():
			stopProcess(cmd.Process.Pid, 30*time.Second)
			return nil, false, ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop stops the managed daemon and waits until buildkitd has exited.
// It reports whether one was running.
func Stop(ctx context.Context, e Env) (bool, error) {
	p := e.Paths()
	if _, err := os.Stat(p.State); err != nil {
		return false, nil
	}
	unlock, err := lockFile(ctx, p.Lock)
	if err != nil {
		return false, err
	}
	defer unlock()
	r, err := readRecord(p)
	if err != nil {
		return false, nil
	}
	was := processAlive(r.Pid, p.State)
	if was {
		// the supervisor stops buildkitd (SIGTERM, then SIGKILL after 30s)
		stopProcess(r.Pid, 60*time.Second)
	}
	cleanStale(p)
	return was, nil
}

// cleanStale removes what a managed daemon that died left behind: a
// supervisor or buildkitd still running without the other, their sockets,
// the record and the mounts under the state directory.
func cleanStale(p Paths) {
	if r, err := readRecord(p); err == nil {
		if processAlive(r.Pid, p.State) {
			stopProcess(r.Pid, 30*time.Second)
		}
		if processAlive(r.BuildkitdPid, p.Root) {
			stopProcess(r.BuildkitdPid, 30*time.Second)
		}
	}
	CleanUnder(p.Root)
	os.Remove(p.Socket)
	os.Remove(p.Private)
	os.Remove(p.Pid)
}

// Logs copies the managed daemon's log to w.
func Logs(e Env, w io.Writer) error {
	f, err := os.Open(e.Paths().Log)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no managed builder has run here (no %s)", e.Paths().Log)
		}
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
