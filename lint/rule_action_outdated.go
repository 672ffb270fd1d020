package lint

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// actionOutdatedRule flags popular actions pinned two or more major
// versions behind the current one, or to a major whose runtime GitHub
// removed, from the data table in lint/data/actions.json. One major behind
// is how most maintained repositories look between two dependabot runs, so
// it is not reported.
//
// It runs in the repository pass so that one walk covers the steps of
// workflows and of composite actions (action.yml) alike.
var actionOutdatedRule = &Rule{
	ID: "action-outdated", Source: SourceGantry, Target: TargetRepository, Severity: SeverityInfo,
	Summary:         "a popular action pinned two or more major versions behind, or to a major whose runtime GitHub removed",
	CheckRepository: checkActionOutdated,
}

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

var actionData = func() *ActionData {
	var d ActionData
	if err := json.Unmarshal(actionsJSON, &d); err != nil {
		panic("lint/data/actions.json: " + err.Error())
	}
	return &d
}()

// Actions returns gantry's table of current action versions.
func Actions() *ActionData { return actionData }

// CurrentActionMajor returns the current major version tag (such as "v7")
// of the action in uses: form ("actions/checkout", "github/codeql-action/init",
// with or without @ref), when the table knows it.
func CurrentActionMajor(action string) (string, bool) {
	a, _ := splitUses(action)
	rel, ok := actionData.Actions[actionRepo(a)]
	return rel.Current, ok
}

// actionRepo returns owner/repo of an action path such as owner/repo/sub.
func actionRepo(action string) string {
	parts := strings.SplitN(action, "/", 3)
	if len(parts) < 2 {
		return action
	}
	return parts[0] + "/" + parts[1]
}

var (
	versionRefRe = lazyre.New(`^v?(\d+)(?:\.\d+){0,2}$`)
	shaRefRe     = lazyre.New(`^[0-9a-fA-F]{40}$`)
	versionCmtRe = lazyre.New(`#\s*(?:tag[:=]\s*)?v?(\d+)(?:\.\d+){0,2}\b`)
)

// refMajor returns the major version of a uses: ref. For a commit SHA it
// reads the version comment that pinning tools write after it
// (uses: owner/repo@<sha> # v4.1.0), from the source line.
func refMajor(ref, line string) (int, bool) {
	if m := versionRefRe.FindStringSubmatch(ref); m != nil {
		n, err := strconv.Atoi(m[1])
		return n, err == nil
	}
	if shaRefRe.MatchString(ref) {
		if i := strings.Index(line, ref); i >= 0 {
			if m := versionCmtRe.FindStringSubmatch(line[i+len(ref):]); m != nil {
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

// outdatedUse checks one uses: value and returns the message, or "", with
// the severity: error for a major that fails outright, else the rule's.
func outdatedUse(r *Repository, uses, srcLine string, inWorkflow bool) (string, Severity) {
	action, ref := splitUses(uses)
	rel, ok := actionData.Actions[actionRepo(action)]
	if !ok || ref == "" {
		return "", 0
	}
	have, ok := refMajor(ref, srcLine)
	if !ok {
		return "", 0
	}
	cur := majorNum(rel.Current)
	removed := rel.runtimeRemoved(have) || rel.broken(have)
	if have >= cur || cur-have < 2 && !removed {
		return "", 0
	}
	// actionlint's action rule already reports exact tags whose runtime is
	// gone, but only in workflows: it does not lint action.yml files
	if inWorkflow && r.enabled != nil && r.enabled("action") {
		if _, dup := actionlint.OutdatedPopularActionSpecs[uses]; dup {
			return "", 0
		}
	}
	name := uses[:strings.LastIndexByte(uses, '@')]
	behind := cur - have
	ver := "version"
	if behind > 1 {
		ver = "versions"
	}
	pinned := "@" + ref
	if shaRefRe.MatchString(ref) {
		pinned = fmt.Sprintf("@%s (v%d)", ref[:12], have)
	}
	why := ""
	switch {
	case rel.broken(have):
		why = ", and it fails: " + rel.Broken.Reason + " since " + rel.Broken.Since
	case removed:
		why = ", and its node runtime was removed from GitHub Actions, which runs it on a newer node instead"
	}
	var sev Severity
	if rel.broken(have) {
		sev = SeverityError
	}
	return fmt.Sprintf("%s%s is %d major %s behind the current %s%s (gantry's action data, checked %s): update to %s@%s",
		name, pinned, behind, ver, rel.Current, why, actionData.Checked, name, rel.Current), sev
}

func checkActionOutdated(r *Repository, _ any) []Finding {
	var out []Finding
	for _, w := range r.Workflows {
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				u := s.Uses()
				if u == nil || s.Action == "" || strings.HasPrefix(s.Action, "./") || strings.HasPrefix(s.Action, "docker://") {
					continue
				}
				if msg, sev := outdatedUse(r, strings.TrimSpace(u.Value), r.sourceLine(w.File, u.Pos.Line), true); msg != "" {
					fd := usesFinding(r, w.File, u, msg)
					fd.Severity = sev
					out = append(out, fd)
				}
			}
		}
	}
	for _, f := range r.Actions {
		for _, st := range compositeSteps(f) {
			if st.uses == nil || st.action == "" || strings.HasPrefix(st.action, "./") || strings.HasPrefix(st.action, "docker://") {
				continue
			}
			if msg, sev := outdatedUse(r, strings.TrimSpace(st.uses.Value), r.sourceLine(f, st.uses.Line), false); msg != "" {
				fd := finding(f, Position{st.uses.Line, st.uses.Column}, msg)
				fd.Severity = sev
				if src := r.sourceLine(f, st.uses.Line); strings.HasPrefix(src[min(st.uses.Column-1, len(src)):], st.uses.Value) {
					fd.EndLine, fd.EndColumn = st.uses.Line, st.uses.Column+len(st.uses.Value)
				}
				out = append(out, fd)
			}
		}
	}
	return out
}

// usesFinding makes a finding that spans a uses: value, so that a fix can
// replace it.
func usesFinding(r *Repository, f *File, u *actionlint.String, msg string) Finding {
	fd := finding(f, at(u), msg)
	src := r.sourceLine(f, u.Pos.Line)
	v := strings.TrimSpace(u.Value)
	if i := strings.Index(src, v); i >= 0 {
		fd.Column = i + 1
		fd.EndLine = u.Pos.Line
		fd.EndColumn = i + 1 + len(v)
	}
	return fd
}
