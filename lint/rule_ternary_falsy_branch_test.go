package lint

import "testing"

func TestTernaryFalsyBranch(t *testing.T) {
	runRuleCases(t, "ternary-falsy-branch", []ruleCase{
		{name: "empty string in env", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      SUFFIX: ${{ github.ref == 'refs/heads/main' && '' || '-preview' }}
    steps:
      - run: echo
`, want: []string{`6:54: '' is falsy, so (cond && '') || other always evaluates to other whatever cond is`}},
		{name: "a | written as an escape in a double-quoted scalar", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      SUFFIX: "${{ github.ref == 'refs/heads/main' && '' \u007c| '-preview' }}"
    steps:
      - run: echo
`, want: []string{`6:55: '' is falsy`}},
		{name: "a & written as an escape in a double-quoted scalar", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      SUFFIX: "${{ github.ref == 'refs/heads/main' \u0026& '' || '-preview' }}"
    steps:
      - run: echo
`, want: []string{`6:16: '' is falsy`}},
		{name: "&& split over an escaped line break in a double-quoted scalar", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      SUFFIX: "${{ github.ref == 'refs/heads/main' &\
        & '' || '-preview' }}"
    steps:
      - run: echo
`, want: []string{`6:16: '' is falsy`}},
		{name: "every falsy literal, anywhere", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: ${{ github.event_name == 'schedule' && 0 || 30 }}
    steps:
      - if: (github.event_name == 'push' && false) || github.ref == 'refs/heads/main'
        run: |
          echo building
          echo ${{ github.event.pull_request && null || 'push' }}
      - uses: actions/setup-node@v4
        with:
          node-version: ${{ matrix.node && 0.0 || 20 }}
`, want: []string{
			`5:61: 0 is falsy`,
			`7:45: false is falsy`,
			`10:49: null is falsy`,
			`13:44: 0.0 is falsy`,
		}},
		{name: "truthy branches and look-alikes", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      A: ${{ github.ref == 'refs/heads/main' && 'prod' || 'staging' }}
      B: ${{ github.ref != 'refs/heads/main' && '-preview' || '' }}
      C: ${{ (github.ref == 'refs/heads/main' && '') || '' }}
      D: ${{ github.ref == 'refs/heads/main' || '' }}
      E: ${{ github.ref == 'refs/heads/main' && '' }}
      F: "cond && '' || other"
    steps:
      - run: echo "${{ 'a' }}" && test '' || true
`},
	})
}
