package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/internal/testenv"
)

// TestNoReflectMethod builds gantry as scripts/release does (static, with
// the tag grpcnotrace) with the linker's dependency dump, and fails when a
// reachable function calls methods through reflection by name
// (reflect.Value.Method or MethodByName, as text/template and html/template
// do): the linker then cannot tell which methods are called, and keeps every
// exported method of every type converted to an interface, a quarter of the
// binary. The failure names the chain of calls from main to the first one.
func TestNoReflectMethod(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("builds gantry (-short); CI always runs it")
	}
	testenv.LookPath(t, "go")
	tmp := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "grpcnotrace", "-ldflags=-dumpdep",
		"-o", filepath.Join(tmp, "gantry"), ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	// the linker writes the dump, and go build relays it to stderr
	dump, err := os.Create(filepath.Join(tmp, "dumpdep"))
	if err != nil {
		t.Fatal(err)
	}
	defer dump.Close()
	cmd.Stderr = dump
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(dump.Name())
		t.Fatalf("go build: %v\n%.4000s", err, b)
	}
	if _, err := dump.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	chains, edges, err := reflectMethodChains(dump)
	if err != nil {
		t.Fatal(err)
	}
	if edges < 1000 {
		t.Fatalf("the linker's dependency dump has %d edges: has -dumpdep's format changed?", edges)
	}
	if len(chains) > 0 {
		var names []string
		for _, c := range chains {
			names = append(names, c[0])
		}
		t.Errorf("%d reachable functions call methods by reflection, which keeps every exported method in the binary: %s\n"+
			"the first is reached through\n\t%s", len(chains), strings.Join(names, ", "), strings.Join(chains[0], "\n\t<- "))
	}
}

// dumpdepSide splits one side of a -dumpdep edge into the symbol and its
// flags ("text/template.(*state).evalField <ReflectMethod>").
var dumpdepSide = regexp.MustCompile(`^(.*?)(?: ((?:<[A-Za-z]+>)+))?$`)

// reflectMethodChains reads the linker's dependency dump (-ldflags=-dumpdep:
// "from -> to" as each symbol becomes reachable, "_" for a root) and
// returns, for each reachable symbol marked <ReflectMethod>, in the order
// they were reached, the chain from it back to a root, and how many edges
// it read.
func reflectMethodChains(r io.Reader) (chains [][]string, edges int, err error) {
	parent := map[string]string{}
	var marked []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " -> ")
		if !ok {
			continue
		}
		edges++
		fm, tm := dumpdepSide.FindStringSubmatch(from), dumpdepSide.FindStringSubmatch(to)
		if _, seen := parent[tm[1]]; !seen {
			parent[tm[1]] = fm[1]
			if strings.Contains(tm[2], "<ReflectMethod>") {
				marked = append(marked, tm[1])
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, edges, fmt.Errorf("reading the dependency dump: %w", err)
	}
	for _, sym := range marked {
		chain := []string{sym}
		for p := parent[sym]; p != "" && p != "_" && len(chain) < 100; p = parent[p] {
			chain = append(chain, p)
		}
		chains = append(chains, chain)
	}
	return chains, edges, nil
}

func TestReflectMethodChains(t *testing.T) {
	dump := `# github.com/gantry-ci/gantry/cmd/gantry
_ -> main.main
main.main -> main.run
main.run -> fmt.Println <UsedInIface>
main.run -> text/template.(*Template).Execute
text/template.(*Template).Execute -> text/template.(*state).evalField <ReflectMethod>
text/template.(*state).evalField <ReflectMethod> -> reflect.Value.MethodByName
main.main -> text/template.(*state).evalField <ReflectMethod>
fmt.Println <UsedInIface> -> x.y <UsedInIface><ReflectMethod>
`
	chains, edges, err := reflectMethodChains(strings.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	want := "text/template.(*state).evalField <- text/template.(*Template).Execute <- main.run <- main.main\n" +
		"x.y <- fmt.Println <- main.run <- main.main"
	var have []string
	for _, c := range chains {
		have = append(have, strings.Join(c, " <- "))
	}
	if edges != 8 || strings.Join(have, "\n") != want {
		t.Errorf("%d edges, chains:\n%s\nwant 8 edges and:\n%s", edges, strings.Join(have, "\n"), want)
	}
}
