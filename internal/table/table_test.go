package table

import "testing"

func TestFormat(t *testing.T) {
	got := Format("  ", [][]string{{"RULE", "VALUE", "VERDICT"}, {"event", "pull_request", "deny", "not allowed"}, {"ref", "branch main", "pass", ""}})
	want := "  RULE   VALUE         VERDICT\n  event  pull_request  deny     not allowed\n  ref    branch main   pass\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if Format("", nil) != "" {
		t.Error("empty table is not empty")
	}
}
