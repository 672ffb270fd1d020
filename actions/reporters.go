// Package actions is gantry's side of GitHub Actions for lint findings: the
// reporters that annotate pull requests (workflow commands, check runs,
// review comments, SARIF, rdjson), the report of gantry lint in the
// format it names (WriteReport), the job summary of a lint run, the
// GitHub API client and the command line that action.yml runs. The run
// context, step outputs and the job summary file are in actions/runenv.
package actions

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

// Formats are the --format names NewReporter builds.
var Formats = []string{"github", "checks", "review", "sarif", "rdjson"}

// ReporterOptions is what NewReporter builds a reporter from.
type ReporterOptions struct {
	// W receives the output.
	W io.Writer
	// runenv.Getenv reads the GITHUB_* variables; nil means os.Getenv.
	Getenv runenv.Getenv
	// Token authenticates API calls; empty means $GITHUB_TOKEN.
	Token string
	// FailOn is the severity at which a check run concludes "failure".
	FailOn lint.Severity
	// CheckName names the check run; "gantry" when empty.
	CheckName string
	// HTTPClient is used for API calls; nil means a client with a timeout.
	HTTPClient *http.Client
}

// changedLinesTimeout bounds the optional look-up of a pull request's diff.
const changedLinesTimeout = 15 * time.Second

// NewReporter builds the reporter for one of Formats from the GitHub Actions
// environment: the run context, the token and the API address
// (GITHUB_API_URL, so GitHub Enterprise Server works).
func NewReporter(name string, o ReporterOptions) (lint.Reporter, error) {
	getenv := orEnv(o.Getenv)
	switch name {
	case "sarif":
		return &SARIFReporter{W: o.W, Getenv: getenv}, nil
	case "rdjson":
		return &RDJSONReporter{W: o.W, Getenv: getenv}, nil
	case "github", "checks", "review":
	default:
		return nil, fmt.Errorf("unknown format %q", name)
	}
	c, err := runenv.ContextFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	token := o.Token
	if token == "" {
		token = getenv("GITHUB_TOKEN")
	}
	var client *github.Client
	if token != "" {
		if client, err = NewClient(c.APIURL, token, o.HTTPClient); err != nil {
			return nil, err
		}
	}
	pullRequestHead(client, c, o.W)
	gh := &GitHubReporter{W: o.W, Getenv: getenv, Context: c}
	switch name {
	case "checks":
		gh.Changed = changedLines(client, c, o.W)
		return &ChecksReporter{Client: client, Context: c, Name: o.CheckName, FailOn: o.FailOn, Fallback: gh, W: o.W,
			Getenv: getenv, Changed: gh.Changed}, nil
	case "review":
		return &ReviewReporter{Client: client, Context: c, Also: gh, W: o.W, Getenv: getenv}, nil
	}
	gh.Changed = changedLines(client, c, o.W)
	return gh, nil
}

// changedLines looks up which lines the pull request changed, so that
// findings there are reported first. It is best effort: without a pull
// request, a token or the permission to read it, the order is by severity
// and file alone.
func changedLines(client *github.Client, c *runenv.Context, w io.Writer) ChangedLines {
	if client == nil || c.PullRequest == nil || c.PullRequest.Number == 0 || c.Repository == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), changedLinesTimeout)
	defer cancel()
	changed, err := FetchChangedLines(ctx, client, c.Repository, c.PullRequest.Number)
	if err != nil {
		fmt.Fprintf(w, "::debug::gantry: %s\n", runenv.EscapeData(apiError("cannot list the pull request's changed lines", err).Error()))
		return nil
	}
	return changed
}

// pullRequestHead looks up the head commit of a pull request whose event
// payload does not name it (issue_comment: GITHUB_SHA is then the default
// branch's last commit, not the pull request's), so that the check run, the
// review and the summary's links are about the pull request's commit. It is
// best effort: on failure the head stays unknown.
func pullRequestHead(client *github.Client, c *runenv.Context, w io.Writer) {
	pr := c.PullRequest
	if client == nil || pr == nil || pr.HeadSHA != "" || pr.Number == 0 {
		return
	}
	owner, repo, err := splitRepo(c.Repository)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), changedLinesTimeout)
	defer cancel()
	got, _, err := client.PullRequests.Get(ctx, owner, repo, pr.Number)
	if err != nil {
		fmt.Fprintf(w, "::debug::gantry: %s\n", runenv.EscapeData(apiError("cannot read the pull request's head commit", err).Error()))
		return
	}
	pr.HeadSHA = got.GetHead().GetSHA()
}
