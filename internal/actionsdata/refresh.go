// Package actionsdata refreshes gantry's table of popular actions
// (lint/data/actions.json) from the GitHub API: the current major of each
// action from its latest release, and which of its majors declare a node
// runtime that GitHub removed, from runs.using in each major's action.yml.
// The removed runtimes and the majors that fail outright are facts from
// GitHub's changelog, kept by hand in the table; Refresh leaves them alone.
package actionsdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v62/github"
	"go.yaml.in/yaml/v4"

	"github.com/gantry-ci/gantry/lint"
)

var majorRe = regexp.MustCompile(`^v?(\d+)(?:\.\d+){0,2}$`)

// Refresh returns a copy of d with each action's current major and its
// majors on a removed runtime looked up through c, checked on date
// (YYYY-MM-DD). An action the API does not answer for fails the refresh:
// a half-refreshed table would carry a checked date it does not deserve.
func Refresh(ctx context.Context, c *github.Client, d *lint.ActionData, date string) (*lint.ActionData, error) {
	out := *d
	out.Checked = date
	out.Actions = make(map[string]lint.ActionRelease, len(d.Actions))
	names := make([]string, 0, len(d.Actions))
	for name := range d.Actions {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rel, err := refreshAction(ctx, c, name, d.Actions[name], d.RemovedRuntimes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out.Actions[name] = rel
	}
	return &out, nil
}

func refreshAction(ctx context.Context, c *github.Client, name string, old lint.ActionRelease, removed map[string]string) (lint.ActionRelease, error) {
	owner, repo, ok := strings.Cut(name, "/")
	if !ok {
		return old, fmt.Errorf("not owner/repo")
	}
	latest, _, err := c.Repositories.GetLatestRelease(ctx, owner, repo)
	if err != nil {
		return old, fmt.Errorf("latest release: %w", err)
	}
	cur, ok := major(latest.GetTagName())
	if !ok {
		return old, fmt.Errorf("latest release tag %q is not a version", latest.GetTagName())
	}
	rel := old
	rel.Current = "v" + strconv.Itoa(cur)
	rel.RuntimeRemoved = nil
	for m := 1; m <= cur; m++ {
		tag := "v" + strconv.Itoa(m)
		using, found, err := runsUsing(ctx, c, owner, repo, tag)
		if err != nil {
			return old, fmt.Errorf("%s: %w", tag, err)
		}
		if !found {
			// no such tag, or no action.yml at the root (github/codeql-action
			// keeps one per sub-action): keep what the table said
			if slices.Contains(old.RuntimeRemoved, tag) {
				rel.RuntimeRemoved = append(rel.RuntimeRemoved, tag)
			}
			continue
		}
		if _, gone := removed[using]; gone {
			rel.RuntimeRemoved = append(rel.RuntimeRemoved, tag)
		}
	}
	return rel, nil
}

func major(tag string) (int, bool) {
	m := majorRe.FindStringSubmatch(tag)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// runsUsing reads runs.using from the action.yml (or action.yaml) at ref;
// found is false when neither exists there.
func runsUsing(ctx context.Context, c *github.Client, owner, repo, ref string) (using string, found bool, err error) {
	for _, file := range []string{"action.yml", "action.yaml"} {
		fc, _, resp, err := c.Repositories.GetContents(ctx, owner, repo, file, &github.RepositoryContentGetOptions{Ref: ref})
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			continue
		}
		if err != nil {
			return "", false, err
		}
		if fc == nil {
			return "", false, errors.New(file + " is a directory")
		}
		text, err := fc.GetContent()
		if err != nil {
			return "", false, fmt.Errorf("%s: %w", file, err)
		}
		var meta struct {
			Runs struct {
				Using string `yaml:"using"`
			} `yaml:"runs"`
		}
		if err := yaml.Unmarshal([]byte(text), &meta); err != nil {
			return "", false, fmt.Errorf("%s: %w", file, err)
		}
		return strings.ToLower(strings.TrimSpace(meta.Runs.Using)), true, nil
	}
	return "", false, nil
}

// Encode writes the table as lint/data/actions.json holds it.
func Encode(d *lint.ActionData) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
