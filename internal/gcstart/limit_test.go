package gcstart

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// memoryLimit reads the memory limit.
func memoryLimit() uint64 {
	s := []metrics.Sample{{Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestCapSetsAndLifts(t *testing.T) {
	unsetKnobs(t)
	lift := Cap(256 << 20)
	got := memoryLimit()
	if got == math.MaxInt64 {
		t.Fatal("no memory limit after Cap(256 MiB)")
	}
	// the budget comes on top of what the process keeps, which is more
	// than nothing and, in a test binary, less than a gigabyte
	if got <= 256<<20 || got > 256<<20+1<<30 {
		t.Errorf("memory limit %d MiB after Cap(256 MiB), want a little over 256 MiB", got>>20)
	}
	lift()
	if got := memoryLimit(); got != math.MaxInt64 {
		t.Fatalf("memory limit %d MiB after lift, want none", got>>20)
	}
	lift() // a second lift changes nothing
	if got := memoryLimit(); got != math.MaxInt64 {
		t.Fatalf("memory limit %d MiB after a second lift, want none", got>>20)
	}
}

func TestCapDoesNothing(t *testing.T) {
	for _, tt := range []struct {
		name, gogcEnv, limitEnv string
		budget                  uint64
	}{
		{"small budget", "", "", 1 << 20},
		{"GOGC set", "100", "", 256 << 20},
		{"GOMEMLIMIT set", "", "1GiB", 256 << 20},
	} {
		t.Setenv("GOGC", tt.gogcEnv)
		t.Setenv("GOMEMLIMIT", tt.limitEnv)
		lift := Cap(tt.budget)
		if got := memoryLimit(); got != math.MaxInt64 {
			t.Errorf("%s: memory limit %d MiB after Cap, want none", tt.name, got>>20)
		}
		lift()
	}
}

// TestCapKeepsALimitSet: a limit the program set is not Cap's to change,
// and another Cap waits for the first to lift.
func TestCapKeepsALimitSet(t *testing.T) {
	unsetKnobs(t)
	debug.SetMemoryLimit(4 << 30)
	lift := Cap(256 << 20)
	if got := memoryLimit(); got != 4<<30 {
		t.Errorf("memory limit %d MiB after Cap, want the 4096 MiB set before", got>>20)
	}
	lift()
	if got := memoryLimit(); got != 4<<30 {
		t.Errorf("memory limit %d MiB after lift, want the 4096 MiB set before", got>>20)
	}
	debug.SetMemoryLimit(math.MaxInt64)

	lift1 := Cap(256 << 20)
	first := memoryLimit()
	lift2 := Cap(512 << 20)
	if got := memoryLimit(); got != first {
		t.Errorf("memory limit %d MiB after a second Cap, want %d MiB", got>>20, first>>20)
	}
	lift2()
	if got := memoryLimit(); got != first {
		t.Errorf("memory limit %d MiB after the second lift, want %d MiB", got>>20, first>>20)
	}
	lift1()
	if got := memoryLimit(); got != math.MaxInt64 {
		t.Errorf("memory limit %d MiB after both lifted, want none", got>>20)
	}
}

// TestCapLiftsWhenHeapOutgrowsIt: once a collection finds the live heap
// too large for the limit, Cap lifts it by itself.
func TestCapLiftsWhenHeapOutgrowsIt(t *testing.T) {
	unsetKnobs(t)
	lift := Cap(minGoal)
	defer lift()
	if memoryLimit() == math.MaxInt64 {
		t.Fatal("Cap(8 MiB) set no memory limit")
	}
	var keep [][]byte
	deadline := time.Now().Add(10 * time.Second) // guards against a hang only
	for memoryLimit() != math.MaxInt64 {
		if time.Now().After(deadline) {
			t.Fatalf("memory limit %d MiB still set with %d MiB live", memoryLimit()>>20, len(keep))
		}
		if len(keep) < 64 {
			keep = append(keep, make([]byte, 1<<20))
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // let the finalizer run
	}
	runtime.KeepAlive(keep)
	if got := len(keep); got > 32 {
		t.Errorf("the limit held until %d MiB were live, for a budget of 8 MiB", got)
	}
}

// TestCapLeavesALimitSetMeanwhile: a limit the program sets while Cap
// holds is the program's, and lifting Cap's leaves it.
func TestCapLeavesALimitSetMeanwhile(t *testing.T) {
	unsetKnobs(t)
	lift := Cap(256 << 20)
	if memoryLimit() == math.MaxInt64 {
		t.Fatal("no memory limit after Cap(256 MiB)")
	}
	debug.SetMemoryLimit(3 << 30)
	defer debug.SetMemoryLimit(math.MaxInt64)
	lift()
	if got := memoryLimit(); got != 3<<30 {
		t.Errorf("memory limit %d MiB after lift, want the 3072 MiB the program set", got>>20)
	}
	// the collections after it leave it too
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if got := memoryLimit(); got != 3<<30 {
		t.Errorf("memory limit %d MiB after a collection, want the 3072 MiB the program set", got>>20)
	}
}
