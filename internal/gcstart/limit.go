package gcstart

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Cap holds the memory the Go runtime keeps to about budget bytes more
// than it keeps now, with a soft memory limit (debug.SetMemoryLimit), and
// returns a function that lifts the limit. At the default GOGC the
// collector lets the heap grow to twice what it found live: a run whose
// live heap is partly the floating garbage of its workers (what they
// allocate while a collection marks) reaches three to four times what it
// keeps. Under the limit the collector starts earlier, and the runtime
// returns freed pages to the kernel sooner, for more collections.
//
// The limit is lifted for good as soon as a collection finds the live heap
// so large that the limit would leave it less than capRoom times itself
// (with the runtime's other memory): from there on the collector would run
// ever more often for the same memory (at worst half the CPU, the limit's
// own bound), and GOGC alone is the better rule. The limit is set on top
// of what the process keeps when Cap is called, less the free heap it
// holds (HugePages' range), which the runtime then returns to the kernel.
//
// Cap does nothing when GOGC or GOMEMLIMIT is set in the environment (the
// user chose), when a memory limit is set already, for a budget under
// minGoal, or while another Cap holds.
func Cap(budget uint64) (lift func()) {
	if budget < minGoal || userChose() || !capping.CompareAndSwap(false, true) {
		return func() {}
	}
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/gc/gomemlimit:bytes"},
	}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			capping.Store(false)
			return func() {}
		}
	}
	if s[5].Value.Uint64() != math.MaxInt64 {
		capping.Store(false) // a limit is set: not ours to change
		return func() {}
	}
	kept := s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64()
	c := &limiter{
		limit: kept + budget,
		// what the runtime keeps besides the heap's spans: metadata,
		// stacks, buffers
		overhead: kept - min(kept, s[3].Value.Uint64()+s[4].Value.Uint64()),
	}
	debug.SetMemoryLimit(int64(c.limit))
	forEachGC(c.check)
	return c.lift
}

// capRoom is the least growth over its live heap, in percent, that a limit
// must leave the heap for Cap to keep it: GOGC=60. Below it collections
// come so often that a run slows down more than its memory is worth.
const capRoom = 160

// capping is true while a Cap holds.
var capping atomic.Bool

// limiter is one Cap's memory limit.
type limiter struct {
	mu       sync.Mutex
	limit    uint64 // the limit Cap set
	overhead uint64 // the runtime's memory outside the heap's spans at Cap
	lifted   bool
}

// check lifts the limit after a collection that found the live heap too
// large for it, and reports whether the limit holds.
func (c *limiter) check() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lifted {
		return false
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[0].Value.Uint64()*capRoom/100+c.overhead > c.limit {
		c.release()
		return false
	}
	return true
}

// lift lifts the limit unless a collection has.
func (c *limiter) lift() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lifted {
		c.release()
	}
}

// release lifts the limit and lets another Cap hold; the caller holds mu.
// A limit the program set meanwhile (debug.SetMemoryLimit) is the
// program's: it stays.
func (c *limiter) release() {
	if debug.SetMemoryLimit(-1) == int64(c.limit) {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	c.lifted = true
	capping.Store(false)
}
