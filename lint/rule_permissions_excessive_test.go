package lint

import "testing"

func TestPermissionsExcessive(t *testing.T) {
	runRuleCases(t, "permissions-excessive", []ruleCase{
		{name: "workflow and job", src: `on: push
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: make a
  b:
    runs-on: ubuntu-latest
    steps:
      - run: make b
`, want: []string{
			`2:14: permissions: write-all gives every job of this workflow`,
			`6:18: permissions: write-all gives every step of job "a"`,
		}},
		{name: "every job overrides the workflow's write-all", src: `on: push
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: make a
  b:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - run: make b
`, want: []string{
			`11:18: permissions: write-all gives every step of job "b"`,
		}},
		{name: "read-all and scopes", src: `on: push
permissions: read-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      packages: write
    steps:
      - run: make a
`},
		{name: "ecr push with unused contents and pull-requests", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      id-token: write
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/push
          aws-region: us-east-1
      - uses: aws-actions/amazon-ecr-login@v2
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
`, want: []string{
			`8:7: contents: write is granted to job "image", which publishes, but none of its steps uses it`,
			`10:7: pull-requests: write is granted to job "image"`,
		}},
		{name: "ghcr push needs packages", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      packages: write
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/app:${{ github.ref_name }}
`},
		{name: "ghcr push with unused issues", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      packages: write
      issues: write
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/app:${{ github.ref_name }}
`, want: []string{
			`9:7: issues: write is granted to job "image"`,
		}},
		{name: "oidc needs id-token", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/push
          aws-region: us-east-1
      - uses: aws-actions/amazon-ecr-login@v2
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
`},
		{name: "unused id-token on docker hub push", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: docker/login-action@v3
        with:
          username: acme
          password: ${{ secrets.DOCKERHUB_TOKEN }}
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: acme/app:latest
`, want: []string{
			`8:7: id-token: write is granted to job "image"`,
		}},
		{name: "unknown action stays quiet", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      packages: write
    steps:
      - uses: acme/publish-action@v1
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: acme/app:latest
`},
		{name: "token passed to a script stays quiet", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      packages: write
    steps:
      - run: ./push.sh
        env:
          TOKEN: ${{ github.token }}
      - run: docker push acme/app:latest
`},
		{name: "token in the script stays quiet", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      issues: write
    steps:
      - run: docker push acme/app:latest
      - run: echo "${{ secrets.GITHUB_TOKEN }}" | docker login -u x --password-stdin registry.example.com
`},
		{name: "release needs contents", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - uses: softprops/action-gh-release@v2
`},
		{name: "git push with persisted credentials needs contents", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - run: docker push acme/app:latest && git tag v1 && git push origin v1
`},
		{name: "unknown script after checkout may push", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - run: docker push acme/app:latest
      - run: ./scripts/bump-version
`},
		{name: "unknown program may fetch an oidc token", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: docker push acme/app:latest
      - run: cosign sign acme/app:latest
`},
		{name: "registry from an expression may be ghcr", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      packages: write
    steps:
      - uses: docker/login-action@v3
        with:
          registry: ${{ env.REGISTRY }}
          username: x
          password: ${{ secrets.REGISTRY_TOKEN }}
      - run: docker push app:latest
`},
		{name: "job that does not publish stays quiet", src: `on:
  push:
    tags: ['v*']
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - run: make test
`},
		{name: "workflow token env stays quiet", src: `on: push
env:
  GH_TOKEN: ${{ github.token }}
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      pull-requests: write
    steps:
      - run: docker push acme/app:latest
`},
		{name: "workflow scopes shared by several jobs stay quiet", src: `on: push
permissions:
  contents: write
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: docker push acme/app:latest
  tag:
    runs-on: ubuntu-latest
    steps:
      - run: echo tag
`},
		{name: "workflow scope of a single publishing job", src: `on: push
permissions:
  contents: write
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - run: docker push acme/app:latest
`, want: []string{
			`3:3: contents: write is granted to job "image"`,
		}},
		{name: "docker run may use the workspace credentials", src: `on: push
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - run: docker run --rm -v "$PWD:/src" acme/release && docker push acme/app:latest
`},
		{name: "script in another shell stays quiet", src: `on: push
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      issues: write
    steps:
      - run: docker push acme/app:latest
        shell: pwsh
`},
		{name: "plain docker push with an unused scope", src: `on: push
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - run: |
          docker build -t acme/app:latest .
          docker push acme/app:latest
`, want: []string{
			`6:7: contents: write is granted to job "image"`,
		}},
	})
}
