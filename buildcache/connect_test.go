package buildcache

import (
	"testing"

	"github.com/moby/buildkit/client/connhelper"
)

// TestConnectionHelpers: the address schemes of shared and remote builders
// are registered with BuildKit's client.
func TestConnectionHelpers(t *testing.T) {
	for _, addr := range []string{"docker-container://buildx_buildkit_default", "podman-container://b", "nerdctl-container://b", "kube-pod://buildkitd-0", "ssh://ci@builder"} {
		h, err := connhelper.GetConnectionHelper(addr)
		if err != nil || h == nil {
			t.Errorf("%s: no connection helper (%v)", addr, err)
		}
	}
}
