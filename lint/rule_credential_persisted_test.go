package lint

import "testing"

func TestCredentialPersisted(t *testing.T) {
	runRuleCases(t, "credential-persisted", []ruleCase{
		{name: "workspace uploaded by v3", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: true
      - uses: actions/upload-artifact@v3
        with:
          path: ${{ github.workspace }}/**
`, want: []string{`11:17: path "${{ github.workspace }}/**" uploads ./.git as an artifact`}},
		{name: "upload before checkout, unknown persist, v4.4", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@v3
        with:
          path: .
      - uses: actions/checkout@v4
        with:
          persist-credentials: ${{ inputs.persist }}
      - uses: actions/upload-artifact@v3
        with:
          path: .
  b:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/upload-artifact@v4.4.0
        with:
          path: .
`},
		{name: "v4.3 includes hidden files", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/upload-artifact@v4.3.6
        with:
          path: .
`, want: []string{`9:17: path "." uploads ./.git as an artifact`}},
		{name: "cache of the workspace with the job's token: info", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v4
        with:
          path: ./*
          key: ws-${{ github.sha }}
`, want: []string{`9:17: path "./*" uploads ./.git to the cache`}, sev: SeverityInfo},
		{name: "cache of the workspace with a PAT: warning", src: `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          token: ${{ secrets.RELEASE_PAT }}
      - uses: actions/cache/save@v4
        with:
          path: .
          key: ws-${{ github.sha }}
`, want: []string{`11:17: path "." uploads ./.git to the cache`}, sev: SeverityWarning},
	})
}
