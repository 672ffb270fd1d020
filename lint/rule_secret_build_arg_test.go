package lint

import "testing"

func TestSecretBuildArg(t *testing.T) {
	bp := func(args string) string {
		return job("push", "      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          build-args: |\n"+args)
	}
	runRepoCases(t, "secret-build-arg", []repoCase{
		{
			name:  "build-push-action with a secret",
			files: map[string]string{".github/workflows/a.yml": bp("            RAILS_ENV=production\n            NPM_TOKEN=${{ secrets.NPM_TOKEN }}\n")},
			want:  []string{".github/workflows/a.yml:11:13: build arg NPM_TOKEN gets secrets.NPM_TOKEN: build args are stored in the image history and provenance; pass it with `secrets: NPM_TOKEN=${{ secrets.NPM_TOKEN }}`"},
		},
		{
			name: "build-push-action with an env value that holds a secret",
			files: map[string]string{".github/workflows/a.yml": "env:\n  KEY: ${{ secrets.RAILS_MASTER_KEY }}\n" +
				bp("            RAILS_MASTER_KEY=${{ env.KEY }}\n")},
			want: []string{".github/workflows/a.yml:12:13: build arg RAILS_MASTER_KEY gets secrets.RAILS_MASTER_KEY through env.KEY"},
		},
		{
			name: "docker build --build-arg with a secret",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - run: docker build --build-arg VERSION=1 --build-arg NPM_TOKEN=${{ secrets.NPM_TOKEN }} .\n")},
			want: []string{".github/workflows/a.yml:6:49: --build-arg NPM_TOKEN gets secrets.NPM_TOKEN: build args are stored in the image history and provenance; pass it with --secret id=NPM_TOKEN,env=NPM_TOKEN"},
		},
		{
			name: "buildx and gantry build with a shell variable from env",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - run: |\n          docker buildx build --build-arg \"TOKEN=$GH_PAT\" .\n          gantry build --build-arg GH_PAT .\n        env:\n          GH_PAT: ${{ secrets.GH_PAT }}\n")},
			want: []string{
				".github/workflows/a.yml:7:31: --build-arg TOKEN gets secrets.GH_PAT through env.GH_PAT",
				".github/workflows/a.yml:8:24: --build-arg GH_PAT gets secrets.GH_PAT through env.GH_PAT",
			},
		},
		{
			name: "bake-action set",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: docker/bake-action@v5\n        with:\n          set: |\n            *.args.NPM_TOKEN=${{ secrets.NPM_TOKEN }}\n            *.tags=app:latest\n")},
			want: []string{".github/workflows/a.yml:9:13: bake arg NPM_TOKEN gets secrets.NPM_TOKEN"},
		},
		{
			name: "look-alikes: secrets input, GITHUB_TOKEN, plain values, env that is not a secret",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: docker/build-push-action@v6\n        with:\n          build-args: |\n            VERSION=${{ github.sha }}\n            GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}\n            HAS_NPM=${{ secrets.NPM_TOKEN != '' }}\n"+
					"          secrets: |\n            NPM_TOKEN=${{ secrets.NPM_TOKEN }}\n"+
					"      - run: docker build --build-arg VERSION=$VERSION --secret id=npm,env=NPM_TOKEN .\n        env:\n          VERSION: ${{ github.ref_name }}\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n")},
		},
		{
			name:  "Dockerfile ARG that BuildKit misses, read by RUN",
			files: map[string]string{"Dockerfile": "FROM node:20\nARG NPMTOKEN\nARG BUNDLE_GITHUB__COM\nRUN echo //registry.npmjs.org/:_authToken=$NPMTOKEN > .npmrc && bundle install\n"},
			want: []string{
				"Dockerfile:2:5: ARG NPMTOKEN looks like a secret and the RUN on line 4 reads it",
			},
		},
		{
			name:  "Dockerfile look-alikes: BuildKit's names, unused ARGs, ids and paths",
			files: map[string]string{"Dockerfile": "FROM node:20\nARG NPM_TOKEN\nARG DB_PASS\nARG GH_TOKEN_FILE\nARG SECRET_ID\nARG MAX_TOKENS\nRUN echo $NPM_TOKEN $GH_TOKEN_FILE $SECRET_ID $MAX_TOKENS\n"},
		},
	})
}
