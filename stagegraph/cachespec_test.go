package stagegraph

import (
	"strings"
	"testing"
)

func TestParseCacheSpec(t *testing.T) {
	for _, c := range []struct {
		spec, stage, imp, exp string
	}{
		{"type=local,dir=/tmp/cache", "bundle",
			"type=local,src=/tmp/cache/bundle",
			"type=local,dest=/tmp/cache/bundle,mode=max,reset=true"},
		{"type=local,dest=.buildx-cache/", "npm",
			"type=local,src=.buildx-cache/npm",
			"type=local,dest=.buildx-cache/npm,mode=max,reset=true"},
		{"type=local,src=/tmp/cache,dest=/tmp/cache/", "npm",
			"type=local,src=/tmp/cache/npm",
			"type=local,dest=/tmp/cache/npm,mode=max,reset=true"},
		{"type=registry,ref=123.dkr.ecr.ap-northeast-1.amazonaws.com/app", "assets",
			"type=registry,ref=123.dkr.ecr.ap-northeast-1.amazonaws.com/app:cache-assets",
			"type=registry,ignore-error=true,image-manifest=true,mode=max,oci-mediatypes=true,ref=123.dkr.ecr.ap-northeast-1.amazonaws.com/app:cache-assets"},
		{"127.0.0.1:5000/app:buildcache", "main",
			"type=registry,ref=127.0.0.1:5000/app:buildcache-main",
			"type=registry,ignore-error=true,image-manifest=true,mode=max,oci-mediatypes=true,ref=127.0.0.1:5000/app:buildcache-main"},
		{"type=registry,ref=ghcr.io/o/app,mode=min,compression=zstd", "base",
			"type=registry,ref=ghcr.io/o/app:cache-base",
			"type=registry,compression=zstd,ignore-error=true,image-manifest=true,mode=min,oci-mediatypes=true,ref=ghcr.io/o/app:cache-base"},
		{"type=gha", "bundle", "type=gha,scope=bundle", "type=gha,mode=max,scope=bundle"},
		{"type=gha,scope=pr-12,url=http://cache", "npm", "type=gha,scope=pr-12-npm,url=http://cache", "type=gha,mode=max,scope=pr-12-npm,url=http://cache"},
		{"type=s3,bucket=b,region=us-east-1", "npm", "type=s3,bucket=b,name=npm,region=us-east-1", "type=s3,bucket=b,mode=max,name=npm,region=us-east-1"},
	} {
		spec, err := ParseCacheSpec(c.spec)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		imp, exp := spec.ForStage(c.stage)
		if FormatAttrs(imp) != c.imp || FormatAttrs(exp) != c.exp {
			t.Errorf("%s for %s:\n import %s\n want   %s\n export %s\n want   %s", c.spec, c.stage, FormatAttrs(imp), c.imp, FormatAttrs(exp), c.exp)
		}
	}
	for _, c := range []struct{ spec, want string }{
		{"", "empty cache spec"},
		{"type=local", "type=local needs dir="},
		{"type=registry", "type=registry needs ref="},
		{"type=registry,ref=app@sha256:abc", "ref must be a repository"},
		{"type=inline", "inline caches live in the image"},
		{"type=ftp,dir=x", `unknown type "ftp"`},
		{"ref=x", "has no type="},
		{"type=local,dir=a,dir=b", "dir given twice"},
		{"type=local,src=/tmp/.buildx-cache,dest=/tmp/.buildx-cache-new", "dest=/tmp/.buildx-cache-new and src=/tmp/.buildx-cache differ"},
		{"type=local,dir=a,src=b", "dir=a and src=b differ"},
		{"type=local,dir=a,mode=all", "mode must be min or max"},
		{"type=local,dir=a,compression=bogus", "compression must be gzip, zstd, estargz or uncompressed"},
		{"type=local,dir=a,compression=zstd,compression-level=high", "compression-level must be a number"},
		{"type=local,dir=a,reset=maybe", `reset must be true or false, not "maybe"`},
		{"type=registry,ref=r/app,image-manifest=yes-please", "image-manifest must be true or false"},
		{`type=local,dir="a`, "cache spec"},
		{"type=local,novalue", `"novalue" is not key=value`},
	} {
		if _, err := ParseCacheSpec(c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.spec, err, c.want)
		}
	}
	spec, _ := ParseCacheSpec("type=local,dir=x,compression=zstd")
	if spec.String() != "type=local,compression=zstd,dir=x" {
		t.Errorf("String: %s", spec)
	}
}

func TestParseBuildArgs(t *testing.T) {
	env := map[string]string{"FROM_ENV": "e", "SET_EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	args, err := ParseBuildArgs([]string{"SHA=abc", "EMPTY=", "FROM_ENV", "UNSET", "KV=a=b", "SET_EMPTY"}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	// as docker buildx build: an unset variable is skipped, one set to "" is kept
	if len(args) != 5 || args["SHA"] != "abc" || args["EMPTY"] != "" || args["FROM_ENV"] != "e" || args["KV"] != "a=b" || args["SET_EMPTY"] != "" {
		t.Errorf("args: %v", args)
	}
	if _, err := ParseBuildArgs([]string{"=x"}, nil); err == nil {
		t.Error("=x: no error")
	}
}
