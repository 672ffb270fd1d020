package lint

import (
	"fmt"

	"github.com/gantry-ci/gantry/config"
)

// LoadConfig loads and validates all of path, or of the gantry config of
// the repository at root when path is ""; nil when there is none. Every
// command that reads the config calls it, so a mistake anywhere in the file
// is a positioned error whichever command meets it first.
func LoadConfig(root, path string) (*config.Config, error) {
	if path == "" {
		var err error
		if path, err = config.Find(root); path == "" {
			return nil, err
		}
	}
	return config.Load(path, KnownRules())
}

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
	best := SuggestRules(id)
	if len(best) == 0 {
		return "; run `gantry rules` to list them"
	}
	return fmt.Sprintf(" (did you mean %q?)", best[0])
}

// ruleEnabled reports whether the rule runs under cfg: as its enabled
// says, or, without one, when the config gives it a severity (rule:
// warning turns on a rule that is off by default, as it reads), or by
// default.
func ruleEnabled(cfg *config.Config, r *Rule) bool {
	if cfg != nil {
		if rc := cfg.Rules[r.ID]; rc != nil && rc.Enabled != nil {
			return *rc.Enabled
		} else if rc != nil && rc.Severity != "" {
			return true
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
