package lint

import (
	"strings"
	"testing"
)

func TestTimeoutMissing(t *testing.T) {
	runRuleCases(t, "timeout-missing", []ruleCase{
		{name: "missing", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{"3:3: job \"build\" has no timeout-minutes, so a hung step keeps the runner busy and billed for the default 360 minutes"}},
		{name: "every job", src: `on: push
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: make test
  lint:
    runs-on: ubuntu-latest
    steps:
      # a step timeout does not bound the job
      - run: make lint
        timeout-minutes: 5
  deploy:
    needs: [test, lint]
    runs-on: ubuntu-latest
    steps:
      - run: make deploy
`, want: []string{"8:3: job \"lint\"", "14:3: job \"deploy\""}},
		{name: "short bot job is info", sev: SeverityInfo, src: `on: pull_request_target
jobs:
  label:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/labeler@v5
      - run: echo labelled
`, want: []string{"3:3: job \"label\" has no timeout-minutes"}},
		{name: "matrix job is a warning", sev: SeverityWarning, src: `on: push
jobs:
  test:
    strategy:
      matrix:
        node: [18, 20]
    runs-on: ubuntu-latest
    steps:
      - run: echo $NODE
`, want: []string{"3:3: job \"test\""}},
		{name: "services, container, billed runners, builds and deploys are warnings", sev: SeverityWarning, src: `on: push
jobs:
  db:
    runs-on: ubuntu-latest
    services:
      pg: {image: postgres}
    steps:
      - run: echo
  mac:
    runs-on: macos-14
    steps:
      - run: echo
  own:
    runs-on: [self-hosted, linux]
    steps:
      - run: echo
  big:
    runs-on: ubuntu-latest-16-cores
    steps:
      - run: echo
  image:
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t app .
  e2e:
    runs-on: ubuntu-latest
    steps:
      - run: npm run e2e
  ship:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./ship.sh
`, want: []string{"3:3: job \"db\"", "9:3: job \"mac\"", "13:3: job \"own\"", "17:3: job \"big\"", "21:3: job \"image\"", "25:3: job \"e2e\"", "29:3: job \"ship\""}},
		{name: "reusable workflow call is not flagged", src: `on: push
jobs:
  call:
    uses: ./.github/workflows/build.yml
`},
		{name: "expression timeout is fine", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: ${{ fromJSON(vars.TIMEOUT) }}
    steps:
      - run: make
`},
		{name: "above max", config: "rules:\n  timeout-missing:\n    options: {max: 60}\n", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 120
    steps:
      - run: make
  ok:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - run: make
`, want: []string{"5:22: timeout-minutes 120 of job \"build\" is above the allowed maximum of 60"}},
		{name: "below min", config: "rules:\n  timeout-missing:\n    options: {min: 5, max: 30, default: 10}\n", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 1.5
    steps:
      - run: make
`, want: []string{"5:22: timeout-minutes 1.5 of job \"build\" is below the allowed minimum of 5"}},
		{name: "job named like the key in a step", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - run: echo "timeout-minutes missing"
`},
	})
}

func TestTimeoutOptionsValidate(t *testing.T) {
	for _, c := range []struct {
		cfg, err string
	}{
		{"rules:\n  timeout-missing:\n    options: {min: 10, max: 5}\n", "min (10) is larger than max (5)"},
		{"rules:\n  timeout-missing:\n    options: {default: 0}\n", "default must be a positive number of minutes"},
		{"rules:\n  timeout-missing:\n    options: {max: 20}\n", "default (30) is outside the allowed range"},
		{"rules:\n  timeout-missing:\n    options: {min: -1}\n", "must not be negative"},
		{"rules:\n  timeout-missing:\n    options: {maximum: 20}\n", `unknown option "maximum"`},
		{"rules:\n  timeout-missing:\n    options: {max: 20, default: 15}\n", ""},
	} {
		_, err := parseConfig("gantry.yaml", []byte(c.cfg))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: unexpected error %v", c.cfg, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: want error containing %q, have %v", c.cfg, c.err, err)
		}
	}
}
