package gcstart

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestGodebugDisablesTHP(t *testing.T) {
	for _, tt := range []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"gctrace=1, disablethp=1", true},
		{"disablethp=0", false},
		{"disablethp=1,disablethp=0", false},
		{"xdisablethp=1", false},
	} {
		if got := godebugDisablesTHP(tt.godebug); got != tt.want {
			t.Errorf("godebugDisablesTHP(%q) = %v, want %v", tt.godebug, got, tt.want)
		}
	}
}

func TestHugePagesDoesNothing(t *testing.T) {
	const n = 256 << 20
	for _, tt := range []struct {
		name string
		n    uint64
		set  func() (undo func())
	}{
		{"under minGoal", minGoal - 1, nil},
		{"GODEBUG=disablethp=1", n, func() func() {
			t.Setenv("GODEBUG", "disablethp=1")
			return func() {}
		}},
		{"GOGC=off", n, func() func() {
			old := debug.SetGCPercent(-1)
			return func() { debug.SetGCPercent(old) }
		}},
		{"a memory limit", n, func() func() {
			old := debug.SetMemoryLimit(1 << 40)
			return func() { debug.SetMemoryLimit(old) }
		}},
	} {
		undo := func() {}
		if tt.set != nil {
			undo = tt.set()
		}
		if addr := hugePages(tt.n); addr != 0 {
			t.Errorf("%s: hugePages advised a range", tt.name)
		}
		undo()
	}
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Error("the memory limit was not put back")
	}
}
