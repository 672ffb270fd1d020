// Package text holds the small wording and escaping helpers that gantry's
// reports share: plurals and GitHub-flavoured markdown escaping.
package text

import (
	"strconv"
	"strings"
)

// Plural returns one when n is 1, else many, or one+"s" when many is "".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	if many == "" {
		return one + "s"
	}
	return many
}

// Count returns n followed by the noun, in the plural unless n is 1:
// "1 tag", "3 tags".
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Plural(n, noun, "")
}

// markdownReplacer escapes what GitHub-flavoured markdown would otherwise
// read as markup: HTML (&, <, >), emphasis and code (*, _, `), links ([ ]),
// the backslash that escapes them, and the pipe and line breaks that would
// end a table cell or row.
var markdownReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"\\", "\\\\", "|", "\\|", "*", "\\*", "_", "\\_", "`", "\\`", "[", "\\[", "]", "\\]",
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

// EscapeMarkdown makes s show as itself in GitHub-flavoured markdown, in a
// table cell as in a paragraph: markup characters are escaped and line
// breaks become <br>.
func EscapeMarkdown(s string) string { return markdownReplacer.Replace(s) }
