package lint

import (
	"strings"
	"testing"
)

func TestNthLineAgreesWithSplit(t *testing.T) {
	for _, s := range []string{"", "a", "a\n", "a\nb", "a\n\nc\n", "\n"} {
		lines := strings.Split(s, "\n")
		for i := -1; i <= len(lines); i++ {
			got, ok := nthLine(s, i)
			if want := i >= 0 && i < len(lines); ok != want || (ok && got != lines[i]) {
				t.Errorf("nthLine(%q, %d) = %q, %v; want %v", s, i, got, ok, want)
			}
		}
	}
}
