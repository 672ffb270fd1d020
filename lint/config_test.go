package lint

import "github.com/gantry-ci/gantry/config"

// parseConfig parses a gantry.yaml for a test, with lint's rules.
func parseConfig(path string, b []byte) (*config.Config, error) {
	return config.Parse(path, b, KnownRules())
}
