package lint

import (
	"slices"
	"testing"
)

func TestCorrectExpressionReach(t *testing.T) {
	runCorrectionCases(t, "expression", []correctionCase{
		{
			name: "runner.workspace and a case-insensitive index are accepted",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - if: github['ACTOR'] == 'dependabot[bot]'
				        run: cd ${{ runner.workspace }}
				`,
		},
		{
			name: "another runner property or an index the object lacks in any case is still an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - if: github['ACTORS'] == 'x'
				        run: cd ${{ runner.workdir }}
				`,
			want: []string{`6:13: error: property "ACTORS" is not defined`, `7:21: error: property "workdir" is not defined`},
		},
		{
			name: "an outsider's text no trigger delivers is info; one a trigger delivers, or in a reusable workflow, is an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo "${{ github.event.issue.title }}"
				      - run: echo "${{ github.event.head_commit.message }}"
				      - run: echo "${{ github.event.pull_request.head.ref }}"
				`,
			want: []string{
				`6:24: info: "github.event.issue.title" is potentially untrusted`,
				`7:24: error: "github.event.head_commit.message" is potentially untrusted`,
				`8:24: info: (here github.event.pull_request is always empty`,
			},
		},
		{
			name: "an outsider's text delivered only by pull_request is info; by pull_request_target, an error",
			src: `
				on: pull_request
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo "${{ github.event.pull_request.head.ref }}"
				      - run: echo "${{ github.head_ref }}"
				`,
			want: []string{
				`6:24: info: (here only pull_request delivers it`,
				`7:24: info: (here only pull_request delivers it`,
			},
		},
		{
			name: "pull_request_target or a second delivering trigger keeps it an error",
			src: `
				on:
				  pull_request:
				  pull_request_target:
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo "${{ github.event.pull_request.title }}"
				`,
			want: []string{`8:24: error: "github.event.pull_request.title" is potentially untrusted`},
		},
		{
			name: "an object in a cache key of a one-combination matrix, or in the log, is info; in a key shared by several combinations, an error",
			src: `
				on: push
				jobs:
				  one:
				    strategy:
				      matrix:
				        platform:
				          - { os: ubuntu-latest }
				    runs-on: ubuntu-latest
				    steps:
				      - uses: actions/cache@v4
				        with:
				          path: x
				          key: ${{ matrix.platform }}-cargo
				  many:
				    strategy:
				      matrix:
				        platform:
				          - { os: ubuntu-latest }
				          - { os: macos-latest }
				    runs-on: ${{ matrix.platform.os }}
				    steps:
				      - uses: actions/cache@v4
				        with:
				          path: x
				          key: ${{ matrix.platform }}-cargo
				      - run: echo ${{ matrix.platform }}
				`,
			want: []string{
				`13:16: info: object, array, and null values should not be evaluated`,
				`25:16: error: object, array, and null values should not be evaluated`,
				`26:19: info: not its content, and here it only reaches the job's log`,
			},
		},
		{
			name: "a cache-hit check of a missing step is info; another missing output in an if: is an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - uses: actions/cache@v4
				        with:
				          path: x
				          key: k
				      - if: steps.deps-cache.outputs.cache-hit != 'true'
				        run: make deps
				      - if: steps.deps.outputs.ready == 'true'
				        run: make
				`,
			want: []string{
				`10:13: info: property "deps-cache" is not defined`,
				`12:13: error: property "deps" is not defined`,
			},
		},
		{
			name: "a reusable workflow gets its caller's event",
			src: `
				on:
				  workflow_call:
				  push:
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo "${{ github.event.issue.title }}"
				`,
			want: []string{`8:24: error: "github.event.issue.title" is potentially untrusted`},
		},
		{
			name: "an undefined property that only reaches a name, the log, a cache key, an artifact name or an unread output is info",
			src: `
				on: push
				jobs:
				  a:
				    name: test on ${{ matrix.node }}
				    runs-on: ubuntu-latest
				    outputs:
				      unread: ${{ steps.gone.outputs.x }}
				    steps:
				      - name: node ${{ matrix.node }}
				        run: echo "digest ${{ steps.build.outputs.digest }}"
				      - uses: actions/cache@v4
				        with:
				          path: ~/.npm
				          key: npm-${{ matrix.node }}-${{ hashFiles('package-lock.json') }}
				          restore-keys: |
				            npm-${{ matrix.node }}-
				      - run: printenv
				        env:
				          OUTS: ${{ toJSON(steps.later.outputs) }}
				      - uses: actions/upload-artifact@v4
				        with:
				          name: logs-${{ matrix.backend }}
				          path: logs/
				`,
			want: []string{
				`4:23: info: property "node" is not defined in object type {}: it evaluates to an empty string, and here it only reaches the job's name`,
				"7:19: info: only reaches a job output that no job reads",
				"9:24: info: only reaches the step's name",
				`10:31: info: property "build" is not defined in object type {}: it evaluates to an empty string, and here it only reaches the job's log`,
				"14:24: info: only reaches a cache key",
				"15:33: info: only reaches a cache key",
				"19:28: info: only reaches the job's log",
				"22:26: info: only reaches an artifact's name",
			},
		},
		{
			name: "the same undefined property in an if:, env, an input, a script, a redirected echo, a read output or a matrix job's key is an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    outputs:
				      read: ${{ steps.gone.outputs.x }}
				    env:
				      NODE: ${{ matrix.node }}
				    steps:
				      - if: steps.cache.outputs.cache-hit != 'true' && runner.os == 'Linux'
				        run: npm ci
				      - uses: actions/setup-node@v4
				        with:
				          node-version: ${{ matrix.node }}
				      - run: echo "v=${{ matrix.node }}" >> "$GITHUB_OUTPUT"
				      - run: |
				          echo "x=${{
				            matrix.node }}" >> "$GITHUB_ENV"
				      - run: make NODE=${{ matrix.node }}
				      - run: make
				        env:
				          OUTS: ${{ toJSON(steps.later.outputs) }}
				  m:
				    runs-on: ${{ matrix.os }}
				    strategy:
				      matrix:
				        os: [ubuntu-latest, windows-latest]
				    steps:
				      - uses: actions/cache@v4
				        with:
				          path: target
				          key: cargo-${{ matrix.platform }}-${{ hashFiles('Cargo.lock') }}
				      - uses: actions/upload-artifact@v4
				        with:
				          name: target-${{ matrix.platform }}
				          path: target
				      - uses: actions/download-artifact@v4
				        with:
				          name: logs-${{ steps.gone.outputs.x }}
				  b:
				    needs: a
				    runs-on: ubuntu-latest
				    steps:
				      - run: echo ${{ needs.a.outputs.read }}
				`,
			want: []string{
				`6:17: error: property "gone" is not defined in object type {}`,
				`8:17: error: property "node" is not defined`,
				`10:13: error: property "cache" is not defined`,
				`14:29: error: property "node" is not defined`,
				`15:26: error: property "node" is not defined`,
				`17:27: error: property "node" is not defined`,
				`19:28: error: property "node" is not defined`,
				`22:28: error: property "later" is not defined`,
				`32:26: error: property "platform" is not defined`,
				`35:28: error: property "platform" is not defined`,
				`39:26: error: property "gone" is not defined`,
			},
		},
	})
}

func TestObjectTypeKeys(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"{}", nil},
		{"{a: string; b: {c: number; d: string}; e: array<{f: string}>}", []string{"a", "b", "e"}},
		{"{string => string}", nil},
	} {
		if have := objectTypeKeys(c.in); !slices.Equal(have, c.want) {
			t.Errorf("objectTypeKeys(%q) = %q, want %q", c.in, have, c.want)
		}
	}
}
