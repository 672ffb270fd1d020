package buildcache_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/gantry-ci/gantry/internal/buildkittest"
)

// startS3 serves an S3-compatible API (gofakes3, in memory) on a loopback
// port, with one bucket; it stops when the test ends.
func startS3(t testing.TB, bucket string) (url string, backend *s3mem.Backend) {
	t.Helper()
	backend = s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return srv.URL, backend
}

// TestS3CacheRoundTrip builds with per-stage caches in an S3 bucket, through
// BuildKit's s3 cache with endpoint_url and use_path_style (as with MinIO,
// R2 or any S3-compatible store): a cold build exports one entry per stage,
// and after a code change a fresh daemon that has nothing but the bucket
// re-runs no step of bundle or npm.
func TestS3CacheRoundTrip(t *testing.T) {
	svc := buildkittest.Get(t)
	const bucket = "gantry-cache"
	url, backend := startS3(t, bucket)
	cache := "type=s3,bucket=" + bucket + ",region=us-east-1,endpoint_url=" + url +
		",use_path_style=true,access_key_id=gantry,secret_access_key=gantry-secret,name=app"
	a := newApp(t, svc)

	d := buildkittest.StartDaemon(t, svc.Buildkitd)
	cold := a.build(t, d.Addr, cache)
	d.Stop()
	t.Logf("cold build:\n%s", table(cold))
	if n := cold.CacheWarnings(); n != 0 || cold.Executed == 0 {
		t.Fatalf("cold build: %d executed steps, cache warnings %v", cold.Executed, cold.Warnings)
	}
	objects, err := backend.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var manifests []string
	for _, o := range objects.Contents {
		if strings.HasPrefix(o.Key, "manifests/") {
			manifests = append(manifests, o.Key)
		}
	}
	for _, stage := range []string{"bundle", "npm", "assets", "main"} {
		want := "manifests/app-" + stage
		found := false
		for _, m := range manifests {
			found = found || m == want
		}
		if !found {
			t.Errorf("no %s in the bucket; manifests %v", want, manifests)
		}
	}

	a.apply(t, changeCode, 0)
	d = buildkittest.StartDaemon(t, svc.Buildkitd)
	r := a.build(t, d.Addr, cache)
	t.Logf("code change on a fresh daemon:\n%s", table(r))
	if n := r.CacheWarnings(); n != 0 {
		t.Errorf("cache warnings: %v", r.Warnings)
	}
	wantCachedFromImport(t, r, "bundle", "npm")
	if s := r.Stage("assets"); s == nil || s.Executed == 0 {
		t.Errorf("stage assets did not re-run after the code change: %+v", s)
	}
}
