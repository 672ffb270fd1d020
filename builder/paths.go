// Package builder finds the BuildKit daemon that gantry builds on, and
// starts and manages one when none is configured: a local buildkitd that
// gantry supervises (and that stops itself when idle), or a moby/buildkit
// container.
package builder

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// Env is what the resolver reads from the process environment; tests give
// each run its own.
type Env struct {
	// Getenv reads an environment variable (default os.Getenv).
	Getenv func(string) string
	// Home is the user's home directory (default $HOME).
	Home string
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

func (e Env) home() string {
	if e.Home != "" {
		return e.Home
	}
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// StateDir is the managed daemon's private directory: its BuildKit state
// (root/), configuration, log and pid file. $XDG_STATE_HOME/gantry/builder,
// else ~/.local/state/gantry/builder; ~/Library/Application
// Support/gantry/builder on macOS.
func (e Env) StateDir() string {
	if d := e.getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "gantry", "builder")
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(e.home(), "Library", "Application Support", "gantry", "builder")
	}
	return filepath.Join(e.home(), ".local", "state", "gantry", "builder")
}

// RuntimeDir holds the managed daemon's socket: $XDG_RUNTIME_DIR/gantry,
// else /run/gantry for root, else a per-user directory in the temporary
// directory (socket paths are limited to about 100 bytes, so not the state
// directory).
func (e Env) RuntimeDir() string {
	if d := e.getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "gantry")
	}
	if os.Geteuid() == 0 && runtime.GOOS == "linux" {
		return "/run/gantry"
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("gantry-%d", os.Geteuid()))
}

// CacheDir is gantry's cache directory, where scripts/services puts the
// buildkitd it builds: $XDG_CACHE_HOME/gantry, else ~/.cache/gantry.
func (e Env) CacheDir() string {
	if d := e.getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "gantry")
	}
	return filepath.Join(e.home(), ".cache", "gantry")
}

// Paths are the files of the managed daemon.
type Paths struct {
	State   string // the state directory
	Root    string // buildkitd --root
	Socket  string // the socket that clients connect to (the supervisor's)
	Private string // buildkitd's own socket, reached only through the supervisor
	Config  string // buildkitd.toml
	Log     string // buildkitd's and the supervisor's log
	Pid     string // the supervisor's pid file (JSON, see Record)
	Lock    string // held while a daemon is started or stopped
}

// Paths returns the managed daemon's files for this environment.
func (e Env) Paths() Paths {
	return PathsFor(e.StateDir(), filepath.Join(e.RuntimeDir(), "buildkitd.sock"))
}

// PathsFor returns the managed daemon's files for a state directory and a
// socket.
func PathsFor(state, socket string) Paths {
	return Paths{
		State:   state,
		Root:    filepath.Join(state, "root"),
		Socket:  socket,
		Private: filepath.Join(filepath.Dir(socket), "buildkitd-private.sock"),
		Config:  filepath.Join(state, "buildkitd.toml"),
		Log:     filepath.Join(state, "buildkitd.log"),
		Pid:     filepath.Join(state, "supervisor.json"),
		Lock:    filepath.Join(state, "lock"),
	}
}

// Address is the managed daemon's unix:// address.
func (p Paths) Address() string { return "unix://" + p.Socket }

// BuildKitVersion is the version of BuildKit's Go module that gantry was
// built with (go.mod's), e.g. v0.34.2: the version of buildkitd it looks
// for in its cache directory and of the moby/buildkit image it starts.
func BuildKitVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/moby/buildkit" {
				if d.Replace != nil && d.Replace.Version != "" {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return fallbackBuildKitVersion
}

// fallbackBuildKitVersion is used when the binary carries no module
// information; TestBuildKitVersionMatchesGoMod keeps it equal to go.mod's.
const fallbackBuildKitVersion = "v0.34.2"

// findBuildkitd returns buildkitd from PATH, else the newest one that
// scripts/services built into the cache directory for this BuildKit
// version.
func (e Env) findBuildkitd(lookPath func(string) (string, error)) (string, bool) {
	if p, err := lookPath("buildkitd"); err == nil {
		return p, true
	}
	matches, _ := filepath.Glob(filepath.Join(e.CacheDir(), "buildkitd-"+BuildKitVersion()+"-*"))
	for i := len(matches) - 1; i >= 0; i-- {
		m := matches[i]
		if strings.HasSuffix(m, ".tmp") {
			continue
		}
		if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return m, true
		}
	}
	return "", false
}

// findRunc returns runc from PATH or the sbin directories, where Debian
// installs it and which a user's PATH often lacks.
func findRunc(lookPath func(string) (string, error)) (string, bool) {
	if p, err := lookPath("runc"); err == nil {
		return p, true
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/sbin", "/sbin"} {
		p := filepath.Join(d, "runc")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}
