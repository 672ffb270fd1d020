//go:build !linux

package gcstart

// systemAllowsHugePages is false: transparent huge pages are Linux's.
func systemAllowsHugePages() bool { return false }

// adviseFresh is never called off Linux.
func adviseFresh(uint64) (uintptr, bool) { return 0, false }
