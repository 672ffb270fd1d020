package parallel

import (
	"slices"
	"sync/atomic"
	"testing"
)

func TestEach(t *testing.T) {
	for _, tt := range []struct{ n, workers int }{{0, 4}, {1, 4}, {5, 1}, {5, 0}, {100, 3}, {3, 100}} {
		var calls atomic.Int64
		seen := make([]int, tt.n)
		Each(tt.n, tt.workers, func(i int) {
			calls.Add(1)
			seen[i]++
		})
		if int(calls.Load()) != tt.n || slices.ContainsFunc(seen, func(c int) bool { return c != 1 }) {
			t.Errorf("Each(%d, %d): %d calls, per index %v", tt.n, tt.workers, calls.Load(), seen)
		}
	}
	var order []int // one worker: in order, on the calling goroutine
	Each(4, 1, func(i int) { order = append(order, i) })
	if !slices.Equal(order, []int{0, 1, 2, 3}) {
		t.Errorf("Each with one worker called %v", order)
	}
}
