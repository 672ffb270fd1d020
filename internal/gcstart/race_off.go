//go:build !race

package gcstart

// raceEnabled is true in a build with the race detector, which writes its
// shadow of every allocation, the whole of HugePages' buffer included.
const raceEnabled = false
