package actions

import (
	"context"
	"fmt"
	"io"

	"github.com/google/go-github/v62/github"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/lint"
)

// DefaultMaxReviewComments bounds the comments of one review.
const DefaultMaxReviewComments = 30

// reviewMarker ends every comment gantry posts, so that a later run can tell
// its own comments apart and not repeat them.
const reviewMarker = "<!-- gantry -->"

// ReviewReporter posts one pull request review whose comments are the
// findings on lines the pull request changed. A comment outside the diff
// would make GitHub reject the whole review, so it fetches the pull
// request's files, maps their patches to lines and comments only there.
// Comments it already posted on the same line are not repeated. Then it
// reports through Also (workflow commands and the job summary) as well.
type ReviewReporter struct {
	// Client talks to GitHub; nil means there is no token.
	Client *github.Client
	// Context gives the repository and the pull request.
	Context *runenv.Context
	// Also reports every finding after the review (usually a GitHubReporter).
	Also lint.Reporter
	// W receives one-line notices.
	W io.Writer
	// runenv.Getenv reads GITHUB_WORKSPACE; nil means os.Getenv.
	Getenv runenv.Getenv
	// MaxComments bounds the comments of the review; 0 means DefaultMaxReviewComments.
	MaxComments int
	// Changed are the lines the pull request changed; fetched when nil.
	Changed ChangedLines
}

// Report posts the review and then reports through Also.
func (v *ReviewReporter) Report(ctx context.Context, r *lint.Report) error {
	if err := v.review(ctx, r); err != nil {
		if _, werr := io.WriteString(v.W, err.Error()); werr != nil {
			return werr
		}
	}
	if v.Also == nil {
		return nil
	}
	if g, ok := v.Also.(*GitHubReporter); ok && g.Changed == nil {
		g.Changed = v.Changed
	}
	return v.Also.Report(ctx, r)
}

// notice is a one-line workflow command that says why no review was posted.
type notice string

// Error returns the notice line.
func (n notice) Error() string { return string(n) }

func (v *ReviewReporter) review(ctx context.Context, r *lint.Report) error {
	getenv := orEnv(v.Getenv)
	if v.Client == nil {
		return notice("::notice title=gantry::no GitHub token (--github-token or GITHUB_TOKEN), so no review comments\n")
	}
	pr := (*runenv.PullRequest)(nil)
	if v.Context != nil {
		pr = v.Context.PullRequest
	}
	if pr == nil || pr.Number == 0 {
		return notice("::notice title=gantry::review comments need a pull_request event; this is " + runenv.EscapeData(eventName(v.Context)) + "\n")
	}
	owner, repo, err := splitRepo(v.Context.Repository)
	if err != nil {
		return notice("::warning title=gantry::" + runenv.EscapeData(err.Error()) + "\n")
	}
	if v.Changed == nil {
		if v.Changed, err = FetchChangedLines(ctx, v.Client, v.Context.Repository, pr.Number); err != nil {
			return v.apiNotice("listing the pull request's files", err)
		}
	}
	paths := newPathMapper(r, getenv)
	seen, err := v.existingComments(ctx, owner, repo, pr.Number)
	if err != nil {
		return v.apiNotice("listing the pull request's review comments", err)
	}
	limit := v.MaxComments
	if limit <= 0 {
		limit = DefaultMaxReviewComments
	}
	var comments []*github.DraftReviewComment
	inDiff, repeated := 0, 0
	for _, f := range prioritize(r.Findings, paths, v.Changed) {
		path := paths.repoPath(f.File)
		if !v.Changed.Contains(path, f.Line) {
			continue
		}
		inDiff++
		body := reviewBody(f)
		if seen[commentKey(path, f.Line, body)] {
			repeated++
			continue
		}
		if len(comments) < limit {
			comments = append(comments, &github.DraftReviewComment{
				Path: github.String(path), Line: github.Int(f.Line), Side: github.String("RIGHT"), Body: github.String(body),
			})
		}
	}
	if len(comments) == 0 {
		fmt.Fprintf(v.W, "gantry: no new review comments (%d %s on changed lines, %d already commented)\n", inDiff, text.Plural(inDiff, "finding", ""), repeated)
		return nil
	}
	body := fmt.Sprintf("gantry found %d %s on lines this pull request changes", inDiff, text.Plural(inDiff, "problem", ""))
	if outside := len(r.Findings) - inDiff; outside > 0 {
		body += fmt.Sprintf("; %d more elsewhere in the linted files are in the job summary", outside)
	}
	if skipped := inDiff - repeated - len(comments); skipped > 0 {
		body += fmt.Sprintf(" (%d not commented: at most %d comments per review)", skipped, limit)
	}
	review := &github.PullRequestReviewRequest{
		Event:    github.String("COMMENT"),
		Body:     github.String(body + ".\n" + reviewMarker),
		Comments: comments,
	}
	if pr.HeadSHA != "" {
		// without it GitHub reviews the pull request's latest commit; GITHUB_SHA
		// is a merge commit or, on issue_comment, the default branch's
		review.CommitID = github.String(pr.HeadSHA)
	}
	got, _, err := v.Client.PullRequests.CreateReview(ctx, owner, repo, pr.Number, review)
	if err != nil {
		return v.apiNotice("posting the review", err)
	}
	fmt.Fprintf(v.W, "gantry: posted a review with %d %s: %s\n", len(comments), text.Plural(len(comments), "comment", ""), got.GetHTMLURL())
	return nil
}

func (v *ReviewReporter) apiNotice(what string, err error) error {
	if isForbidden(err) {
		return notice("::notice title=gantry::this token may not do this: " + what + " (a pull request from a fork gets a read-only GITHUB_TOKEN, or the job lacks `permissions: pull-requests: write`); no review comments\n")
	}
	return notice("::warning title=gantry::" + runenv.EscapeData(apiError(what, err).Error()) + "; no review comments\n")
}

// existingComments returns the keys of the review comments gantry already
// posted on the pull request.
func (v *ReviewReporter) existingComments(ctx context.Context, owner, repo string, number int) (map[string]bool, error) {
	seen := map[string]bool{}
	opts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for page := 0; page < 30; page++ {
		cs, resp, err := v.Client.PullRequests.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Line != nil {
				seen[commentKey(c.GetPath(), c.GetLine(), c.GetBody())] = true
			}
		}
		if resp.NextPage == 0 || len(cs) == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return seen, nil
}

func commentKey(path string, line int, body string) string {
	return fmt.Sprintf("%s\x00%d\x00%s", path, line, body)
}

// reviewBody is the markdown of one review comment.
func reviewBody(f *lint.Finding) string {
	rule := "`" + f.RuleID + "`"
	if f.DocsURL != "" {
		rule = "[" + rule + "](" + f.DocsURL + ")"
	}
	body := "**" + severityIcon[f.Severity] + "** " + rule + ": " + text.EscapeMarkdown(f.Message)
	for _, rel := range f.Related {
		body += fmt.Sprintf("\n- %s", text.EscapeMarkdown(fmt.Sprintf("%s:%d: %s", rel.File, rel.Line, rel.Message)))
	}
	return body + "\n" + reviewMarker
}

func eventName(c *runenv.Context) string {
	if c == nil || c.EventName == "" {
		return "not a GitHub Actions event"
	}
	return "a " + c.EventName + " event"
}
