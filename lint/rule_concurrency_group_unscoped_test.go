package lint

import "testing"

func TestConcurrencyGroupUnscoped(t *testing.T) {
	runRuleCases(t, "concurrency-group-unscoped", []ruleCase{
		{name: "ref alone", src: `on: pull_request
concurrency:
  group: ${{ github.ref }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{`3:10: concurrency group "${{ github.ref }}" names no workflow`}},
		{name: "scalar form and fallbacks", src: `on: pull_request
concurrency: ${{ github.head_ref || github.run_id }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{`2:14: concurrency group "${{ github.head_ref || github.run_id }}"`}},
		{name: "job level, several expressions", src: `on: pull_request
jobs:
  build:
    runs-on: ubuntu-latest
    concurrency:
      group: '${{ github.event_name }}-${{ github.event.pull_request.number }}'
    steps:
      - run: make
`, want: []string{`6:14: concurrency group`}},
		{name: "scoped by the workflow", src: `on: pull_request
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    concurrency: ${{ github.workflow_ref }}-${{ github.ref }}-build
    steps:
      - run: make
`},
		{name: "literal text", src: `on: pull_request
concurrency:
  group: ci-${{ github.ref }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "other contexts are left alone", src: `on:
  workflow_dispatch:
    inputs:
      environment: {type: string}
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency: ${{ inputs.environment }}
    steps:
      - run: make deploy
  deploy2:
    runs-on: ubuntu-latest
    concurrency: ${{ github.event.inputs.environment }}
    steps:
      - run: make deploy
`},
		{name: "unique per run", src: `on: pull_request
concurrency: ${{ github.run_id }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "cancel-in-progress on push to main", src: `on:
  push:
    branches: [main]
  pull_request:
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: make deploy
`, want: []string{`7:23: cancel-in-progress: true cancels the run of an earlier push to main when the next push arrives`}},
		{name: "cancel-in-progress on push to any branch", src: `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency:
      group: deploy-${{ github.ref }}
      cancel-in-progress: true
    steps:
      - run: make deploy
`, want: []string{`7:27: cancel-in-progress: true cancels the run of an earlier push to the default branch when the next push arrives, so job "deploy" can stop`}},
		{name: "the default branch as the filters name it", src: `on:
  push:
    branches: [master]
jobs:
  publish:
    runs-on: ubuntu-latest
    concurrency:
      group: publish-${{ github.ref }}
      cancel-in-progress: true
    steps:
      - run: npm publish
`, want: []string{`9:27: cancel-in-progress: true cancels the run of an earlier push to master`}},
		{name: "ci that cancels superseded default-branch runs is fine", src: `on:
  push:
    branches: [master]
  pull_request:
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          push: false
`},
		{name: "a literal group cancels across branches", src: `on:
  push:
    branches: [master]
  pull_request:
concurrency:
  group: ci
  cancel-in-progress: true
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
`, want: []string{`7:23: concurrency group "ci" is the same for every branch and pull request, so with cancel-in-progress: true a run for any of them cancels the run of a push to master`}},
		{name: "a literal group on a push to one branch only is fine", src: `on:
  push:
    branches: [main]
concurrency:
  group: ci
  cancel-in-progress: true
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
`},
		{name: "both findings", src: `on:
  push:
    branches: ['**']
concurrency:
  group: ${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
      - run: make deploy
`, want: []string{`5:10: concurrency group`, `6:23: cancel-in-progress: true`}},
		{name: "cancel-in-progress only for pull requests", src: `on:
  push:
    branches: [main]
  pull_request:
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "pushes of other branches", src: `on:
  push:
    branches: [develop, 'release/**', '!main']
  pull_request:
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "ignored default branch", src: `on:
  push:
    branches-ignore: [main, master]
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "tag pushes", src: `on:
  push:
    tags: ['v*']
concurrency:
  group: release-${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "group unique per push", src: `on:
  push:
    branches: [main]
  pull_request:
concurrency:
  group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.sha }}
  cancel-in-progress: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`},
		{name: "job that skips pushes", src: `on:
  push:
    branches: [main]
  pull_request:
jobs:
  preview:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    concurrency:
      group: preview-${{ github.ref }}
      cancel-in-progress: true
    steps:
      - run: make preview
`},
	})
}

func TestConcurrencyBranchGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"main", "main", true},
		{"main", "maint", false},
		{"*", "main", true},
		{"*", "feature/x", false},
		{"**", "feature/x", true},
		{"ma*", "main", true},
		{"release/**", "main", false},
		{"[mM]ain", "Main", true},
		{"v[0-9]+.*", "v10.x", true},
		{"ma?in", "main", true},
		{"[bad", "main", false},
	} {
		if have := globMatch(c.pattern, c.s); have != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.s, have, c.want)
		}
	}
}
