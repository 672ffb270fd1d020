package lint

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// reflectWalk is the reference for walkWorkflowStrings: it finds every
// *actionlint.String (and RawYAMLString) in the syntax tree by reflection,
// with the same field, key and context rules.
func reflectWalk(node any, fn func(visitedString)) {
	reflectWalkValue(reflect.ValueOf(node), visitedString{}, fn)
}

var (
	stringPtrType    = reflect.TypeFor[*actionlint.String]()
	posPtrType       = reflect.TypeFor[*actionlint.Pos]()
	rawYAMLStringPtr = reflect.TypeFor[*actionlint.RawYAMLString]()
	jobPtrType       = reflect.TypeFor[*actionlint.Job]()
	stepPtrType      = reflect.TypeFor[*actionlint.Step]()
)

func reflectWalkValue(v reflect.Value, at visitedString, fn func(visitedString)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			reflectWalkValue(v.Elem(), at, fn)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		switch v.Type() {
		case stringPtrType:
			at.s = v.Interface().(*actionlint.String)
			fn(at)
			return
		case posPtrType:
			return
		case rawYAMLStringPtr:
			rs := v.Interface().(*actionlint.RawYAMLString)
			at.s = &actionlint.String{Value: rs.Value, Pos: rs.Pos()}
			fn(at)
			return
		case jobPtrType:
			at.job = v.Interface().(*actionlint.Job)
		case stepPtrType:
			at.step = v.Interface().(*actionlint.Step)
		}
		reflectWalkValue(v.Elem(), at, fn)
	case reflect.Struct:
		t := v.Type()
		name := ""
		if f := v.FieldByName("Name"); f.IsValid() && f.Type() == stringPtrType && !f.IsNil() {
			name = f.Interface().(*actionlint.String).Value
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			child := at
			child.field, child.key = sf.Name, sf.Name
			switch {
			case (sf.Name == "Value" || sf.Name == "Default") && name != "":
				child.key = name
			case sf.Name == "Expression":
				child.field, child.key = at.field, at.key
			case t == jobPtrType.Elem() && sf.Name == "Outputs":
				child.jobOutput = true
			}
			reflectWalkValue(v.Field(i), child, fn)
		}
	case reflect.Map:
		for _, mk := range v.MapKeys() {
			child := at
			child.field = ""
			if mk.Kind() == reflect.String {
				child.key = mk.String()
			}
			reflectWalkValue(v.MapIndex(mk), child, fn)
		}
	case reflect.Slice, reflect.Array:
		child := at
		child.field = ""
		for i := range v.Len() {
			reflectWalkValue(v.Index(i), child, fn)
		}
	}
}

func visitedKey(v visitedString) string {
	line, col := 0, 0
	if v.s.Pos != nil {
		line, col = v.s.Pos.Line, v.s.Pos.Col
	}
	return fmt.Sprintf("%d:%d %q field=%s key=%s job=%p step=%p out=%v", line, col, v.s.Value, v.field, v.key, v.job, v.step, v.jobOutput)
}

// TestWalkWorkflowStrings checks that the hand-written walker finds exactly
// the strings that a reflection walk of actionlint's syntax tree finds, on
// every workflow of the shared corpus, so that no field is forgotten.
func TestWalkWorkflowStrings(t *testing.T) {
	root := corpusDir(t)
	var srcs [][]byte
	var names []string
	for _, dir := range []string{"actionlint/ok", "actionlint/err", "actionlint/examples", "zizmor"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isYAML(d.Name()) && !strings.HasPrefix(d.Name(), "action.") {
				if b, err := os.ReadFile(p); err == nil {
					srcs, names = append(srcs, b), append(names, p)
				}
			}
			return nil
		})
	}
	for i, b := range readDataset(t) {
		srcs, names = append(srcs, b), append(names, fmt.Sprintf("dataset.zip#%d", i))
	}
	if len(srcs) < 1500 {
		t.Fatalf("only %d workflows", len(srcs))
	}
	total := 0
	for i, src := range srcs {
		w, _ := actionlint.Parse(src)
		if w == nil {
			continue
		}
		var have, want []string
		walkWorkflowStrings(w, func(v visitedString) { have = append(have, visitedKey(v)) })
		reflectWalk(w, func(v visitedString) { want = append(want, visitedKey(v)) })
		if n := countWorkflowStrings(w); n != len(have) {
			t.Errorf("%s: countWorkflowStrings = %d, the walk visits %d", names[i], n, len(have))
		}
		slices.SortFunc(have, cmp.Compare)
		slices.SortFunc(want, cmp.Compare)
		if !slices.Equal(have, want) {
			for _, x := range want {
				if !slices.Contains(have, x) {
					t.Errorf("%s: the walker misses %s", names[i], x)
				}
			}
			for _, x := range have {
				if !slices.Contains(want, x) {
					t.Errorf("%s: the walker has an extra %s", names[i], x)
				}
			}
			if t.Failed() {
				return
			}
		}
		total += len(have)
	}
	t.Logf("%d strings in %d workflows", total, len(srcs))
}

func TestHasSpellingEscape(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{``, false},
		{`\`, false},
		{`a: "x \u0026& y"`, true},
		{`a: "\x26\x26"`, true},
		{`a: "\U00000026&"`, true},
		{"a: \"x &\\\n  & y\"", true},
		{"a: \"x &\\\r\n  & y\"", true},
		{`a: "tab\tquote\" slash\/ back\\ nl\n"`, false},
		{`a: "an escaped backslash: \\u0026"`, false},
		{`a: "\\\u0026"`, true},
		{"run: |\n  docker build \\\n    .\n", true}, // a shell continuation looks the same
		{`a: 'C:\path\to' # no escape is processed here, none spells a word`, false},
	} {
		if got := hasSpellingEscape([]byte(c.text)); got != c.want {
			t.Errorf("hasSpellingEscape(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
