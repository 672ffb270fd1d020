package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/internal/testenv"
)

// TestPackageLayout keeps the package map of issue 11: config imports no
// other gantry package, the push decision does not link the linter, and
// the linter does not link BuildKit's client.
func TestPackageLayout(t *testing.T) {
	testenv.LookPath(t, "go")
	cases := []struct {
		pkg, forbidden string
		prefix         bool
	}{
		{"../../config", "github.com/gantry-ci/gantry/", true},
		{"../../gate", "github.com/gantry-ci/gantry/lint", false},
		{"../../lint", "github.com/moby/buildkit/client", false},
	}
	for _, c := range cases {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", c.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.pkg, err)
		}
		self := ""
		for _, dep := range strings.Fields(string(out)) {
			if self == "" && strings.HasPrefix(dep, "github.com/gantry-ci/gantry/") && strings.HasSuffix(c.pkg, dep[strings.LastIndex(dep, "/"):]) {
				self = dep
			}
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == self {
				continue
			}
			if dep == c.forbidden || c.prefix && strings.HasPrefix(dep, c.forbidden) {
				t.Errorf("%s depends on %s", c.pkg, dep)
			}
		}
	}
}
