package builder

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/gantry-ci/gantry/internal/testenv"
)

// TestAwaitBusy: Start waits for a managed daemon whose supervisor and
// buildkitd run but which did not answer a ping (in use on a loaded
// machine) instead of stopping it, and gives up at once when a process of
// the daemon has ended or there is no record.
func TestAwaitBusy(t *testing.T) {
	if runtime.GOOS != "linux" {
		testenv.SkipOrFail(t, "the managed buildkitd runs on Linux only")
	}
	// fake processes whose command lines name the state and root
	// directories, as the supervisor's and buildkitd's do
	fake := func(t *testing.T, dir string) *exec.Cmd {
		cmd := exec.Command("/bin/sh", "-c", "sleep 60", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	for _, tc := range []struct {
		name     string
		fails    int  // answers that fail before one succeeds (-1: all fail)
		noRecord bool // no daemon was started
		dead     bool // buildkitd has ended
		want     bool
		calls    int // answers asked for (-1: at least two, until patience runs out)
	}{
		{name: "answers on the third try", fails: 2, want: true, calls: 3},
		{name: "never answers", fails: -1, calls: -1},
		{name: "buildkitd ended", fails: -1, dead: true, calls: 0},
		{name: "no record", noRecord: true, calls: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testEnv(t, nil).Paths()
			if err := os.MkdirAll(p.Root, 0o700); err != nil {
				t.Fatal(err)
			}
			if !tc.noRecord {
				sup, bk := fake(t, p.State), fake(t, p.Root)
				if tc.dead {
					bk.Process.Kill()
					bk.Wait()
				}
				if err := writeRecord(p, &Record{Pid: sup.Process.Pid, BuildkitdPid: bk.Process.Pid, Address: "unix:///busy.sock"}); err != nil {
					t.Fatal(err)
				}
			}
			calls := 0
			answer := func(ctx context.Context, addr string) error {
				calls++
				if addr != "unix:///busy.sock" {
					t.Errorf("asked %s", addr)
				}
				if tc.fails >= 0 && calls > tc.fails {
					return nil
				}
				return errors.New("deadline exceeded")
			}
			r, ok := awaitBusy(context.Background(), p, 2500*time.Millisecond, answer)
			if ok != tc.want || ok && r == nil {
				t.Errorf("awaitBusy = %v, %v; want %v", r, ok, tc.want)
			}
			if tc.calls >= 0 && calls != tc.calls || tc.calls < 0 && calls < 2 {
				t.Errorf("answer called %d times", calls)
			}
		})
	}
}

// TestStartKeepsBusyWhenCanceled: when the context ends (--timeout, ^C)
// while Start waits for a busy daemon, Start returns the context's error
// and leaves the daemon running for the builds that use it; it does not
// take the end of the wait for a dead daemon and stop it.
func TestStartKeepsBusyWhenCanceled(t *testing.T) {
	if runtime.GOOS != "linux" {
		testenv.SkipOrFail(t, "the managed buildkitd runs on Linux only")
	}
	e := testEnv(t, nil)
	p := e.Paths()
	if err := os.MkdirAll(p.Root, 0o700); err != nil {
		t.Fatal(err)
	}
	fake := func(dir string) *exec.Cmd {
		cmd := exec.Command("/bin/sh", "-c", "sleep 60", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	sup, bk := fake(p.State), fake(p.Root)
	if err := writeRecord(p, &Record{Pid: sup.Process.Pid, BuildkitdPid: bk.Process.Pid, Address: "unix:///busy.sock"}); err != nil {
		t.Fatal(err)
	}
	old := busyPatience
	busyPatience = time.Minute
	t.Cleanup(func() { busyPatience = old })
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, _, err := Start(ctx, StartOptions{Env: e, Self: "/bin/true",
		LookPath: func(name string) (string, error) { return "/bin/" + name, nil }})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Start = %v; want the context's deadline", err)
	}
	if !processAlive(sup.Process.Pid, p.State) || !processAlive(bk.Process.Pid, p.Root) {
		t.Error("Start stopped the busy daemon when its context ended")
	}
	if _, err := readRecord(p); err != nil {
		t.Errorf("the busy daemon's record: %v", err)
	}
}
