package lint

import (
	"testing"

	"github.com/rhysd/actionlint"
)

// FuzzRepositoryExpressions feeds arbitrary strings to the parts of the
// repository model that read untrusted text: the abstract expression
// evaluator, the shell command splitter and the cache entry parser.
func FuzzRepositoryExpressions(f *testing.F) {
	for _, s := range []string{
		"${{ github.head_ref || github.ref }}",
		"ci-${{ format('{0}-{1}', github.workflow, github.event.pull_request.number || github.sha) }}",
		"github.event_name != 'pull_request' && startsWith(github.ref, 'refs/tags/')",
		"git push \"https://x:${{ secrets.GITHUB_TOKEN }}@github.com/a/b\" HEAD:main --follow-tags",
		"docker buildx build --cache-to=type=local,dest=/tmp/c,mode=max \\\n  -f x/Dockerfile .",
		"type=registry,ref=\"${{ env.R }}/app:cache\",mode=max",
		"${{ ${{ }} }}", "'\"$(", "${{ format('{0', 1) }}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, env := range []*evalEnv{{event: "push", workflow: "w"}, {event: "pull_request", fork: true}, {sameRun: true}} {
			v := env.evalTemplate(s)
			_ = v.key()
			_ = env.evalCondition(&actionlint.String{Value: s})
		}
		for _, c := range scriptCommands(s) {
			_ = c.Sub()
		}
		_ = parseCacheEntries(s)
		if g, err := parseDockerfile([]byte(s)); err == nil {
			_, _, _ = pullableFrom(&File{Dockerfile: &Dockerfile{Graph: g}})
		}
	})
}
