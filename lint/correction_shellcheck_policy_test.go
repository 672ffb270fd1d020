package lint

import (
	"strings"
	"testing"
)

func TestCorrectShellcheckPolicy(t *testing.T) {
	wf := func(script string) string {
		return "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n" + "          " + strings.ReplaceAll(script, "\n", "\n          ") + "\n"
	}
	runCorrectionCases(t, "shellcheck", []correctionCase{
		// accepted: the runner substitutes ${{ }} before the shell runs
		{name: "quoted placeholder tested for non-empty (SC2078)", src: wf(`if [ "${{ secrets.TOKEN_NAME }}" ]; then echo set; fi`)},
		{name: "exit with a step output (SC2242)", src: wf(`exit ${{ steps.check.outputs.code }}`)},
		{name: "numeric test of a placeholder (SC2170)", src: wf(`if ! [ "${{ env.CEF_VERSION }}" -le 3770 ]; then echo new; fi`)},
		{name: "single-quoted placeholder", src: wf(`exit '${{ steps.check.outputs.code }}'`)},
		// look-alikes: the constant is in the script itself
		{name: "a literal string tested is constant", src: wf(`if [ "TOKEN" ]; then echo set; fi`), want: []string{"6:9: error: SC2078:error:1:6"}},
		{name: "text around the placeholder is still a word shellcheck can judge", src: wf(`[ "v${{ env.V }}" -le 3 ] && echo old`), want: []string{"6:9: error: SC2170:error:1:3"}},
		{name: "exit with a word", src: wf(`exit failed`), want: []string{"6:9: error: SC2242:error:1:6"}},

		// warnings about input a CI script does not meet are info
		{name: "word splitting of $(nproc), pkg-config flags and docker ids", src: wf("make -j$(nproc)\ncc $(pkg-config --cflags gtk) a.c\ndocker rmi $(docker image ls -aq)\nkill $(cat pidfile)"),
			want: []string{"6:9: info: SC2046:warning:1:8", "6:9: info: SC2046:warning:2:4", "6:9: info: SC2046:warning:3:12", "6:9: info: SC2046:warning:4:6"}},
		{name: "export V=$(cmd)", src: wf(`export GOPATH_BIN=$(go env GOPATH)/bin`), want: []string{"6:9: info: SC2155:warning:1:8"}},
		{name: "a comma list of quoted words", src: wf(`awesome_bot --white-list "a.com","b.com" README.md`), want: []string{"6:9: info: SC2140:warning:1:33"}},
		{name: "string comparison of small counters", src: wf("r=1\n[[ $r < 3 ]] && echo again"), want: []string{"6:9: info: SC2071:error:2:7"}},
		{name: "for over ls", src: wf(`for f in $(ls *.md); do echo "$f"; done`), want: []string{"6:9: info: SC2035:info", "6:9: info: SC2045:error:1:10"}},
		{name: "negated file test of a glob", src: wf("[ ! -f dist/*.whl ] || mv dist/*.whl out/\nif [ ! -d out/*/ ]; then echo none; fi"),
			want: []string{"6:9: info: SC2144:error:1:8", "6:9: info: SC2144:error:2:11"}},

		// look-alikes: wrong whatever the input
		{name: "a file test of a glob", src: wf(`[ -f dist/*.whl ] && twine upload dist/*.whl`), want: []string{"6:9: error: SC2144:error:1:6"}},
		{name: "a negated file test of a glob in [[ ]] never expands it", src: wf(`[[ ! -f dist/*.whl ]] || exit 1`), want: []string{"6:9: error: SC2144:error:1:9"}},
		{name: "quoted regex", src: wf(`[[ $BRANCH =~ "^release-[0-9]+$" ]] && echo release`), want: []string{"6:9: warning: SC2076:warning:1:15"}},
		{name: "a script that does not parse", src: wf(`echo "unterminated`), want: []string{
			"6:9: info: SC1009:info", "6:9: error: SC1072:error:3:1", "6:9: error: SC1073:error:1:6"}},
	})
}

func TestPlaceholderWordAt(t *testing.T) {
	for _, c := range []struct {
		text string
		i    int
		want bool
	}{
		{`[ "${{ x }}" ]`, 2, true},
		{`exit ${{ x }}`, 5, true},
		{`exit ${{ x }};`, 5, true},
		{`[ '${{ x }}' = a ]`, 2, true},
		{`[ "${{ x }}y" ]`, 2, false},
		{`[ "v${{ x }}" ]`, 2, false},
		{`[ "${{ x }}' ]`, 2, false},
		{`exit ${{ x`, 5, false},
		{`exit 1`, 5, false},
	} {
		if have := placeholderWordAt(c.text, c.i); have != c.want {
			t.Errorf("placeholderWordAt(%q, %d) = %v, want %v", c.text, c.i, have, c.want)
		}
	}
}
