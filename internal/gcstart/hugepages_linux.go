package gcstart

import "golang.org/x/sys/unix"

// adviseHugePages advises the buffer's pages MADV_HUGEPAGE (see
// HugePages). A kernel without transparent huge pages refuses the advice,
// and nothing changes.
func adviseHugePages(b []byte) bool {
	return unix.Madvise(b, unix.MADV_HUGEPAGE) == nil
}
