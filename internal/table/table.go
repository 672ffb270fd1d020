// Package table formats the small aligned plain-text tables gantry prints
// in logs.
package table

import (
	"bytes"
	"strings"
	"text/tabwriter"
)

// Format aligns rows in columns two spaces apart, each line starting with
// indent, without trailing spaces. The first row is usually the header.
func Format(indent string, rows [][]string) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		tw.Write([]byte(indent + strings.Join(r, "\t") + "\t\n"))
	}
	tw.Flush()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
