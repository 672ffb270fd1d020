//go:build !linux

package gcstart

// adviseHugePages does nothing: transparent huge pages are Linux's.
func adviseHugePages([]byte) bool { return false }
