package builder

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gantry-ci/gantry/buildcache"
)

// buildxBuilder is what gantry reads of a buildx builder's instance file
// (~/.docker/buildx/instances/NAME).
type buildxBuilder struct {
	Name   string
	Driver string
	Nodes  []struct {
		Name       string
		Endpoint   string
		DriverOpts map[string]string
	}
}

// currentBuildx returns the address of the current buildx builder when its
// driver is docker-container or remote, with a remote builder's TLS
// files (its cacert, cert, key and servername driver options); name is the
// builder's name.
// $BUILDX_CONFIG and $DOCKER_CONFIG move buildx's directory as they do for
// buildx.
func currentBuildx(e Env) (addr, name string, tls buildcache.TLSOptions, err error) {
	dir := e.getenv("BUILDX_CONFIG")
	if dir == "" {
		if dc := e.getenv("DOCKER_CONFIG"); dc != "" {
			dir = filepath.Join(dc, "buildx")
		} else {
			dir = filepath.Join(e.home(), ".docker", "buildx")
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "current"))
	if err != nil {
		return "", "", tls, fmt.Errorf("no current buildx builder (%s/current)", dir)
	}
	var cur struct{ Name string }
	if err := json.Unmarshal(b, &cur); err != nil {
		return "", "", tls, fmt.Errorf("%s/current: %v", dir, err)
	}
	if cur.Name == "" {
		return "", "", tls, fmt.Errorf("the current buildx builder is the docker engine's own (driver docker), which gantry cannot use")
	}
	b, err = os.ReadFile(filepath.Join(dir, "instances", cur.Name))
	if err != nil {
		return "", "", tls, fmt.Errorf("buildx builder %q: %v", cur.Name, err)
	}
	var bb buildxBuilder
	if err := json.Unmarshal(b, &bb); err != nil {
		return "", "", tls, fmt.Errorf("buildx builder %q: %v", cur.Name, err)
	}
	if len(bb.Nodes) == 0 {
		return "", "", tls, fmt.Errorf("buildx builder %q has no nodes", cur.Name)
	}
	node := bb.Nodes[0]
	switch bb.Driver {
	case "docker-container":
		// buildx names the container buildx_buildkit_<node>, and the first
		// node of builder NAME is NAME0
		n := node.Name
		if n == "" {
			n = bb.Name + "0"
		}
		return "docker-container://buildx_buildkit_" + n, cur.Name, tls, nil
	case "remote":
		if node.Endpoint == "" || !strings.Contains(node.Endpoint, "://") {
			return "", "", tls, fmt.Errorf("buildx builder %q (remote) has no endpoint", cur.Name)
		}
		o := node.DriverOpts
		return node.Endpoint, cur.Name, buildcache.TLSOptions{CACert: o["cacert"], Cert: o["cert"], Key: o["key"], ServerName: o["servername"]}, nil
	default:
		return "", "", tls, fmt.Errorf("the current buildx builder %q uses the %s driver; gantry uses docker-container and remote builders", cur.Name, bb.Driver)
	}
}
