package lint

import "testing"

func TestOutputMaybeEmpty(t *testing.T) {
	const build = `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    outputs:
      tag: ${{ steps.meta.outputs.tag }}
      sha: ${{ steps.sha.outputs.sha }}
      always: ${{ steps.always.outputs.v }}
      prefixed: v${{ steps.meta.outputs.tag }}
    steps:
      - id: meta
        if: github.event_name == 'push'
        run: echo "tag=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"
      - id: sha
        continue-on-error: true
        run: echo "sha=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"
      - id: always
        if: ${{ !cancelled() }}
        run: echo "v=1" >> "$GITHUB_OUTPUT"
`
	runRuleCases(t, "output-maybe-empty", []ruleCase{
		{name: "consumer runs after failure", src: build + `  deploy:
    needs: build
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: bin/deploy "${{ needs.build.outputs.always }}"
`, want: []string{`25:30: needs.build.outputs.always can be empty here: job "deploy" runs even when job "build" fails, is cancelled or is skipped, since its if: calls always()`}},
		{name: "failure, cancelled and !cancelled", src: build + `  notify:
    needs: [build]
    if: ${{ failure() || !cancelled() }}
    runs-on: ubuntu-latest
    env:
      MATRIX: ${{ fromJSON(needs.build.outputs.always) }}
    steps:
      - run: echo
`, want: []string{`25:28: needs.build.outputs.always can be empty here: job "notify" runs even when job "build" fails, is cancelled or is skipped, since its if: calls failure()`}},
		{name: "conditional producing step", src: build + `  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: some/deploy@v1
        with:
          image: app:${{ needs.build.outputs.tag }}
          sha: ${{ needs.build.outputs.sha }}
`, want: []string{
			`26:26: needs.build.outputs.tag can be empty here: step "meta" of job "build" that sets it runs only if github.event_name == 'push'`,
			`27:20: needs.build.outputs.sha can be empty here: step "sha" of job "build" that sets it has continue-on-error`,
		}},
		{name: "guarded", src: build + `  deploy:
    needs: build
    if: always() && needs.build.result == 'success'
    runs-on: ubuntu-latest
    steps:
      - run: bin/deploy "${{ needs.build.outputs.tag }}"
        if: needs.build.outputs.tag != ''
      - run: bin/deploy "${{ needs.build.outputs.sha || 'HEAD' }}"
      - run: echo "${{ needs.build.outputs.prefixed }}"
  again:
    needs: build
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps:
      - run: bin/deploy "${{ needs.build.outputs.tag }}"
  notify:
    needs: [build, deploy]
    if: always() && needs.deploy.result == 'success'
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ needs.build.outputs.always }}"
      - run: |
          if ${{ needs.build.outputs.sha != '' }}; then
            echo "${{ needs.build.outputs.sha }}"
          fi
`},
		{name: "a teardown action given the ids of what the producer started", src: `on: push
jobs:
  start_runner:
    runs-on: ubuntu-latest
    outputs:
      label: ${{ steps.start.outputs.label }}
      id: ${{ steps.start.outputs.id }}
    steps:
      - id: start
        uses: acme/ec2-runner@v2
        with:
          mode: start
  build:
    needs: start_runner
    runs-on: ${{ needs.start_runner.outputs.label }}
    steps:
      - run: make
  stop_runner:
    needs: [start_runner, build]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: acme/ec2-runner@v2
        with:
          mode: stop
          label: ${{ needs.start_runner.outputs.label }}
          ec2-instance-id: ${{ needs.start_runner.outputs.id }}
  cleanup:
    needs: start_runner
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: rm -rf "cache/${{ needs.start_runner.outputs.id }}"
`, want: []string{
			`33:32: needs.start_runner.outputs.id can be empty here: job "cleanup" runs even when job "start_runner" fails`,
		}},
		{name: "the consumer's if: is the producing step's condition through a job output", src: `on: push
jobs:
  changes:
    runs-on: ubuntu-latest
    outputs:
      src: ${{ steps.filter.outputs.src }}
      docs: ${{ steps.filter.outputs.docs }}
      tag: ${{ steps.meta.outputs.tag }}
    steps:
      - id: filter
        uses: dorny/paths-filter@v3
      - id: meta
        if: steps.filter.outputs.src == 'true'
        run: echo "tag=${GITHUB_SHA::7}" >> "$GITHUB_OUTPUT"
  build:
    needs: changes
    if: ${{ needs.changes.outputs.src == 'true' }}
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t "app:${{ needs.changes.outputs.tag }}" .
  docs:
    needs: changes
    if: needs.changes.outputs.docs == 'true'
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ needs.changes.outputs.tag }}"
`, want: []string{
			`26:24: needs.changes.outputs.tag can be empty here: step "meta" of job "changes" that sets it runs only if steps.filter.outputs.src == 'true'`,
		}},
		{name: "look-alikes", src: build + `  deploy:
    needs: build
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "needs.build.outputs.tag"
      - if: needs.build.outputs.always == 'true'
        run: echo ${{ matrix.needs.build.outputs }}
      - run: echo ${{ contains(needs.build.outputs.always, 'x') }}
`},
	})
}
