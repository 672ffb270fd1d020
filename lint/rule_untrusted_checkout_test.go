package lint

import "testing"

// privWF returns a workflow on the events with one job of the given steps
// (indented by 6) and optional job keys (indented by 4).
func privWF(on, jobKeys, steps string) string {
	return "on: " + on + "\njobs:\n  j:\n    runs-on: ubuntu-latest\n" + jobKeys + "    steps:\n" + steps
}

const headSHACheckout = "      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"

func TestUntrustedCheckout(t *testing.T) {
	// want are "severity path:line:col: message" prefixes
	cases := []repoCase{
		{
			name:  "the head SHA, then make",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "", headSHACheckout+"      - run: make test\n")},
			want:  []string{"error .github/workflows/a.yml:8:16: on pull_request_target this job checks out the pull request's code (ref: ${{ github.event.pull_request.head.sha }}) and then runs make test"},
		},
		{
			name: "refs/pull/N/merge",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: actions/checkout@v7\n        with:\n          ref: refs/pull/${{ github.event.number }}/merge\n      - run: npm ci\n")},
			want: []string{"error .github/workflows/a.yml:8:16: on pull_request_target this job checks out the pull request's code (ref: refs/pull/${{ github.event.number }}/merge) and then runs npm ci"},
		},
		{
			name: "github.head_ref and a local action",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.head_ref }}\n      - uses: ./.github/actions/build\n")},
			want: []string{"error .github/workflows/a.yml:8:16: on pull_request_target this job checks out the pull request's code (ref: ${{ github.head_ref }}) and then runs its local action ./.github/actions/build"},
		},
		{
			name: "a workflow env var set from the head SHA",
			files: map[string]string{".github/workflows/a.yml": "on: pull_request_target\nenv:\n  HEAD_SHA: ${{ github.event.pull_request.head.sha }}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" +
				"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ env.HEAD_SHA }}\n      - run: make build\n"},
			want: []string{"error .github/workflows/a.yml:10:16: on pull_request_target this job checks out the pull request's code (ref: ${{ env.HEAD_SHA }}, from github.event.pull_request.head.sha through env.head_sha) and then runs make build"},
		},
		{
			name: "an env var written to GITHUB_ENV",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - run: echo \"SHA=${{ github.event.pull_request.head.sha }}\" >> \"$GITHUB_ENV\"\n"+
					"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ env.SHA }}\n      - run: yarn install\n")},
			want: []string{"error .github/workflows/a.yml:9:16: on pull_request_target this job checks out the pull request's code (ref: ${{ env.SHA }}, from github.event.pull_request.head.sha through env.sha written to $GITHUB_ENV) and then runs yarn install"},
		},
		{
			name: "a job output",
			files: map[string]string{".github/workflows/a.yml": "on: pull_request_target\njobs:\n  meta:\n    runs-on: ubuntu-latest\n    outputs:\n      sha: ${{ steps.s.outputs.sha }}\n    steps:\n" +
				"      - id: s\n        run: echo \"sha=${{ github.event.pull_request.head.sha }}\" >> \"$GITHUB_OUTPUT\"\n" +
				"  build:\n    needs: meta\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v7\n        with:\n          ref: ${{ needs.meta.outputs.sha }}\n      - run: bundle exec rake\n"},
			want: []string{"error .github/workflows/a.yml:16:16: on pull_request_target this job checks out the pull request's code (ref: ${{ needs.meta.outputs.sha }}, from github.event.pull_request.head.sha through needs.meta.outputs.sha, steps.s.outputs.sha) and then runs bundle exec rake"},
		},
		{
			name: "the head repository",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: actions/checkout@v7\n        with:\n          repository: ${{ github.event.pull_request.head.repo.full_name }}\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n")},
			want: []string{"error .github/workflows/a.yml:8:23: on pull_request_target this job checks out the pull request's code (repository: ${{ github.event.pull_request.head.repo.full_name }}) and then builds context . with docker/build-push-action"},
		},
		{
			name: "issue_comment with a comment-branch action",
			files: map[string]string{".github/workflows/a.yml": privWF("issue_comment", "",
				"      - id: pr\n        uses: xt0rted/pull-request-comment-branch@v2\n      - uses: actions/checkout@v7\n        with:\n          ref: ${{ steps.pr.outputs.head_ref }}\n      - run: ./scripts/test.sh\n")},
			want: []string{"error .github/workflows/a.yml:10:16: on issue_comment this job checks out the pull request's code (ref: ${{ steps.pr.outputs.head_ref }}, from the pull request head that xt0rted/pull-request-comment-branch looks up through steps.pr.outputs.head_ref) and then runs ./scripts/test.sh"},
		},
		{
			name: "issue_comment with gh pr checkout",
			files: map[string]string{".github/workflows/a.yml": privWF("issue_comment", "",
				"      - uses: actions/checkout@v7\n      - run: |\n          gh pr checkout ${{ github.event.issue.number }}\n          npm test\n")},
			want: []string{"error .github/workflows/a.yml:8:11: on issue_comment this job checks out the pull request's code (gh pr checkout) and then runs npm test"},
		},
		{
			name: "workflow_run after a pull_request workflow",
			files: map[string]string{
				".github/workflows/ci.yml": "name: CI\non: pull_request\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
				".github/workflows/preview.yml": "on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n      - run: git fetch origin && pip install -r requirements.txt\n"},
			want: []string{"error .github/workflows/preview.yml:11:16: on workflow_run this job checks out the pull request's code (ref: ${{ github.event.workflow_run.head_sha }}) and then runs pip install -r"},
		},
		{
			name: "git checkout of the head SHA through a shell variable",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: actions/checkout@v7\n      - run: |\n          git fetch origin \"$SHA\"\n          git checkout \"$SHA\"\n          make\n        env:\n          SHA: ${{ github.event.pull_request.head.sha }}\n")},
			want: []string{"error .github/workflows/a.yml:9:11: on pull_request_target this job checks out the pull request's code (git checkout, from github.event.pull_request.head.sha through env.SHA) and then runs make"},
		},
		{
			name: "a reusable workflow called on pull_request_target",
			files: map[string]string{
				".github/workflows/pr.yml": "on: pull_request_target\njobs:\n  b:\n    uses: ./.github/workflows/build.yml\n    with:\n      ref: ${{ github.event.pull_request.head.sha }}\n",
				".github/workflows/build.yml": "on:\n  workflow_call:\n    inputs:\n      ref:\n        type: string\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ inputs.ref }}\n      - run: npm ci\n"},
			want: []string{"error .github/workflows/build.yml:12:16: on pull_request_target this job checks out the pull request's code (ref: ${{ inputs.ref }}, from github.event.pull_request.head.sha through inputs.ref from .github/workflows/pr.yml) and then runs npm ci, with the base repository's secrets and a write token (this reusable workflow runs for it through .github/workflows/pr.yml)"},
		},
		{
			name:  "a label that stays on across pushes",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "    if: contains(github.event.pull_request.labels.*.name, 'safe to test')\n", headSHACheckout+"      - run: make test\n")},
			want:  []string{"warning .github/workflows/a.yml:9:16: on pull_request_target this job checks out the pull request's code"},
		},
		{
			name: "an author association gate is info",
			files: map[string]string{".github/workflows/a.yml": privWF("issue_comment", "    if: github.event.comment.author_association == 'MEMBER'\n",
				"      - uses: actions/checkout@v7\n        with:\n          ref: refs/pull/${{ github.event.issue.number }}/head\n      - run: make\n")},
			want: []string{"info .github/workflows/a.yml:9:16: on issue_comment this job checks out the pull request's code"},
		},
		{
			name:  "an environment is info",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "    environment: external\n", headSHACheckout+"      - run: make test\n")},
			want:  []string{"info .github/workflows/a.yml:9:16:"},
		},
		{
			name: "a permission check is info",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: prince-chrismc/check-actor-permissions-action@v3\n        with:\n          permission: write\n"+headSHACheckout+"      - run: make test\n")},
			want: []string{"info .github/workflows/a.yml:11:16:"},
		},
		// look-alikes
		{
			name: "a label checked only when it is added",
			files: map[string]string{".github/workflows/a.yml": "on:\n  pull_request_target:\n    types: [labeled]\njobs:\n  j:\n    if: github.event.label.name == 'safe to test'\n    runs-on: ubuntu-latest\n    steps:\n" +
				headSHACheckout + "      - run: make test\n"},
			want: []string{"info .github/workflows/a.yml:11:16:"},
		},
		{
			name:  "the head is checked out but only read",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "", headSHACheckout+"      - run: cat CHANGELOG.md\n      - run: npm ci --ignore-scripts\n      - run: node --version\n")},
		},
		{
			name:  "the base is checked out",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "", "      - uses: actions/checkout@v7\n      - run: npm ci && npm run label\n")},
		},
		{
			name: "the head in a subdirectory, the base's code runs",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: actions/checkout@v7\n      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n          path: pr\n"+
					"      - run: npm ci && node scripts/compare.js pr/package.json\n      - uses: ./.github/actions/size\n")},
		},
		{
			name: "the head in a subdirectory, run there",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "",
				"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n          path: pr\n      - run: cd pr && npm ci\n")},
			want: []string{"error .github/workflows/a.yml:8:16:"},
		},
		{
			name:  "the base checked out again over the head",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "", headSHACheckout+"      - run: git diff --stat HEAD~1\n      - uses: actions/checkout@v7\n        with:\n          ref: main\n      - run: make\n")},
		},
		{
			name:  "branches of this repository only",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "    if: github.event.pull_request.head.repo.full_name == github.repository\n", headSHACheckout+"      - run: make test\n")},
		},
		{
			name:  "a docker build from git, not the checkout",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "", headSHACheckout+"      - uses: docker/build-push-action@v6\n        with:\n          tags: app:pr\n")},
		},
		{
			name: "workflow_run after a push-only workflow",
			files: map[string]string{
				".github/workflows/ci.yml": "name: CI\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
				".github/workflows/deploy.yml": "on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n      - run: make deploy\n"},
		},
		{
			name: "workflow_run jobs only for pushes or for this repository's branches",
			files: map[string]string{
				".github/workflows/ci.yml": "name: CI\non: [push, pull_request]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
				".github/workflows/deploy.yml": "on:\n  workflow_run:\n    workflows: [CI]\njobs:\n  push:\n    if: github.event.workflow_run.event == 'push'\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n      - run: make deploy\n" +
					"  same-repo:\n    if: github.event.workflow_run.head_repository.full_name == github.repository\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.workflow_run.head_branch }}\n      - run: make preview\n"},
		},
		{
			name:  "pull_request runs the head without secrets",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request", "", headSHACheckout+"      - run: make test\n")},
		},
		{
			name:  "a step only for another event",
			files: map[string]string{".github/workflows/a.yml": privWF("[pull_request_target, push]", "", headSHACheckout+"      - if: github.event_name == 'push'\n        run: make deploy\n")},
		},
		{
			name:  "anyone but a bot is no gate",
			files: map[string]string{".github/workflows/a.yml": privWF("pull_request_target", "    if: github.actor != 'dependabot[bot]'\n", headSHACheckout+"      - run: make test\n")},
			want:  []string{"error .github/workflows/a.yml:9:16:"},
		},
	}
	for i := range cases {
		cases[i].severity = true
	}
	runRepoCases(t, "untrusted-checkout", cases)
}
