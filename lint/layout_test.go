package lint

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestRuleFilesShareNoHelpers keeps one home for each helper: a rule's
// files (rule_<id>.go and rule_<id>_test.go) may use what the shared files
// declare, and their own declarations, but nothing declared in another
// rule's files. A helper two rules need moves to a shared file
// (workflow_*.go, repo_*.go, job_*.go, ...).
//
// The package is type-checked from source without its imports: they fail
// to load, which leaves the types of their values unknown, but every use
// of a name declared in this package still resolves to its declaration.
func TestRuleFilesShareNoHelpers(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		if ok, err := build.Default.MatchFile(".", name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name == "lint" {
			files = append(files, f)
		}
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			return nil, errors.New("not loaded")
		}),
		Error: func(error) {}, // unloaded imports; see above
	}
	pkg, _ := conf.Check("github.com/gantry-ci/gantry/lint", fset, files, info)
	if pkg == nil || pkg.Scope().Lookup("Rule") == nil {
		t.Fatal("the lint package did not type-check far enough to resolve its names")
	}

	var problems []string
	seen := map[string]bool{}
	for id, obj := range info.Uses {
		if obj == nil || obj.Pkg() != pkg || !declaredAtTopLevel(pkg, obj) {
			continue
		}
		use := fset.Position(id.Pos())
		decl := fset.Position(obj.Pos())
		useRule, declRule := ruleOfFile(use.Filename), ruleOfFile(decl.Filename)
		if useRule == "" || declRule == "" || useRule == declRule {
			continue
		}
		key := use.Filename + " " + obj.Name() + " " + decl.Filename
		if seen[key] {
			continue
		}
		seen[key] = true
		problems = append(problems, fmt.Sprintf("%s:%d uses %s, which %s declares: a helper two rules share lives in a shared file, not in one rule's",
			use.Filename, use.Line, obj.Name(), decl.Filename))
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// declaredAtTopLevel reports whether obj is a package-level name or a
// method (declared at the top level of a file, as a method of a type).
func declaredAtTopLevel(pkg *types.Package, obj types.Object) bool {
	if obj.Parent() == pkg.Scope() {
		return true
	}
	fn, ok := obj.(*types.Func)
	return ok && fn.Signature().Recv() != nil
}

// ruleOfFile returns the rule ID a file belongs to (rule_<id>.go or
// rule_<id>_test.go), or "" for a shared file.
func ruleOfFile(name string) string {
	base := filepath.Base(name)
	if !strings.HasPrefix(base, "rule_") {
		return ""
	}
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(base, "rule_"), ".go"), "_test")
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
