// Package docs holds gantry's documentation. The rule documents under
// rules/ are embedded so that `gantry explain` can print them offline;
// rules.md is generated from them (go test ./lint -run TestRulesDoc -update).
package docs

import (
	"embed"
	"strings"
)

//go:embed rules/*.md
var ruleDocs embed.FS

// Rule returns the markdown documentation of a gantry rule.
func Rule(id string) (string, bool) {
	if strings.ContainsAny(id, "/\\.") {
		return "", false
	}
	b, err := ruleDocs.ReadFile("rules/" + id + ".md")
	if err != nil {
		return "", false
	}
	return string(b), true
}
