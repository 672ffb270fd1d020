package gcstart

import (
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"unsafe"
)

// maxHugePageRange caps the range HugePages advises. The buffer it takes
// is address space the heap may never use, and strict overcommit charges
// it all.
const maxHugePageRange = 1 << 30

// HugePages asks the kernel to back the next n bytes the heap grows into
// with transparent huge pages. A heap on 4 KiB pages takes a page fault
// for each page the first time it is written, and on a virtual machine a
// fault can cost more than 10 µs: the 40 MiB heap of a lint run over a
// 4 MB corpus takes about 11,500 of them, a 2 MiB huge page one for every
// 512. Linux's usual setting ("madvise" in
// /sys/kernel/mm/transparent_hugepage/enabled) gives huge pages only to
// memory that asks for them, and the Go runtime no longer asks for its
// heap: with the kernel's "defrag" setting also at "madvise", a fault on
// advised memory may wait while the kernel compacts memory, which stalled
// long-running servers (go.dev/issue/61718; the Go GC guide's section on
// transparent huge pages). A short run that knows the heap it will reach
// gains far more than it risks.
//
// It takes an n-byte buffer that the runtime does not zero
// (strings.Builder.Grow), which it places at the top of the heap, mostly on
// address space it maps fresh and writes none of; advises that range;
// drops the buffer; and collects, which frees it even when the collection
// that its allocation started kept it. The heap then grows into those
// pages, which become resident 2 MiB at a time, only when first written.
// The two collections come early, over the little the process holds.
// Only the first call in a process advises a range: a later run (gantry's
// --fix lints again after each pass of fixes) reuses a heap that has grown
// already.
//
// It does nothing for less than minGoal bytes; in a 32-bit process; in one
// built with the race detector, which would write its shadow of the whole
// buffer; while the collector is off (GOGC=off) or a memory limit is set,
// since the advised range counts as free heap memory until the heap
// reaches it; with GODEBUG=disablethp=1 in the environment, the runtime's
// own switch against huge pages for its heap (go.dev/issue/64332); off
// Linux; and unless the kernel gives huge pages only on request, and
// neither the kernel (strict overcommit) nor the process (RLIMIT_AS,
// RLIMIT_DATA) limits the address space the buffer takes.
func HugePages(n uint64) {
	hugePages(n)
}

// advised is set once HugePages has advised a range.
var advised atomic.Bool

// hugePages is HugePages; it returns the start of the advised range, or 0
// when it did nothing.
func hugePages(n uint64) uintptr {
	n = min(n, maxHugePageRange)
	if n < minGoal || unsafe.Sizeof(uintptr(0)) < 8 || raceEnabled || godebugDisablesTHP(os.Getenv("GODEBUG")) || !collectorAllows() || !systemAllowsHugePages() {
		return 0
	}
	if !advised.CompareAndSwap(false, true) {
		return 0 // the heap has grown since: later runs reuse it
	}
	addr, ok := adviseFresh(n)
	runtime.GC() // frees the buffer, even if a cycle running at its allocation kept it
	if !ok {
		return 0
	}
	return addr
}

// godebugDisablesTHP reports whether a GODEBUG setting turns huge pages
// off for the heap. The runtime also takes settings from //go:debug lines
// and go.mod; gantry has none.
func godebugDisablesTHP(godebug string) bool {
	off := false
	for kv := range strings.SplitSeq(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "disablethp="); ok {
			off = v == "1" // the last setting wins, as in the runtime
		}
	}
	return off
}

// collectorAllows reports whether the collector runs (GOGC is not off)
// and no memory limit is set.
func collectorAllows() bool {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return false
		}
	}
	// GOGC=off reads as -1
	return int64(s[0].Value.Uint64()) > 0 && s[1].Value.Uint64() == math.MaxInt64
}

// takeUnzeroed returns an n-byte buffer whose bytes the runtime did not
// zero: strings.Builder.Grow allocates without zeroing, and fresh memory
// from the kernel is never written. One byte is written, so that the
// buffer has an address to take; its page is faulted in before the advice
// and stays a 4 KiB page.
func takeUnzeroed(n uint64) []byte {
	var sb strings.Builder
	sb.Grow(int(n))
	sb.WriteByte(0)
	return unsafe.Slice(unsafe.StringData(sb.String()), sb.Cap())
}
