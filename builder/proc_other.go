//go:build !linux

package builder

import (
	"context"
	"os"
	"os/exec"
	"time"
)

// supervisorSupported is false: buildkitd runs on Linux only, so elsewhere
// gantry starts the container builder or uses one that is configured.
const supervisorSupported = false

func processAlive(pid int, want string) bool { return false }

// privateDir does not check: no local buildkitd runs here.
func privateDir(dir string) error { return nil }

func stopProcess(pid int, grace time.Duration) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

func detach(cmd *exec.Cmd) {}

func dieWithParent(cmd *exec.Cmd) {}

func lockFile(ctx context.Context, path string) (func(), error) { return func() {}, nil }

// CleanUnder does nothing where buildkitd does not run.
func CleanUnder(root string) {}
