package lint

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// correctionCase is a workflow and the findings of one actionlint rule on
// it after gantry's corrections, each as "line:col: severity: part of the
// message". A case without findings is a look-alike gantry must accept.
type correctionCase struct {
	name string
	src  string
	want []string
}

func runCorrectionCases(t *testing.T, rule string, cases []correctionCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}, RuleFilter: func(r *Rule) bool { return r.ID == rule }}
			if rule == "shellcheck" {
				opts.Shellcheck = lookPathOrSkip(t, "shellcheck")
			}
			l, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := l.LintSource(context.Background(), "test.yml", []byte(dedent(c.src)))
			if err != nil {
				t.Fatal(err)
			}
			fs := res.Findings
			if len(fs) != len(c.want) {
				t.Fatalf("want %d findings, have %d:\n%s", len(c.want), len(fs), severityText(fs))
			}
			for i, w := range c.want {
				pos, rest, _ := strings.Cut(w, ": ")
				sev, msg, _ := strings.Cut(rest, ": ")
				have := fmt.Sprintf("%d:%d", fs[i].Line, fs[i].Column)
				if have != pos || fs[i].Severity.String() != sev || !strings.Contains(fs[i].Message, msg) {
					t.Errorf("finding %d:\n want: %s\n have: %s: %s: %s", i+1, w, have, fs[i].Severity, fs[i].Message)
				}
			}
		})
	}
}

func severityText(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %d:%d: %s: %s [%s]\n", f.Line, f.Column, f.Severity, f.Message, f.RuleID)
	}
	return b.String()
}

func TestCorrectShellcheck(t *testing.T) {
	runCorrectionCases(t, "shellcheck", []correctionCase{
		{
			name: "shellcheck's level decides the severity",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: |
				          if [ -f *.txt ]; then echo; fi
				          [[ $x =~ "a.*" ]]
				          echo $FOO
				`,
			want: []string{
				"6:9: warning: SC2076:warning:2:10",
				"6:9: info: SC2086:info:3:6",
				"6:9: error: SC2144:error:1:9",
			},
		},
		{
			name: "runner variables are not SC2086 material, user variables are",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo "x=1" >> $GITHUB_OUTPUT
				      - run: cd $GITHUB_WORKSPACE && ls ${RUNNER_TEMP} $HOME $CI
				      - run: cp a $TARGET_DIR
				`,
			want: []string{"8:9: info: SC2086:info:1:6"},
		},
		{
			name: "PowerShell on a Windows runner from the matrix, or in a Windows-only step",
			src: `
				on: push
				jobs:
				  win:
				    runs-on: ${{ matrix.os }}
				    strategy:
				      matrix:
				        os: [windows-latest, windows-2022]
				    steps:
				      - run: Get-ChildItem | ForEach-Object { $_ }
				  both:
				    runs-on: ${{ matrix.os }}
				    strategy:
				      matrix:
				        os: [ubuntu-latest, windows-latest]
				    steps:
				      - if: runner.os == 'Windows'
				        run: Get-ChildItem | ForEach-Object { $_ }
				      - if: startsWith(matrix.os, 'windows')
				        run: Get-ChildItem | ForEach-Object { $_ }
				      - if: runner.os != 'Windows'
				        run: echo $FOO
				`,
			want: []string{"21:9: info: SC2086"},
		},
		{
			name: "pwsh, powershell, cmd and python shells, in steps and in defaults",
			src: `
				on: push
				defaults:
				  run:
				    shell: pwsh
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: Get-ChildItem | ForEach-Object { $_ }
				  b:
				    runs-on: ubuntu-latest
				    defaults:
				      run:
				        shell: powershell
				    steps:
				      - run: Get-ChildItem | ForEach-Object { $_ }
				      - run: dir %FOO%
				        shell: cmd
				      - run: print($x)
				        shell: python
				`,
		},
		{
			name: "an explicit bash shell on a Windows runner is still checked",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: windows-latest
				    steps:
				      - if: runner.os == 'Windows'
				        shell: bash
				        run: echo $FOO
				`,
			want: []string{"8:9: info: SC2086"},
		},
	})
}

func TestVariableAt(t *testing.T) {
	for _, c := range []struct {
		script    string
		line, col int
		want      string
	}{
		{"echo $HOME", 1, 6, "HOME"},
		{"a\necho ${GITHUB_OUTPUT}x", 2, 6, "GITHUB_OUTPUT"},
		{"\techo $X", 1, 14, "X"},
		{"echo $1", 1, 6, ""},
		{"echo x", 1, 6, ""},
		{"echo", 3, 1, ""},
	} {
		have, _ := variableAt(c.script, c.line, c.col)
		if have != c.want {
			t.Errorf("variableAt(%q, %d, %d) = %q, want %q", c.script, c.line, c.col, have, c.want)
		}
	}
}

func TestCorrectRunnerLabel(t *testing.T) {
	wf := func(runsOn string) string {
		return "on: push\njobs:\n  a:\n    runs-on: " + runsOn + "\n    steps:\n      - run: echo\n"
	}
	runCorrectionCases(t, "runner-label", []correctionCase{
		{name: "typo of a GitHub label stays an error", src: wf("ubuntu-lastest"), want: []string{`4:14: error: did you mean "ubuntu-latest"`}},
		{name: "transposed letters", src: wf("ubunut-latest"), want: []string{`4:14: error: did you mean "ubuntu-latest"`}},
		{name: "a macOS version that does not exist", src: wf("macos-16"), want: []string{`4:14: error: did you mean`}},
		{name: "retired image", src: wf("ubuntu-20.04"), want: []string{`4:14: error: GitHub has retired, so the job never starts: use a current one such as "ubuntu-latest"`}},
		{name: "retired larger image", src: wf("macos-13-xlarge"), want: []string{`4:14: error: GitHub has retired, so the job never starts: use a current one such as "macos-latest"`}},
		{name: "unknown custom label is info", src: wf("linux.2xlarge"), want: []string{`4:14: info: is not a GitHub-hosted runner label`}},
		{name: "org larger runner is info", src: wf("ubuntu-latest-32-cores"), want: []string{`4:14: info: is not a GitHub-hosted runner label`}},
		{name: "depot", src: wf("depot-ubuntu-24.04-4")},
		{name: "blacksmith", src: wf("blacksmith-4vcpu-ubuntu-2404")},
		{name: "buildjet", src: wf("buildjet-4vcpu-ubuntu-2204")},
		{name: "namespace", src: wf("namespace-profile-default")},
		{name: "nscloud", src: wf("nscloud-ubuntu-22.04-amd64-4x16")},
		{name: "warp", src: wf("warp-ubuntu-latest-x64-4x")},
		{name: "ubicloud", src: wf("ubicloud-standard-2")},
		{name: "runs-on", src: wf("[runs-on, runner=2cpu-linux-x64]")},
		{name: "custom labels next to self-hosted", src: wf("[self-hosted, docker-gpu, single-gpu]")},
		{name: "custom labels without self-hosted", src: wf("[linux, docker-gpu]"), want: []string{`4:22: info: "docker-gpu" is not a GitHub-hosted`}},
	})
}

func TestCorrectExpression(t *testing.T) {
	runCorrectionCases(t, "expression", []correctionCase{
		{
			name: "dynamic strategy makes matrix untyped",
			src: `
				on: push
				jobs:
				  gen:
				    runs-on: ubuntu-latest
				    outputs:
				      strategy: ${{ steps.s.outputs.strategy }}
				    steps:
				      - id: s
				        run: echo
				  build:
				    needs: gen
				    strategy: ${{ fromJSON(needs.gen.outputs.strategy) }}
				    runs-on: ${{ matrix.os }}
				    steps:
				      - run: echo ${{ matrix.name }}
				`,
		},
		{
			name: "the dynamic strategy's own expression is still checked",
			src: `
				on: push
				jobs:
				  build:
				    strategy: ${{ fromJSON(needs.gen.outputs.strategy) }}
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo ${{ matrix.name }}
				`,
			want: []string{`4:28: error: property "gen" is not defined`},
		},
		{
			name: "a static matrix keeps its types",
			src: `
				on: push
				jobs:
				  build:
				    strategy:
				      matrix:
				        os: [ubuntu-latest]
				    runs-on: ${{ matrix.os }}
				    steps:
				      - run: make ${{ matrix.name }}
				`,
			want: []string{`9:23: error: property "name" is not defined`},
		},
		{
			name: "an optional matrix key no entry sets, tested in if: and in a default, is info",
			src: `
				on: push
				jobs:
				  build:
				    strategy:
				      matrix:
				        include:
				          - os: ubuntu-latest
				            node-version: 20
				    runs-on: ${{ matrix.os }}
				    steps:
				      - if: matrix.e2e == 1
				        run: make e2e
				      - if: ${{ matrix.gradle }}
				        run: ./gradlew build
				      - uses: ./.github/actions/package
				        with:
				          kind: ${{ (matrix.war == 1 && 'war') || 'jar' }}
				`,
			want: []string{
				`11:13: info: property "e2e" is not defined`,
				`13:17: info: property "gradle" is not defined`,
				`17:22: info: property "war" is not defined`,
			},
		},
		{
			name: "a missing matrix key read as a value, a near-typo, a nested key read as a value and a job with no matrix stay errors",
			src: `
				on: push
				jobs:
				  build:
				    strategy:
				      matrix:
				        node-version: [18, 20]
				        config: [{os: ubuntu-latest}]
				    runs-on: ubuntu-latest
				    steps:
				      - if: matrix.node_version == 18
				        run: make
				      - run: make ${{ matrix.target }}
				        env:
				          RSPM: ${{ matrix.config.rspm }}
				      - if: matrix.e2e == 1 || matrix.suite
				        run: make ${{ matrix.suite }}
				  other:
				    runs-on: ubuntu-latest
				    steps:
				      - if: matrix.os == 'ubuntu-latest'
				        run: make
				`,
			want: []string{
				`10:13: error: property "node_version" is not defined`,
				`12:23: error: property "target" is not defined`,
				`14:21: error: property "rspm" is not defined`,
				`15:13: info: property "e2e" is not defined`,
				`15:32: info: property "suite" is not defined`,
				`16:23: error: property "suite" is not defined`,
				`20:13: error: property "os" is not defined`,
			},
		},
		{
			name: "bool and number index into an object",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo ${{ fromJSON('{"true":1}')[true] }} ${{ fromJSON('{"1":1}')[1] }} ${{ github.event.inputs[1] }}
				`,
		},
		{
			name: "a null index into an object is still an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo ${{ fromJSON('{"a":1}')[null] }}
				`,
			want: []string{`6:43: error: property access of object must be type of string but got "null"`},
		},
	})
}

func TestCorrectDynamicStrategySyntax(t *testing.T) {
	runCorrectionCases(t, "syntax-check", []correctionCase{
		{
			name: "strategy from an expression",
			src:  "on: push\njobs:\n  a:\n    strategy: ${{ fromJSON(inputs.s) }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
		},
		{
			name: "quoted strategy expression",
			src:  "on: push\njobs:\n  a:\n    strategy: \"${{ fromJSON(inputs.s) }}\"\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
		},
		{
			name: "a plain string strategy is still an error",
			src:  "on: push\njobs:\n  a:\n    strategy: fast\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n",
			want: []string{`4:15: error: "strategy" section is scalar node`},
		},
	})
}

func TestCorrectActionRuntime(t *testing.T) {
	wf := func(uses string) string {
		return "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: " + uses + "\n"
	}
	runCorrectionCases(t, "action", []correctionCase{
		{name: "node16 action still runs", src: wf("actions/checkout@v3"), want: []string{`6:15: info: "actions/checkout@v3" is a node version GitHub removed: the runner runs it on its current node instead`}},
		{name: "artifact v3 fails", src: wf("actions/upload-artifact@v3"), want: []string{`6:15: error: "actions/upload-artifact@v3" fails: GitHub's artifact service rejects`}},
		{name: "download-artifact v2 fails", src: wf("actions/download-artifact@v2"), want: []string{`6:15: error: fails:`}},
		{name: "cache v2 fails", src: wf("actions/cache@v2"), want: []string{`6:15: error: fails: GitHub retired the cache service`}},
		{name: "cache v3 runs", src: wf("actions/cache@v3"), want: []string{`6:15: info: update to actions/cache@v6`}},
		{name: "a current major", src: wf("actions/checkout@v4")},
	})
}

func TestTooOldAction(t *testing.T) {
	for msg, want := range map[string]string{
		`the runner of "actions/checkout@v2" action is too old to run on GitHub Actions. update the action's version to fix this issue`: "actions/checkout@v2",
		`the runner of "" action is too old to run on GitHub Actions. x`:                                                                "",
		`the runner of "a@v1" action is too old to run on GitHub Actions.`:                                                              "",
		`the runner of "a"b" action is too old to run on GitHub Actions. x`:                                                             "",
		`input "x" is not defined in action "a@v1"`:                                                                                     "",
		`xthe runner of "a@v1" action is too old to run on GitHub Actions. update version`:                                              "",
	} {
		if got, ok := tooOldAction(msg); got != want || ok != (want != "") {
			t.Errorf("tooOldAction(%q) = %q, %v; want %q", msg, got, ok, want)
		}
	}
}
