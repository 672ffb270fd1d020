package lint

import (
	"strings"
	"testing"
)

const deployOnMain = `
	name: deploy
	on:
	  push:
	    branches: [main]
	jobs:
	  deploy:
	    runs-on: ubuntu-latest
	    steps:
	      - run: ./deploy
`

func TestTokenNoTrigger(t *testing.T) {
	runRepoCases(t, "token-no-trigger", []repoCase{
		{
			name: "git push with the checkout's default token",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on: workflow_dispatch
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: git push origin HEAD:main
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
			want: []string{`.github/workflows/bump.yml:7:14: git push authenticates with GITHUB_TOKEN (the default credential that actions/checkout persists), and events caused by GITHUB_TOKEN start no workflow runs: this push to main will not trigger workflow "deploy" (.github/workflows/deploy.yml, on: push)`},
		},
		{
			name: "secrets.GITHUB_TOKEN in the remote URL",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on:
					  push:
					    branches: [main]
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					        with:
					          persist-credentials: false
					      - env:
					          TOKEN: ${{ secrets.GITHUB_TOKEN }}
					        run: |
					          git remote set-url origin "https://x-access-token:${TOKEN}@github.com/${GITHUB_REPOSITORY}"
					          git push
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
			want: []string{".github/workflows/bump.yml:15:11: git push authenticates with GITHUB_TOKEN (through the token git is configured with)"},
		},
		{
			name: "gh pr merge with github.token",
			files: map[string]string{
				".github/workflows/merge.yml": `
					on: pull_request_review
					jobs:
					  merge:
					    runs-on: ubuntu-latest
					    steps:
					      - run: gh pr merge --squash "$PR"
					        env:
					          GH_TOKEN: ${{ github.token }}
					          PR: ${{ github.event.pull_request.html_url }}
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
			want: []string{".github/workflows/merge.yml:6:14: gh pr merge authenticates with GITHUB_TOKEN (through env GH_TOKEN)"},
		},
		{
			name: "release action with its default token and a release workflow",
			files: map[string]string{
				".github/workflows/tag.yml": `
					on:
					  push:
					    tags: ['v*']
					jobs:
					  release:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: softprops/action-gh-release@v3
				`,
				".github/workflows/notify.yml": `
					on:
					  release:
					jobs:
					  notify:
					    runs-on: ubuntu-latest
					    steps:
					      - run: ./notify
				`,
			},
			want: []string{".github/workflows/tag.yml:8:15: softprops/action-gh-release authenticates with GITHUB_TOKEN (the default token of softprops/action-gh-release)"},
		},
		{
			name: "a draft release does not trigger published workflows",
			files: map[string]string{
				".github/workflows/tag.yml": `
					on: workflow_dispatch
					jobs:
					  release:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: softprops/action-gh-release@v3
					        with:
					          draft: true
				`,
				".github/workflows/notify.yml": `
					on:
					  release:
					    types: [published]
					jobs:
					  notify:
					    runs-on: ubuntu-latest
					    steps:
					      - run: ./notify
				`,
			},
		},
		{
			name: "a personal access token in the checkout",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on: workflow_dispatch
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					        with:
					          token: ${{ secrets.PAT }}
					      - run: git push origin HEAD:main
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "an ssh deploy key",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on: workflow_dispatch
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					        with:
					          ssh-key: ${{ secrets.DEPLOY_KEY }}
					      - run: git push origin HEAD:main
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "the downstream runs only on workflow_dispatch",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on: workflow_dispatch
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: git push origin HEAD:main
				`,
				".github/workflows/manual.yml": `
					on: workflow_dispatch
					jobs:
					  run:
					    runs-on: ubuntu-latest
					    steps:
					      - run: ./run
				`,
			},
		},
		{
			name: "the pusher dispatches the downstream itself",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on: workflow_dispatch
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: |
					          git push origin HEAD:main
					          gh workflow run deploy.yml
					        env:
					          GH_TOKEN: ${{ github.token }}
				`,
				".github/workflows/deploy.yml": `
					on:
					  push:
					    branches: [main]
					  workflow_dispatch:
					jobs:
					  deploy:
					    runs-on: ubuntu-latest
					    steps:
					      - run: ./deploy
				`,
			},
		},
		{
			name: "a push to another branch than the downstream's",
			files: map[string]string{
				".github/workflows/docs.yml": `
					on:
					  push:
					    branches: [main]
					jobs:
					  docs:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: git push origin HEAD:gh-pages
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "a push from a checkout in a subdirectory",
			files: map[string]string{
				".github/workflows/mirror.yml": `
					on: workflow_dispatch
					jobs:
					  mirror:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					        with:
					          repository: acme/mirror
					          token: ${{ secrets.MIRROR_PAT }}
					      - uses: actions/checkout@v7
					        with:
					          path: source
					      - run: git push origin HEAD:main
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "a push from the wiki checkout",
			files: map[string]string{
				".github/workflows/wiki.yml": `
					on: workflow_dispatch
					jobs:
					  wiki:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - uses: actions/checkout@v7
					        with:
					          repository: ${{ github.repository }}.wiki
					          path: wiki
					      - run: |
					          pushd wiki
					          git commit -am "update" && git push
					          popd
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "git -C into a clone of another repository made with a bot's token",
			files: map[string]string{
				".github/workflows/gen.yml": `
					on:
					  push:
					    branches: [main]
					jobs:
					  gen:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: |
					          git clone https://bot:${{ secrets.BOT_TOKEN }}@github.com/acme/generated.git
					          ./gen > generated/out.c
					          git -C generated commit -am "regenerate"
					          git -C generated push
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "a push from a clone without credentials in its URL",
			files: map[string]string{
				".github/workflows/gen.yml": `
					on: workflow_dispatch
					jobs:
					  gen:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: git clone https://github.com/acme/out.git out
					      - run: |
					          cd out
					          git commit -am "regenerate"
					          git push
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "a clone of the gh-pages branch with GITHUB_TOKEN in its URL",
			files: map[string]string{
				".github/workflows/docs.yml": `
					on: workflow_dispatch
					jobs:
					  docs:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: |
					          git clone --branch gh-pages https://x:${{ secrets.GITHUB_TOKEN }}@github.com/${{ github.repository }} site
					          cd site && git commit -am "docs" && git push
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
		},
		{
			name: "a clone of this repository's default branch with GITHUB_TOKEN in its URL",
			files: map[string]string{
				".github/workflows/bump.yml": `
					on: workflow_dispatch
					jobs:
					  bump:
					    runs-on: ubuntu-latest
					    steps:
					      - run: |
					          git clone https://x:${{ github.token }}@github.com/${{ github.repository }}.git repo
					          git -C repo commit -am "bump"
					          git -C repo push
				`,
				".github/workflows/deploy.yml": deployOnMain,
			},
			want: []string{`.github/workflows/bump.yml:9:11: git push authenticates with GITHUB_TOKEN (through the token in the clone URL), and events caused by GITHUB_TOKEN start no workflow runs: this push will not trigger workflow "deploy"`},
		},
		{
			name: "tag push to a workflow without tag filters",
			files: map[string]string{
				".github/workflows/tag.yml": `
					on: workflow_dispatch
					jobs:
					  tag:
					    runs-on: ubuntu-latest
					    steps:
					      - uses: actions/checkout@v7
					      - run: git tag v1.0.0 && git push origin v1.0.0
				`,
				".github/workflows/ci.yml": `
					on: push
					jobs:
					  test:
					    runs-on: ubuntu-latest
					    steps:
					      - run: make test
				`,
				".github/workflows/publish.yml": `
					on:
					  push:
					    tags: ['v*']
					jobs:
					  publish:
					    runs-on: ubuntu-latest
					    steps:
					      - run: make publish
				`,
			},
			want: []string{`.github/workflows/tag.yml:7:32: git push authenticates with GITHUB_TOKEN (the default credential that actions/checkout persists), and events caused by GITHUB_TOKEN start no workflow runs: its push of tag v1.0.0 will not trigger workflow .github/workflows/publish.yml (on: push)`},
		},
	})
}

// TestTokenNoTriggerSeverity checks that a finding is weighed by what the
// runs it blocks would have done: the checks of a pull request, a release
// workflow, a deploy, or the tests of a dependency update are a warning;
// re-running CI on content the pushing workflow produced is info.
func TestTokenNoTriggerSeverity(t *testing.T) {
	ci := `
		name: CI
		on:
		  push:
		    branches: [main]
		  pull_request:
		jobs:
		  test:
		    runs-on: ubuntu-latest
		    steps:
		      - run: make test
	`
	lint := `
		name: Lint
		on: [push, pull_request]
		jobs:
		  lint:
		    runs-on: ubuntu-latest
		    steps:
		      - run: npx markdownlint '**/*.md'
	`
	codeql := `
		name: CodeQL
		on: [push, pull_request]
		jobs:
		  analyze:
		    runs-on: ubuntu-latest
		    strategy:
		      matrix:
		        language: [go, javascript]
		    steps:
		      - uses: github/codeql-action/init@v4
		      - run: make
		      - uses: github/codeql-action/analyze@v4
	`
	deploy := `
		name: Deploy site
		on:
		  push:
		    branches: [main]
		jobs:
		  deploy:
		    runs-on: ubuntu-latest
		    steps:
		      - run: npm run build:docs
		      - uses: peaceiris/actions-gh-pages@v4
	`
	snapshot := `
		name: CI
		on:
		  push:
		    branches: [main]
		jobs:
		  build:
		    runs-on: ubuntu-latest
		    steps:
		      - uses: goreleaser/goreleaser-action@v6
		        with:
		          args: release --snapshot --clean
	`
	cases := []struct {
		name, workflow string
		others         map[string]string // other workflows; CI (tests on push to main and pull requests) by default
		want           Severity
		wantMsg        string
	}{
		{name: "formatting commit pushed to main is info", want: SeverityInfo, workflow: `
			name: format
			on:
			  push:
			    branches: [main]
			jobs:
			  format:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - run: |
			          npx prettier --write .
			          git commit -am "chore: format"
			          git push
		`},
		{name: "lockfile update pushed to main untested is a warning", want: SeverityWarning, workflow: `
			on:
			  schedule:
			    - cron: '0 0 * * *'
			jobs:
			  update:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - run: |
			          npm install --package-lock-only
			          git commit -am "update package-lock.json"
			          git push origin HEAD:main
		`},
		{name: "a dependency update the job tests itself is info", want: SeverityInfo, workflow: `
			on: workflow_dispatch
			jobs:
			  update:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - run: |
			          npm update
			          npm test
			          git commit -am "update dependencies"
			          git push
		`},
		{name: "a bot pull request of generated docs the tests never check is a warning", want: SeverityWarning, wantMsg: "the pull request it opens will not trigger workflow \"CI\" (.github/workflows/ci.yml, on: pull_request)", workflow: `
			on: workflow_dispatch
			jobs:
			  docs:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - run: make docs
			      - uses: peter-evans/create-pull-request@v7
		`},
		{name: "a bot pull request only a linter would check is info", want: SeverityInfo, others: map[string]string{"lint.yml": lint}, workflow: `
			on: workflow_dispatch
			jobs:
			  fix:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - run: npx markdownlint --fix '**/*.md'
			      - uses: peter-evans/create-pull-request@v7
		`},
		{name: "a bot pull request only code scanning would check is info", want: SeverityInfo, others: map[string]string{"codeql.yml": codeql}, workflow: `
			on: workflow_dispatch
			jobs:
			  bump:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - uses: peter-evans/create-pull-request@v7
		`},
		{name: "an auto-commit to the pull request's branch is a warning naming pull_request", want: SeverityWarning, wantMsg: "on: pull_request", workflow: `
			on: pull_request
			jobs:
			  fix:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			        with:
			          ref: ${{ github.head_ref }}
			      - run: |
			          npx prettier --write .
			          git commit -am "format"
			          git push
		`},
		{name: "a push to main that skips a deploy is a warning naming the deploy", want: SeverityWarning, others: map[string]string{"ci.yml": ci, "site.yml": deploy},
			wantMsg: `its push to main will not trigger workflow "Deploy site" (.github/workflows/site.yml, on: push) and 1 more`, workflow: `
			on:
			  schedule:
			    - cron: '0 0 * * 0'
			jobs:
			  sponsors:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			      - run: npm run update-sponsors
			      - uses: stefanzweifel/git-auto-commit-action@v6
			        with:
			          branch: main
		`},
		{name: "the release commit of a job that publishes itself is info", want: SeverityInfo, others: map[string]string{"ci.yml": ci, "site.yml": deploy}, workflow: `
			on:
			  release:
			    types: [published]
			jobs:
			  publish:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: actions/checkout@v7
			        with:
			          ref: main
			      - run: |
			          npm version --no-git-tag-version "$TAG"
			          git commit -am "release $TAG"
			          git push
			          npm publish
			        env:
			          TAG: ${{ github.ref_name }}
		`},
		{name: "the merge of a tested pull request is info", want: SeverityInfo, others: map[string]string{"ci.yml": snapshot}, workflow: `
			on: pull_request_review
			jobs:
			  automerge:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: pascalgn/automerge-action@v0.16.4
			        env:
			          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
		`},
		{name: "the merge of a pull request that skips a deploy is a warning", want: SeverityWarning, others: map[string]string{"site.yml": deploy}, workflow: `
			on: pull_request_review
			jobs:
			  automerge:
			    runs-on: ubuntu-latest
			    steps:
			      - uses: pascalgn/automerge-action@v0.16.4
			        env:
			          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
		`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{".github/workflows/bot.yml": c.workflow}
			others := c.others
			if others == nil {
				others = map[string]string{"ci.yml": ci}
			}
			for name, src := range others {
				files[".github/workflows/"+name] = src
			}
			fs := lintRepoFindings(t, files, "token-no-trigger")
			if len(fs) != 1 {
				t.Fatalf("want 1 finding, have %d: %v", len(fs), fs)
			}
			if fs[0].Severity != c.want || !strings.Contains(fs[0].Message, c.wantMsg) {
				t.Errorf("have %s: %s, want %s with %q", fs[0].Severity, fs[0].Message, c.want, c.wantMsg)
			}
		})
	}
}
