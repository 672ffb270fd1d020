package buildcache

import (
	"context"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session/auth"
)

// presenceTimeout bounds the checks of whether registry entries exist: a
// check that does not answer in time counts as "not known to exist", and
// the build goes on as if the entry were missing.
const presenceTimeout = 10 * time.Second

// entriesPresent reports which of the cache entries exist, by index in es.
// Local entries are looked up on disk; registry entries with a HEAD request
// for their manifest, all at once, with the session's registry credentials.
// Other backends (gha, s3) are never known to exist: gantry does not look
// them up.
func (b *builder) entriesPresent(ctx context.Context, es []client.CacheOptionsEntry) []bool {
	out := make([]bool, len(es))
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, e := range es {
		switch e.Type {
		case "local":
			out[i] = b.entryPresent(e.Attrs["dest"])
		case "registry":
			wg.Go(func() { out[i] = b.registryEntryPresent(ctx, e.Attrs["ref"]) })
		}
	}
	wg.Wait()
	return out
}

// entryPresent reports whether the local entry at dir holds a complete entry.
func (b *builder) entryPresent(dir string) bool {
	e := b.localEntry(dir)
	desc, err := readLatest(e.dir)
	return err == nil && desc != nil && checkLocalEntry(e) == ""
}

// registryEntryPresent reports whether the registry has a manifest at ref.
// Like BuildKit's resolver, it speaks plain HTTP to localhost and loopback
// registries only.
func (b *builder) registryEntryPresent(ctx context.Context, ref string) bool {
	tag, err := name.ParseReference(ref)
	if err != nil {
		return false
	}
	_, err = remote.Head(tag, remote.WithContext(ctx), remote.WithAuth(b.sessionAuth(ctx, tag.Context().RegistryStr())))
	return err == nil
}

// sessionAuth returns the credentials the build's session gives BuildKit
// for host: the caller's registry auth provider, or the Docker config's.
func (b *builder) sessionAuth(ctx context.Context, host string) authn.Authenticator {
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
