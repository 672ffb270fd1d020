package lint

import (
	"fmt"
	"strings"

	"github.com/gantry-ci/gantry/config"
)

// KnownRules is lint's rule registry as package config checks rule IDs
// against it: pass it to config.Load and config.Parse.
func KnownRules() config.Rules { return knownRules{} }

type knownRules struct{}

func (knownRules) Lookup(id string) (func() any, bool) {
	r, ok := LookupRule(id)
	if !ok {
		return nil, false
	}
	return r.NewOptions, true
}

func (knownRules) Suggest(id string) string { return suggestRule(id) }

// suggestRule returns ` (did you mean "x"?)` for a near-miss rule ID.
func suggestRule(id string) string {
	best, bestD := "", 4
	for _, r := range allRules {
		if d := editDistance(strings.ToLower(id), strings.ToLower(r.ID)); d < bestD {
			best, bestD = r.ID, d
		}
	}
	if best == "" {
		return "; run `gantry rules` to list them"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ruleEnabled reports whether the rule runs under cfg.
func ruleEnabled(cfg *config.Config, r *Rule) bool {
	if cfg != nil {
		if rc := cfg.Rules[r.ID]; rc != nil && rc.Enabled != nil {
			return *rc.Enabled
		}
	}
	return !r.DefaultOff
}

// ruleSeverity returns the configured severity of the rule.
func ruleSeverity(cfg *config.Config, r *Rule) Severity {
	if cfg != nil {
		if rc := cfg.Rules[r.ID]; rc != nil && rc.Severity != "" {
			if s, err := ParseSeverity(rc.Severity); err == nil {
				return s
			}
		}
	}
	return r.Severity
}

// ruleOptions returns the rule's options: configured, or defaults.
func ruleOptions(cfg *config.Config, r *Rule) any {
	if cfg != nil {
		if rc := cfg.Rules[r.ID]; rc != nil && rc.Options != nil {
			return rc.Options
		}
	}
	if r.NewOptions != nil {
		return r.NewOptions()
	}
	return nil
}
