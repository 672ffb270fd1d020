package lint

import (
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// emptyStringMsg is actionlint's syntax-check finding on a key whose value
// must not be empty.
const emptyStringMsg = "string should not be empty"

var workingDirOverrideCorrection = &Correction{
	ID:   "working-directory-reset",
	Rule: "syntax-check",
	Reason: "an empty working-directory: on a run: step resets defaults.run.working-directory for that step, so it runs " +
		"in the workspace itself (ruby/ruby's `mkdir build` before every other step runs in build/): the runner joins " +
		"the workspace with the step's own value, and only takes the default when the step has none. actionlint " +
		"rejects the empty string; gantry accepts it where a default working directory is in effect, and still " +
		"reports it where there is none to reset",
	apply: func(c *correctionContext, fd *Finding) bool {
		if fd.Message != emptyStringMsg || c.workflow == nil {
			return true
		}
		for _, j := range c.workflow.Jobs {
			for _, s := range j.Steps {
				r, ok := s.Exec.(*actionlint.ExecRun)
				if !ok || r.WorkingDirectory == nil || !atPos(r.WorkingDirectory.Pos, fd) {
					continue
				}
				return !hasDefaultWorkingDir(c.workflow.Defaults) && !hasDefaultWorkingDir(j.Defaults)
			}
		}
		return true
	},
}

func hasDefaultWorkingDir(d *actionlint.Defaults) bool {
	return d != nil && d.Run != nil && d.Run.WorkingDirectory != nil && d.Run.WorkingDirectory.Value != ""
}

// atPos reports whether p is the position of the finding.
func atPos(p *actionlint.Pos, fd *Finding) bool {
	return p != nil && p.Line == fd.Line && p.Col == fd.Column
}

var serviceImageSkipCorrection = &Correction{
	ID:   "service-image-empty",
	Rule: "syntax-check",
	Reason: "GitHub documents an empty service image as the way to skip a service container " +
		"(jobs.<job_id>.services.<service_id>.image: \"if assigned an empty string, the service will not start\"), " +
		"usually from an expression such as ${{ inputs.redis && 'redis:7' || '' }}; actionlint rejects the empty " +
		"literal. The job container's image is not covered by that rule and is still reported",
	apply: func(c *correctionContext, fd *Finding) bool {
		if fd.Message != emptyStringMsg || c.workflow == nil {
			return true
		}
		for _, j := range c.workflow.Jobs {
			if j.Services == nil {
				continue
			}
			for _, s := range j.Services.Value {
				if s.Container != nil && s.Container.Image != nil && atPos(s.Container.Image.Pos, fd) {
					return false
				}
			}
		}
		return true
	},
}

// stepControlKeys are the step keys of GitHub's concurrent steps (2026-06):
// a step with one of them runs no script and no action of its own.
var stepControlKeys = []string{"parallel", "wait", "wait-all", "cancel"}

// noExecMsg is actionlint's finding on a step with neither run nor uses.
const noExecMsg = `step must run script with "run" section or run action with "uses" section`

// backgroundKeyRe matches actionlint's finding on the background: key.
var backgroundKeyRe = lazyre.New(`^unexpected key "background" for step to (run shell command|execute action)\. `)

var concurrentStepsCorrection = &Correction{
	ID:   "concurrent-steps",
	Rule: "syntax-check",
	Reason: "GitHub runs steps concurrently since 2026-06 (workflow syntax: jobs.<job_id>.steps[*].background, wait, " +
		"wait-all, cancel and parallel); actionlint does not know these keys yet and reports a parallel:, wait:, " +
		"wait-all: or cancel: step as one without run or uses, and background: as an unexpected key. gantry accepts " +
		"them. actionlint does not check the steps inside a parallel: group",
	apply: func(c *correctionContext, fd *Finding) bool {
		if backgroundKeyRe.MatchString(fd.Message) {
			return false
		}
		if fd.Message != noExecMsg {
			return true
		}
		return !stepHasKey(c.src, fd.Line, fd.Column, stepControlKeys)
	},
}

// stepHasKey reports whether the step mapping that starts at line:col has
// one of the keys, reading the source: actionlint's syntax tree drops keys
// it does not know. The step's keys are the lines indented to col up to the
// next line indented less or the next sequence item.
func stepHasKey(ws *workflowSource, line, col int, keys []string) bool {
	text := ws.lines()
	if text == nil {
		return false
	}
	for n := line; ; n++ {
		l, ok := text.line(n)
		if !ok {
			return false
		}
		body := l
		if n == line {
			if col-1 > len(l) {
				return false
			}
			body = l[col-1:]
		} else {
			trimmed := strings.TrimLeft(l, " ")
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			indent := len(l) - len(trimmed)
			if indent < col-1 {
				return false
			}
			if indent > col-1 {
				continue
			}
			body = trimmed
		}
		key, _, ok := strings.Cut(body, ":")
		if !ok {
			continue
		}
		key = strings.Trim(strings.TrimSpace(key), `"'`)
		for _, k := range keys {
			if key == k {
				return true
			}
		}
	}
}

// harmlessEmptyMsgRe matches actionlint's findings on an empty section that
// GitHub accepts and that means nothing: workflow_dispatch: [] and
// secrets: {}.
var harmlessEmptyMsgRe = lazyre.New(`^("workflow_dispatch" section is sequence node but mapping node is expected|"secrets" section should not be empty\. please remove this section if it's unnecessary)$`)

var emptySectionCorrection = &Correction{
	ID:   "empty-section",
	Rule: "syntax-check",
	Reason: "an explicitly empty section that GitHub accepts and that means the same as leaving it out " +
		"(workflow_dispatch: [] for a manual trigger without inputs, secrets: {} to pass a reusable workflow no " +
		"secrets, an empty branches: or tags: under an event that takes no filter) is tidiness, not a fault: info " +
		"instead of error. A non-empty sequence, or an empty filter under push or pull_request, is still an error",
	apply: func(c *correctionContext, fd *Finding) bool {
		switch {
		case harmlessEmptyMsgRe.MatchString(fd.Message):
			if strings.HasPrefix(fd.Message, `"workflow_dispatch"`) && !valueIsEmptyFlow(c.src, fd, "[]") {
				return true
			}
			fd.Severity = SeverityInfo
		case fd.Message == emptyStringMsg && unfilteredEventFilter(c.workflow, fd) != nil:
			fd.Severity = SeverityInfo
			fd.Message = "empty filter under an event that takes no filters: it restricts nothing, remove it"
		}
		return true
	},
}

// valueIsEmptyFlow reports whether the value at the finding is the flow
// collection empty ("[]" or "{}").
func valueIsEmptyFlow(ws *workflowSource, fd *Finding, empty string) bool {
	l, ok := ws.lines().line(fd.Line)
	if !ok || fd.Column-1 > len(l) {
		return false
	}
	v, _, _ := strings.Cut(l[fd.Column-1:], "#")
	return strings.TrimSpace(v) == empty
}

// filteredEvents are the events that take branches, tags or paths filters.
var filteredEvents = map[string]bool{
	"push": true, "pull_request": true, "pull_request_target": true, "workflow_run": true, "merge_group": true,
}

// unfilteredEventFilter returns the filter at the finding under an event
// that takes no filters (create: with tags:), or nil.
func unfilteredEventFilter(w *actionlint.Workflow, fd *Finding) *actionlint.WebhookEventFilter {
	if w == nil {
		return nil
	}
	for _, e := range w.On {
		we, ok := e.(*actionlint.WebhookEvent)
		if !ok || filteredEvents[we.EventName()] {
			continue
		}
		for _, f := range []*actionlint.WebhookEventFilter{we.Branches, we.BranchesIgnore, we.Tags, we.TagsIgnore, we.Paths, we.PathsIgnore} {
			if f != nil && f.Name != nil && f.Name.Pos != nil && f.Name.Pos.Line == fd.Line {
				return f
			}
		}
	}
	return nil
}
