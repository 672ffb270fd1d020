// Package cpuprofile is gantry's hidden --cpuprofile flag, for gantry's
// developers measuring lint and build speed.
package cpuprofile

import (
	"os"
	"runtime/pprof"
)

// Profile writes a Go CPU profile to Path between Start and Stop; with an
// empty Path both do nothing.
type Profile struct {
	Path string
	f    *os.File
}

// Start creates Path and starts profiling.
func (p *Profile) Start() error {
	if p.Path == "" {
		return nil
	}
	f, err := os.Create(p.Path)
	if err != nil {
		return err
	}
	p.f = f
	return pprof.StartCPUProfile(f)
}

// Stop ends profiling and closes the file.
func (p *Profile) Stop() {
	if p.f != nil {
		pprof.StopCPUProfile()
		p.f.Close()
		p.f = nil
	}
}
