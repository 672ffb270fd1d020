package buildcache

import (
	"errors"
	"fmt"
	"io"
	"log"
	"testing"

	"github.com/moby/buildkit/client/connhelper"
	"github.com/moby/buildkit/util/grpcerrors"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// TestIsConnectionLost: a solve fails because the daemon went away when
// the client's connection to it says so, not when the daemon reports a
// build failure that quotes a refused connection of its own (a base image's
// registry that is down).
func TestIsConnectionLost(t *testing.T) {
	remote := func(c codes.Code, msg string) error {
		// as BuildKit's client returns a daemon's error
		return fmt.Errorf("failed to solve: %w", grpcerrors.FromGRPC(status.Error(c, msg)))
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{remote(codes.Unavailable, "error reading from server: EOF"), true},
		{fmt.Errorf("failed to receive status: %w", status.Error(codes.Unavailable, "connection error")), true},
		{errors.New("dial unix /run/buildkit/buildkitd.sock: connect: connection refused"), true},
		{errors.New("write unix @->/x.sock: write: broken pipe"), true},
		{remote(codes.Unknown, `127.0.0.1:1/base:1: failed to resolve source metadata for 127.0.0.1:1/base:1: failed to do request: Head "http://127.0.0.1:1/v2/base/manifests/1": dial tcp 127.0.0.1:1: connect: connection refused`), false},
		{remote(codes.Unknown, `process "/bin/sh -c make" did not complete successfully: exit code: 2`), false},
		{remote(codes.NotFound, "connection reset by peer"), false},
	} {
		if got := isConnectionLost(tc.err); got != tc.want {
			t.Errorf("isConnectionLost(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestQuietClientLog: both loggers that third-party code writes through
// are silenced (gantry build --debug does not call it).
func TestQuietClientLog(t *testing.T) {
	stdOut, logrusOut := log.Writer(), logrus.StandardLogger().Out
	t.Cleanup(func() { log.SetOutput(stdOut); logrus.SetOutput(logrusOut) })
	QuietClientLog()
	if log.Writer() != io.Discard || logrus.StandardLogger().Out != io.Discard {
		t.Errorf("log writers %v and %v, want io.Discard", log.Writer(), logrus.StandardLogger().Out)
	}
}
