package lint

import "testing"

func TestConcurrencyMissing(t *testing.T) {
	runRuleCases(t, "concurrency-missing", []ruleCase{
		{name: "push", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{"1:5: workflow runs on push with no concurrency, so every new commit starts a run while the superseded ones keep going; add concurrency: group: ${{ github.workflow }}-${{ github.ref }}"}},
		{name: "advice cancels pull request runs only", src: `on:
  push:
    branches: [master]
  pull_request:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{"2:3: workflow runs on push and pull_request with no concurrency, so every new commit starts a run while the superseded ones keep going; add concurrency: group: ${{ github.workflow }}-${{ github.ref }}, cancel-in-progress: ${{ github.event_name == 'pull_request' }}"}},
		{name: "several triggers point at the first", src: `on:
  workflow_dispatch:
  pull_request:
    branches: [main]
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{"3:3: workflow runs on pull_request and push with no concurrency"}},
		{name: "list form", src: `on: [schedule, pull_request_target]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{"1:16: workflow runs on pull_request_target"}},
		{name: "workflow concurrency", src: `on: push
concurrency: ${{ github.workflow }}-${{ github.ref }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "job concurrency", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
  deploy:
    runs-on: ubuntu-latest
    concurrency: deploy-production
    steps:
      - run: make deploy
`},
		{name: "tag pushes only", src: `on:
  push:
    tags: ['v*']
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: make release
`},
		{name: "other triggers", src: `on:
  schedule:
    - cron: '0 0 * * *'
  workflow_dispatch:
  release:
    types: [published]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "on push"
`},
	})
}
