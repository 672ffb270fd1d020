package gcstart

import (
	"bytes"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// systemAllowsHugePages reports whether Linux gives transparent huge pages
// only to memory that asks ("[madvise]": with "[always]" the heap has them
// already, with "[never]" asking does nothing), and whether the buffer's
// address space is charged against no limit that its unused part could
// exhaust: neither a strict overcommit limit (vm.overcommit_memory=2) nor
// the process's RLIMIT_AS or RLIMIT_DATA. A mapping the runtime cannot
// make is a fatal error.
func systemAllowsHugePages() bool {
	for _, res := range []int{unix.RLIMIT_AS, unix.RLIMIT_DATA} {
		var lim unix.Rlimit
		if err := unix.Getrlimit(res, &lim); err != nil || lim.Cur != unix.RLIM_INFINITY {
			return false
		}
	}
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
