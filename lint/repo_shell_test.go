package lint

import (
	"reflect"
	"testing"

	"github.com/rhysd/actionlint"
)

func TestShellCommands(t *testing.T) {
	script := "set -e\n" +
		"FOO=1 git -C repo push origin HEAD:main # push it\n" +
		"git commit -m \"a; b\" && git push --tags\n" +
		"docker build \\\n  -t app:${{ github.sha }} \\\n  .\n" +
		"if [ -n \"$X\" ]; then gh release create \"v$X\"; fi\n" +
		"echo \"$(git rev-parse HEAD)\" | tee x\n" +
		"B=$(grep x \\\n  scripts/init.sh | awk 1)\n" +
		"make\n"
	cmds := scriptCommands(script)
	var got [][]string
	for _, c := range cmds {
		got = append(got, c.Words)
	}
	want := [][]string{
		{"set", "-e"},
		{"git", "-C", "repo", "push", "origin", "HEAD:main"},
		{"git", "commit", "-m", "a; b"},
		{"git", "push", "--tags"},
		{"docker", "build", "-t", "app:${{ github.sha }}", "."},
		{"[", "-n", "$X", "]"},
		{"gh", "release", "create", "v$X"},
		{"fi"},
		{"echo", "$(git rev-parse HEAD)"},
		{"tee", "x"},
		nil, // B=$(...) over a line continuation is one assignment
		{"make"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("commands:\n%q\nwant:\n%q", got, want)
	}
	if cmds[1].Assign["FOO"] != "1" || cmds[1].Line != 1 || cmds[1].Col != 0 {
		t.Errorf("git push: %+v", cmds[1])
	}
	if sub := cmds[1].Sub(); len(sub) == 0 || sub[0] != "push" {
		t.Errorf("Sub() = %q", sub)
	}
	if cmds[3].Line != 2 || cmds[3].Col != 24 {
		t.Errorf("git push --tags at %d:%d", cmds[3].Line, cmds[3].Col)
	}
	if cmds[4].Line != 3 {
		t.Errorf("docker build at line %d", cmds[4].Line)
	}
}

func TestShellCommandsNeverFail(t *testing.T) {
	for _, s := range []string{"", "'", "\"", "\\", "$(", "${{", "a 'b\nc' d", "$((1+2))", "#", "a\\\n"} {
		_ = scriptCommands(s)
	}
}

func TestOptValues(t *testing.T) {
	args := []string{"--cache-to", "type=gha", "--cache-to=type=local,dest=x", "-f", "Dockerfile", "."}
	if have := optValues(args, "--cache-to"); !reflect.DeepEqual(have, []string{"type=gha", "type=local,dest=x"}) {
		t.Errorf("optValues = %q", have)
	}
	if v, ok := optValue(args, "-f", "--file"); !ok || v != "Dockerfile" {
		t.Errorf("optValue = %q %v", v, ok)
	}
	if !hasFlag([]string{"--push=true"}, "--push") {
		t.Error("hasFlag with a value")
	}
}

// corpusRunScripts returns the run: scripts of the 1,503 real-world workflows.
func corpusRunScripts(b *testing.B) []string {
	var out []string
	for _, e := range realworldDataset(b) {
		w, _ := actionlint.Parse(e.Src)
		if w == nil {
			continue
		}
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if r, ok := s.Exec.(*actionlint.ExecRun); ok && r.Run != nil {
					out = append(out, r.Run.Value)
				}
			}
		}
	}
	return out
}

// BenchmarkScriptCommands splits every run: script of the real-world
// workflows into commands (the repository model does it once per step).
func BenchmarkScriptCommands(b *testing.B) {
	scripts := corpusRunScripts(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range scripts {
			scriptCommands(s)
		}
	}
}

func TestIsAssignment(t *testing.T) {
	for w, want := range map[string]bool{
		"A=1": true, "_x=": true, "a1_B=x=y": true, "PATH=$PATH:/bin": true,
		"=1": false, "1A=1": false, "a-b=1": false, "echo": false, "a b=1": false, "--opt=1": false, "é=1": false,
	} {
		if got := isAssignment(w); got != want {
			t.Errorf("isAssignment(%q) = %v, want %v", w, got, want)
		}
	}
}
