//go:build unix

package lint

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used so
// far; timings with it are not disturbed by other processes on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
