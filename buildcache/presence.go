package buildcache

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session/auth"
	digest "github.com/opencontainers/go-digest"
)

// lookupTimeout bounds the lookups of registry entries: an entry whose
// registry does not answer in time counts as missing, and the build goes
// on as if it were.
const lookupTimeout = 10 * time.Second

// entryBlobs is what a cache entry's manifest names: its layers (and, in
// the index form, its manifests), by digest. nil means the entry is missing
// or could not be read.
type entryBlobs map[string]bool

// covers reports whether every blob of other is in b: an entry that covers
// a stage's entry holds that stage's steps as the stage's entry has them.
func (b entryBlobs) covers(other entryBlobs) bool {
	if b == nil || other == nil {
		return false
	}
	for dg := range other {
		if !b[dg] {
			return false
		}
	}
	return true
}

// parseEntryManifest returns the blobs a cache manifest (an OCI image
// manifest, or an index in BuildKit's older form) names.
func parseEntryManifest(b []byte) entryBlobs {
	var m struct {
		Layers    []struct{ Digest string }
		Manifests []struct{ Digest string }
	}
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	out := entryBlobs{}
	for _, l := range m.Layers {
		out[l.Digest] = true
	}
	for _, l := range m.Manifests {
		out[l.Digest] = true
	}
	return out
}

// lookupEntries reads the manifests of cache entries, by index in es:
// local entries from disk, registry entries with a GET of their manifest
// (with the session's registry credentials), all at once and within
// lookupTimeout. Other backends (gha, s3) are never looked up: nil. It
// also returns the versions of the registry entries it found, by reference
// (see registryEntryBlobs).
func (b *builder) lookupEntries(ctx context.Context, es []client.CacheOptionsEntry) ([]entryBlobs, map[string]digest.Digest) {
	out := make([]entryBlobs, len(es))
	digests := map[string]digest.Digest{}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	type found struct {
		i      int
		blobs  entryBlobs
		digest digest.Digest
	}
	ch := make(chan found, len(es))
	pending := 0
	for i, e := range es {
		switch e.Type {
		case "local":
			out[i] = b.localEntryBlobs(e.Attrs["dest"])
		case "registry":
			pending++
			go func() {
				blobs, dg := b.registryEntryBlobs(ctx, e.Attrs["ref"])
				ch <- found{i, blobs, dg}
			}()
		}
	}
	// a credential helper may not heed ctx: stop waiting at the deadline
	for ; pending > 0; pending-- {
		select {
		case f := <-ch:
			out[f.i] = f.blobs
			if f.blobs != nil {
				digests[es[f.i].Attrs["ref"]] = f.digest
			}
		case <-ctx.Done():
			return out, digests
		}
	}
	return out, digests
}

// localEntryBlobs reads the manifest of the local entry at dir; an entry
// whose index names a manifest that is not there is missing.
func (b *builder) localEntryBlobs(dir string) entryBlobs {
	e := b.localEntry(dir)
	desc, err := readLatest(e.dir)
	if err != nil || desc == nil {
		return nil
	}
	raw, err := os.ReadFile(blobPath(e.storeOf(desc.Digest), desc.Digest))
	if err != nil {
		return nil
	}
	return parseEntryManifest(raw)
}

// registryEntryBlobs reads the manifest at ref. go-containerregistry, like
// BuildKit's default resolver, speaks plain HTTP to localhost, loopback and
// private-network registries; a registry that buildkitd.toml marks insecure
// under another name is not reached, and its entries count as missing. It
// also returns the entry's version (see entryVersion): the digest of the
// target's manifest that the entry is a copy of, else its own digest.
func (b *builder) registryEntryBlobs(ctx context.Context, ref string) (entryBlobs, digest.Digest) {
	tag, err := name.ParseReference(ref)
	if err != nil {
		return nil, ""
	}
	d, err := remote.Get(tag, b.remoteOptions(ctx, tag)...)
	if err != nil {
		return nil, ""
	}
	var m struct{ Annotations map[string]string }
	if json.Unmarshal(d.Manifest, &m) == nil && m.Annotations[copyOfAnnotation] != "" {
		return parseEntryManifest(d.Manifest), digest.Digest(m.Annotations[copyOfAnnotation])
	}
	return parseEntryManifest(d.Manifest), digest.Digest(d.Digest.String())
}

// copyOfAnnotation marks a stage's registry entry that is a copy of the
// target's (see tagRegistryEntry): its value is the digest of the target's
// manifest.
const copyOfAnnotation = "org.gantry-ci.cache.copy-of"

// copyTagAnnotation names the tag of a copy (see copyOfAnnotation), so that
// the copies of one manifest under two stages' tags are two manifests.
const copyTagAnnotation = "org.gantry-ci.cache.tag"

// tagRegistryEntry makes the registry entry at ref a copy of the manifest
// dg of the same repository (the target's entry, see copiesTarget): the
// manifest with copyOfAnnotation and copyTagAnnotation added, PUT under
// ref's tag with the session's credentials. The annotations make it a
// manifest of its own: a registry deletes a manifest with every tag on it,
// and an image expiry (ECR's lifecycle policies) removes them together, so
// tags that named one manifest would be evicted together.
func (b *builder) tagRegistryEntry(ctx context.Context, ref string, dg digest.Digest) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	opts := b.remoteOptions(ctx, tag)
	d, err := remote.Get(tag.Context().Digest(dg.String()), opts...)
	if err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(d.Manifest, &m); err != nil {
		return err
	}
	ann := map[string]string{}
	if raw, ok := m["annotations"]; ok {
		if err := json.Unmarshal(raw, &ann); err != nil {
			return err
		}
	}
	ann[copyOfAnnotation] = dg.String()
	ann[copyTagAnnotation] = tag.TagStr() // two stages' copies differ too
	if m["annotations"], err = json.Marshal(ann); err != nil {
		return err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return remote.Put(tag, rawManifest{raw: raw, mediaType: d.MediaType}, opts...)
}

// rawManifest is a manifest to PUT as it is.
type rawManifest struct {
	raw       []byte
	mediaType types.MediaType
}

// RawManifest returns the manifest's bytes.
func (m rawManifest) RawManifest() ([]byte, error) { return m.raw, nil }

// MediaType returns the manifest's media type.
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }

// remoteOptions are go-containerregistry's options for a request about
// ref: ctx, and the session's credentials for its registry.
func (b *builder) remoteOptions(ctx context.Context, ref name.Reference) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(b.sessionAuth(ctx, ref.Context().RegistryStr()))}
}

// sessionAuth returns the credentials the build's session gives BuildKit
// for host: the caller's registry auth provider, or the Docker config's.
func (b *builder) sessionAuth(ctx context.Context, host string) authn.Authenticator {
	if host == name.DefaultRegistry {
		host = "registry-1.docker.io" // the name BuildKit asks Docker Hub's credentials for
	}
	for _, a := range b.session {
		as, ok := a.(auth.AuthServer)
		if !ok {
			continue
		}
		resp, err := as.Credentials(ctx, &auth.CredentialsRequest{Host: host})
		if err != nil || resp == nil || resp.Secret == "" {
			return authn.Anonymous
		}
		if resp.Username == "" {
			return authn.FromConfig(authn.AuthConfig{IdentityToken: resp.Secret})
		}
		return authn.FromConfig(authn.AuthConfig{Username: resp.Username, Password: resp.Secret})
	}
	return authn.Anonymous
}
