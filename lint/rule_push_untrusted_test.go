package lint

import "testing"

func TestPushUntrusted(t *testing.T) {
	runRepoCases(t, "push-untrusted", []repoCase{
		{
			name:  "push: true on pull_request",
			files: map[string]string{".github/workflows/a.yml": job("pull_request", "      - uses: docker/build-push-action@v7\n        with:\n          push: true\n")},
			want:  []string{".github/workflows/a.yml:8:11: docker/build-push-action with push: true can run for a pull request from a fork"},
		},
		{
			name:  "push only for pull requests",
			files: map[string]string{".github/workflows/a.yml": job("[push, pull_request]", "      - uses: docker/build-push-action@v7\n        with:\n          push: ${{ github.event_name == 'pull_request' }}\n")},
			want:  []string{".github/workflows/a.yml:8:11: docker/build-push-action with push: ${{ github.event_name == 'pull_request' }} can run for a pull request from a fork"},
		},
		{
			name:  "docker push on pull_request_target",
			files: map[string]string{".github/workflows/a.yml": job("pull_request_target", "      - run: |\n          docker build -t app .\n          docker push app\n")},
			want:  []string{".github/workflows/a.yml:8:11: docker push runs on pull_request_target, with the base repository's secrets"},
		},
		{
			name:  "buildx --output type=registry",
			files: map[string]string{".github/workflows/a.yml": job("pull_request", "      - run: docker buildx build --output type=registry .\n")},
			want:  []string{".github/workflows/a.yml:6:14: docker buildx build --push can run for a pull request from a fork"},
		},
		{
			name:  "push on push events only",
			files: map[string]string{".github/workflows/a.yml": job("[push, pull_request]", "      - uses: docker/build-push-action@v7\n        with:\n          push: ${{ github.event_name != 'pull_request' }}\n")},
		},
		{
			name:  "push only from the main branch",
			files: map[string]string{".github/workflows/a.yml": job("[push, pull_request]", "      - if: github.ref == 'refs/heads/main'\n        run: docker push app\n")},
		},
		{
			name:  "push only for branches of this repository",
			files: map[string]string{".github/workflows/a.yml": job("pull_request", "      - if: github.event.pull_request.head.repo.full_name == github.repository\n        run: docker push app\n")},
		},
		{
			name:  "push only when a secret is set (forks get none)",
			files: map[string]string{".github/workflows/a.yml": job("pull_request", "      - if: ${{ secrets.REGISTRY_TOKEN != '' }}\n        run: docker push app\n")},
		},
		{
			name:  "pull_request_target gated on the repository",
			files: map[string]string{".github/workflows/a.yml": "on: pull_request_target\njobs:\n  j:\n    if: github.event.pull_request.head.repo.full_name == github.repository\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker push app\n"},
		},
		{
			name:  "a protected environment",
			files: map[string]string{".github/workflows/a.yml": "on: pull_request\njobs:\n  j:\n    runs-on: ubuntu-latest\n    environment: registry\n    steps:\n      - run: docker push app\n"},
		},
		{
			name:  "gantry push gates itself",
			files: map[string]string{".github/workflows/a.yml": job("pull_request", "      - run: gantry push\n      - run: gantry build --push .\n")},
		},
		{
			name:  "no push",
			files: map[string]string{".github/workflows/a.yml": job("pull_request", "      - run: docker build -t app .\n      - uses: docker/build-push-action@v7\n        with:\n          push: false\n")},
		},
		{
			name: "a reusable workflow called on pull_request_target",
			files: map[string]string{
				".github/workflows/ci.yml":      "on: pull_request_target\njobs:\n  publish:\n    uses: ./.github/workflows/publish.yml\n",
				".github/workflows/publish.yml": job("workflow_call", "      - run: docker push app\n"),
			},
			want: []string{".github/workflows/publish.yml:6:14: docker push runs on pull_request_target (this reusable workflow runs for it through .github/workflows/ci.yml)"},
		},
	})
}

// TestPushUntrustedGantryPolicy checks that gantry push counts as a push
// when the push policy allows pull_request_target or forks.
func TestPushUntrustedGantryPolicy(t *testing.T) {
	cfg, err := ParseConfig("gantry.yaml", []byte("push:\n  events: [push, pull_request_target]\n"))
	if err != nil {
		t.Fatalf("the push: section is not accepted: %v", err)
	}
	if !gantryPushAllowsUntrusted(cfg) {
		t.Error("a policy naming pull_request_target does not count as allowing untrusted pushes")
	}
	if gantryPushAllowsUntrusted(&Config{}) {
		t.Error("no policy allows untrusted pushes")
	}
}
