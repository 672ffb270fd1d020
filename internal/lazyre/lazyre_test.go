package lazyre

import "testing"

func TestRegexp(t *testing.T) {
	r := &Regexp{str: `a(b+)`} // not compiled yet, as outside tests
	if r.rx != nil {
		t.Fatal("compiled before first use")
	}
	if !r.MatchString("xabbb") || r.MatchString("ac") {
		t.Error("MatchString disagrees with regexp")
	}
	if got := r.FindStringSubmatch("abb"); len(got) != 2 || got[1] != "bb" {
		t.Errorf("FindStringSubmatch = %q", got)
	}
	if r.String() != `a(b+)` || r.Regexp().String() != `a(b+)` {
		t.Error("String or Regexp lost the pattern")
	}
}

func TestNewCompilesInTests(t *testing.T) {
	if !inTest {
		t.Fatal("inTest is false in a test binary")
	}
	defer func() {
		if recover() == nil {
			t.Error("New did not compile a bad pattern at once in a test binary")
		}
	}()
	New(`a(`)
}
