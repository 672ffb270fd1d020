package lint

import "testing"

func TestOutputTruthiness(t *testing.T) {
	const producer = `on: push
jobs:
  check:
    runs-on: ubuntu-latest
    outputs:
      deploy: ${{ steps.decide.outputs.deploy }}
      main: ${{ github.ref == 'refs/heads/main' }}
      changed: ${{ steps.filter.outputs.app }}
      pr: ${{ steps.pr.outputs.number }}
    steps:
      - id: decide
        run: |
          if git diff --quiet HEAD^ -- app; then
            echo "deploy=false" >> "$GITHUB_OUTPUT"
          else
            echo "deploy=true" >> "$GITHUB_OUTPUT"
          fi
      - id: filter
        uses: dorny/paths-filter@v3
        with:
          filters: "app: ['app/**']"
      - id: pr
        run: echo "number=$(gh pr view --json number -q .number)" >> "$GITHUB_OUTPUT"
`
	runRuleCases(t, "output-truthiness", []ruleCase{
		{name: "needs output from a script", src: producer + `  deploy:
    needs: check
    if: needs.check.outputs.deploy
    runs-on: ubuntu-latest
    steps:
      - run: bin/deploy
`, want: []string{`26:9: needs.check.outputs.deploy is tested for truthiness, but it can be the string 'false' (step "decide" writes deploy=false)`}},
		{name: "negated, inside && and ||, in ${{ }}", src: producer + `  deploy:
    needs: check
    if: ${{ !needs.check.outputs.main && (github.event_name == 'push' || needs.check.outputs.changed) }}
    runs-on: ubuntu-latest
    steps:
      - run: bin/deploy
`, want: []string{
			`26:14: needs.check.outputs.main is tested for truthiness, but it can be the string 'false' (output "main" of job "check" is a boolean expression`,
			`26:74: needs.check.outputs.changed is tested for truthiness, but it can be the string 'false' (output "app" of dorny/paths-filter is 'true' or 'false')`,
		}},
		{name: "step outputs in the same job", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: cache
        uses: actions/cache@v4
        with:
          path: vendor/bundle
          key: gems-${{ hashFiles('Gemfile.lock') }}
      - if: |
          github.event_name == 'push' &&
          steps.cache.outputs.cache-hit
        run: echo restored
      - id: flag
        run: echo "::set-output name=skip::0"
      - if: steps.flag.outputs.skip
        run: echo skipped
      - run: echo ${{ steps.cache.outputs.cache-hit && 'hit' || 'miss' }}
`, want: []string{
			`13:11: steps.cache.outputs.cache-hit is tested for truthiness`,
			`17:13: steps.flag.outputs.skip is tested for truthiness, but it can be the string 'false' (step "flag" writes skip=0)`,
			`19:23: steps.cache.outputs.cache-hit is tested for truthiness`,
		}},
		{name: "comparisons and fromJSON are fine", src: producer + `  deploy:
    needs: check
    if: needs.check.outputs.deploy == 'true' && fromJSON(needs.check.outputs.main)
    runs-on: ubuntu-latest
    steps:
      - if: steps.x.outputs.deploy != 'false'
        run: bin/deploy
      - run: echo ${{ needs.check.outputs.deploy || 'unknown' }}
`},
		{name: "outputs that are empty or text are meant to be tested", src: producer + `  comment:
    needs: check
    if: needs.check.outputs.pr
    runs-on: ubuntu-latest
    steps:
      - id: release
        run: |
          if [[ $GITHUB_REF == refs/tags/* ]]; then echo "is_release=true" >> "$GITHUB_OUTPUT"; fi
      - if: steps.release.outputs.is_release
        run: bin/release
      - id: action
        uses: some/action@v1
      - if: steps.action.outputs.flag
        run: echo "unknown values are not flagged"
`},
		{name: "look-alikes", src: `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: x
        run: echo "deploy=false" >> "$GITHUB_OUTPUT"
      - if: env.outputs
        run: echo "steps.x.outputs.deploy"
      - if: inputs.outputs.deploy
        run: echo hi
`},
	})
}

func TestScriptWritesFalse(t *testing.T) {
	for _, c := range []struct {
		script, name string
		want         string
	}{
		{`echo "flag=false" >> $GITHUB_OUTPUT`, "flag", "false"},
		{`echo flag=0 >> $GITHUB_OUTPUT`, "flag", "0"},
		{`echo "::set-output name=flag::false"`, "flag", "false"},
		{`FLAG=False; echo "flag=$FLAG" >> $GITHUB_OUTPUT`, "flag", "false"},
		{`core.setOutput('flag', false)`, "flag", "false"},
		{`echo "flag=true" >> $GITHUB_OUTPUT`, "flag", ""},
		{`echo "flag=0.5" >> $GITHUB_OUTPUT`, "flag", ""},
		{`echo "my-flag=false" >> $GITHUB_OUTPUT`, "flag", ""},
		{`echo "flag=falsey" >> $GITHUB_OUTPUT`, "flag", ""},
	} {
		if have := scriptWritesFalse(c.script, c.name); have != c.want {
			t.Errorf("scriptWritesFalse(%q, %q) = %q, want %q", c.script, c.name, have, c.want)
		}
	}
}
