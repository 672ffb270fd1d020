package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

func TestActionOutdated(t *testing.T) {
	runRepoCases(t, "action-outdated", []repoCase{
		{
			name: "two or more majors behind: majors, versions and a pinned SHA with its version comment",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: actions/checkout@v4\n"+
					"      - uses: docker/build-push-action@v6.9.0\n"+
					"      - uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9 # v4.0.2\n"+
					"      - uses: github/codeql-action/analyze@v3\n"+
					"      - uses: Actions/Setup-Node@v5\n")},
			want: []string{
				".github/workflows/a.yml:6:15: actions/checkout@v4 is 3 major versions behind the current v7",
				".github/workflows/a.yml:8:15: actions/cache@0c45773b623b (v4) is 2 major versions behind the current v6",
				".github/workflows/a.yml:10:15: Actions/Setup-Node@v5 is 2 major versions behind the current v7",
			},
		},
		{
			name: "current or one major behind, branches, unpinned SHAs, unknown, local and docker actions",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: actions/checkout@v7\n"+
					"      - uses: actions/checkout@v6\n"+
					"      - uses: docker/build-push-action@v6.9.0\n"+
					"      - uses: github/codeql-action/analyze@v3\n"+
					"      - uses: actions/checkout@v7.0.1\n"+
					"      - uses: actions/cache@main\n"+
					"      - uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9\n"+
					"      - uses: ruby/setup-ruby@v1\n"+
					"      - uses: acme/unknown@v1\n"+
					"      - uses: ./.github/actions/x\n"+
					"      - uses: docker://alpine:3\n")},
		},
		{
			name:  "composite action steps",
			files: map[string]string{"action.yml": "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - uses: aws-actions/configure-aws-credentials@v4\n"},
			want:  []string{"action.yml:6:13: aws-actions/configure-aws-credentials@v4 is 2 major versions behind the current v6"},
		},
		{
			// actionlint does not lint action.yml, so its outdated tags are ours to report there
			name:  "composite action step with a tag actionlint knows",
			files: map[string]string{"action.yml": "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - uses: actions/setup-python@v4\n"},
			want:  []string{"action.yml:6:13: actions/setup-python@v4 is 3 major versions behind the current v7, and its node runtime was removed"},
		},
		{
			name:  "a major that fails outright",
			files: map[string]string{"action.yml": "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - uses: actions/upload-artifact@v3\n"},
			want:  []string{"action.yml:6:13: actions/upload-artifact@v3 is 4 major versions behind the current v7, and it fails: GitHub's artifact service"},
		},
	})
}

// TestActionOutdatedSeverity checks that a major that fails outright is an
// error wherever it is, and the others keep the rule's info.
func TestActionOutdatedSeverity(t *testing.T) {
	src := "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - uses: actions/upload-artifact@v3\n    - uses: actions/checkout@v4\n"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "action.yml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{WorkDir: dir, Config: &config.Config{}, RuleFilter: func(r *Rule) bool { return r.ID == "action-outdated" }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 2 || res.Findings[0].Severity != SeverityError || res.Findings[1].Severity != SeverityInfo {
		t.Errorf("want an error then an info, have:\n%s", findingsText(res.Findings))
	}
}

// TestActionOutdatedLeavesActionlintsTags checks that an exact tag that
// actionlint's action rule already reports is not reported twice.
func TestActionOutdatedLeavesActionlintsTags(t *testing.T) {
	have := lintRepo(t, map[string]string{".github/workflows/a.yml": job("push", "      - uses: actions/checkout@v3\n      - uses: actions/checkout@v4\n")},
		"action-outdated", "action")
	var ours, theirs int
	for _, h := range have {
		switch {
		case strings.Contains(h, "is 4 major versions behind"):
			t.Errorf("actions/checkout@v3 reported by both rules: %s", h)
		case strings.Contains(h, "is 3 major versions behind"):
			ours++
		case strings.Contains(h, "is a node version GitHub removed"):
			theirs++
		}
	}
	if ours != 1 || theirs != 1 {
		t.Errorf("want one finding from each rule, have:\n%s", strings.Join(have, "\n"))
	}
}

func TestCurrentActionMajor(t *testing.T) {
	for in, want := range map[string]string{"actions/checkout": "v7", "actions/checkout@v2": "v7",
		"github/codeql-action/init@v3": "v4", "Docker/Build-Push-Action": "v7"} {
		if have, ok := CurrentActionMajor(in); !ok || have != want {
			t.Errorf("CurrentActionMajor(%q) = %q, %v; want %q", in, have, ok, want)
		}
	}
	if _, ok := CurrentActionMajor("acme/unknown"); ok {
		t.Error("an unknown action has a current major")
	}
	d := Actions()
	if d.Checked == "" || len(d.Actions) < 20 {
		t.Errorf("action data: checked %q, %d actions", d.Checked, len(d.Actions))
	}
	for name, rel := range d.Actions {
		if name != strings.ToLower(name) || !versionRefRe.MatchString(rel.Current) || !strings.HasPrefix(rel.Current, "v") {
			t.Errorf("action data: bad entry %q: %+v", name, rel)
		}
	}
}

func TestActionRepo(t *testing.T) {
	for in, want := range map[string]string{
		"actions/checkout": "actions/checkout", "github/codeql-action/init": "github/codeql-action",
		"a/b/c/d": "a/b", "a": "a", "a/": "a/", "/x": "/x", "": "", "a//b": "a/",
	} {
		if got := actionRepo(in); got != want {
			t.Errorf("actionRepo(%q) = %q, want %q", in, got, want)
		}
	}
}
