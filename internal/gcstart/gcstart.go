// Package gcstart lets a short command that builds up its data as it goes
// skip the garbage collections of its first megabytes. Go's collector
// starts with a 4 MiB heap goal and, at GOGC=100, collects each time the
// heap doubles: a run that ends with 30 MiB live collects a dozen times on
// the way, each time marking everything kept so far, although the heap
// reaches twice its final size anyway. Raising GOGC until the live heap
// nears half a goal the run is known to reach removes those collections
// without raising the peak. The Go compiler does the same at start-up
// (cmd/compile/internal/base.AdjustStartingHeap).
//
// The package also lets such a command put the heap it will reach on
// transparent huge pages (HugePages), which saves most of the page faults
// of a heap that grows on fresh memory.
package gcstart

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// minGoal is the smallest goal worth a change: about the runtime's own
// first heap goal.
const minGoal = 8 << 20

// Start raises GOGC so that the heap may grow to about goal bytes before it
// is collected, and puts GOGC back once the live heap reaches half the goal
// or stop is called, whichever comes first. It does nothing when GOGC or
// GOMEMLIMIT is set in the environment (the user chose), or when goal is
// small. goal should be at most the peak heap the run reaches anyway, so
// that the peak does not move. A change the program makes to GOGC while a
// controller works is undone when it puts GOGC back.
//
// One controller works at a time: while one does, Start does nothing, so
// that two runs at once (tests) cannot leave GOGC changed.
func Start(goal uint64) (stop func()) {
	if goal < minGoal || userChose() || !active.CompareAndSwap(false, true) {
		return func() {}
	}
	c := &controller{goal: goal}
	if !c.adjust() {
		return func() {}
	}
	forEachGC(c.adjust)
	return c.stop
}

// userChose reports whether GOGC or GOMEMLIMIT is set in the environment:
// then the collector runs as the user set it, and Start and Cap do nothing.
func userChose() bool {
	return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != ""
}

// active is true while a controller works.
var active atomic.Bool

// controller keeps GOGC at what makes the next heap goal the requested one.
type controller struct {
	mu       sync.Mutex
	goal     uint64
	original int // GOGC before Start; set once GOGC is changed
	current  int // GOGC set by the controller, 0 before
	done     bool
}

// adjust sets GOGC for the live heap the last collection left, and reports
// whether the controller is still at work.
func (c *controller) adjust() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		c.finish()
		return false
	}
	live, gogc := s[0].Value.Uint64(), int(s[1].Value.Uint64())
	if c.current == 0 {
		if gogc <= 0 {
			c.finish() // GC is off: nothing to do
			return false
		}
		c.original = gogc
	}
	if 2*live >= c.goal {
		c.finish()
		return false
	}
	// the heap goal is the live heap grown by GOGC, but at least the
	// runtime's 4 MiB minimum scaled by GOGC: both stay within the goal
	next := int(100*c.goal/max(live, minHeap)) - 100
	next = min(next, int(100*c.goal/minHeap))
	if next <= c.original {
		c.finish()
		return false
	}
	c.current = next
	debug.SetGCPercent(next)
	return true
}

// minHeap is the runtime's smallest heap goal at GOGC=100, which it scales
// with GOGC.
const minHeap = 4 << 20

// finish puts GOGC back and lets another controller start; the caller
// holds mu.
func (c *controller) finish() {
	if c.current != 0 {
		debug.SetGCPercent(c.original)
	}
	c.done = true
	active.Store(false)
}

// stop puts GOGC back if the controller has not already.
func (c *controller) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		c.finish()
	}
}

// forEachGC calls fn after each collection until it returns false: a
// finalizer runs once its object is found unreachable, and sets itself on
// a new object each time.
func forEachGC(fn func() bool) {
	type sentinel [32]byte // not a tiny allocation, which could share a block
	var finalizer func(*sentinel)
	finalizer = func(p *sentinel) {
		if fn() {
			runtime.SetFinalizer(new(sentinel), finalizer)
		}
	}
	runtime.SetFinalizer(new(sentinel), finalizer)
}
