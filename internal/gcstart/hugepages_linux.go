package gcstart

import (
	"bytes"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelAllowsHugePages reports whether Linux gives transparent huge pages
// only to memory that asks ("[madvise]": with "[always]" the heap has them
// already, with "[never]" asking does nothing) and does not charge every
// mapping against a strict overcommit limit (vm.overcommit_memory=2), which
// an unused range of the buffer could exhaust.
func kernelAllowsHugePages() bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !bytes.Contains(mode, []byte("[madvise]")) {
		return false
	}
	overcommit, err := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return err == nil && string(bytes.TrimSpace(overcommit)) != "2"
}

// adviseFresh takes an n-byte unzeroed buffer, advises it MADV_HUGEPAGE
// and drops it. It returns the buffer's address, and whether the kernel
// took the advice. It is not inlined, so that nothing of its frame keeps
// the buffer once it returns.
//
//go:noinline
func adviseFresh(n uint64) (uintptr, bool) {
	b := takeUnzeroed(n)
	return uintptr(unsafe.Pointer(unsafe.SliceData(b))), unix.Madvise(b, unix.MADV_HUGEPAGE) == nil
}
