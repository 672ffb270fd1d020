package buildcache

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// writeBlob writes b into the content store dir and returns its descriptor.
func writeBlob(t *testing.T, dir, mediaType string, b []byte) ocispecs.Descriptor {
	t.Helper()
	dg := digest.FromBytes(b)
	if err := os.MkdirAll(filepath.Dir(blobPath(dir, dg)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blobPath(dir, dg), b, 0o444); err != nil {
		t.Fatal(err)
	}
	return ocispecs.Descriptor{MediaType: mediaType, Digest: dg, Size: int64(len(b))}
}

// writeEntry writes into store an image index naming layers, and the
// entry dir's index.json naming it as "latest".
func writeEntry(t *testing.T, store, dir string, layers ...ocispecs.Descriptor) ocispecs.Descriptor {
	t.Helper()
	idx, _ := json.Marshal(ocispecs.Index{MediaType: ocispecs.MediaTypeImageIndex, Manifests: layers})
	m := writeBlob(t, store, ocispecs.MediaTypeImageIndex, idx)
	m.Annotations = map[string]string{ocispecs.AnnotationRefName: "latest"}
	top, _ := json.Marshal(ocispecs.Index{Manifests: []ocispecs.Descriptor{m}})
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), top, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSharedStoreGarbage: the reset of a shared store keeps every blob
// some entry names (a layer two entries share once), deletes the blobs
// no entry names (an evicted entry's), and reads an entry that an earlier
// gantry wrote with blobs of its own, whose blobs/ it drops once the
// entry's index names the shared store.
func TestSharedStoreGarbage(t *testing.T) {
	store := t.TempDir()
	shared := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("base layer"))
	own := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("bundle layer"))
	evicted := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("npm layer, entry deleted"))
	writeEntry(t, store, filepath.Join(store, "base"), shared)
	writeEntry(t, store, filepath.Join(store, "bundle"), shared, own)

	// an entry of an earlier gantry: a complete layout of its own
	legacy := filepath.Join(store, "assets")
	legacyLayer := writeBlob(t, legacy, ocispecs.MediaTypeImageLayerGzip, []byte("assets layer"))
	lm := writeEntry(t, legacy, legacy, legacyLayer)
	e := stageEntry(legacy)
	if got := e.storeOf(lm.Digest); got != legacy {
		t.Errorf("legacy entry read from %s, want its own directory", got)
	}
	if attrs, ok := localImport(e, map[string]string{}); !ok || attrs["src"] != legacy || attrs["digest"] != lm.Digest.String() {
		t.Errorf("legacy import attributes %v", attrs)
	}

	collectGarbage(context.Background(), stageEntry(filepath.Join(store, "bundle")))
	for _, d := range []ocispecs.Descriptor{shared, own} {
		if !exists(blobPath(store, d.Digest)) {
			t.Errorf("blob %s deleted, but an entry names it", d.Digest)
		}
	}
	if exists(blobPath(store, evicted.Digest)) {
		t.Errorf("blob %s kept, but no entry names it", evicted.Digest)
	}
	if !exists(blobPath(legacy, legacyLayer.Digest)) {
		t.Error("the legacy entry's own blobs were deleted while its index names them")
	}
	for _, st := range []string{"base", "bundle", "assets"} {
		if p := checkLocalEntry(stageEntry(filepath.Join(store, st))); p != "" {
			t.Errorf("entry %s: %s", st, p)
		}
	}

	// the legacy entry exported again, into the shared store
	writeEntry(t, store, legacy, writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("assets layer")))
	collectGarbage(context.Background(), stageEntry(filepath.Join(store, "bundle")))
	if exists(filepath.Join(legacy, "blobs")) {
		t.Error("the re-exported entry kept its own blobs/")
	}
	if p := checkLocalEntry(e); p != "" {
		t.Errorf("re-exported entry: %s", p)
	}

	// an entry whose index names a manifest that is missing (of a stage no
	// build exports any more) names nothing: the reset goes on
	dropped := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("named by no entry"))
	os.MkdirAll(filepath.Join(store, "gone"), 0o755)
	missing, _ := json.Marshal(ocispecs.Index{Manifests: []ocispecs.Descriptor{{MediaType: ocispecs.MediaTypeImageIndex,
		Digest: digest.FromString("a manifest that was deleted"), Size: 10, Annotations: map[string]string{ocispecs.AnnotationRefName: "latest"}}}})
	os.WriteFile(filepath.Join(store, "gone", "index.json"), missing, 0o644)
	collectGarbage(context.Background(), stageEntry(filepath.Join(store, "bundle")))
	if exists(blobPath(store, dropped.Digest)) {
		t.Error("an entry naming a missing manifest stopped the reset")
	}
	for _, d := range []ocispecs.Descriptor{shared, own} {
		if !exists(blobPath(store, d.Digest)) {
			t.Errorf("blob %s deleted, but an entry names it", d.Digest)
		}
	}

	// a corrupt index: delete nothing, since it may name any blob
	unnamed := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("named by the corrupt index?"))
	os.WriteFile(filepath.Join(store, "base", "index.json"), []byte("{"), 0o644)
	collectGarbage(context.Background(), stageEntry(filepath.Join(store, "bundle")))
	if !exists(blobPath(store, unnamed.Digest)) {
		t.Error("a corrupt index did not stop the reset")
	}
}

// TestCopyEntry: a stage's entry that takes the target's names the
// target's manifest, and the reset then drops the blobs only its old index
// named (its own blobs/ of an earlier gantry too); an index whose manifest
// is not in the store is refused, and the entry is left as it was.
func TestCopyEntry(t *testing.T) {
	ctx := context.Background()
	store := t.TempDir()
	base := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("base layer"))
	main := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("main layer"))
	oldAssets := writeBlob(t, store, ocispecs.MediaTypeImageLayerGzip, []byte("old assets layer"))
	writeEntry(t, store, filepath.Join(store, "main"), base, main)
	index, err := os.ReadFile(filepath.Join(store, "main", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	assets := stageEntry(filepath.Join(store, "assets"))
	writeEntry(t, store, assets.dir, base, oldAssets)
	legacy := writeBlob(t, assets.dir, ocispecs.MediaTypeImageLayerGzip, []byte("assets' own blob"))

	if err := copyEntry(ctx, assets, index); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(assets.dir, "index.json")); string(got) != string(index) {
		t.Errorf("assets' index.json is %s, want main's %s", got, index)
	}
	if p := checkLocalEntry(assets); p != "" {
		t.Errorf("assets' entry: %s", p)
	}
	collectGarbage(ctx, stageEntry(filepath.Join(store, "main")))
	for _, d := range []ocispecs.Descriptor{base, main} {
		if !exists(blobPath(store, d.Digest)) {
			t.Errorf("blob %s deleted, but the entries name it", d.Digest)
		}
	}
	if exists(blobPath(store, oldAssets.Digest)) {
		t.Error("the blob only assets' old index named was kept")
	}
	if exists(blobPath(assets.dir, legacy.Digest)) {
		t.Error("assets' own blobs/ was kept after its index named the store")
	}

	bundle := stageEntry(filepath.Join(store, "bundle"))
	writeEntry(t, store, bundle.dir, base)
	before, _ := os.ReadFile(filepath.Join(bundle.dir, "index.json"))
	missing, _ := json.Marshal(ocispecs.Index{Manifests: []ocispecs.Descriptor{{MediaType: ocispecs.MediaTypeImageIndex,
		Digest: digest.FromString("not in the store"), Size: 16, Annotations: map[string]string{ocispecs.AnnotationRefName: "latest"}}}})
	if err := copyEntry(ctx, bundle, missing); err == nil {
		t.Error("an index naming a manifest that is not in the store was copied")
	}
	if after, _ := os.ReadFile(filepath.Join(bundle.dir, "index.json")); string(after) != string(before) {
		t.Error("a refused copy changed the entry")
	}
	if err := copyEntry(ctx, bundle, []byte("{")); err == nil {
		t.Error("a corrupt index was copied")
	}
}
