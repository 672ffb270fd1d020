package lint

import "testing"

func TestActionMetadata(t *testing.T) {
	runRuleCases(t, "action-metadata", []ruleCase{
		{name: "valid javascript action", file: "action.yml", src: `name: setup
description: set things up
author: acme
inputs:
  version:
    description: the version
    required: false
    default: '1.2'
  token:
    description: a token
    required: yes
    default: ${{ github.token }}
    deprecationMessage: use app-token
  empty:
outputs:
  path:
    description: where it went
runs:
  using: node24
  main: dist/index.js
  post: dist/post.js
  post-if: success()
branding:
  icon: download
  color: gray-dark
`},
		{name: "valid docker and composite with anchors", file: "action.yaml", src: `name: lint
description: &d lint the code
inputs:
  a: &in
    description: *d
  b: *in
runs:
  using: docker
  image: docker://ghcr.io/acme/lint:1
  args: [--strict]
  env:
    MODE: strict
`},
		{name: "missing keys", file: "action.yml", src: `author: acme
inputs: {}
`, want: []string{
			`1:1: action metadata has no "description", which is required`,
			`1:1: action metadata has no "name", which is required`,
			`1:1: action metadata has no "runs", which is required`,
		}},
		{name: "not a mapping", file: "action.yml", src: "- name: x\n", want: []string{`1:1: action metadata must be a mapping`}},
		{name: "runtimes", file: "action.yml", src: `name: x
description: x
runs:
  using: node16
  main: index.js
  steps: []
`, want: []string{
			`4:10: runtime "node16" has been removed from GitHub's runners`,
			`6:3: key "steps" is not allowed in "runs" of a JavaScript action`,
		}},
		{name: "unknown runtime and missing entry points", file: "action.yml", src: `name: x
description: x
runs:
  using: python3
`, want: []string{`4:10: unknown runtime "python3" in runs.using`}},
		{name: "entry points", file: "action.yml", src: `name: x
description: x
runs:
  using: docker
  entrypoint: run.sh
`, want: []string{`4:10: a Docker action needs runs.image`}},
		{name: "composite steps", file: "action.yml", src: `name: x
description: x
outputs:
  result:
    description: no value
runs:
  using: composite
  steps:
    - run: make
    - run: make test
      shell: bash
      with:
        x: 1
    - uses: actions/checkout@v4
      shell: bash
    - name: nothing
    - run: a
      uses: b
      shell: bash
    - run: make lint
      shell: bash
      timeout-minutes: 5
`, want: []string{
			`4:3: output "result" of a composite action needs a "value"`,
			`9:7: run step 1 of a composite action needs "shell"`,
			`12:7: key "with" is not allowed in a run step of a composite action`,
			`15:7: key "shell" is not allowed in a uses step of a composite action`,
			`16:7: step 4 has neither "run" nor "uses"`,
			`18:7: step 5 has both "run" and "uses"`,
			`22:7: key "timeout-minutes" is not allowed in a run step`,
		}},
		{name: "inputs and outputs", file: "action.yml", src: `name: x
description: x
inputs:
  Token:
    description: t
    required: 'true'
  token:
    description: again
  level:
    description: l
    type: choice
    required: maybe
outputs:
  out: just a string
runs:
  using: node20
  main: index.js
`, want: []string{
			`6:15: "required" of input "Token" must be true or false, not the string "true"`,
			`7:3: input "token" is defined twice (as "Token" before)`,
			`11:5: unknown key "type" in input "level"`,
			`12:15: "required" of input "level" must be true or false, not "maybe"`,
			`14:8: output "out" must be a mapping`,
		}},
		{name: "top level and branding", file: "action.yml", src: `name: ""
description: x
input:
  x:
    description: typo of inputs
branding:
  icon: dog
  color: gray-white
  size: big
runs:
  using: node20
  main: index.js
  pre-if: always()
`, want: []string{
			`1:7: "name" must be a non-empty string`,
			`3:1: unknown key "input" in action metadata: GitHub ignores it`,
			`7:9: branding icon "dog" is not one of GitHub's Feather icons`,
			`8:10: branding color "gray-white" is not one of`,
			`9:3: unknown key "size" in branding`,
			`13:3: "pre-if" is set but "pre" is not`,
		}},
		{name: "empty runs", file: "action.yml", src: `name: x
description: x
runs:
`, want: []string{`3:6: "runs" is empty`}},
	})
}
