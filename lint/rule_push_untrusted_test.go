package lint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

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
// for fork pull requests only when the typed push policy lets them push:
// the event in push.events, push.allow-forks and, for pull_request_target,
// push.allow-pull-request-target. Names that merely contain "fork" or
// "pull_request_target" (a branch glob fork-*, an image, a label) do not.
func TestPushUntrustedGantryPolicy(t *testing.T) {
	for _, tc := range []struct {
		name, yml string
		pr, prt   bool // allows untrusted pushes for pull_request, pull_request_target
	}{
		{"no config", "", false, false},
		{"no push section", "shellcheck: false\n", false, false},
		{"default policy", "push: {}\n", false, false},
		{"event listed without allow-pull-request-target", "push:\n  events: [push, pull_request_target]\n", false, false},
		{"branch glob fork-*", "push:\n  events: [push, pull_request]\n  branches: [\"fork-*\"]\n", false, false},
		{"names that mention forks", "push:\n  image: registry.example.com/fork\n  require-label: allow-forks\n  events: [pull_request, pull_request_target]\n  tags: [\"fork-{{sha}}\"]\n", false, false},
		{"allow-forks", "push:\n  events: [push, pull_request]\n  allow-forks: true\n", true, false},
		{"allow-forks without the event", "push:\n  allow-forks: true\n", false, false},
		{"pull_request_target and forks", "push:\n  events: [pull_request_target]\n  allow-forks: true\n  allow-pull-request-target: true\n", false, true},
		{"pull_request_target without forks", "push:\n  events: [pull_request_target]\n  allow-pull-request-target: true\n", false, false},
	} {
		cfg := &config.Config{}
		if tc.yml != "" {
			var err error
			if cfg, err = parseConfig("gantry.yaml", []byte(tc.yml)); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		if got := gantryPushAllowsUntrusted(cfg, "pull_request"); got != tc.pr {
			t.Errorf("%s: pull_request allows untrusted pushes = %v, want %v", tc.name, got, tc.pr)
		}
		if got := gantryPushAllowsUntrusted(cfg, "pull_request_target"); got != tc.prt {
			t.Errorf("%s: pull_request_target allows untrusted pushes = %v, want %v", tc.name, got, tc.prt)
		}
	}
}

// TestPushUntrustedReadsRepositoryPolicy lints a repository whose
// .github/gantry.yaml is read by the engine: gantry push on pull_request is
// flagged only when the policy really lets forks push.
func TestPushUntrustedReadsRepositoryPolicy(t *testing.T) {
	wf := job("pull_request", "      - run: gantry push\n")
	for _, tc := range []struct {
		name, policy string
		want         int
	}{
		{"branch glob fork-*", "push:\n  events: [push, pull_request]\n  branches: [\"fork-*\"]\n", 0},
		{"allow-forks", "push:\n  events: [push, pull_request]\n  branches: [\"**\"]\n  allow-forks: true\n", 1},
	} {
		dir := t.TempDir()
		write := func(rel, content string) {
			abs := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(".github/workflows/a.yml", dedent(wf))
		write(".github/gantry.yaml", tc.policy)
		l, err := New(Options{WorkDir: dir, RuleFilter: func(r *Rule) bool { return r.ID == "push-untrusted" }})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.LintPaths(context.Background(), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(res.Findings) != tc.want {
			t.Errorf("%s: %d findings, want %d: %v", tc.name, len(res.Findings), tc.want, res.Findings)
		}
	}
}
