package actions

import (
	"context"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/lint"
)

// AnnotationsPerRequest is how many annotations GitHub accepts in one
// request to create or update a check run.
const AnnotationsPerRequest = 50

// MaxCheckAnnotations bounds the annotations of one check run: each
// AnnotationsPerRequest of them is a request that creates content, and
// GitHub's secondary rate limits allow about 80 of those a minute and 500 an
// hour, so a first run on a large repository would be cut off before it
// could complete its check run. The most important findings go first; the
// summary lists the others.
const MaxCheckAnnotations = 1000

// maxCheckSummary is GitHub's limit for a check run's summary, in characters.
const maxCheckSummary = 65535

// ChecksReporter publishes findings as a Check Run on the commit under review
// (the pull request's head, not the merge commit GitHub runs pull_request
// workflows on): it creates the run, appends the annotations
// AnnotationsPerRequest at a time, then completes it with a conclusion and a
// summary. When the token may not write checks (403, as for a fork's pull
// request) or there is no token, it says so in one line and reports through
// Fallback instead.
type ChecksReporter struct {
	// Client talks to GitHub; nil means there is no token.
	Client *github.Client
	// Context says which repository and commit the run is for.
	Context *runenv.Context
	// Name is the check run's name; "gantry" when empty.
	Name string
	// FailOn is the severity at which the conclusion is "failure"; 0 never fails.
	FailOn lint.Severity
	// Fallback reports when the check run cannot be written (workflow commands).
	Fallback lint.Reporter
	// W receives the one-line notices and the check run's address.
	W io.Writer
	// runenv.Getenv reads GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE; nil means os.Getenv.
	Getenv runenv.Getenv
	// Changed are the lines the pull request changed, when known (they sort first).
	Changed ChangedLines
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Report publishes the check run, or falls back to workflow commands.
func (c *ChecksReporter) Report(ctx context.Context, r *lint.Report) error {
	getenv := orEnv(c.Getenv)
	if c.Client == nil {
		return c.fallback(ctx, r, "::notice title=gantry::no GitHub token (--github-token or GITHUB_TOKEN), so no check run; reporting with workflow commands instead\n")
	}
	if c.Context == nil {
		c.Context = &runenv.Context{}
	}
	owner, repo, err := splitRepo(c.Context.Repository)
	sha := c.Context.HeadSHA()
	if err != nil || sha == "" {
		return c.fallback(ctx, r, "::notice title=gantry::a check run needs GITHUB_REPOSITORY and GITHUB_SHA, which are not set; reporting with workflow commands instead\n")
	}
	if pr := c.Context.PullRequest; pr != nil && pr.HeadSHA == "" {
		// GITHUB_SHA is another commit than the pull request's (the default
		// branch's on issue_comment): a check run there would be on the wrong commit
		return c.fallback(ctx, r, "::notice title=gantry::the pull request's head commit is unknown (the "+runenv.EscapeData(c.Context.EventName)+" event does not name it, and the pull request could not be read), so no check run; reporting with workflow commands instead\n")
	}
	name := c.Name
	if name == "" {
		name = "gantry"
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	paths := newPathMapper(r, getenv)
	ordered := prioritize(r.Findings, paths, c.Changed)
	title := countsTitle(r)
	summary := summaryMarkdown(r, summaryOptions{paths: paths, changed: c.Changed, ctx: c.Context,
		limitNote: "a check run summary is limited to 65,535 characters"}, maxCheckSummary)

	create := github.CreateCheckRunOptions{
		Name:      name,
		HeadSHA:   sha,
		Status:    github.String("in_progress"),
		StartedAt: &github.Timestamp{Time: now()},
		Output:    &github.CheckRunOutput{Title: github.String(title), Summary: github.String("gantry is uploading its findings")},
	}
	if u := runURL(c.Context); u != "" {
		create.DetailsURL = github.String(u)
	}
	run, _, err := c.Client.Checks.CreateCheckRun(ctx, owner, repo, create)
	if err != nil {
		if isForbidden(err) {
			return c.fallback(ctx, r, "::notice title=gantry::this token cannot create check runs (a pull request from a fork gets a read-only GITHUB_TOKEN, or the job lacks `permissions: checks: write`); reporting with workflow commands instead\n")
		}
		return c.fallback(ctx, r, "::warning title=gantry::"+runenv.EscapeData(apiError("creating the check run", err).Error())+"; reporting with workflow commands instead\n")
	}

	annotated := ordered[:min(len(ordered), MaxCheckAnnotations)]
	if left := len(ordered) - len(annotated); left > 0 {
		summary = truncateUTF8(fmt.Sprintf("_%d more %s not annotated: gantry annotates at most %d per check run, to stay within GitHub's rate limits; the table lists them._\n\n",
			left, text.Plural(left, "finding", ""), MaxCheckAnnotations)+summary, maxCheckSummary)
	}
	var uploadErr error
	for start := 0; start < len(annotated) && uploadErr == nil; start += AnnotationsPerRequest {
		batch := annotated[start:min(start+AnnotationsPerRequest, len(annotated))]
		anns := make([]*github.CheckRunAnnotation, len(batch))
		for i, f := range batch {
			anns[i] = checkAnnotation(f, paths.repoPath(f.File))
		}
		_, _, err := c.Client.Checks.UpdateCheckRun(ctx, owner, repo, run.GetID(), github.UpdateCheckRunOptions{
			Name:   name,
			Output: &github.CheckRunOutput{Title: github.String(title), Summary: github.String("gantry is uploading its findings"), Annotations: anns},
		})
		if err != nil {
			uploadErr = apiError("adding annotations to the check run", err)
		}
	}

	conclusion := "success"
	if c.FailOn != 0 && lint.MaxSeverity(r.Findings) >= c.FailOn {
		conclusion = "failure"
	}
	if uploadErr != nil {
		summary = truncateUTF8("_"+text.EscapeMarkdown(uploadErr.Error())+"; the job log has every finding._\n\n"+summary, maxCheckSummary)
	}
	_, _, err = c.Client.Checks.UpdateCheckRun(ctx, owner, repo, run.GetID(), github.UpdateCheckRunOptions{
		Name:        name,
		Status:      github.String("completed"),
		Conclusion:  github.String(conclusion),
		CompletedAt: &github.Timestamp{Time: now()},
		Output:      &github.CheckRunOutput{Title: github.String(title), Summary: github.String(summary)},
	})
	if err != nil && uploadErr == nil {
		uploadErr = apiError("completing the check run", err)
	}
	if uploadErr != nil {
		return c.fallback(ctx, r, "::warning title=gantry::"+runenv.EscapeData(uploadErr.Error())+"; reporting with workflow commands instead\n")
	}
	if _, err := fmt.Fprintf(c.W, "gantry: check run %q: %s, %s %s\n", name, title, conclusion, run.GetHTMLURL()); err != nil {
		return err
	}
	return writeSummary(getenv, r, summaryOptions{paths: paths, changed: c.Changed, ctx: c.Context})
}

func (c *ChecksReporter) fallback(ctx context.Context, r *lint.Report, notice string) error {
	if _, err := io.WriteString(c.W, notice); err != nil {
		return err
	}
	if c.Fallback == nil {
		return nil
	}
	return c.Fallback.Report(ctx, r)
}

// checkLevel is the annotation level of a severity.
func checkLevel(s lint.Severity) string { return bySeverity(s, "failure", "warning", "notice") }

// checkAnnotation converts a finding. GitHub wants lines from 1, and columns
// only when the annotation is on one line.
func checkAnnotation(f *lint.Finding, path string) *github.CheckRunAnnotation {
	start := max(f.Line, 1)
	end := start
	if f.EndLine > start {
		end = f.EndLine
	}
	a := &github.CheckRunAnnotation{
		Path:            github.String(path),
		StartLine:       github.Int(start),
		EndLine:         github.Int(end),
		AnnotationLevel: github.String(checkLevel(f.Severity)),
		Title:           github.String(truncateUTF8(f.RuleID, 255)),
		Message:         github.String(truncateUTF8(annotationMessage(f), 64000)),
	}
	if f.Line > 0 && start == end && f.Column > 0 {
		a.StartColumn = github.Int(f.Column)
		a.EndColumn = github.Int(max(f.EndColumn, f.Column))
	}
	return a
}

// countsTitle is the check run's one-line title.
func countsTitle(r *lint.Report) string {
	e, w, i := lint.Counts(r.Findings)
	if e+w+i == 0 {
		return fmt.Sprintf("no findings in %d %s", len(r.Files), text.Plural(len(r.Files), "file", ""))
	}
	return fmt.Sprintf("%d %s, %d %s, %d info", e, text.Plural(e, "error", ""), w, text.Plural(w, "warning", ""), i)
}

// runURL is the address of the workflow run, or "".
func runURL(c *runenv.Context) string {
	if c == nil || c.Repository == "" || c.RunID == "" {
		return ""
	}
	server := c.ServerURL
	if server == "" {
		server = "https://github.com"
	}
	return server + "/" + c.Repository + "/actions/runs/" + c.RunID
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
