package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/table"
	"github.com/gantry-ci/gantry/internal/text"
)

// Tag statuses in a push result.
const (
	// TagCreated: the tag did not exist and now points to the new digest.
	TagCreated = "created"
	// TagMoved: the tag pointed to another digest and now points to the new one.
	TagMoved = "moved"
	// TagUnchanged: the tag already pointed to the new digest.
	TagUnchanged = "unchanged"
	// TagSkipped: the tag was left alone (an immutable tag that exists).
	TagSkipped = "skipped"
	// TagFailed: moving the tag failed; it may still point to its old digest.
	TagFailed = "failed"
	// TagNotAttempted: an earlier step failed, so the tag was not touched.
	TagNotAttempted = "not attempted"
)

// PreflightTag is one tag of a push preflight, with its state before the push.
type PreflightTag struct {
	// Tag is the tag name.
	Tag string
	// Current is the digest the tag points to now, "" when it does not exist.
	Current string
	// Immutable is true when the repository rejects moving this tag.
	Immutable bool
	// Skip is true when the preflight leaves the tag alone; Reason says why.
	Skip   bool
	Reason string
}

// Preflight is what a push will do, established before building: the repository,
// the credential, and for each tag where it points now and whether the
// repository would let gantry move it.
type Preflight struct {
	// Repository is the target repository.
	Repository *Repository
	// Credential is the credential used (without secrets, see String).
	Credential Credential
	// Mutability is ECR's tag mutability setting ("" for other registries,
	// whose tags gantry treats as mutable).
	Mutability Mutability
	// Tags are the tags in the order given.
	Tags []PreflightTag
	// Warnings are things to tell the user, such as skipped immutable tags.
	Warnings []string

	client   *Client
	keychain *Keychain
}

// PushOptions configures CheckPush.
type PushOptions struct {
	// Repository is the repository to push to.
	Repository string
	// Tags are the tags to point at the pushed image.
	Tags []string
	// OnImmutable is config.ImmutableSkip (default) or config.ImmutableFail.
	OnImmutable string
}

// ErrImmutableTag is wrapped by the error CheckPush returns when a tag exists
// in an immutable repository and the policy is config.ImmutableFail.
var ErrImmutableTag = errors.New("immutable tag exists")

// ErrNoTags is returned when no tag is left to push.
var ErrNoTags = errors.New("no tag to push")

// CheckPush checks the repository before anything is built: it resolves the
// credential, and finds out (for ECR with DescribeRepositories and
// DescribeImages, elsewhere, and on ECR with a docker login but no AWS
// credentials, with the registry API) whether each tag exists and whether
// the repository would reject moving it. A rejected credential,
// a missing ECR repository, or (with config.ImmutableFail) an immutable tag that
// exists fail here, before any build or upload. The returned preflight is valid
// with an ErrImmutableTag error, for reporting.
func CheckPush(ctx context.Context, kc *Keychain, opts PushOptions) (*Preflight, error) {
	repo, err := ParseRepository(opts.Repository)
	if err != nil {
		return nil, err
	}
	if len(opts.Tags) == 0 {
		return nil, fmt.Errorf("%w: the push policy produced no tag for this run", ErrNoTags)
	}
	c, err := NewClient(ctx, kc, repo)
	if err != nil {
		return nil, err
	}
	p := &Preflight{Repository: repo, Credential: c.Credential(), client: c, keychain: kc}
	var e *ECR
	switch {
	case repo.ECR != nil && p.Credential.ecrLogin:
		if e, err = kc.ECR(ctx, *repo.ECR); err != nil {
			return nil, err
		}
		if p.Mutability, err = e.Repository(ctx, repo.Path); err != nil {
			return nil, err
		}
	case repo.ECR != nil:
		// a docker login: the AWS SDK has no credentials (or they may not
		// log in), so the ECR API is out of reach; the registry API is not
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s with %s, and no AWS credentials for the ECR API: gantry cannot tell "+
			"whether %s exists or whether its tags are immutable, so a missing repository or an immutable tag that exists fails the push after the build",
			repo.ECR, p.Credential, repo.Path))
	}
	for _, t := range opts.Tags {
		pt := PreflightTag{Tag: t, Immutable: p.Mutability.Immutable(t)}
		if e != nil {
			pt.Current, err = e.TagDigest(ctx, repo.Path, t)
		} else {
			pt.Current, err = c.TagDigest(ctx, t)
		}
		if err != nil {
			return nil, err
		}
		p.Tags = append(p.Tags, pt)
	}
	var immutable []string
	for i := range p.Tags {
		pt := &p.Tags[i]
		if !pt.Immutable || pt.Current == "" {
			continue
		}
		immutable = append(immutable, fmt.Sprintf("%s (%s)", pt.Tag, pt.Current))
		if opts.OnImmutable != config.ImmutableFail {
			pt.Skip = true
			pt.Reason = fmt.Sprintf("exists and the repository's tags are %s", p.Mutability.Setting)
			p.Warnings = append(p.Warnings, fmt.Sprintf("tag %s already exists in %s (%s), whose tags are %s: skipping it; it keeps pointing to %s",
				pt.Tag, repo.Name, pt.Current, p.Mutability.Setting, pt.Current))
		}
	}
	if opts.OnImmutable == config.ImmutableFail && len(immutable) > 0 {
		return p, fmt.Errorf("%w: %s already exists in %s, whose tags are %s, so the registry would reject the push; remove it from push.tags or set push.on-immutable-tag: skip",
			ErrImmutableTag, strings.Join(immutable, ", "), repo.Name, p.Mutability.Setting)
	}
	if len(p.TagsToPush()) == 0 {
		return p, fmt.Errorf("%w: every tag already exists in %s and cannot be moved", ErrNoTags, repo.Name)
	}
	return p, nil
}

// TagsToPush are the tags the push will point at the new image.
func (p *Preflight) TagsToPush() []string {
	var out []string
	for _, t := range p.Tags {
		if !t.Skip {
			out = append(out, t.Tag)
		}
	}
	return out
}

// Exports is the BuildKit export that pushes the image by digest only: no
// tag moves until the whole image is in the registry.
func (p *Preflight) Exports() []client.ExportEntry {
	return []client.ExportEntry{{
		Type: client.ExporterImage,
		Attrs: map[string]string{
			"name":           p.Repository.Name,
			"push":           "true",
			"push-by-digest": "true",
		},
	}}
}

// BuildFunc builds the image with BuildKit using the given exports and
// session attachables, and returns the pushed image's manifest digest
// (BuildKit's containerimage.digest exporter response).
type BuildFunc func(ctx context.Context, exports []client.ExportEntry, attachables []session.Attachable) (digest string, err error)

// TagResult is what happened to one tag.
type TagResult struct {
	// Tag is the tag name.
	Tag string
	// Status is one of the Tag* constants.
	Status string
	// Old is the digest the tag pointed to before ("" when it did not exist).
	Old string
	// New is the digest the tag points to now, as far as gantry knows.
	New string
	// Detail explains a skip or a failure.
	Detail string
}

// Result is the outcome of a push. It is complete even when Push fails:
// every tag says where it points.
type Result struct {
	// Repository is the repository pushed to.
	Repository string
	// Digest is the pushed image's digest; "" when the image push failed.
	Digest string
	// Tags are the tags in preflight order.
	Tags []TagResult
	// Warnings are the preflight's warnings.
	Warnings []string
	// Err is the error that stopped the push, if any.
	Err error
}

// Session is the BuildKit session attachable that answers the daemon's
// registry credential requests from the preflight's keychain.
func (p *Preflight) Session() []session.Attachable {
	return []session.Attachable{p.keychain.Attachable()}
}

// Push builds and pushes the image by digest through build, with the preflight's
// exports and auth session, then points each planned tag at the digest (see
// Complete).
func Push(ctx context.Context, p *Preflight, build BuildFunc, progress func(TagResult)) (*Result, error) {
	digest, err := build(ctx, p.Exports(), p.Session())
	return p.Complete(ctx, digest, err, progress)
}

// Complete finishes a push after the build: when the image was pushed by
// digest (buildErr nil), it points each planned tag at digest, stopping at
// the first failure; when the build or the image push failed, no tag is
// touched. progress, when set, is called after each tag. The result says
// what was pushed and where every tag points, also on failure.
func (p *Preflight) Complete(ctx context.Context, digest string, buildErr error, progress func(TagResult)) (*Result, error) {
	if buildErr == nil && digest == "" {
		buildErr = errors.New("BuildKit reported no image digest")
	}
	if buildErr != nil {
		res := p.Abandon("the image push failed")
		res.Err = fmt.Errorf("pushing the image to %s failed, so no tag was created or moved: %w", p.Repository.Name, buildErr)
		return res, res.Err
	}
	res := &Result{Repository: p.Repository.Name, Warnings: p.Warnings, Digest: digest}
	failed := false
	for _, t := range p.Tags {
		r := TagResult{Tag: t.Tag, Old: t.Current, New: t.Current}
		switch {
		case failed:
			r.Status, r.Detail = TagNotAttempted, "an earlier tag failed"
		case t.Current == digest:
			r.Status = TagUnchanged
		case t.Skip:
			r.Status, r.Detail = TagSkipped, t.Reason
		default:
			if err := p.client.SetTag(ctx, t.Tag, digest); err != nil {
				failed = true
				r.Status, r.Detail = TagFailed, err.Error()
				res.Err = err
			} else {
				r.New = digest
				r.Status = TagCreated
				if t.Current != "" {
					r.Status = TagMoved
				}
			}
		}
		res.Tags = append(res.Tags, r)
		if progress != nil {
			progress(r)
		}
	}
	if res.Err != nil {
		res.Err = fmt.Errorf("the image %s was pushed, but moving its tags failed: %w", p.Repository.Digest(digest), res.Err)
	}
	return res, res.Err
}

// Abandon is the result of a push that never reached its tags (the build
// failed, or was stopped): nothing was pushed and every tag still points
// where it did; reason is each tag's detail.
func (p *Preflight) Abandon(reason string) *Result {
	res := &Result{Repository: p.Repository.Name, Warnings: p.Warnings}
	for _, t := range p.Tags {
		res.Tags = append(res.Tags, TagResult{Tag: t.Tag, Status: TagNotAttempted, Old: t.Current, New: t.Current, Detail: reason})
	}
	return res
}

// Pushed reports whether the image was pushed and every planned tag
// points to it (skipped immutable tags aside).
func (r *Result) Pushed() bool {
	return r.Digest != "" && r.Err == nil
}

// TagRefs are "repository:tag" for the tags that point to the new digest.
func (r *Result) TagRefs() []string {
	var out []string
	for _, t := range r.Tags {
		if r.Digest != "" && t.New == r.Digest {
			out = append(out, r.Repository+":"+t.Tag)
		}
	}
	return out
}

func shortDigest(d string) string {
	if d == "" {
		return "(none)"
	}
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

// nowCell says where a tag points after the push.
func nowCell(t TagResult) string {
	if t.Status == TagFailed {
		return "unknown, was " + shortDigest(t.Old)
	}
	return shortDigest(t.New)
}

// Table formats the result for logs: the digest, then each tag with its
// status and where it pointed and points now.
func (r *Result) Table() string {
	var b bytes.Buffer
	if r.Digest != "" {
		fmt.Fprintf(&b, "pushed %s@%s\n", r.Repository, r.Digest)
	} else {
		fmt.Fprintf(&b, "not pushed: %s\n", r.Repository)
	}
	rows := [][]string{{"TAG", "STATUS", "BEFORE", "NOW"}}
	for _, t := range r.Tags {
		rows = append(rows, []string{t.Tag, t.Status, shortDigest(t.Old), nowCell(t), t.Detail})
	}
	b.WriteString(table.Format("  ", rows))
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

// Markdown formats the result for the job summary.
func (r *Result) Markdown() string {
	var b strings.Builder
	if r.Digest != "" {
		fmt.Fprintf(&b, "### Pushed `%s@%s`\n\n", r.Repository, r.Digest)
	} else {
		fmt.Fprintf(&b, "### Not pushed: `%s`\n\n", r.Repository)
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "**Error:** %s\n\n", text.EscapeMarkdown(r.Err.Error()))
	}
	b.WriteString("| tag | status | before | now | detail |\n|---|---|---|---|---|\n")
	for _, t := range r.Tags {
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s |\n", t.Tag, t.Status, shortDigest(t.Old), nowCell(t), text.EscapeMarkdown(t.Detail))
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "\n> [!WARNING]\n> %s\n", text.EscapeMarkdown(w))
	}
	return b.String() + "\n"
}
