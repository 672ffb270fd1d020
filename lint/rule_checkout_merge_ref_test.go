package lint

import "testing"

func TestCheckoutMergeRef(t *testing.T) {
	runRepoCases(t, "checkout-merge-ref", []repoCase{
		{
			name: "github.sha as an image tag on pull_request",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: docker/build-push-action@v7\n        with:\n          tags: app:${{ github.sha }}\n")},
			want: []string{".github/workflows/a.yml:8:21: on pull_request github.sha is the merge commit GitHub creates, not the pull request's head: this image tag"},
		},
		{
			name: "GITHUB_SHA in docker build through an env variable",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - run: docker build -t app:$TAG .\n        env:\n          TAG: ${{ github.sha }}\n")},
			want: []string{".github/workflows/a.yml:6:14: on pull_request github.sha ($GITHUB_SHA) is the merge commit"},
		},
		{
			name: "a version build argument",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: docker/build-push-action@v7\n        with:\n          build-args: |\n            GIT_SHA=${{ github.sha }}\n")},
			want: []string{".github/workflows/a.yml:9:21: on pull_request github.sha is the merge commit GitHub creates, not the pull request's head: this build argument"},
		},
		{
			name: "an image that is not pushed on pull requests is left alone",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: docker/build-push-action@v7\n        with:\n          push: ${{ github.event_name != 'pull_request' }}\n          tags: app:${{ github.sha }}\n"+
					"      - uses: docker/build-push-action@v7\n        with:\n          outputs: type=image,push=false\n          build-args: GIT_COMMIT=${{ github.sha }}\n")},
		},
		{
			name: "push: false with a docker push later is still pushed",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: docker/build-push-action@v7\n        with:\n          push: false\n          load: true\n          tags: app:${{ github.sha }}\n"+
					"      - run: docker push app:${{ github.sha }}\n")},
			want: []string{".github/workflows/a.yml:10:21: on pull_request github.sha is the merge commit", ".github/workflows/a.yml:11:30: on pull_request github.sha ($GITHUB_SHA)"},
		},
		{
			name: "a cache-busting build argument is not a version",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: docker/build-push-action@v7\n        with:\n          build-args: |\n            CACHEBUST=${{ github.sha }}\n")},
		},
		{
			name: "a commit status on the merge commit",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: myrotvorets/set-commit-status-action@v2\n        with:\n          sha: ${{ github.sha }}\n")},
			want: []string{".github/workflows/a.yml:8:16: on pull_request github.sha is the merge commit GitHub creates: a status or check set on it does not show on the pull request"},
		},
		{
			name: "checkout of github.sha is fine",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.sha }}\n")},
		},
		{
			name: "the head SHA with a github.sha fallback",
			files: map[string]string{".github/workflows/a.yml": job("[pull_request, push]",
				"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.pull_request.head.sha || github.sha }}\n"+
					"      - run: docker build -t app:${{ github.event.pull_request.head.sha || github.sha }} .\n")},
		},
		{
			name: "a step only for pushes",
			files: map[string]string{".github/workflows/a.yml": job("[pull_request, push]",
				"      - if: github.event_name == 'push'\n        run: docker push app:${{ github.sha }}\n")},
		},
		{
			name:  "a job that needs a push-only job",
			files: map[string]string{".github/workflows/a.yml": "on: [pull_request, push]\njobs:\n  gate:\n    if: github.event_name == 'push'\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n  push:\n    needs: gate\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker push app:${{ github.sha }}\n"},
		},
		{
			name: "push only",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - run: docker build -t app:${{ github.sha }} .\n")},
		},
		{
			name: "merge checkout tagged with the head SHA",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: actions/checkout@v7\n      - run: docker build -t app:${{ github.event.pull_request.head.sha }} .\n")},
			want: []string{".github/workflows/a.yml:7:34: the image is built from the merge commit that actions/checkout checks out on pull_request, but named after the pull request's head SHA"},
		},
		{
			name: "head checkout tagged with the head SHA",
			files: map[string]string{".github/workflows/a.yml": job("pull_request",
				"      - uses: actions/checkout@v7\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: docker build -t app:${{ github.event.pull_request.head.sha }} .\n")},
		},
		{
			name: "a reusable workflow called on pull_request",
			files: map[string]string{
				".github/workflows/ci.yml":    "on: pull_request\njobs:\n  image:\n    uses: ./.github/workflows/image.yml\n",
				".github/workflows/image.yml": job("workflow_call", "      - run: docker build -t app:${{ github.sha }} .\n"),
			},
			want: []string{".github/workflows/image.yml:6:34: on pull_request github.sha ($GITHUB_SHA) is the merge commit GitHub creates, not the pull request's head: this image tag names a commit that is in no branch and changes whenever the base branch moves (this reusable workflow runs for it through .github/workflows/ci.yml)"},
		},
	})
}
