package lint

import (
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// parseConfig parses a gantry.yaml for a test, with lint's rules.
func parseConfig(path string, b []byte) (*config.Config, error) {
	return config.Parse(path, b, KnownRules())
}

// TestConfigSeverityTurnsRuleOn checks that a severity given to a rule
// that is off by default turns it on, in either form, unless enabled says
// otherwise.
func TestConfigSeverityTurnsRuleOn(t *testing.T) {
	const workflow = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
	for _, tc := range []struct{ config, want string }{
		{"", ""},
		{"rules:\n  permissions-missing: warning\n", "warning"},
		{"rules:\n  permissions-missing: {severity: error}\n", "error"},
		{"rules:\n  permissions-missing: on\n", "info"},
		{"rules:\n  permissions-missing: {severity: error, enabled: false}\n", ""},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{".github/gantry.yaml": tc.config, ".github/workflows/ci.yml": workflow})
		res := lintDir(t, dir, Options{RuleFilter: func(r *Rule) bool { return r.ID == "permissions-missing" }})
		var got []string
		for _, f := range res.Findings {
			got = append(got, f.Severity.String())
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%q: findings %v, want %q", tc.config, findingLines(res), tc.want)
		}
	}
}
