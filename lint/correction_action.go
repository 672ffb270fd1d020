package lint

import (
	"fmt"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// tooOldRe matches actionlint's finding on an action whose node runtime
// GitHub removed.
var tooOldRe = lazyre.New(`^the runner of "([^"]+)" action is too old to run on GitHub Actions\. `)

var actionRuntimeCorrection = &Correction{
	ID:   "action-runtime-removed",
	Rule: "action",
	Reason: "actionlint says an action on a removed node runtime (node12, node16) is \"too old to run\", but the runner " +
		"runs it on its current node and it works, with a deprecation warning: that is info. Only majors that fail " +
		"outright, such as the artifact actions before v4 (rejected by GitHub's artifact service since 2025-01-30), " +
		"stay errors, with the reason",
	apply: func(_ *correctionContext, fd *Finding) bool {
		m := tooOldRe.FindStringSubmatch(fd.Message)
		if m == nil {
			return true
		}
		spec := m[1]
		action, ref := splitUses(spec)
		rel, known := actionData().Actions[actionRepo(action)]
		have, ok := refMajor(ref, "")
		update := "update the action's version"
		if known {
			update = "update to " + action + "@" + rel.Current
		}
		if known && ok && rel.broken(have) {
			fd.Message = fmt.Sprintf("the runner of %q fails: %s since %s; %s", spec, rel.Broken.Reason, rel.Broken.Since, update)
			return true
		}
		fd.Severity = SeverityInfo
		fd.Message = fmt.Sprintf("the runner of %q is a node version GitHub removed: the runner runs it on its current node instead, with a deprecation warning on every run; %s", spec, update)
		return true
	},
}
