package lint

import "testing"

func TestPermissionsExcessive(t *testing.T) {
	runRuleCases(t, "permissions-excessive", []ruleCase{
		{name: "workflow and job", src: `on: push
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: make a
  b:
    runs-on: ubuntu-latest
    steps:
      - run: make b
`, want: []string{
			`2:14: permissions: write-all gives every job of this workflow`,
			`6:18: permissions: write-all gives every step of job "a"`,
		}},
		{name: "every job overrides the workflow's write-all", src: `on: push
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: make a
  b:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: make b
`, want: []string{
			`11:18: permissions: write-all gives every step of job "b"`,
		}},
		{name: "read-all and scopes", src: `on: push
permissions: read-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      packages: write
    steps:
      - run: make a
`},
	})
}
