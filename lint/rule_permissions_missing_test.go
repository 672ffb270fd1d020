package lint

import "testing"

func TestPermissionsMissing(t *testing.T) {
	runRuleCases(t, "permissions-missing", []ruleCase{
		{name: "no permissions anywhere", src: `on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
`, config: "rules:\n  permissions-missing: on\n", want: []string{`3:3: job "test" runs with the repository's default GITHUB_TOKEN permissions`}},
		{name: "one job of two sets its own", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: make a
  b:
    runs-on: ubuntu-latest
    steps:
      - run: make b
`, config: "rules:\n  permissions-missing: on\n", want: []string{`9:3: job "b" runs with the repository's default`}},
		{name: "reusable and pushed", src: `on:
  workflow_call:
  push:
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: make a
`, config: "rules:\n  permissions-missing: on\n", want: []string{`5:3: job "a" runs`}},
		{name: "workflow-level block", src: `on: push
permissions: read-all
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: make a
`},
		{name: "empty block", src: `on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: make a
`},
		{name: "every job sets its own", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - run: make a
`},
		{name: "only called", src: `on:
  workflow_call:
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: make a
`},
	})
}
