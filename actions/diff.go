package actions

import (
	"fmt"
	"strconv"
	"strings"
)

// ChangedLines maps a repository-relative path to the lines (of the new
// version of the file) that a pull request adds or modifies.
type ChangedLines map[string]map[int]bool

// Contains reports whether the pull request changed line of path.
func (c ChangedLines) Contains(path string, line int) bool {
	return c != nil && c[path][line]
}

// ParsePatch returns the new-side line numbers that a unified diff (the
// "patch" of a pull request file: hunks without file headers) adds. Context
// lines and removed lines are not included: GitHub accepts review comments
// on them, but they are not what the pull request changed.
func ParsePatch(patch string) (map[int]bool, error) {
	lines := map[int]bool{}
	newLine, remaining := 0, 0
	inHunk := false
	for i, l := range strings.Split(patch, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if strings.HasPrefix(l, "@@") {
			start, count, err := parseHunkHeader(l)
			if err != nil {
				return nil, fmt.Errorf("patch line %d: %w", i+1, err)
			}
			newLine, remaining, inHunk = start, count, true
			continue
		}
		if !inHunk || l == "" && remaining == 0 {
			continue
		}
		var mark byte = ' ' // an empty line is a context line whose space was stripped
		if l != "" {
			mark = l[0]
		}
		switch mark {
		case '+':
			lines[newLine] = true
			newLine++
			remaining--
		case ' ':
			newLine++
			remaining--
		case '-', '\\':
			// a removed line, or "\\ No newline at end of file"
		default:
			return nil, fmt.Errorf("patch line %d: unexpected %q in a hunk", i+1, l[:1])
		}
	}
	return lines, nil
}

// parseHunkHeader reads "@@ -a,b +c,d @@ ..." and returns c and d.
func parseHunkHeader(h string) (start, count int, err error) {
	rest := strings.TrimPrefix(h, "@@")
	end := strings.Index(rest, "@@")
	if end < 0 {
		return 0, 0, fmt.Errorf("malformed hunk header %q", h)
	}
	for _, field := range strings.Fields(rest[:end]) {
		if !strings.HasPrefix(field, "+") {
			continue
		}
		num, cnt, hasCount := strings.Cut(field[1:], ",")
		if start, err = strconv.Atoi(num); err != nil || start < 0 {
			return 0, 0, fmt.Errorf("malformed hunk header %q", h)
		}
		count = 1
		if hasCount {
			if count, err = strconv.Atoi(cnt); err != nil || count < 0 {
				return 0, 0, fmt.Errorf("malformed hunk header %q", h)
			}
		}
		return start, count, nil
	}
	return 0, 0, fmt.Errorf("hunk header %q has no new-file range", h)
}
