package cliargs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckPaths checks that the error names the first bad argument, with
// few arguments (looked up in order) and with many (looked up on every CPU).
func TestCheckPaths(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.yml")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := func(n int) string { return filepath.Join(dir, fmt.Sprint("missing-", n)) }
	// a link that points nowhere exists: the linter reports it
	dangling := filepath.Join(dir, "dangling.yml")
	if err := os.Symlink("nowhere.yml", dangling); err != nil {
		t.Fatal(err)
	}
	many := func(n int, bad map[int]string) []string {
		args := make([]string, n)
		for i := range args {
			args[i] = file
			if b, ok := bad[i]; ok {
				args[i] = b
			}
		}
		return args
	}
	hint := func(arg string) string { return " (hint for " + filepath.Base(arg) + ")" }
	tests := []struct {
		name string
		args []string
		dirs bool
		want string // "" for no error, else a part of the message
	}{
		{"none", nil, false, ""},
		{"stdin", []string{"-"}, false, ""},
		{"stdin is not a directory", []string{"-"}, true, "cannot read -"},
		{"file", []string{file}, false, ""},
		{"file for dirs", []string{file}, true, "f.yml is not a directory"},
		{"dir", []string{dir}, true, ""},
		{"dangling link", []string{file, dangling}, false, ""},
		{"dangling link for dirs", []string{dangling}, true, "dangling.yml: no such file or directory"},
		{"few, second missing", []string{file, missing(1), missing(2)}, false, "missing-1: no such file or directory (hint for missing-1)"},
		{"many, all there", many(1000, nil), false, ""},
		{"many, late ones missing", many(1000, map[int]string{999: missing(999), 700: missing(700)}), false, "missing-700:"},
		{"many, first missing", many(1000, map[int]string{0: missing(0), 1: missing(1)}), false, "missing-0:"},
		{"many, stdin among them", many(1000, map[int]string{5: "-"}), false, ""},
	}
	for _, tt := range tests {
		err := CheckPaths(tt.args, tt.dirs, hint)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: CheckPaths = %v, want no error", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: CheckPaths = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}
