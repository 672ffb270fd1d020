package buildcache_test

import (
	"io"
	"os"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestMain(m *testing.M) {
	// BuildKit's client and containerd's content store log through logrus;
	// the tests assert on reports, not on those lines
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}
