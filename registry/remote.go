package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/gantry-ci/gantry/config"
)

// Repository is an image repository and the way to reach it.
type Repository struct {
	// Name is the repository as given, such as registry.example.com/team/app.
	Name string
	// Host is the registry host[:port].
	Host string
	// Path is the repository path inside the registry, such as team/app.
	Path string
	// ECR is set for Amazon ECR repositories.
	ECR *ECRHost

	ref name.Repository
}

// ParseRepository parses a repository name without a tag or digest
// (config.ValidateImageName). A name without a registry host is on Docker
// Hub (docker.io/, and library/ for a single component), as BuildKit's
// image exporter reads it.
func ParseRepository(s string) (*Repository, error) {
	if err := config.ValidateImageName(s); err != nil {
		return nil, err
	}
	ref, err := name.NewRepository(s)
	if err != nil {
		return nil, fmt.Errorf("invalid image repository %q: %v", s, err)
	}
	r := &Repository{Name: s, Host: ref.RegistryStr(), Path: ref.RepositoryStr(), ref: ref}
	if h, ok := ParseECRHost(r.Host); ok {
		r.ECR = &h
	}
	return r, nil
}

// Tag returns "name:tag".
func (r *Repository) Tag(tag string) string { return r.Name + ":" + tag }

// Digest returns "name@digest".
func (r *Repository) Digest(digest string) string { return r.Name + "@" + digest }

// Client talks the registry (distribution) API to one repository with the
// keychain's credential for its host.
type Client struct {
	repo *Repository
	auth authn.Authenticator
	cred Credential
	// Timeout bounds each registry call (default 2 minutes).
	Timeout time.Duration

	transport http.RoundTripper
}

// NewClient resolves the credential for repo's host and returns a client.
func NewClient(ctx context.Context, kc *Keychain, repo *Repository) (*Client, error) {
	auth, cred, err := kc.Authenticator(ctx, repo.Host)
	if err != nil {
		return nil, err
	}
	return &Client{repo: repo, auth: auth, cred: cred, Timeout: 2 * time.Minute, transport: kc.transport}, nil
}

// Credential describes the credential the client uses (without secrets).
func (c *Client) Credential() Credential { return c.cred }

func (c *Client) options(ctx context.Context) []remote.Option {
	opts := []remote.Option{
		remote.WithAuth(c.auth),
		remote.WithContext(ctx),
		remote.WithUserAgent("gantry"),
		// fail fast: a registry that is down stays down for a push
		remote.WithRetryBackoff(remote.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 2}),
	}
	if c.transport != nil {
		opts = append(opts, remote.WithTransport(c.transport))
	}
	return opts
}

// TagDigest returns the digest tag points to, or "" when the tag does not
// exist.
func (c *Client) TagDigest(ctx context.Context, tag string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	desc, err := remote.Head(c.repo.ref.Tag(tag), c.options(ctx)...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return "", nil
		}
		return "", c.explain("looking up "+c.repo.Tag(tag), err)
	}
	return desc.Digest.String(), nil
}

// SetTag points tag at the manifest with the given digest (which must be in
// the repository already): the manifest is fetched by digest and put under
// the tag, so the registry stores no new content.
func (c *Client) SetTag(ctx context.Context, tag, digest string) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	desc, err := remote.Get(c.repo.ref.Digest(digest), c.options(ctx)...)
	if err != nil {
		return c.explain("fetching "+c.repo.Digest(digest), err)
	}
	if err := remote.Tag(c.repo.ref.Tag(tag), desc, c.options(ctx)...); err != nil {
		return c.explain("tagging "+c.repo.Tag(tag), err)
	}
	return nil
}

// ErrUnauthorized is matched (errors.Is) by errors about rejected or
// missing credentials.
var ErrUnauthorized = errors.New("unauthorized")

// ErrUnreachable is matched (errors.Is) by errors about a registry that
// cannot be reached.
var ErrUnreachable = errors.New("registry unreachable")

// kindError is a worded error that also matches a sentinel kind.
type kindError struct {
	msg  string
	kind error
	err  error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }
func (e *kindError) Unwrap() error        { return e.err }

// explain turns a registry API error into a message that says what failed,
// with which credential, and what to do.
func (c *Client) explain(what string, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized:
			if c.cred.Anonymous() {
				return &kindError{fmt.Sprintf("%s: registry %s requires a login and gantry has %s; run docker login %s or configure its credential helper",
					what, c.repo.Host, c.cred, c.repo.Host), ErrUnauthorized, err}
			}
			return &kindError{fmt.Sprintf("%s: registry %s rejected %s (wrong or expired password?)", what, c.repo.Host, c.cred), ErrUnauthorized, err}
		case http.StatusForbidden:
			return &kindError{fmt.Sprintf("%s: registry %s denied access to %s for %s", what, c.repo.Host, c.repo.Path, c.cred), ErrUnauthorized, err}
		}
		return fmt.Errorf("%s: %w", what, te)
	}
	if isUnreachable(err) {
		return &kindError{fmt.Sprintf("%s: cannot reach registry %s: %v", what, c.repo.Host, err), ErrUnreachable, err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isUnreachable(err error) bool {
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.As(err, &oe) ||
		errors.As(err, &ne) && ne.Timeout() || errors.As(err, &ue) && !errors.Is(err, context.Canceled)
}
