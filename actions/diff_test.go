package actions

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParsePatch(t *testing.T) {
	for _, tc := range []struct {
		name, patch string
		want        []int
		err         string
	}{
		{"added and context", "@@ -1,4 +1,6 @@\n name: ci\n+on: push\n jobs:\n-  old:\n+  build:\n+    runs-on: x\n     steps:", []int{2, 4, 5}, ""},
		{"two hunks", "@@ -1,2 +1,2 @@ jobs:\n-a\n+b\n c\n@@ -20 +22,2 @@\n+x\n+y\n", []int{1, 22, 23}, ""},
		{"count omitted", "@@ -3 +3 @@\n-old\n+new", []int{3}, ""},
		{"new file", "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n\\ No newline at end of file", []int{1, 2, 3}, ""},
		{"deleted lines only", "@@ -5,2 +4,0 @@\n-a\n-b", nil, ""},
		{"blank context line", "@@ -1,3 +1,4 @@\n a\n\n+b\n c", []int{3}, ""},
		{"crlf", "@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+c\r\n", []int{2}, ""},
		{"empty", "", nil, ""},
		{"malformed header", "@@ -1,2 +x,2 @@\n+a", nil, "patch line 1: malformed hunk header"},
		{"no new range", "@@ -1,2 @@\n+a", nil, "has no new-file range"},
		{"garbage in hunk", "@@ -1 +1 @@\n?what", nil, "patch line 2: unexpected \"?\" in a hunk"},
	} {
		got, err := ParsePatch(tc.patch)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var lines []int
		for l := range got {
			lines = append(lines, l)
		}
		slices.Sort(lines)
		if fmt.Sprint(lines) != fmt.Sprint(tc.want) {
			t.Errorf("%s: lines %v, want %v", tc.name, lines, tc.want)
		}
	}
}
