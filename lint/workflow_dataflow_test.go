package lint

import "testing"

// TestFlowEnvFile: a variable written to $GITHUB_ENV carries its value to
// the later steps of the job, for every rule that follows values.
func TestFlowEnvFile(t *testing.T) {
	write := "      - run: echo \"TITLE=$T\" >> \"$GITHUB_ENV\"\n        env:\n          T: ${{ github.event.issue.title }}\n"
	read := "      - run: echo \"${{ env.TITLE }}\" \"${{ env.OTHER }}\"\n"
	runRepoCases(t, "template-injection", []repoCase{{
		name:  "an issue title through GITHUB_ENV",
		files: map[string]string{".github/workflows/a.yml": job("issues", write+read)},
		want:  []string{".github/workflows/a.yml:9:20: ${{ env.TITLE }} expands github.event.issue.title (through env.title written to $GITHUB_ENV, $T)"},
	}, {
		name:  "a later write is not seen by an earlier step",
		files: map[string]string{".github/workflows/a.yml": job("issues", read+write)},
	}})
}
