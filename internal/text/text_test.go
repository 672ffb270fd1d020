package text

import "testing"

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n               int
		one, many, want string
	}{
		{0, "tag", "", "tags"},
		{1, "tag", "", "tag"},
		{2, "tag", "", "tags"},
		{1, "entry", "entries", "entry"},
		{3, "entry", "entries", "entries"},
	} {
		if got := Plural(c.n, c.one, c.many); got != c.want {
			t.Errorf("Plural(%d, %q, %q) = %q, want %q", c.n, c.one, c.many, got, c.want)
		}
	}
	if got := Count(1, "tag"); got != "1 tag" {
		t.Errorf("Count(1) = %q", got)
	}
	if got := Count(3, "tag"); got != "3 tags" {
		t.Errorf("Count(3) = %q", got)
	}
}

func TestEscapeMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"plain text: v1.2.3":  "plain text: v1.2.3",
		"a | b":               `a \| b`,
		`C:\dir`:              `C:\\dir`,
		"*bold* _em_ `code`":  `\*bold\* \_em\_ \` + "`" + `code\` + "`",
		"[link](x)":           `\[link\](x)`,
		"<script> & co":       "&lt;script&gt; &amp; co",
		"one\ntwo\r\nthree\r": "one<br>two<br>three<br>",
	} {
		if got := EscapeMarkdown(in); got != want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}
