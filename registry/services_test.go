package registry

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/internal/registrytest"
)

type (
	clientExport      = client.ExportEntry
	sessionAttachable = session.Attachable
)

// buildkit connects to the BuildKit daemon of scripts/services.
func buildkit(t *testing.T) *client.Client {
	t.Helper()
	addr := registrytest.Service(t, "GANTRY_BUILDKIT_ADDR")
	c, err := client.New(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tinyImage is a BuildFunc that builds a one-file image with gantry's own
// build (buildcache.Build, the dockerfile.v0 frontend on BuildKit) using the
// push's exports and session.
func tinyImage(c *client.Client, content string) BuildFunc {
	return func(ctx context.Context, exports []client.ExportEntry, attachables []session.Attachable) (string, error) {
		dir, err := os.MkdirTemp("", "gantry-push-test")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(dir)
		os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY hello.txt /hello.txt\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "hello.txt"), []byte(content), 0o644)
		res, err := buildcache.Build(ctx, c, buildcache.BuildOptions{
			ContextDir: dir, Exports: exports, Session: attachables, Progress: "quiet",
			Getenv: func(string) string { return "" },
		})
		if err != nil {
			return "", err
		}
		return res.ImageDigest, nil
	}
}
