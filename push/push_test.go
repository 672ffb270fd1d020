package push

import (
	"context"
	"testing"
)

// TestNilPush: a build without a push completes and abandons nothing.
func TestNilPush(t *testing.T) {
	var p *Push
	if err := p.Complete(context.Background(), nil); err != nil {
		t.Errorf("Complete: %v", err)
	}
	p.Abandon()
}
