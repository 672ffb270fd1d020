package lint

import "testing"

const multiStage = "FROM ruby:3.3 AS base\nFROM base AS bundle\nRUN bundle install\nFROM base\nCOPY --from=bundle /b /b\n"

func bpa(with string) string {
	return job("push", "      - uses: docker/build-push-action@v7\n        with:\n"+with)
}

func TestBuildxCacheGrowth(t *testing.T) {
	runRepoCases(t, "buildx-cache-growth", []repoCase{
		{
			name: "local cache into its own cache-from directory",
			files: map[string]string{".github/workflows/a.yml": bpa(
				"          cache-from: type=local,src=/tmp/cache\n          cache-to: type=local,dest=/tmp/cache/,mode=max\n")},
			want: []string{".github/workflows/a.yml:9:21: cache-to type=local,dest=/tmp/cache/,mode=max writes the local cache into the directory it reads from without reset=true"},
		},
		{
			name: "saved under a key that changes every run",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: actions/cache@v4\n        with:\n          path: /tmp/cache\n          key: buildx-${{ github.sha }}\n          restore-keys: buildx-\n"+
					"      - uses: docker/build-push-action@v7\n        with:\n          cache-from: type=local,src=/tmp/cache\n          cache-to: type=local,dest=/tmp/cache\n")},
			want: []string{".github/workflows/a.yml:14:21: cache-to type=local,dest=/tmp/cache writes the local cache into the directory it reads from"},
		},
		{
			name: "saved under a constant key, never saved again",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: actions/cache@v4\n        with:\n          path: /tmp/cache\n          key: ${{ runner.os }}-buildx-${{ matrix.os }}\n"+
					"      - uses: docker/build-push-action@v7\n        with:\n          cache-from: type=local,src=/tmp/cache\n          cache-to: type=local,dest=/tmp/cache\n")},
		},
		{
			name: "local cache with reset=true",
			files: map[string]string{".github/workflows/a.yml": bpa(
				"          cache-from: type=local,src=/tmp/cache\n          cache-to: type=local,dest=/tmp/cache,mode=max,reset=true\n")},
		},
		{
			name: "the mv workaround in a docker buildx build script",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - run: docker buildx build --cache-from=type=local,src=/tmp/c --cache-to=type=local,dest=/tmp/c-new,mode=max .\n"+
					"      - run: rm -rf /tmp/c && mv /tmp/c-new /tmp/c\n")},
			want: []string{".github/workflows/a.yml:6:69: cache-to type=local,dest=/tmp/c-new,mode=max with the mv workaround"},
		},
		{
			name: "a new local directory that is not swapped in",
			files: map[string]string{".github/workflows/a.yml": bpa(
				"          cache-from: type=local,src=/tmp/cache\n          cache-to: type=local,dest=/tmp/export,mode=max\n")},
		},
		{
			name: "mode=min for a multi-stage Dockerfile in a context directory",
			files: map[string]string{
				".github/workflows/a.yml": bpa("          context: app\n          cache-to: |\n            type=gha,mode=max,scope=a\n            type=registry,ref=ghcr.io/acme/app:cache\n"),
				"app/Dockerfile":          multiStage,
			},
			want: []string{".github/workflows/a.yml:11:13: cache-to type=registry,ref=ghcr.io/acme/app:cache exports only the final stage's layers (mode=min is the default), but app/Dockerfile has 3 stages"},
		},
		{
			name: "mode=min for a single-stage Dockerfile",
			files: map[string]string{
				".github/workflows/a.yml": bpa("          cache-to: type=gha\n"),
				"Dockerfile":              "FROM ruby:3.3\nCOPY . .\n",
			},
		},
		{
			name: "mode=min with a Dockerfile gantry cannot find",
			files: map[string]string{
				".github/workflows/a.yml": bpa("          file: ${{ matrix.dockerfile }}\n          cache-to: type=gha\n"),
			},
		},
		{
			name: "a working directory for docker buildx build",
			files: map[string]string{
				".github/workflows/a.yml":       job("push", "      - working-directory: services/api\n        run: docker buildx build --cache-to type=inline -f build/Dockerfile .\n"),
				"services/api/build/Dockerfile": multiStage,
			},
			want: []string{".github/workflows/a.yml:7:34: cache-to type=inline embeds only the final stage's layers in the image"},
		},
		{
			name:  "ECR through an env variable",
			files: map[string]string{".github/workflows/a.yml": "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    env:\n      REGISTRY: ${{ steps.login.outputs.registry }}\n    steps:\n      - id: login\n        uses: aws-actions/amazon-ecr-login@v2\n      - uses: docker/build-push-action@v7\n        with:\n          cache-to: type=registry,ref=${{ env.REGISTRY }}/app:cache,mode=max\n"},
			want:  []string{".github/workflows/a.yml:12:21: cache-to type=registry,ref=${{ env.REGISTRY }}/app:cache,mode=max exports a registry cache to ECR"},
		},
		{
			name: "ECR with image-manifest=true",
			files: map[string]string{".github/workflows/a.yml": bpa(
				"          cache-to: type=registry,ref=123456789012.dkr.ecr.us-east-1.amazonaws.com/app:cache,mode=max,image-manifest=true,oci-mediatypes=true\n")},
		},
		{
			name: "a registry cache that is not on ECR",
			files: map[string]string{".github/workflows/a.yml": bpa(
				"          cache-to: type=registry,ref=ghcr.io/acme/app:cache,mode=max\n")},
		},
	})
}
