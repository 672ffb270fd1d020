package lint

import (
	"strconv"
	"strings"
)

// tooOldAction returns the action (as written in uses:) of actionlint's
// finding on an action whose node runtime GitHub removed, which reads
// `the runner of "SPEC" action is too old to run on GitHub Actions. ...`.
func tooOldAction(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, `the runner of "`)
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, '"')
	if i <= 0 || !strings.HasPrefix(rest[i:], `" action is too old to run on GitHub Actions. `) {
		return "", false
	}
	return rest[:i], true
}

var actionRuntimeCorrection = &Correction{
	ID:   "action-runtime-removed",
	Rule: "action",
	Reason: "actionlint says an action on a removed node runtime (node12, node16) is \"too old to run\", but the runner " +
		"runs it on its current node and it works, with a deprecation warning: that is info. Only majors that fail " +
		"outright, such as the artifact actions before v4 (rejected by GitHub's artifact service since 2025-01-30), " +
		"stay errors, with the reason",
	apply: func(_ *correctionContext, fd *Finding) bool {
		spec, ok := tooOldAction(fd.Message)
		if !ok {
			return true
		}
		action, ref := splitUses(spec)
		rel, known := actionData().Actions[actionRepo(action)]
		have, ok := refMajor(ref, nil)
		update := "update the action's version"
		if known {
			update = "update to " + action + "@" + rel.Current
		}
		if known && ok && rel.broken(have) {
			fd.Message = "the runner of " + strconv.Quote(spec) + " fails: " + rel.Broken.Reason + " since " + rel.Broken.Since + "; " + update
			return true
		}
		fd.Severity = SeverityInfo
		fd.Message = "the runner of " + strconv.Quote(spec) + " is a node version GitHub removed: the runner runs it on its current node instead, with a deprecation warning on every run; " + update
		return true
	},
}
