package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

// NewClient returns a GitHub REST API client for apiURL (GITHUB_API_URL:
// https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server)
// that authenticates with token. httpClient may be nil.
func NewClient(apiURL, token string, httpClient *http.Client) (*github.Client, error) {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	c := github.NewClient(httpClient)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("invalid GitHub API URL %q (GITHUB_API_URL)", apiURL)
	}
	// GITHUB_API_URL is already the API root, on github.com as on GitHub
	// Enterprise Server (…/api/v3), so it is used as it is.
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c.BaseURL = u
	c.UserAgent = "gantry/" + lint.Version()
	return c, nil
}

// orEnv returns getenv, or os.Getenv when it is nil.
func orEnv(getenv runenv.Getenv) runenv.Getenv {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// writeJSON writes v as indented JSON, leaving <, > and & as they are.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// bySeverity picks the word a format uses for a severity: e for errors, w for
// warnings, i for everything else.
func bySeverity(s lint.Severity, e, w, i string) string {
	switch s {
	case lint.SeverityError:
		return e
	case lint.SeverityWarning:
		return w
	}
	return i
}

// splitRepo splits "owner/name".
func splitRepo(full string) (owner, repo string, err error) {
	owner, repo, ok := strings.Cut(full, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return "", "", fmt.Errorf("GITHUB_REPOSITORY must be owner/name, not %q", full)
	}
	return owner, repo, nil
}

// isForbidden reports whether err is GitHub's 403 for a token that may not do
// what was asked (a fork's pull request gets a read-only GITHUB_TOKEN). Rate
// limits, which GitHub also answers with 403, are not.
func isForbidden(err error) bool {
	var rl *github.RateLimitError
	var arl *github.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &arl) {
		return false
	}
	var e *github.ErrorResponse
	return errors.As(err, &e) && e.Response != nil && e.Response.StatusCode == http.StatusForbidden
}

// apiError shortens go-github's errors, which repeat the whole URL, to the
// status and GitHub's message.
func apiError(what string, err error) error {
	var e *github.ErrorResponse
	if errors.As(err, &e) && e.Response != nil {
		msg := e.Message
		if msg == "" {
			msg = http.StatusText(e.Response.StatusCode)
		}
		return fmt.Errorf("%s: GitHub answered %d: %s", what, e.Response.StatusCode, msg)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// maxPullRequestFiles is how many files GitHub lists for a pull request.
const maxPullRequestFiles = 3000

// FetchChangedLines lists the files of pull request number and returns the
// lines each one adds. Files whose patch GitHub omits (binary or too large)
// have no lines.
func FetchChangedLines(ctx context.Context, client *github.Client, fullRepo string, number int) (ChangedLines, error) {
	owner, repo, err := splitRepo(fullRepo)
	if err != nil {
		return nil, err
	}
	changed := ChangedLines{}
	opts := &github.ListOptions{PerPage: 100}
	for n := 0; n < maxPullRequestFiles; {
		files, resp, err := client.PullRequests.ListFiles(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			n++
			if f.GetStatus() == "removed" || f.GetFilename() == "" {
				continue
			}
			lines, err := ParsePatch(f.GetPatch())
			if err != nil {
				return nil, fmt.Errorf("the patch of %s: %w", f.GetFilename(), err)
			}
			changed[f.GetFilename()] = lines
		}
		if resp.NextPage == 0 || len(files) == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return changed, nil
}

// pathMapper turns the display paths of findings (relative to the working
// directory) into paths relative to the root of the git repository, which is
// what GitHub's annotations, review comments and code scanning expect.
type pathMapper struct {
	byPath    map[string]string
	workspace string
	cwd       string
	gitRoots  map[string]string
}

func newPathMapper(r *lint.Report, getenv runenv.Getenv) *pathMapper {
	m := &pathMapper{byPath: map[string]string{}, gitRoots: map[string]string{}, workspace: getenv("GITHUB_WORKSPACE")}
	m.cwd, _ = os.Getwd()
	for _, f := range r.Files {
		if f.AbsPath != "" {
			m.byPath[f.Path] = m.fromAbs(f.AbsPath, f.RelPath)
		} else if f.RelPath != "" {
			m.byPath[f.Path] = f.RelPath
		}
	}
	return m
}

// repoPath returns the repository-relative slash path for a display path.
func (m *pathMapper) repoPath(display string) string {
	if p, ok := m.byPath[display]; ok {
		return p
	}
	p := display
	if !filepath.IsAbs(p) && m.cwd != "" {
		p = filepath.Join(m.cwd, filepath.FromSlash(display))
	}
	rel := m.fromAbs(p, display)
	m.byPath[display] = rel
	return rel
}

func (m *pathMapper) fromAbs(abs, fallback string) string {
	if root := m.gitRoot(filepath.Dir(abs)); root != "" {
		if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	if m.workspace != "" {
		if rel, err := filepath.Rel(m.workspace, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return fallback
}

// gitRoot returns the nearest ancestor of dir with a .git entry that is not
// a submodule's, or "". A submodule's files are reported by their path in
// the repository that holds it: that is the repository GitHub annotates.
func (m *pathMapper) gitRoot(dir string) string {
	if r, ok := m.gitRoots[dir]; ok {
		return r
	}
	var root string
	if st, err := os.Stat(filepath.Join(dir, ".git")); err == nil && !(st.Mode().IsRegular() && isSubmodule(filepath.Join(dir, ".git"))) {
		root = dir
	} else if parent := filepath.Dir(dir); parent != dir {
		root = m.gitRoot(parent)
	}
	m.gitRoots[dir] = root
	return root
}

// isSubmodule reports whether the .git file at path points into another
// repository's .git/modules, as a submodule's does (git submodule update,
// actions/checkout with submodules: true). A worktree's points into
// .git/worktrees and is a repository root of its own.
func isSubmodule(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	gitdir, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
	return ok && strings.Contains(filepath.ToSlash(strings.TrimSpace(gitdir)), ".git/modules/")
}
