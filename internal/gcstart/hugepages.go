package gcstart

import (
	"os"
	"runtime/metrics"
	"strings"
)

// HugePages asks the kernel to back the next n bytes the heap grows into
// with transparent huge pages, and reports whether it asked. A heap on
// 4 KiB pages takes a page fault for each page the first time it is
// written, and on a virtual machine a fault can cost more than 10 µs: the
// 60 MiB heap of a lint run over a 4 MB corpus takes about 15,000 of them,
// a 2 MiB huge page one for every 512. Linux's default ("madvise" in
// /sys/kernel/mm/transparent_hugepage/enabled) gives huge pages only to
// memory that asks for them, and the Go runtime no longer asks for its
// heap (go.dev/issue/63334).
//
// It allocates an n-byte buffer, which the runtime maps as fresh, untouched
// memory at the end of the heap, advises that range, and drops the buffer:
// the collection its allocation starts frees it, and the heap grows into
// those pages, which become resident, 2 MiB at a time, only when first
// written. Untouched, they cost address space and no memory.
//
// It does nothing off Linux, for less than minGoal bytes, when
// GODEBUG=disablethp=1 (the runtime's own switch to keep huge pages off its
// heap), or when the heap already holds free memory that the buffer could
// reuse: reused memory would be zeroed, and so written, in full.
func HugePages(n uint64) bool {
	if n < minGoal || thpDisabled(os.Getenv("GODEBUG")) || !freshHeap(n) {
		return false
	}
	return adviseHugePages(make([]byte, n))
}

// thpDisabled reports whether the GODEBUG setting turns huge pages off for
// the heap.
func thpDisabled(godebug string) bool {
	off := false
	for kv := range strings.SplitSeq(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "disablethp="); ok {
			off = v == "1" // the last setting wins, as in the runtime
		}
	}
	return off
}

// freshHeap reports whether an n-byte allocation would come from memory
// the heap has never used: the heap's free memory, resident or released
// to the OS, is under an eighth of n.
func freshHeap(n uint64) bool {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	var free uint64
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return false
		}
		free += v.Value.Uint64()
	}
	return free < n/8
}
