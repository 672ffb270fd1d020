package lint

import (
	"testing"

	"github.com/rhysd/actionlint"
)

func TestEvalTemplate(t *testing.T) {
	push := &evalEnv{event: "push", workflow: "ci"}
	pr := &evalEnv{event: "pull_request", workflow: "ci"}
	tests := []struct {
		env       *evalEnv
		src, want string // want is the key, "?" for unknown, "!" for unique
	}{
		{push, "ci-${{ github.ref }}", "ci-\x00github.ref\x00"},
		{push, "${{ github.workflow }}-${{ github.ref }}", "ci-\x00github.ref\x00"},
		{push, "${{ format('{0}-{1}', github.workflow, github.ref) }}", "ci-\x00github.ref\x00"},
		{push, "${{ github.head_ref || github.ref }}", "\x00github.ref\x00"},
		{pr, "${{ github.head_ref || github.ref }}", "\x00github.head_ref\x00"},
		{pr, "${{ github.event.pull_request.head.ref }}", "\x00github.head_ref\x00"},
		{push, "${{ github.event.pull_request.number || github.sha }}", "\x00github.sha\x00"},
		{pr, "${{ github.event.number }}", "\x00github.event.pull_request.number\x00"},
		{push, "${{ github.event_name }}", "push"},
		{push, "x-${{ github.run_id }}", "!"},
		{push, "${{ matrix.os }}", "?"},
		{push, "${{ inputs.env }}", "?"},
		{&evalEnv{event: "push", inputs: map[string]absVal{"env": litVal("prod")}}, "deploy-${{ inputs.env }}", "deploy-prod"},
		{push, "${{ github.ref == 'refs/heads/main' && 'main' || github.ref }}", "?"},
	}
	for _, tt := range tests {
		v := tt.env.evalTemplate(tt.src)
		have := v.key()
		switch v.kind {
		case valUnknown:
			have = "?"
		case valUnique:
			have = "!"
		}
		if have != tt.want {
			t.Errorf("%s on %s: key %q, want %q", tt.src, tt.env.event, have, tt.want)
		}
	}
}

func TestEvalCondition(t *testing.T) {
	fork := &evalEnv{event: "pull_request", fork: true}
	target := &evalEnv{event: "pull_request_target", fork: true}
	tests := []struct {
		env  *evalEnv
		cond string
		want tri
		gate bool
	}{
		{fork, "github.event_name == 'push'", triFalse, true},
		{fork, "${{ github.event_name != 'pull_request' }}", triFalse, true},
		{fork, "github.ref == 'refs/heads/main'", triFalse, true},
		{target, "github.ref == 'refs/heads/main'", triUnknown, true},
		{fork, "startsWith(github.ref, 'refs/tags/')", triFalse, true},
		{fork, "github.event.pull_request.head.repo.full_name == github.repository", triFalse, true},
		{fork, "github.event.pull_request.head.repo.fork", triTrue, true},
		{fork, "secrets.TOKEN != ''", triFalse, true},
		{target, "secrets.TOKEN != ''", triUnknown, true},
		{fork, "contains(github.event.pull_request.labels.*.name, 'ok')", triUnknown, true},
		{fork, "success()", triTrue, false},
		{fork, "github.event.pull_request.draft == false", triUnknown, false},
		{fork, "matrix.os == 'linux'", triUnknown, false},
		{fork, "always() && github.event_name == 'pull_request'", triTrue, true},
	}
	for _, tt := range tests {
		v := tt.env.evalCondition(&actionlint.String{Value: tt.cond})
		if v.truth != tt.want || v.gate != tt.gate {
			t.Errorf("%q on %s: truth %v gate %v, want %v %v", tt.cond, tt.env.event, v.truth, v.gate, tt.want, tt.gate)
		}
	}
}

func TestExprSpansBadInput(t *testing.T) {
	for _, s := range []string{"${{", "${{ }}", "${{ github.ref ", "${{ 'unterminated }}", "a ${{ x ]] }} b", "${{ format('{0', a) }}"} {
		env := &evalEnv{event: "push"}
		_ = env.evalTemplate(s) // must not panic
		_ = env.evalCondition(&actionlint.String{Value: s})
	}
}
