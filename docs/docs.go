// Package docs holds gantry's documentation. The rule documents under
// rules/ are embedded so that `gantry explain` can print them offline;
// rules.md is generated from them (go test ./lint -run TestRulesDoc -update).
// The long help of each command (gantry CMD --help) is cli/CMD.txt.
package docs

import (
	"embed"
	"strings"
)

//go:embed rules/*.md
var ruleDocs embed.FS

//go:embed cli/*.txt
var cliHelp embed.FS

// Help returns the long help of a gantry command, "" for an unknown one.
func Help(command string) string {
	b, err := cliHelp.ReadFile("cli/" + command + ".txt")
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}

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
