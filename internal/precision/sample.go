package precision

import (
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
)

// SampleOptions says how Sample draws the findings to judge.
type SampleOptions struct {
	// Seed makes the draw reproducible.
	Seed uint64
	// Cap is how many findings each stratum gives at most; smaller strata
	// give all of theirs.
	Cap int
	// ShellcheckCap, when set, is the cap of each shellcheck level (error,
	// warning, info, style): the level decides what a shellcheck finding is
	// worth, so each is a stratum of its own.
	ShellcheckCap int
	// FixtureCap, when set, is the cap of the strata of zizmor's fixtures,
	// which are written to show one audit each, not as real workflows.
	FixtureCap int
}

var shellcheckLevelRe = regexp.MustCompile(`\bSC\d+:(\w+):`)

// fixtureSuffix marks the strata of zizmor's fixtures.
const fixtureSuffix = "@zizmor"

// Stratum is the group a finding is sampled in: its rule, for shellcheck
// also shellcheck's own level ("shellcheck/info"), and fixtureSuffix for
// zizmor's fixtures.
func Stratum(f *Finding) string {
	s := f.Rule
	if m := shellcheckLevelRe.FindStringSubmatch(f.Message); f.Rule == "shellcheck" && m != nil {
		s += "/" + m[1]
	}
	if strings.HasPrefix(f.File, "zizmor/") {
		s += fixtureSuffix
	}
	return s
}

// Sample draws a stratified sample of the warnings and errors among fs,
// deterministic for a seed. Within a stratum the findings are shuffled, and
// the draw takes one finding per file before it takes a second from any, so
// that one file's repeated pattern does not fill a stratum. The result is
// in file order.
func Sample(fs []Finding, o SampleOptions) []Finding {
	strata := map[string][]Finding{}
	for _, f := range fs {
		if f.Serious() {
			s := Stratum(&f)
			strata[s] = append(strata[s], f)
		}
	}
	var out []Finding
	for _, name := range slices.Sorted(maps.Keys(strata)) {
		s := strata[name]
		slices.SortFunc(s, func(a, b Finding) int { return compareFindings(&a, &b) })
		limit := o.Cap
		switch {
		case o.FixtureCap > 0 && strings.HasSuffix(name, fixtureSuffix):
			limit = o.FixtureCap
		case o.ShellcheckCap > 0 && strings.HasPrefix(name, "shellcheck/"):
			limit = o.ShellcheckCap
		}
		h := fnv.New64a()
		h.Write([]byte(name))
		r := rand.New(rand.NewPCG(o.Seed, h.Sum64()))
		r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		out = append(out, spread(s, limit)...)
	}
	slices.SortFunc(out, func(a, b Finding) int { return compareFindings(&a, &b) })
	return out
}

// spread takes up to n findings of s in order, at most one per file in the
// first round, two in the second, and so on.
func spread(s []Finding, n int) []Finding {
	n = min(n, len(s))
	var out []Finding
	used := make([]bool, len(s))
	perFile := map[string]int{}
	for round := 1; len(out) < n; round++ {
		for i := range s {
			if len(out) == n {
				break
			}
			if !used[i] && perFile[s[i].File] < round {
				perFile[s[i].File]++
				used[i] = true
				out = append(out, s[i])
			}
		}
	}
	return out
}
