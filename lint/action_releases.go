package lint

import (
	_ "embed"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// This file holds gantry's table of popular actions' releases
// (lint/data/actions.json) and reads the major version of a uses: ref:
// the action-outdated rule, its fix and the action-runtime-removed
// correction of actionlint's action check all use it.

//go:embed data/actions.json
var actionsJSON []byte

// ActionData is gantry's table of the current major versions of popular
// actions.
type ActionData struct {
	// Checked is the date (YYYY-MM-DD) the table was last checked.
	Checked string `json:"checked"`
	// Source says where the versions were checked.
	Source string `json:"source"`
	// RemovedRuntimes maps each action runtime (runs.using) GitHub no
	// longer provides to what happens to actions that declare it.
	RemovedRuntimes map[string]string `json:"removed_runtimes"`
	// Actions maps owner/repo (lower case) to its current release.
	Actions map[string]ActionRelease `json:"actions"`
}

// ActionRelease is the current release of one action.
type ActionRelease struct {
	// Current is the current major version tag, such as "v7".
	Current string `json:"current"`
	// RuntimeRemoved lists the major tags whose runtime is one of the
	// RemovedRuntimes, such as ["v1", "v2", "v3"].
	RuntimeRemoved []string `json:"runtime_removed,omitempty"`
	// Broken, when set, says which majors fail outright, and why.
	Broken *BrokenMajors `json:"broken,omitempty"`
}

// BrokenMajors records the majors of an action that no longer work at all,
// because a GitHub service they depend on rejects them.
type BrokenMajors struct {
	// Below is the first major that works: every older one fails.
	Below string `json:"below"`
	// Since is the date (YYYY-MM-DD) they started to fail.
	Since string `json:"since"`
	// Reason says why they fail, in lower case.
	Reason string `json:"reason"`
}

// runtimeRemoved reports whether the runtime of major have of the action was removed.
func (r ActionRelease) runtimeRemoved(have int) bool {
	for _, v := range r.RuntimeRemoved {
		if majorNum(v) == have {
			return true
		}
	}
	return false
}

// broken reports whether major have of the action fails outright.
func (r ActionRelease) broken(have int) bool {
	return r.Broken != nil && have < majorNum(r.Broken.Below)
}

// actionData decodes the table on first use: a run that lints no uses:
// (or only prints its version) never pays for it.
var actionData = sync.OnceValue(func() *ActionData {
	var d ActionData
	if err := json.Unmarshal(actionsJSON, &d); err != nil {
		panic("lint/data/actions.json: " + err.Error())
	}
	return &d
})

// Actions returns gantry's table of current action versions.
func Actions() *ActionData { return actionData() }

// CurrentActionMajor returns the current major version tag (such as "v7")
// of the action in uses: form ("actions/checkout", "github/codeql-action/init",
// with or without @ref), when the table knows it.
func CurrentActionMajor(action string) (string, bool) {
	a, _ := splitUses(action)
	rel, ok := actionData().Actions[actionRepo(a)]
	return rel.Current, ok
}

// actionRepo returns owner/repo of an action path such as owner/repo/sub
// (a part of action, not a copy).
func actionRepo(action string) string {
	owner, rest, ok := strings.Cut(action, "/")
	if !ok {
		return action
	}
	if repo, _, ok := strings.Cut(rest, "/"); ok {
		return action[:len(owner)+1+len(repo)]
	}
	return action
}

var (
	versionRefRe = lazyre.New(`^v?(\d+)(?:\.\d+){0,2}$`)
	shaRefRe     = lazyre.New(`^[0-9a-fA-F]{40}$`)
	versionCmtRe = lazyre.New(`#\s*(?:tag[:=]\s*)?v?(\d+)(?:\.\d+){0,2}\b`)
)

// refMajor returns the major version of a uses: ref. For a commit SHA it
// reads the version comment that pinning tools write after it
// (uses: owner/repo@<sha> # v4.1.0) from the source line, which line
// returns (nil: no source), asked only then.
func refMajor(ref string, line func() string) (int, bool) {
	if m := versionRefRe.FindStringSubmatch(ref); m != nil {
		n, err := strconv.Atoi(m[1])
		return n, err == nil
	}
	if line != nil && shaRefRe.MatchString(ref) {
		src := line()
		if i := strings.Index(src, ref); i >= 0 {
			if m := versionCmtRe.FindStringSubmatch(src[i+len(ref):]); m != nil {
				n, err := strconv.Atoi(m[1])
				return n, err == nil
			}
		}
	}
	return 0, false
}

func majorNum(tag string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(tag, "v"))
	return n
}
