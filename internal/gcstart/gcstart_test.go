package gcstart

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// unsetKnobs clears GOGC and GOMEMLIMIT for the test, collects, and
// returns GOGC.
func unsetKnobs(t *testing.T) int {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	runtime.GC()
	return gogc()
}

// gogc reads GOGC.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// heapGoal reads the heap goal of the next collection.
func heapGoal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestStartAndStop(t *testing.T) {
	before := unsetKnobs(t)
	stop := Start(256 << 20)
	if got := gogc(); got <= before {
		t.Fatalf("GOGC = %d after Start(256 MiB), want more than %d", got, before)
	}
	// the heap goal is raised, but not past the one asked for
	if goal := heapGoal(); goal > 256<<20 || goal < 128<<20 {
		t.Errorf("heap goal %d MiB after Start(256 MiB), want 128 to 256 MiB", goal>>20)
	}
	stop()
	if got := gogc(); got != before {
		t.Fatalf("GOGC = %d after stop, want %d", got, before)
	}
	stop() // a second stop changes nothing
	if got := gogc(); got != before {
		t.Fatalf("GOGC = %d after a second stop, want %d", got, before)
	}
}

func TestStartDoesNothing(t *testing.T) {
	runtime.GC()
	before := gogc()
	for _, tt := range []struct {
		name, gogcEnv, limitEnv string
		goal                    uint64
	}{
		{"small goal", "", "", 1 << 20},
		{"GOGC set", "100", "", 256 << 20},
		{"GOMEMLIMIT set", "", "1GiB", 256 << 20},
	} {
		t.Setenv("GOGC", tt.gogcEnv)
		t.Setenv("GOMEMLIMIT", tt.limitEnv)
		stop := Start(tt.goal)
		if got := gogc(); got != before {
			t.Errorf("%s: GOGC = %d after Start, want %d", tt.name, got, before)
		}
		stop()
	}
}

// TestGOGCBackOnceHeapGrows: once the live heap reaches half the goal,
// the controller puts GOGC back by itself.
func TestGOGCBackOnceHeapGrows(t *testing.T) {
	before := unsetKnobs(t)
	stop := Start(32 << 20)
	defer stop()
	if gogc() == before {
		t.Fatal("Start(32 MiB) did not change GOGC")
	}
	var keep [][]byte
	deadline := time.Now().Add(10 * time.Second) // guards against a hang only
	for gogc() != before {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC still %d with %d MiB live", gogc(), len(keep))
		}
		if len(keep) < 64 {
			keep = append(keep, make([]byte, 1<<20))
		}
		runtime.GC()
		time.Sleep(time.Millisecond) // let the finalizer run
	}
	runtime.KeepAlive(keep)
}

// TestOneAtATime: a second Start while one works changes nothing, and
// GOGC is back once both stop, in either order.
func TestOneAtATime(t *testing.T) {
	before := unsetKnobs(t)
	stop1 := Start(256 << 20)
	raised := gogc()
	stop2 := Start(512 << 20)
	if got := gogc(); got != raised {
		t.Errorf("GOGC = %d after a second Start, want %d", got, raised)
	}
	stop1()
	stop2()
	if got := gogc(); got != before {
		t.Errorf("GOGC = %d after both stopped, want %d", got, before)
	}
	stop3 := Start(256 << 20) // a new run starts again
	if gogc() == before {
		t.Error("Start after both stopped did not change GOGC")
	}
	stop3()
}
