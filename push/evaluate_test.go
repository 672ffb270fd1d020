package push

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGate(t *testing.T) {
	tests := []struct {
		name      string
		event     string
		eventName string
		require   bool
		wantKind  ErrorKind
		wantTable string
	}{
		{"allowed", "push-main.json", "push", true, 0, "push gate: push"},
		{"denied", "pull_request-fork.json", "pull_request", false, 0, "push gate: no push"},
		{"denied with require", "pull_request-fork.json", "pull_request", true, KindDenied, "push gate: no push"},
		{"event without a name", "push-main.json", "", false, KindUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "output")
			getenv := func(k string) string {
				if k == "GITHUB_OUTPUT" {
					return out
				}
				return ""
			}
			o := GateOptions{Dir: t.TempDir(), Event: filepath.Join("..", "testdata", "events", tt.event), EventName: tt.eventName, Require: tt.require}
			var w bytes.Buffer
			err := Gate(context.Background(), o, getenv, &w)
			var pe *Error
			switch {
			case tt.wantKind == 0 && err != nil:
				t.Fatalf("Gate: %v", err)
			case tt.wantKind != 0 && (!errors.As(err, &pe) || pe.Kind != tt.wantKind):
				t.Fatalf("Gate: %v, want an *Error of kind %d", err, tt.wantKind)
			}
			if !strings.HasPrefix(w.String(), tt.wantTable) {
				t.Errorf("table %q, want it to start with %q", w.String(), tt.wantTable)
			}
			if b, _ := os.ReadFile(out); tt.wantTable != "" && !strings.Contains(string(b), "push=") {
				t.Errorf("step outputs %q, want push=", b)
			}
		})
	}
}
