//go:build race

package lint

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = true
