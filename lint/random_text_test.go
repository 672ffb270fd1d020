package lint

import (
	"math/rand/v2"
	"strings"
)

// randomTexts returns n texts, each made of up to maxParts parts drawn at
// random (the same texts for the same seed), for tests that compare a fast
// path with its reference.
func randomTexts(seed uint64, n, maxParts int, parts []string) []string {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range rng.IntN(maxParts) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		out[i] = b.String()
	}
	return out
}

// randomScript joins up to n words drawn from words, each followed by a
// space two times in three.
func randomScript(rng *rand.Rand, words []string, n int) string {
	var b strings.Builder
	for range rng.IntN(n) {
		b.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(3) > 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
