package builder

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// supervisorSupported is true where gantry can run and supervise buildkitd.
const supervisorSupported = true

// privateDir checks that dir, where the managed daemon's socket lives, is
// a directory of this user that no one else can write. Outside
// $XDG_RUNTIME_DIR it is $TMPDIR/gantry-UID, a name anyone can guess and
// create first: its owner could put a socket of their own in the builder's
// place, between gantry and the builds' secrets.
func privateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Geteuid() || fi.Mode().Perm()&0o022 != 0 {
		uid := -1
		if ok {
			uid = int(st.Uid)
		}
		return fmt.Errorf("%s is not a private directory of yours (mode %s, owner uid %d, you are %d): another user could replace the builder's socket in it; remove it, or set XDG_RUNTIME_DIR", dir, fi.Mode(), uid, os.Geteuid())
	}
	return nil
}

// processAlive reports whether pid runs (not a zombie) with a command line
// that contains want: a pid file can outlive its process, and the pid be
// reused by another program.
func processAlive(pid int, want string) bool {
	if pid <= 0 {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(cmdline), want)
}

// stopProcess sends SIGTERM and waits up to grace for the process to end,
// then kills it.
func stopProcess(pid int, grace time.Duration) {
	if pid <= 0 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !processAlive(pid, "") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100 && processAlive(pid, ""); i++ {
		time.Sleep(50 * time.Millisecond)
	}
}

// detach makes the supervisor outlive the gantry command that started it:
// a session of its own, so the terminal's signals do not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// dieWithParent makes buildkitd receive SIGTERM when its supervisor dies,
// even by SIGKILL. The signal follows the thread that started the child, so
// the caller keeps that goroutine locked to its thread.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
}

// lockFile takes an exclusive lock on path, waiting for it until ctx ends.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the builder lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CleanUnder removes what a killed buildkitd leaves behind under its root
// directory: it kills the processes of build containers (whose root
// filesystem is a snapshot there) and lazily unmounts the mounts, deepest
// first.
func CleanUnder(root string) {
	if root == "" {
		return
	}
	infos, _ := filepath.Glob("/proc/[0-9]*/mountinfo")
	for _, p := range infos {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if f := strings.Fields(line); len(f) > 4 && f[4] == "/" && strings.Contains(line, root+"/") {
			var pid int
			if _, err := fmt.Sscanf(p, "/proc/%d/mountinfo", &pid); err == nil && pid != os.Getpid() {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	var mounts []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], root+"/") {
			mounts = append(mounts, f[1])
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
}
