// Package buildcache builds a Dockerfile on a real BuildKit daemon with a
// cache entry per stage: it connects to the daemon (Connect), runs a build as
// ordered solves (Build), one per named stage of the stage graph's cache plan
// and then the target, imports and exports each stage's entry through a cache
// backend, and reports which steps hit the cache (Report). What needs no
// daemon (the stage graph, the cache plan, the --cache spec and `gantry
// plan`'s output) is package stagegraph.
package buildcache
