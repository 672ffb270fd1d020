package registry

import (
	"strings"
	"testing"
)

func TestParseRepository(t *testing.T) {
	tests := []struct {
		name, host, path string
		ecr              bool
		err              string
	}{
		{name: "ghcr.io/acme/shop", host: "ghcr.io", path: "acme/shop"},
		{name: "127.0.0.1:5000/acme/shop", host: "127.0.0.1:5000", path: "acme/shop"},
		{name: "localhost/shop", host: "localhost", path: "shop"},
		{name: testECRHost + "/team/shop", host: testECRHost, path: "team/shop", ecr: true},
		// a name without a registry host is on Docker Hub, as BuildKit's
		// image exporter reads it
		{name: "acme/shop", host: "index.docker.io", path: "acme/shop"},
		{name: "shop", host: "index.docker.io", path: "library/shop"},
		{name: "docker.io/acme/shop", host: "index.docker.io", path: "acme/shop"},
		{name: "ghcr.io", err: `"ghcr.io" names a registry host without a repository`},
		{name: testECRHost, err: "names a registry host without a repository"},
		{name: "ghcr.io/acme/shop@sha256:" + strings.Repeat("a", 64), err: "has a digest"},
		{name: "ghcr.io/acme/Shop", err: "lower-case letters"},
	}
	for _, tt := range tests {
		r, err := ParseRepository(tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRepository(%q) = %+v, %v; want error %q", tt.name, r, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRepository(%q): %v", tt.name, err)
			continue
		}
		if r.Name != tt.name || r.Host != tt.host || r.Path != tt.path || (r.ECR != nil) != tt.ecr {
			t.Errorf("ParseRepository(%q) = %+v", tt.name, r)
		}
	}
}
