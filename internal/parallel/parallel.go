// Package parallel spreads independent pieces of work over goroutines.
package parallel

import (
	"sync"
	"sync/atomic"
)

// Each calls fn(0) to fn(n-1) on up to workers goroutines, each taking the
// next index as it finishes one, and returns when all have returned. With
// one worker (or fewer) it calls them in order on the calling goroutine.
// Callers write only to their index's results.
func Each(n, workers int, fn func(i int)) {
	workers = min(max(workers, 1), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		})
	}
	wg.Wait()
}
