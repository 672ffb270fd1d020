package lint

import (
	"testing"

	"github.com/rhysd/actionlint"
)

// prWorkflow is a workflow named "PR build" that runs for pull requests.
const prWorkflow = "name: PR build\non: pull_request\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"

// onPRRun is a workflow_run workflow triggered by "PR build".
func onPRRun(steps string) string {
	return "on:\n  workflow_run:\n    workflows: [PR build]\n    types: [completed]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" + steps
}

const dlRoot = "      - uses: actions/download-artifact@v4\n        with:\n          run-id: ${{ github.event.workflow_run.id }}\n          github-token: ${{ github.token }}\n"

func TestArtifactPoisoning(t *testing.T) {
	runRepoCases(t, "artifact-poisoning", []repoCase{
		{
			name: "docker load then push",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(dlRoot +
				"      - run: |\n          docker load < image.tar\n          docker push ghcr.io/acme/app:pr\n")},
			want: []string{".github/workflows/a.yml:14:11: this step docker loads an image from the artifact, and a later command pushes it; the artifact comes from a run of \"PR build\""},
		},
		{
			name: "docker load through a pipe, then run in a later step",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(dlRoot +
				"      - run: gunzip -c image.tar.gz | docker load\n      - run: docker run --rm app:pr\n")},
			want: []string{".github/workflows/a.yml:13:39: this step docker loads an image from the artifact, and a later command runs it"},
		},
		{
			name: "docker load that nothing pushes or runs",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(dlRoot +
				"      - run: docker load < image.tar && docker images\n")},
		},
		{
			name: "a script of the artifact run by sh",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(dlRoot +
				"      - run: sh ./cmd.sh\n")},
			want: []string{".github/workflows/a.yml:13:14: this step runs sh ./cmd.sh, a file the artifact can write"},
		},
		{
			name: "npm install in a workspace the artifact overwrote",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(
				"      - uses: actions/checkout@v4\n" + dlRoot + "      - run: npm install\n")},
			want: []string{".github/workflows/a.yml:14:14: this step runs npm install in a folder the artifact is unpacked into"},
		},
		{
			name: "the artifact in runner.temp, the repository's own script run",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(
				"      - uses: actions/checkout@v4\n" + dlRoot + "          path: ${{ runner.temp }}/art\n      - run: npm install && ./scripts/report.sh \"$RUNNER_TEMP/art/report.json\"\n")},
		},
		{
			name: "a line of the artifact appended to GITHUB_ENV",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(dlRoot +
				"      - run: echo \"PR=$(cat pr.txt)\" >> $GITHUB_ENV\n")},
			want: []string{".github/workflows/a.yml:13:14: this step writes the artifact's content to $GITHUB_ENV"},
		},
		{
			name: "a checked PR number appended to GITHUB_ENV",
			files: map[string]string{".github/workflows/b.yml": prWorkflow, ".github/workflows/a.yml": onPRRun(dlRoot +
				"      - run: |\n          pr=$(cat pr.txt)\n          [[ $pr =~ ^[0-9]+$ ]] || exit 1\n          echo \"PR=$pr\" >> $GITHUB_ENV\n")},
		},
		{
			name: "a source that runs only on push",
			files: map[string]string{".github/workflows/b.yml": "name: PR build\non: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
				".github/workflows/a.yml": onPRRun(dlRoot + "      - run: sh ./cmd.sh\n")},
		},
		{
			name:  "a source that is not in the repository is a warning",
			files: map[string]string{".github/workflows/a.yml": onPRRun(dlRoot + "      - run: sh ./cmd.sh\n")},
			want:  []string{".github/workflows/a.yml:13:14: this step runs sh ./cmd.sh, a file the artifact can write; the artifact comes from the run that triggered this workflow_run (\"PR build\" is not a workflow in this repository"},
		},
		{
			name: "an artifact of this run on pull_request_target",
			files: map[string]string{".github/workflows/a.yml": job("pull_request_target",
				"      - uses: actions/download-artifact@v4\n      - run: sh ./cmd.sh\n")},
		},
	})
}

func TestArtifactPoisoningSeverity(t *testing.T) {
	fs := lintRepoFindings(t, map[string]string{".github/workflows/b.yml": prWorkflow,
		".github/workflows/a.yml": onPRRun(dlRoot + "      - run: sh ./cmd.sh\n")}, "artifact-poisoning")
	if len(fs) != 1 || fs[0].Severity != SeverityError {
		t.Fatalf("want one error, have %v", fs)
	}
	fs = lintRepoFindings(t, map[string]string{".github/workflows/a.yml": onPRRun(dlRoot + "      - run: sh ./cmd.sh\n")}, "artifact-poisoning")
	if len(fs) != 1 || fs[0].Severity != SeverityWarning {
		t.Fatalf("want one warning, have %v", fs)
	}
}

func TestWorkflowRunGate(t *testing.T) {
	for _, c := range []struct {
		cond string
		want artifactTrust
	}{
		{"github.event.workflow_run.event == 'pull_request'", artifactFromPR},
		{"${{ github.event.workflow_run.event == \"pull_request\" && github.event.workflow_run.conclusion == 'success' }}", artifactFromPR},
		{"'pull_request' == github.event.workflow_run.event", artifactFromPR},
		{"github.event.workflow_run.event == 'push'", artifactTrusted},
		{"github.event.workflow_run.event != 'pull_request'", artifactTrusted},
		{"github.event.workflow_run.head_repository.full_name == github.repository", artifactTrusted},
		{"github.event.workflow_run.event == 'push' || github.event.workflow_run.event == 'pull_request'", artifactUnknown},
		{"github.event.workflow_run.conclusion == 'success'", artifactUnknown},
	} {
		if have := workflowRunGate(&actionlint.String{Value: c.cond}); have != c.want {
			t.Errorf("%s: have %d, want %d", c.cond, have, c.want)
		}
	}
}

func TestArtifactPath(t *testing.T) {
	for _, c := range [][3]string{
		{"build.zip", ".", "build.zip"},
		{"./out/x.sh", "web", "web/out/x.sh"},
		{"${{ runner.temp }}/art/", ".", "$RUNNER_TEMP/art"},
		{"\"$RUNNER_TEMP/a\"", ".", "$RUNNER_TEMP/a"},
		{"${{ github.workspace }}/dist", "web", "dist"},
		{"$SHA.tar.gz", ".", "$SHA.tar.gz"},
		{"$HOME/bin", ".", "$HOME/bin"},
		{"$PWD/tools/bin", ".", "tools/bin"},
		{"/tmp/a", ".", "/tmp/a"},
	} {
		if have := artifactPath(c[0], c[1]); have != c[2] {
			t.Errorf("artifactPath(%q, %q) = %q, want %q", c[0], c[1], have, c[2])
		}
	}
	if !inWorkspace("$SHA.tar.gz") || inWorkspace("$HOME/bin") || inWorkspace("$RUNNER_TEMP/a") {
		t.Error("inWorkspace")
	}
}
