package lint

import (
	"strings"
	"testing"
)

func TestTemplateInjection(t *testing.T) {
	runRepoCases(t, "template-injection", []repoCase{
		{
			name: "a release body in run:",
			files: map[string]string{".github/workflows/a.yml": job("release",
				"      - run: echo \"${{ github.event.release.body }}\"\n")},
			want: []string{".github/workflows/a.yml:6:20: ${{ github.event.release.body }} expands github.event.release.body, text an outsider writes"},
		},
		{
			name: "an issue title, with actionlint's expression check off",
			files: map[string]string{".github/workflows/a.yml": job("issues",
				"      - run: echo \"${{ github.event.issue.title }}\"\n")},
			want: []string{".github/workflows/a.yml:6:20: ${{ github.event.issue.title }} expands github.event.issue.title, text an outsider writes"},
		},
		{
			name: "columns count characters, not bytes",
			files: map[string]string{".github/workflows/a.yml": job("issues",
				"      - run: |\n          echo \"déjà ${{ github.event.issue.title }}\"\n      - run: echo \"日本 ${{ github.event.issue.body }}\"\n")},
			want: []string{
				".github/workflows/a.yml:7:22: ${{ github.event.issue.title }} expands github.event.issue.title, text an outsider writes",
				".github/workflows/a.yml:8:23: ${{ github.event.issue.body }} expands github.event.issue.body, text an outsider writes",
			},
		},
		{
			name: "an issue title through env",
			files: map[string]string{".github/workflows/a.yml": job("issues",
				"      - run: echo \"${{ env.TITLE }}\"\n        env:\n          TITLE: ${{ github.event.issue.title }}\n")},
			want: []string{".github/workflows/a.yml:6:20: ${{ env.TITLE }} expands github.event.issue.title (through env.title)"},
		},
		{
			name: "the safe form",
			files: map[string]string{".github/workflows/a.yml": job("issues",
				"      - run: echo \"$TITLE\"\n        env:\n          TITLE: ${{ github.event.issue.title }}\n")},
		},
		{
			name: "a boolean from contains",
			files: map[string]string{".github/workflows/a.yml": job("issues",
				"      - run: echo ${{ contains(github.event.issue.body, 'x') }} ${{ github.event.issue.number }}\n")},
		},
		{
			name: "a step output that carries a branch name",
			files: map[string]string{".github/workflows/a.yml": job("workflow_run",
				"      - id: b\n        run: echo \"branch=${{ github.event.workflow_run.head_branch }}\" >> \"$GITHUB_OUTPUT\"\n"+
					"      - run: git push origin ${{ steps.b.outputs.branch }}\n")},
			want: []string{
				".github/workflows/a.yml:7:27: ${{ github.event.workflow_run.head_branch }} expands",
				".github/workflows/a.yml:8:30: ${{ steps.b.outputs.branch }} expands github.event.workflow_run.head_branch (through steps.b.outputs.branch)",
			},
		},
		{
			name:  "a job output through env and GITHUB_OUTPUT",
			files: map[string]string{".github/workflows/a.yml": "on: issue_comment\njobs:\n  a:\n    runs-on: ubuntu-latest\n    outputs:\n      body: ${{ steps.c.outputs.body }}\n    steps:\n      - id: c\n        run: echo \"body=$BODY\" >> $GITHUB_OUTPUT\n        env:\n          BODY: ${{ github.event.comment.body }}\n  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo '${{ needs.a.outputs.body }}'\n"},
			want:  []string{".github/workflows/a.yml:16:20: ${{ needs.a.outputs.body }} expands github.event.comment.body (through needs.a.outputs.body, steps.c.outputs.body, $BODY)"},
		},
		{
			name: "a reusable workflow called with an issue title",
			files: map[string]string{
				".github/workflows/ci.yml":     "on: issues\njobs:\n  n:\n    uses: ./.github/workflows/notify.yml\n    with:\n      message: ${{ github.event.issue.title }}\n",
				".github/workflows/notify.yml": "on:\n  workflow_call:\n    inputs:\n      message: {type: string}\n      count: {type: number}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./notify \"${{ inputs.message }}\" ${{ inputs.count }}\n",
			},
			want: []string{".github/workflows/notify.yml:10:24: ${{ inputs.message }} expands github.event.issue.title (through inputs.message from .github/workflows/ci.yml)"},
		},
		{
			name: "a reusable workflow called with a fixed value",
			files: map[string]string{
				".github/workflows/ci.yml":     "on: issues\njobs:\n  n:\n    uses: ./.github/workflows/notify.yml\n    with:\n      message: hello ${{ github.event.issue.number }}\n",
				".github/workflows/notify.yml": "on:\n  workflow_call:\n    inputs:\n      message: {type: string}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./notify \"${{ inputs.message }}\"\n",
			},
		},
		{
			name:  "a reusable workflow with no caller here",
			files: map[string]string{".github/workflows/notify.yml": "on:\n  workflow_call:\n    inputs:\n      message: {type: string}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./notify \"${{ inputs.message }}\"\n"},
			want:  []string{".github/workflows/notify.yml:9:24: ${{ inputs.message }} is pasted into the shell script before it runs, and no caller in this repository shows what input message holds"},
		},
		{
			name:  "workflow_dispatch inputs come from maintainers",
			files: map[string]string{".github/workflows/a.yml": "on:\n  workflow_dispatch:\n    inputs:\n      version: {type: string}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./release ${{ inputs.version }}\n"},
		},
		{
			name: "a composite action called with an issue title",
			files: map[string]string{
				".github/workflows/ci.yml":          job("issues", "      - uses: ./.github/actions/notify\n        with:\n          message: ${{ github.event.issue.title }}\n"),
				".github/actions/notify/action.yml": "name: notify\ndescription: d\ninputs:\n  message: {description: m}\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: ./notify \"${{ inputs.message }}\"\n",
			},
			want: []string{".github/actions/notify/action.yml:9:22: ${{ inputs.message }} expands github.event.issue.title (through inputs.message from .github/workflows/ci.yml)"},
		},
		{
			// the lookup lower-cased the name and missed an upper-case key
			name: "a composite action's step env with an upper-case key",
			files: map[string]string{
				".github/workflows/ci.yml":          job("issues", "      - uses: ./.github/actions/notify\n        with:\n          message: ${{ github.event.issue.title }}\n"),
				".github/actions/notify/action.yml": "name: notify\ndescription: d\ninputs:\n  message: {description: m}\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: ./notify \"${{ env.MESSAGE }}\"\n      env:\n        MESSAGE: ${{ inputs.message }}\n",
			},
			want: []string{
				".github/actions/notify/action.yml:9:22: ${{ env.MESSAGE }} expands github.event.issue.title (through env.message, inputs.message from .github/workflows/ci.yml), " +
					"text an outsider writes, into the shell script before it runs: a quote or $(...) in it runs as code with this job's token and secrets; " +
					`use "$MESSAGE": the variable is already in the script's environment`,
			},
		},
		{
			name: "a composite action's step env that holds a fixed value",
			files: map[string]string{
				".github/workflows/ci.yml":          job("issues", "      - uses: ./.github/actions/notify\n        with:\n          message: ${{ github.event.issue.title }}\n"),
				".github/actions/notify/action.yml": "name: notify\ndescription: d\ninputs:\n  message: {description: m}\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: ./notify \"${{ env.MESSAGE }}\" \"$MESSAGE_TEXT\"\n      env:\n        MESSAGE: hello\n        MESSAGE_TEXT: ${{ inputs.message }}\n",
			},
		},
		{
			name: "github-script with a pull request title",
			files: map[string]string{".github/workflows/a.yml": job("pull_request_target",
				"      - uses: actions/github-script@v7\n        with:\n          script: |\n            const t = `${{ github.event.pull_request.head.repo.description }}`\n")},
			want: []string{".github/workflows/a.yml:9:24: ${{ github.event.pull_request.head.repo.description }} expands github.event.pull_request.head.repo.description, text an outsider writes, into the script"},
		},
	})
}

// TestTemplateInjectionOnePlace checks that a place actionlint's
// expression check reports as untrusted gets no second finding.
func TestTemplateInjectionOnePlace(t *testing.T) {
	files := map[string]string{".github/workflows/a.yml": job("issues",
		"      - run: echo \"${{ github.event.issue.title }}\" \"${{ github.event.release.body }}\"\n")}
	have := lintRepo(t, files, "template-injection", "expression")
	if len(have) != 2 || !strings.Contains(have[0], "potentially untrusted") || !strings.Contains(have[1], "expands github.event.release.body") {
		t.Errorf("want one expression finding and one template-injection finding, have:\n%s", strings.Join(have, "\n"))
	}
}

func TestTemplateInjectionBotBranches(t *testing.T) {
	runRepoCases(t, "template-injection", []repoCase{
		{
			name: "commits pushed to dependabot's branches are the bot's",
			files: map[string]string{".github/workflows/a.yml": job("\n  push:\n    branches: [dependabot/**]",
				"      - run: git config user.email '${{ github.event.commits[0].author.email }}'\n")},
		},
		{
			name: "commits pushed to main can come from merged pull requests",
			files: map[string]string{".github/workflows/a.yml": job("\n  push:\n    branches: [main]",
				"      - run: git config user.email '${{ github.event.commits[0].author.email }}'\n")},
			want: []string{".github/workflows/a.yml:8:37: ${{ github.event.commits[0].author.email }} expands github.event.commits.*.author.email"},
		},
	})
}

// TestSafeEnvName checks the env: names that template-injection suggests
// and its fix writes: none replaces a variable the step reads otherwise.
func TestSafeEnvName(t *testing.T) {
	for expr, want := range map[string]string{
		"github.event.issue.title":         "ISSUE_TITLE",
		"github.head_ref":                  "GITHUB_HEAD_REF",
		"github.event.commits[0].message":  "COMMITS_0_MESSAGE",
		"inputs.message":                   "MESSAGE",
		"inputs.path":                      "INPUTS_PATH",
		"inputs.bash_env":                  "INPUTS_BASH_ENV",
		"steps.meta.outputs.home":          "OUTPUTS_HOME",
		"needs.build.outputs.github_token": "OUTPUTS_GITHUB_TOKEN",
		"github.event.inputs.ld_preload":   "INPUTS_LD_PRELOAD",
		"matrix.path":                      "MATRIX_PATH",
		"github.event.pages.*.title":       "TITLE",
		"steps.x.outputs.runner_temp":      "OUTPUTS_RUNNER_TEMP",
		"steps.ld.preload":                 "VALUE_LD_PRELOAD",
		"inputs.1":                         "VALUE_1",
	} {
		if got := safeEnvName(expr); got != want {
			t.Errorf("safeEnvName(%q) = %s, want %s", expr, got, want)
		}
	}
}
