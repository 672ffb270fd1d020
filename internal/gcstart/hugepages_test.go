package gcstart

import (
	"runtime"
	"testing"
)

func TestThpDisabled(t *testing.T) {
	for _, tt := range []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"gctrace=1, disablethp=1", true},
		{"disablethp=0", false},
		{"disablethp=1,disablethp=0", false},
		{"xdisablethp=1", false},
	} {
		if got := thpDisabled(tt.godebug); got != tt.want {
			t.Errorf("thpDisabled(%q) = %v, want %v", tt.godebug, got, tt.want)
		}
	}
}

func TestHugePagesDoesNothing(t *testing.T) {
	if HugePages(minGoal - 1) {
		t.Error("HugePages advised less than minGoal bytes")
	}
	t.Setenv("GODEBUG", "disablethp=1")
	if HugePages(256 << 20) {
		t.Error("HugePages advised with GODEBUG=disablethp=1")
	}
	t.Setenv("GODEBUG", "")
	// a heap with free memory the buffer could reuse, which would be
	// zeroed, page by page
	garbage := make([]byte, 64<<20)
	for i := range garbage {
		garbage[i] = 1
	}
	garbage = nil
	runtime.GC()
	if freshHeap(256 << 20) {
		t.Fatal("freshHeap is true with 64 MiB free in the heap")
	}
	if HugePages(256 << 20) {
		t.Error("HugePages advised when the heap held free memory")
	}
}
