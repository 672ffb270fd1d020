package lint

import "testing"

func TestCorrectIfCond(t *testing.T) {
	step := func(cond string) string {
		return "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - if: " + cond + "\n        run: echo\n"
	}
	job := func(cond string) string {
		return "on: push\njobs:\n  a:\n    if: " + cond + "\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
	}
	runCorrectionCases(t, "if-cond", []correctionCase{
		// a deliberate switch is info
		{name: "job switched off", src: job("false"), want: []string{`4:9: info: condition "false" is constant: this never runs`}},
		{name: "step switched off in ${{ }}", src: step("${{ false }}"), want: []string{`6:13: info: condition "false" is constant: this never runs`}},
		{name: "step switched on", src: step("true"), want: []string{`6:13: info: condition "true" is constant: the if: does nothing`}},
		{name: "a constant comparison", src: job("1 == 2"), want: []string{`4:9: info: condition "1 == 2" is constant: it always decides the same way`}},
		{name: "an empty string is false", src: job("${{ '' }}"), want: []string{`4:9: info: condition "''" is constant`}},
		// look-alikes that stay errors
		{name: "the string 'false' is true", src: job("${{ 'false' }}"), want: []string{`4:9: error: condition "'false'" is the string "false", and every non-empty string is true`}},
		{name: "text around ${{ }} is always true", src: step("${{ github.event_name == 'push' }} && true"), want: []string{`6:13: error: is always evaluated to true because extra characters are around ${{ }}`}},
		{name: "two placeholders", src: job("${{ false }} || ${{ false }}"), want: []string{`4:9: error: is always evaluated to true`}},
		// not constant: no finding
		{name: "a real condition", src: job("github.ref == 'refs/heads/main'")},
	})
}
