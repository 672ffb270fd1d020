package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	dockerconfig "github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
)

// Credential is how gantry logs in to one registry. Its secrets are never
// printed: String shows the user and where the credential came from only.
type Credential struct {
	// Username and Password are basic-auth credentials.
	Username, Password string
	// IdentityToken is an OAuth2 refresh token (docker config "identitytoken").
	IdentityToken string
	// RegistryToken is a bearer token sent as is.
	RegistryToken string
	// Source says where the credential came from, for messages.
	Source string
	// Expires is when the credential stops working (zero: unknown).
	Expires time.Time

	// ecrLogin is true for a login from ECR's GetAuthorizationToken: the
	// AWS SDK found credentials, so the ECR API answers too
	ecrLogin bool
}

// Anonymous reports whether the credential carries no secret at all.
func (c Credential) Anonymous() bool {
	return c.Username == "" && c.Password == "" && c.IdentityToken == "" && c.RegistryToken == ""
}

// String describes the credential without its secrets.
func (c Credential) String() string {
	if c.Anonymous() {
		return "no credentials (" + c.Source + ")"
	}
	if c.Username != "" {
		return fmt.Sprintf("user %q from %s", c.Username, c.Source)
	}
	return "a token from " + c.Source
}

// Keychain resolves registry credentials: for Amazon ECR hosts, a login from
// ECR's GetAuthorizationToken with the AWS SDK's standard credential chain;
// for every registry, Docker's config file (~/.docker/config.json, or
// $DOCKER_CONFIG) with its credential helpers and credential store. It
// caches what it resolves, until the credential expires. Safe for
// concurrent use.
type Keychain struct {
	// DockerConfigDir is the directory of config.json; empty means
	// $DOCKER_CONFIG or ~/.docker.
	DockerConfigDir string
	// ECREndpoint replaces the ECR API endpoint (tests, VPC endpoints);
	// AWS_ENDPOINT_URL_ECR does the same through the SDK.
	ECREndpoint string
	// Mask is called once with every secret the keychain resolves, before
	// the secret is used (actions.Mask in GitHub Actions). May be nil.
	Mask func(secret string)
	// Logf reports notes such as a fallback from ECR to Docker's config.
	// May be nil.
	Logf func(format string, args ...any)
	// SDKLog receives the AWS SDK's own log lines (such as "WARN falling
	// back to IMDSv1"); nil drops them. gantry's --debug sets os.Stderr.
	SDKLog io.Writer

	// transport, when set, carries the registry API's requests (tests).
	transport http.RoundTripper

	mu     sync.Mutex
	creds  map[string]Credential
	ecrs   map[string]*ECR
	masked map[string]bool
	cfg    *configfile.ConfigFile
}

func (k *Keychain) logf(format string, args ...any) {
	if k.Logf != nil {
		k.Logf(format, args...)
	}
}

// dockerHubHosts are the names Docker Hub goes by; its credentials are
// stored under the legacy index URL.
var dockerHubHosts = map[string]bool{"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true}

// Resolve returns the credential for a registry host (host[:port]).
func (k *Keychain) Resolve(ctx context.Context, host string) (Credential, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.creds[host]; ok && (c.Expires.IsZero() || time.Until(c.Expires) > 5*time.Minute) {
		return c, nil
	}
	c, err := k.resolve(ctx, host)
	if err != nil {
		return Credential{}, err
	}
	for _, s := range []string{c.Password, c.IdentityToken, c.RegistryToken} {
		if s != "" && !k.masked[s] && k.Mask != nil {
			k.Mask(s)
		}
		if s != "" {
			if k.masked == nil {
				k.masked = map[string]bool{}
			}
			k.masked[s] = true
		}
	}
	if k.creds == nil {
		k.creds = map[string]Credential{}
	}
	k.creds[host] = c
	return c, nil
}

func (k *Keychain) resolve(ctx context.Context, host string) (Credential, error) {
	h, isECR := ParseECRHost(host)
	if !isECR {
		return k.fromDockerConfig(host)
	}
	e, err := k.ecr(ctx, h)
	var user, pass string
	var expires time.Time
	if err == nil {
		user, pass, expires, err = e.Login(ctx)
	}
	if err == nil {
		return Credential{Username: user, Password: pass, Expires: expires, ecrLogin: true,
			Source: fmt.Sprintf("ECR GetAuthorizationToken (account %s, %s)", h.Account, h.Region)}, nil
	}
	// a docker login (or the ecr-login credential helper) still works
	dc, derr := k.fromDockerConfig(host)
	if derr == nil && !dc.Anonymous() {
		k.logf("using %s for %s: %v", dc.Source, host, err)
		return dc, nil
	}
	return Credential{}, fmt.Errorf("cannot log in to %s: %w", host, err)
}

// ECR returns the ECR API client for an ECR host, created once.
func (k *Keychain) ECR(ctx context.Context, h ECRHost) (*ECR, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ecr(ctx, h)
}

func (k *Keychain) ecr(ctx context.Context, h ECRHost) (*ECR, error) {
	key := strings.ToLower(h.Host)
	if e := k.ecrs[key]; e != nil {
		return e, nil
	}
	e, err := newECR(ctx, h, k.ECREndpoint, k.SDKLog)
	if err != nil {
		return nil, err
	}
	if k.ecrs == nil {
		k.ecrs = map[string]*ECR{}
	}
	k.ecrs[key] = e
	return e, nil
}

func (k *Keychain) dockerConfig() (*configfile.ConfigFile, error) {
	if k.cfg != nil {
		return k.cfg, nil
	}
	dir := k.DockerConfigDir
	if dir == "" {
		dir = os.Getenv(dockerconfig.EnvOverrideConfigDir) // read now: config.Dir() reads it once per process
	}
	if dir == "" {
		dir = dockerconfig.Dir()
	}
	cfg, err := dockerconfig.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read the docker config %s: %w", filepath.Join(dir, dockerconfig.ConfigFileName), err)
	}
	k.cfg = cfg
	return cfg, nil
}

func (k *Keychain) fromDockerConfig(host string) (Credential, error) {
	cfg, err := k.dockerConfig()
	if err != nil {
		return Credential{}, err
	}
	key := host
	if dockerHubHosts[host] {
		key = authprovider.DockerHubConfigfileKey
	}
	source := "docker config " + cfg.Filename
	if helper := cfg.CredentialHelpers[key]; helper != "" {
		source = "credential helper docker-credential-" + helper
	} else if cfg.CredentialsStore != "" {
		source = "credential store docker-credential-" + cfg.CredentialsStore
	}
	ac, err := cfg.GetAuthConfig(key)
	if err != nil {
		return Credential{}, fmt.Errorf("cannot get credentials for %s from %s: %w", host, source, err)
	}
	c := Credential{Username: ac.Username, Password: ac.Password, IdentityToken: ac.IdentityToken,
		RegistryToken: ac.RegistryToken, Source: source}
	if c.Anonymous() {
		c.Source = "none for " + host + " in " + cfg.Filename
	}
	return c, nil
}

// Authenticator adapts the keychain to go-containerregistry for one host.
func (k *Keychain) Authenticator(ctx context.Context, host string) (authn.Authenticator, Credential, error) {
	c, err := k.Resolve(ctx, host)
	if err != nil {
		return nil, Credential{}, err
	}
	if c.Anonymous() {
		return authn.Anonymous, c, nil
	}
	return authn.FromConfig(authn.AuthConfig{Username: c.Username, Password: c.Password,
		IdentityToken: c.IdentityToken, RegistryToken: c.RegistryToken}), c, nil
}

// Attachable is a BuildKit session attachable that answers the daemon's
// credential requests from this keychain, so that pushes and registry
// caches use the same logins as gantry itself.
func (k *Keychain) Attachable() session.Attachable {
	return authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: func(ctx context.Context, host string, _ []string, _ authprovider.ExpireCachedAuthCheck) (types.AuthConfig, error) {
			c, err := k.Resolve(ctx, host)
			if err != nil {
				return types.AuthConfig{}, err
			}
			return types.AuthConfig{Username: c.Username, Password: c.Password, IdentityToken: c.IdentityToken,
				RegistryToken: c.RegistryToken, ServerAddress: host}, nil
		},
	})
}
