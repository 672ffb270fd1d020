package registry

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gantry-ci/gantry/internal/registrytest"
)

// pullFile pulls repo@digest back from the registry and returns the content
// of path in its only layer.
func pullFile(t *testing.T, r *registrytest.Registry, ref, path string) string {
	t.Helper()
	parsed, err := name.ParseReference(ref, name.StrictValidation)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(parsed, r.Auth())
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers of %s: %d, %v", ref, len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the layer of %s: %v", path, ref, err)
		}
		if strings.TrimPrefix(h.Name, "/") == strings.TrimPrefix(path, "/") {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}

func TestPushByDigestThenTags(t *testing.T) {
	reg := registrytest.Start(t, "alice", "s3cret-Pa55")
	bk := buildkit(t)
	var masked []string
	kc := &Keychain{DockerConfigDir: reg.DockerConfig(t, reg.Password), Mask: func(s string) { masked = append(masked, s) }}
	repo := reg.Host + "/acme/shop"
	ctx := context.Background()

	// first push: every tag is created
	plan, err := CheckPush(ctx, kc, PushOptions{Repository: repo, Tags: []string{"0d1a26e", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Credential.String(), `user "alice" from docker config`) {
		t.Errorf("credential %s", plan.Credential)
	}
	var progress []string
	res, err := Push(ctx, plan, tinyImage(bk, "first "+t.Name()), func(r TagResult) { progress = append(progress, r.Tag+" "+r.Status) })
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Table())
	}
	first := res.Digest
	if !strings.HasPrefix(first, "sha256:") || !res.Pushed() {
		t.Fatalf("result:\n%s", res.Table())
	}
	if !slices.Equal(progress, []string{"0d1a26e created", "latest created"}) {
		t.Errorf("progress %q", progress)
	}
	if got := pullFile(t, reg, repo+"@"+first, "hello.txt"); got != "first "+t.Name() {
		t.Errorf("pulled content %q", got)
	}
	for _, tag := range []string{"0d1a26e", "latest"} {
		if d := reg.Digest(t, repo+":"+tag); d != first {
			t.Errorf("%s -> %s, want %s", tag, d, first)
		}
	}
	if !slices.Equal(masked, []string{reg.Password}) {
		t.Errorf("masked %q", masked)
	}

	// second push of a new image: latest moves, the old sha tag stays,
	// and a tag already at the new digest is reported unchanged
	plan, err = CheckPush(ctx, kc, PushOptions{Repository: repo, Tags: []string{"5b7c3b1", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Tags[1].Current != first || plan.Tags[0].Current != "" {
		t.Errorf("plan: %+v", plan.Tags)
	}
	res, err = Push(ctx, plan, tinyImage(bk, "second "+t.Name()), nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Table())
	}
	second := res.Digest
	if second == first {
		t.Fatal("the second image has the first one's digest")
	}
	want := []TagResult{
		{Tag: "5b7c3b1", Status: TagCreated, New: second},
		{Tag: "latest", Status: TagMoved, Old: first, New: second},
	}
	if !slices.Equal(res.Tags, want) {
		t.Errorf("tags %+v, want %+v", res.Tags, want)
	}
	table := res.Table()
	for _, w := range []string{"pushed " + repo + "@" + second, "latest   moved", shortDigest(first), "5b7c3b1  created"} {
		if !strings.Contains(table, w) {
			t.Errorf("table lacks %q:\n%s", w, table)
		}
	}
	if reg.Digest(t, repo+":0d1a26e") != first || reg.Digest(t, repo+":latest") != second {
		t.Error("tags do not point where the result says")
	}
	if got := pullFile(t, reg, repo+"@"+second, "hello.txt"); got != "second "+t.Name() {
		t.Errorf("pulled content %q", got)
	}
	if refs := res.TagRefs(); !slices.Equal(refs, []string{repo + ":5b7c3b1", repo + ":latest"}) {
		t.Errorf("refs %q", refs)
	}

	// pushing the same tags again: nothing moves
	plan, _ = CheckPush(ctx, kc, PushOptions{Repository: repo, Tags: []string{"latest"}})
	res, err = Push(ctx, plan, func(context.Context, []clientExport, []sessionAttachable) (string, error) { return second, nil }, nil)
	if err != nil || res.Tags[0].Status != TagUnchanged {
		t.Errorf("%v %+v", err, res.Tags)
	}
}

func TestPushWrongPasswordPushesNothing(t *testing.T) {
	reg := registrytest.Start(t, "alice", "right-password")
	ctx := context.Background()
	repo := reg.Host + "/acme/shop"
	kc := &Keychain{DockerConfigDir: reg.DockerConfig(t, "wrong-password")}
	_, err := CheckPush(ctx, kc, PushOptions{Repository: repo, Tags: []string{"latest"}})
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("wrong password: %v", err)
	want := `looking up ` + repo + `:latest: registry ` + reg.Host + ` rejected user "alice" from docker config`
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "wrong or expired password?") {
		t.Errorf("err =\n%v\nwant prefix\n%s", err, want)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Error("the error shows the password")
	}

	// no login at all
	_, err = CheckPush(ctx, &Keychain{DockerConfigDir: t.TempDir()}, PushOptions{Repository: repo, Tags: []string{"latest"}})
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "requires a login") || !strings.Contains(err.Error(), "run docker login "+reg.Host) {
		t.Errorf("anonymous: %v", err)
	}

	// BuildKit itself with the wrong password (a plan made with another
	// credential): the push fails and no tag is touched
	bk := buildkit(t)
	good := &Keychain{DockerConfigDir: reg.DockerConfig(t, reg.Password)}
	plan, err := CheckPush(ctx, good, PushOptions{Repository: repo, Tags: []string{"latest"}})
	if err != nil {
		t.Fatal(err)
	}
	wrongSession := func(ctx context.Context, exports []clientExport, _ []sessionAttachable) (string, error) {
		return tinyImage(bk, t.Name())(ctx, exports, []sessionAttachable{kc.Attachable()})
	}
	res, err := Push(ctx, plan, wrongSession, nil)
	if err == nil || res.Digest != "" || res.Tags[0].Status != TagNotAttempted {
		t.Fatalf("push with the wrong password: %v\n%s", err, res.Table())
	}
	t.Logf("buildkit with the wrong password: %v", err)
	if !strings.Contains(err.Error(), "pushing the image to "+repo+" failed, so no tag was created or moved") ||
		!strings.Contains(strings.ToLower(err.Error()), "unauthorized") {
		t.Errorf("err = %v", err)
	}
	if cat := reg.Catalog(t); cat != `{"repositories":[]}` {
		t.Errorf("registry content after failed pushes: %s", cat)
	}
}

func TestPushRegistryStoppedMidRun(t *testing.T) {
	reg := registrytest.Start(t, "alice", "s3cret")
	bk := buildkit(t)
	// a hang guard, generous for a loaded 2-core machine: a push that
	// hangs fails below, for its error does not say why
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kc := &Keychain{DockerConfigDir: reg.DockerConfig(t, reg.Password)}
	repo := reg.Host + "/acme/shop"
	plan, err := CheckPush(ctx, kc, PushOptions{Repository: repo, Tags: []string{"0d1a26e", "main", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Push(ctx, plan, tinyImage(bk, t.Name()), func(r TagResult) {
		if r.Tag == "0d1a26e" {
			reg.Stop() // the registry dies after the first tag
		}
	})
	if err == nil {
		t.Fatalf("push succeeded with the registry stopped:\n%s", res.Table())
	}
	t.Logf("error: %v\n%s", err, res.Table())
	d := res.Digest
	if d == "" {
		t.Fatalf("the digest push should have succeeded:\n%s", res.Table())
	}
	msg := err.Error()
	for _, w := range []string{"the image " + repo + "@" + d + " was pushed, but moving its tags failed",
		"cannot reach registry " + reg.Host} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	statuses := []string{}
	for _, tr := range res.Tags {
		statuses = append(statuses, tr.Tag+" "+tr.Status)
	}
	if !slices.Equal(statuses, []string{"0d1a26e created", "main failed", "latest not attempted"}) {
		t.Errorf("statuses %q", statuses)
	}
	table := res.Table()
	for _, w := range []string{"pushed " + repo + "@" + d, "0d1a26e  created", "main     failed", "unknown, was (none)", "latest   not attempted", "an earlier tag failed"} {
		if !strings.Contains(table, w) {
			t.Errorf("table lacks %q:\n%s", w, table)
		}
	}
	if md := res.Markdown(); !strings.Contains(md, "| `main` | failed |") || !strings.Contains(md, "**Error:**") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestPushRegistryStoppedBeforeUpload(t *testing.T) {
	reg := registrytest.Start(t, "alice", "s3cret")
	bk := buildkit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	kc := &Keychain{DockerConfigDir: reg.DockerConfig(t, reg.Password)}
	repo := reg.Host + "/acme/shop"
	plan, err := CheckPush(ctx, kc, PushOptions{Repository: repo, Tags: []string{"0d1a26e", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	reg.Stop()
	res, err := Push(ctx, plan, tinyImage(bk, t.Name()), nil)
	if err == nil || res.Digest != "" {
		t.Fatalf("push with the registry stopped: %v\n%s", err, res.Table())
	}
	if !strings.Contains(err.Error(), "pushing the image to "+repo+" failed, so no tag was created or moved") {
		t.Errorf("err = %v", err)
	}
	t.Logf("error: %v\n%s", err, res.Table())
	for _, tr := range res.Tags {
		if tr.Status != TagNotAttempted {
			t.Errorf("%+v", tr)
		}
	}
	if !strings.Contains(res.Table(), "not pushed: "+repo) {
		t.Errorf("table:\n%s", res.Table())
	}
}

func TestCredentialHelper(t *testing.T) {
	reg := registrytest.Start(t, "alice", "helper-pass")
	bin := t.TempDir()
	// a credential helper as docker runs them: "get" reads the server on stdin
	script := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\n" +
		"[ \"$host\" = \"" + reg.Host + "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n" +
		"printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"helper-pass\"}' \"$host\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-gantrytest"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cfg := t.TempDir()
	os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"credHelpers": {"`+reg.Host+`": "gantrytest"}}`), 0o600)
	var masked []string
	kc := &Keychain{DockerConfigDir: cfg, Mask: func(s string) { masked = append(masked, s) }}
	plan, err := CheckPush(context.Background(), kc, PushOptions{Repository: reg.Host + "/acme/shop", Tags: []string{"latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Credential.String(); got != `user "alice" from credential helper docker-credential-gantrytest` {
		t.Errorf("credential %s", got)
	}
	if !slices.Equal(masked, []string{"helper-pass"}) {
		t.Errorf("masked %q", masked)
	}
	// a helper that fails says which helper
	os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"credHelpers": {"`+reg.Host+`": "missing-helper"}}`), 0o600)
	_, err = (&Keychain{DockerConfigDir: cfg}).Resolve(context.Background(), reg.Host)
	if err == nil || !strings.Contains(err.Error(), "credential helper docker-credential-missing-helper") {
		t.Errorf("err = %v", err)
	}
}
