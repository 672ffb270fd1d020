package gcstart

import (
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

// TestHugePagesDoesNothing: each case alone turns HugePages off (the test
// process has not advised a range, which TestHugePagesInFreshProcess
// checks in a process of its own).
func TestHugePagesDoesNothing(t *testing.T) {
	const n = 256 << 20
	for _, tt := range []struct {
		name string
		n    uint64
		set  func(t *testing.T)
	}{
		{"under minGoal", minGoal - 1, func(*testing.T) {}},
		{"GODEBUG=disablethp=1", n, func(t *testing.T) { t.Setenv("GODEBUG", "disablethp=1") }},
		{"GOGC=off", n, func(t *testing.T) {
			old := debug.SetGCPercent(-1)
			t.Cleanup(func() { debug.SetGCPercent(old) })
		}},
		{"a memory limit", n, func(t *testing.T) {
			old := debug.SetMemoryLimit(1 << 40)
			t.Cleanup(func() { debug.SetMemoryLimit(old) })
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GODEBUG", "")
			tt.set(t)
			if addr := hugePages(tt.n); addr != 0 {
				t.Errorf("hugePages advised a range with %s", tt.name)
			}
		})
	}
}

func TestCollectorAllows(t *testing.T) {
	if !collectorAllows() {
		t.Fatal("collectorAllows is false with the collector on and no memory limit")
	}
	old := debug.SetGCPercent(-1)
	if collectorAllows() {
		t.Error("collectorAllows is true with GOGC=off")
	}
	debug.SetGCPercent(old)
	oldLimit := debug.SetMemoryLimit(1 << 40)
	if collectorAllows() {
		t.Error("collectorAllows is true with a memory limit")
	}
	debug.SetMemoryLimit(oldLimit)
}
