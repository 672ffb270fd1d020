// Package registry is gantry's side of container registries: credentials
// (Docker's config and credential helpers, Amazon ECR through the AWS SDK),
// the ECR API, tag lookups and moves through the registry API, and pushing
// an image built by BuildKit by digest and then moving its tags.
package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go/logging"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// ECRHost is a parsed Amazon ECR registry host name,
// <account>.dkr.ecr.<region>.amazonaws.com and its FIPS, China, dual-stack
// and isolated-partition variants.
type ECRHost struct {
	// Host is the registry host as written.
	Host string
	// Account is the 12-digit AWS account ID (the ECR registry ID).
	Account string
	// Region is the AWS region, such as eu-west-1.
	Region string
	// FIPS is true for dkr.ecr-fips hosts.
	FIPS bool
}

// ecrHostPattern follows the host names Amazon's own ECR credential helper
// recognises.
var ecrHostPattern = lazyre.New(`^([0-9]{12})\.dkr[.-]ecr(-fips)?\.([a-z0-9][a-z0-9-]*)\.(amazonaws\.com(\.cn)?|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|on\.aws)$`)

// ParseECRHost recognises an ECR registry host; ok is false for any other
// registry.
func ParseECRHost(host string) (h ECRHost, ok bool) {
	m := ecrHostPattern.FindStringSubmatch(strings.ToLower(host))
	if m == nil {
		return ECRHost{}, false
	}
	return ECRHost{Host: host, Account: m[1], Region: m[3], FIPS: m[2] != ""}, true
}

// String describes the registry for messages.
func (h ECRHost) String() string {
	return fmt.Sprintf("ECR registry %s (account %s, %s)", h.Host, h.Account, h.Region)
}

// ECR is a client of the Amazon ECR API for one registry.
type ECR struct {
	host   ECRHost
	client *ecr.Client
	// Timeout bounds each API call, with its retries and the lookup of
	// the AWS credentials (default 2 minutes, as Client.Timeout): the
	// SDK's HTTP client waits for an answer without limit.
	Timeout time.Duration
}

// NewECR creates an ECR API client for h with the AWS SDK's default
// configuration: the standard credential chain (environment, shared files,
// web identity / OIDC as set by aws-actions/configure-aws-credentials, SSO,
// container and instance roles) and the region of the registry host.
// endpoint, when set, replaces the API endpoint (AWS_ENDPOINT_URL_ECR does
// the same through the SDK).
//
// The SDK's own log lines (such as "WARN falling back to IMDSv1") are
// dropped: what matters reaches the user in gantry's errors. Keychain.SDKLog
// shows them (gantry's --debug).
func NewECR(ctx context.Context, h ECRHost, endpoint string) (*ECR, error) {
	return newECR(ctx, h, endpoint, nil)
}

// newECR is NewECR with the SDK's log lines going to sdkLog (nil drops them).
func newECR(ctx context.Context, h ECRHost, endpoint string, sdkLog io.Writer) (*ECR, error) {
	var logger logging.Logger = logging.Nop{}
	if sdkLog != nil {
		logger = logging.NewStandardLogger(sdkLog)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(h.Region), awsconfig.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("cannot load the AWS configuration: %w", err)
	}
	client := ecr.NewFromConfig(cfg, func(o *ecr.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if h.FIPS {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
		}
	})
	return &ECR{host: h, client: client, Timeout: 2 * time.Minute}, nil
}

// Host returns the registry the client is for.
func (e *ECR) Host() ECRHost { return e.host }

// Login gets a registry password with GetAuthorizationToken. The user name
// is always "AWS"; the password is valid until expires (12 hours).
func (e *ECR) Login(ctx context.Context) (user, password string, expires time.Time, err error) {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	out, err := e.client.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return "", "", time.Time{}, e.apiError("GetAuthorizationToken", err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return "", "", time.Time{}, fmt.Errorf("%s: GetAuthorizationToken returned no token", e.host)
	}
	ad := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(*ad.AuthorizationToken)
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("%s: GetAuthorizationToken returned a token that is not base64", e.host)
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || password == "" {
		return "", "", time.Time{}, fmt.Errorf("%s: GetAuthorizationToken returned a token that is not user:password", e.host)
	}
	if ad.ExpiresAt != nil {
		expires = *ad.ExpiresAt
	}
	return user, password, expires, nil
}

// Mutability is a repository's tag mutability setting.
type Mutability struct {
	// Setting is ECR's imageTagMutability: MUTABLE, IMMUTABLE,
	// IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.
	Setting string
	// Exclusions are the wildcard filters of the *_WITH_EXCLUSION settings.
	Exclusions []string
}

// Immutable reports whether the repository rejects moving tag once it exists.
func (m Mutability) Immutable(tag string) bool {
	excluded := false
	for _, f := range m.Exclusions {
		if wildcardMatch(f, tag) {
			excluded = true
			break
		}
	}
	switch ecrtypes.ImageTagMutability(m.Setting) {
	case ecrtypes.ImageTagMutabilityImmutable:
		return true
	case ecrtypes.ImageTagMutabilityImmutableWithExclusion:
		return !excluded
	case ecrtypes.ImageTagMutabilityMutableWithExclusion:
		return excluded
	}
	return false
}

// wildcardMatch matches an ECR exclusion filter: '*' is any run of
// characters and everything else is literal.
func wildcardMatch(filter, tag string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(filter), `\*`, ".*") + "$"
	ok, err := regexp.MatchString(re, tag)
	return err == nil && ok
}

// ErrRepositoryNotFound is returned when an ECR repository does not exist
// (ECR does not create repositories on push).
var ErrRepositoryNotFound = errors.New("repository not found")

// Repository returns the tag mutability of an ECR repository.
func (e *ECR) Repository(ctx context.Context, name string) (Mutability, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	out, err := e.client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
		RegistryId:      aws.String(e.host.Account),
		RepositoryNames: []string{name},
	})
	if err != nil {
		var nf *ecrtypes.RepositoryNotFoundException
		if errors.As(err, &nf) {
			return Mutability{}, fmt.Errorf("ECR repository %q does not exist in account %s (%s); create it first, ECR does not create repositories on push: %w",
				name, e.host.Account, e.host.Region, ErrRepositoryNotFound)
		}
		return Mutability{}, e.apiError("DescribeRepositories", err)
	}
	for _, r := range out.Repositories {
		if aws.ToString(r.RepositoryName) != name {
			continue
		}
		m := Mutability{Setting: string(r.ImageTagMutability)}
		for _, f := range r.ImageTagMutabilityExclusionFilters {
			m.Exclusions = append(m.Exclusions, aws.ToString(f.Filter))
		}
		return m, nil
	}
	return Mutability{}, fmt.Errorf("ECR repository %q is missing from the DescribeRepositories answer: %w", name, ErrRepositoryNotFound)
}

// TagDigest returns the digest a tag points to in an ECR repository, or ""
// when the tag does not exist (DescribeImages).
func (e *ECR) TagDigest(ctx context.Context, repo, tag string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Timeout)
	defer cancel()
	out, err := e.client.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RegistryId:     aws.String(e.host.Account),
		RepositoryName: aws.String(repo),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String(tag)}},
	})
	if err != nil {
		var nf *ecrtypes.ImageNotFoundException
		if errors.As(err, &nf) {
			return "", nil
		}
		var rnf *ecrtypes.RepositoryNotFoundException
		if errors.As(err, &rnf) {
			return "", fmt.Errorf("ECR repository %q does not exist in account %s (%s): %w", repo, e.host.Account, e.host.Region, ErrRepositoryNotFound)
		}
		return "", e.apiError("DescribeImages", err)
	}
	for _, d := range out.ImageDetails {
		for _, t := range d.ImageTags {
			if t == tag {
				return aws.ToString(d.ImageDigest), nil
			}
		}
	}
	return "", nil
}

// apiError words an SDK error for a person: which call, which registry,
// and, for credential problems, how to provide credentials.
func (e *ECR) apiError(op string, err error) error {
	msg := err.Error()
	hint := ""
	switch {
	case strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "no EC2 IMDS role found") ||
		strings.Contains(msg, "failed to refresh cached credentials"):
		hint = "; no usable AWS credentials: configure them (for example with aws-actions/configure-aws-credentials and id-token: write) or log in with docker login"
	case strings.Contains(msg, "AccessDenied"):
		hint = fmt.Sprintf("; the AWS identity lacks the ecr:%s permission", op)
	case errors.Is(err, context.DeadlineExceeded):
		hint = fmt.Sprintf("; the ECR API gave no answer in time (gantry waits %s for each call)", e.Timeout)
	}
	return fmt.Errorf("%s: %s failed: %w%s", e.host, op, err, hint)
}
