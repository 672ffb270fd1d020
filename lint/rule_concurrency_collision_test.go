package lint

import "testing"

// wf returns a one-job workflow with the given name, on: and concurrency.
func wf(name, on, concurrency string) string {
	return "name: " + name + "\non: " + on + "\n" + concurrency + "\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
}

func TestConcurrencyCollision(t *testing.T) {
	runRepoCases(t, "concurrency-collision", []repoCase{
		{
			name: "github.ref alone in two pull_request workflows",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "pull_request", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "pull_request", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
			},
			want: []string{
				`.github/workflows/a.yml:4:10: concurrency group ` + "`${{ github.ref }}`" + ` of this workflow has the same value as the group of "b" (.github/workflows/b.yml) for the same pull_request: with cancel-in-progress one run cancels the other`,
				`.github/workflows/b.yml:4:10: concurrency group`,
			},
		},
		{
			name: "format() and concatenation that evaluate the same",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "push", "concurrency:\n  group: ci-${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "push", "concurrency:\n  group: ${{ format('ci-{0}', github.ref) }}"),
			},
			want: []string{".github/workflows/a.yml:4:10: concurrency group", ".github/workflows/b.yml:4:10: concurrency group"},
		},
		{
			name: "a job-level group equal to another workflow's group",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "push", "concurrency: deploy-${{ github.ref_name }}"),
				".github/workflows/b.yml": "name: b\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    concurrency:\n      group: deploy-${{ github.ref_name }}\n      cancel-in-progress: true\n    steps:\n      - run: make\n",
			},
			want: []string{".github/workflows/a.yml:3:14: concurrency group", ".github/workflows/b.yml:7:14: concurrency group"},
		},
		{
			name: "github.workflow makes groups distinct",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "pull_request", "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "pull_request", "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: true"),
			},
		},
		{
			name: "different literal prefixes",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "pull_request", "concurrency:\n  group: ci-${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "pull_request", "concurrency:\n  group: lint-${{ github.ref }}\n  cancel-in-progress: true"),
			},
		},
		{
			name: "different events never start together",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "push", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "pull_request", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
			},
		},
		{
			name: "types that never overlap",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "{pull_request: {types: [labeled]}}", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "pull_request", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
			},
		},
		{
			name: "workflow_dispatch and schedule start one workflow at a time",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "workflow_dispatch", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
				".github/workflows/b.yml": wf("b", "{schedule: [{cron: '0 0 * * *'}]}", "concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: true"),
			},
		},
		{
			name: "inputs and matrix values are not comparable",
			files: map[string]string{
				".github/workflows/a.yml": wf("a", "push", "concurrency: ${{ inputs.env }}"),
				".github/workflows/b.yml": wf("b", "push", "concurrency: ${{ inputs.env }}"),
			},
		},
		{
			name: "a reusable workflow with the caller's group deadlocks",
			files: map[string]string{
				".github/workflows/caller.yml": "name: caller\non: push\nconcurrency: ${{ github.workflow }}-${{ github.ref }}\njobs:\n  call:\n    uses: ./.github/workflows/called.yml\n",
				".github/workflows/called.yml": wf("called", "workflow_call", "concurrency: ${{ github.workflow }}-${{ github.ref }}"),
			},
			want: []string{".github/workflows/caller.yml:6:11: this call deadlocks: .github/workflows/called.yml uses concurrency group"},
		},
		{
			name: "a reusable workflow group built from the caller's inputs",
			files: map[string]string{
				".github/workflows/caller.yml": "name: caller\non: push\njobs:\n  call:\n    concurrency: deploy-production\n    uses: ./.github/workflows/deploy.yml\n    with:\n      env: production\n",
				".github/workflows/deploy.yml": wf("deploy", "{workflow_call: {inputs: {env: {type: string}}}}", "concurrency: deploy-${{ inputs.env }}"),
			},
			want: []string{".github/workflows/caller.yml:6:11: this call deadlocks"},
		},
		{
			name: "a reusable workflow with its own prefix",
			files: map[string]string{
				".github/workflows/caller.yml": "name: caller\non: push\nconcurrency: ${{ github.workflow }}-${{ github.ref }}\njobs:\n  call:\n    uses: ./.github/workflows/called.yml\n",
				".github/workflows/called.yml": wf("called", "workflow_call", "concurrency: called-${{ github.workflow }}-${{ github.ref }}"),
			},
		},
		{
			name: "a reusable workflow called by two workflows with a group that ignores the caller",
			files: map[string]string{
				".github/workflows/a.yml":     "name: a\non: push\njobs:\n  call:\n    uses: ./.github/workflows/build.yml\n",
				".github/workflows/b.yml":     "name: b\non: push\njobs:\n  call:\n    uses: ./.github/workflows/build.yml\n",
				".github/workflows/build.yml": wf("build", "workflow_call", "concurrency:\n  group: build-${{ github.ref }}\n  cancel-in-progress: true"),
			},
			want: []string{`.github/workflows/build.yml:4:10: concurrency group ` + "`build-${{ github.ref }}`" + ` of this reusable workflow has the same value in the runs of "a" (.github/workflows/a.yml) and "b" (.github/workflows/b.yml) for the same push: with cancel-in-progress one run cancels the other`},
		},
	})
}
