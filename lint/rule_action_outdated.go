package lint

import (
	"fmt"
	"strings"

	"github.com/rhysd/actionlint"
)

// actionOutdatedRule flags popular actions pinned two or more major
// versions behind the current one, or to a major whose runtime GitHub
// removed, from the data table in lint/data/actions.json. One major behind
// is how most maintained repositories look between two dependabot runs, so
// it is not reported.
//
// It is a per-step check of workflows, scanned as each is linted, and of
// composite actions (action.yml) in the repository pass.
var actionOutdatedRule = &Rule{
	ID: "action-outdated", Source: SourceGantry, Target: TargetRepository, Severity: SeverityInfo,
	Summary:         "a popular action pinned two or more major versions behind, or to a major whose runtime GitHub removed",
	ScanWorkflow:    scanEach(outdatedActionsIn),
	CheckRepository: checkActionOutdated,
}

// outdatedUse checks one uses: value and returns the message, or "", with
// the severity: error for a major that fails outright, else the rule's.
// srcLine returns the source line of the value (see refMajor).
func outdatedUse(r *Repository, uses string, srcLine func() string, inWorkflow bool) (string, Severity) {
	action, ref := splitUses(uses)
	rel, ok := actionData().Actions[actionRepo(action)]
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
		name, pinned, behind, ver, rel.Current, why, actionData().Checked, name, rel.Current), sev
}

func checkActionOutdated(r *Repository, _ any) []Finding {
	out := unscanned(r, outdatedActionsIn)
	for _, f := range r.Actions {
		for _, st := range compositeSteps(f) {
			if st.uses == nil || st.action == "" || strings.HasPrefix(st.action, "./") || strings.HasPrefix(st.action, "docker://") {
				continue
			}
			if msg, sev := outdatedUse(r, strings.TrimSpace(st.uses.Value), func() string { return r.sourceLine(f, st.uses.Line) }, false); msg != "" {
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

// outdatedActionsIn checks the actions that the steps of a workflow use.
func outdatedActionsIn(r *Repository, w *RepoWorkflow) []Finding {
	var out []Finding
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			u := s.Uses()
			if u == nil || s.Action == "" || strings.HasPrefix(s.Action, "./") || strings.HasPrefix(s.Action, "docker://") {
				continue
			}
			if msg, sev := outdatedUse(r, strings.TrimSpace(u.Value), func() string { return r.sourceLine(w.File, u.Pos.Line) }, true); msg != "" {
				fd := usesFinding(r, w.File, u, msg)
				fd.Severity = sev
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
