package lint

import "testing"

func TestCorrectSyntaxCheck(t *testing.T) {
	runCorrectionCases(t, "syntax-check", []correctionCase{
		{
			name: "an empty working-directory resets the workflow's or the job's default",
			src: `
				on: push
				defaults:
				  run:
				    working-directory: build
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: mkdir build
				        working-directory:
				  b:
				    runs-on: ubuntu-latest
				    defaults:
				      run:
				        working-directory: out
				    steps:
				      - run: mkdir out
				        working-directory: ""
				`,
		},
		{
			name: "an empty working-directory with no default, or as the default, is still an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    defaults:
				      run:
				        working-directory:
				    steps:
				      - run: make
				  b:
				    runs-on: ubuntu-latest
				    steps:
				      - run: make
				        working-directory:
				`,
			want: []string{"7:27: error: string should not be empty", "14:27: error: string should not be empty"},
		},
		{
			name: "an empty service image skips the service; an empty job container image is an error",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    services:
				      redis:
				        image: ""
				    container:
				      image: ""
				    steps:
				      - run: make
				`,
			want: []string{"9:14: error: string should not be empty"},
		},
		{
			name: "concurrent steps: parallel, background, wait, wait-all and cancel",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - parallel:
				          - run: make a
				          - run: make b
				      - id: server
				        run: npm start
				        background: true
				      - uses: actions/cache@v4
				        background: true
				        with:
				          path: x
				          key: y
				      - name: wait for it
				        wait: server
				      - wait: [server]
				      - wait-all:
				      - cancel: server
				`,
		},
		{
			name: "a step with neither run nor uses nor a concurrency key is still an error, as are other unknown keys",
			src: `
				on: push
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - name: nothing
				        env:
				          A: b
				      - run: make
				        backgroud: true
				`,
			want: []string{`6:9: error: step must run script`, `10:9: error: unexpected key "backgroud"`},
		},
		{
			name: "workflow_dispatch: [] and secrets: {} are info",
			src: `
				on:
				  workflow_dispatch: []
				jobs:
				  a:
				    uses: octo/repo/.github/workflows/x.yml@v1
				    secrets: {}
				`,
			want: []string{`2:22: info: "workflow_dispatch" section is sequence node`, `6:14: info: "secrets" section should not be empty`},
		},
		{
			name: "a workflow_dispatch list with items is still an error",
			src: `
				on:
				  workflow_dispatch: [inputs]
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: make
				`,
			want: []string{`2:22: error: "workflow_dispatch" section is sequence node`},
		},
		{
			name: "an empty filter under an event without filters is info, under push an error",
			src: `
				on:
				  create:
				    tags:
				  push:
				    tags:
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: make
				`,
			want: []string{"3:10: info: empty filter under an event that takes no filters", "5:10: error: string should not be empty"},
		},
	})
}

func TestCorrectEventsAndGlob(t *testing.T) {
	runCorrectionCases(t, "events", []correctionCase{
		{
			name: "an empty filter under create is info, a listed one an error",
			src: `
				on:
				  create:
				    tags:
				  release:
				    branches: [main]
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: make
				`,
			want: []string{`3:5: info: "tags" filter is not available for create event`, `5:5: error: "branches" filter is not available for release event`},
		},
	})
	runCorrectionCases(t, "glob", []correctionCase{
		{
			name: "a regular expression as a branch pattern is reported once per pattern",
			src: `
				on:
				  push:
				    branches:
				      - /.*-stable/
				      - /v[0-9]+/
				  pull_request:
				    branches: [/a/, /b/]
				jobs:
				  a:
				    runs-on: ubuntu-latest
				    steps:
				      - run: make
				`,
			want: []string{
				"4:9: error: ref name must not start with /",
				"5:9: error: ref name must not start with /",
				"7:16: error: ref name must not start with /",
				"7:21: error: ref name must not start with /",
			},
		},
	})
}
