package buildcache

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session/auth"
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
// lookupTimeout. Other backends (gha, s3) are never looked up: nil.
func (b *builder) lookupEntries(ctx context.Context, es []client.CacheOptionsEntry) []entryBlobs {
	out := make([]entryBlobs, len(es))
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	type found struct {
		i     int
		blobs entryBlobs
	}
	ch := make(chan found, len(es))
	pending := 0
	for i, e := range es {
		switch e.Type {
		case "local":
			out[i] = b.localEntryBlobs(e.Attrs["dest"])
		case "registry":
			pending++
			go func() { ch <- found{i, b.registryEntryBlobs(ctx, e.Attrs["ref"])} }()
		}
	}
	// a credential helper may not heed ctx: stop waiting at the deadline
	for ; pending > 0; pending-- {
		select {
		case f := <-ch:
			out[f.i] = f.blobs
		case <-ctx.Done():
			return out
		}
	}
	return out
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
// under another name is not reached, and its entries count as missing.
func (b *builder) registryEntryBlobs(ctx context.Context, ref string) entryBlobs {
	tag, err := name.ParseReference(ref)
	if err != nil {
		return nil
	}
	d, err := remote.Get(tag, remote.WithContext(ctx), remote.WithAuth(b.sessionAuth(ctx, tag.Context().RegistryStr())))
	if err != nil {
		return nil
	}
	return parseEntryManifest(d.Manifest)
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
