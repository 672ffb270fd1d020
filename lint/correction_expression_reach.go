package lint

import (
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// untrustedRe matches actionlint's finding on untrusted input in a script.
var untrustedRe = lazyre.New(`^"(github\.[^"]+)" is potentially untrusted\. `)

// payloadEvents are, for each object of the event payload that holds text an
// outsider controls, the events whose payload has it.
var payloadEvents = map[string][]string{
	"github.head_ref":             {"pull_request", "pull_request_target"},
	"github.event.issue":          {"issues", "issue_comment"},
	"github.event.pull_request":   {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"},
	"github.event.comment":        {"issue_comment", "commit_comment", "pull_request_review_comment", "discussion_comment"},
	"github.event.review":         {"pull_request_review"},
	"github.event.review_comment": {"pull_request_review_comment"},
	"github.event.discussion":     {"discussion", "discussion_comment"},
	"github.event.pages":          {"gollum"},
	"github.event.commits":        {"push"},
	"github.event.head_commit":    {"push"},
	"github.event.workflow_run":   {"workflow_run"},
	"github.event.merge_group":    {"merge_group"},
}

var untrustedAbsentCorrection = &Correction{
	ID:   "untrusted-absent",
	Rule: "expression",
	Reason: "actionlint flags an outsider's text (github.event.issue.title) in a script whatever the workflow's " +
		"triggers; when no trigger delivers that part of the payload (issue.title in a workflow run only on push) " +
		"the value is always empty and nothing can be injected, so it is info. A reusable workflow " +
		"(workflow_call) gets its caller's event and stays an error",
	apply: func(c *correctionContext, fd *Finding) bool {
		obj, delivering, names, ok := untrustedTriggers(c, fd)
		if !ok || len(delivering) > 0 {
			return true
		}
		fd.Severity = SeverityInfo
		fd.Message += " (here " + obj + " is always empty: no trigger of this workflow (" + strings.Join(names, ", ") + ") delivers it)"
		return true
	},
}

// untrustedTriggers reads actionlint's finding on an outsider's text in a
// script: the payload object it is in, the workflow's triggers that
// deliver that object and those that do not. ok is false when fd is not
// such a finding, the object or the triggers are unknown, or the workflow
// is reusable (workflow_call: it gets its caller's event).
func untrustedTriggers(c *correctionContext, fd *Finding) (obj string, delivering, others []string, ok bool) {
	m := untrustedRe.FindStringSubmatch(fd.Message)
	if m == nil || c.workflow == nil || len(c.workflow.On) == 0 {
		return "", nil, nil, false
	}
	obj = payloadObject(m[1])
	events, known := payloadEvents[obj]
	if !known {
		return "", nil, nil, false
	}
	for _, e := range c.workflow.On {
		n := e.EventName()
		switch {
		case n == "workflow_call":
			return "", nil, nil, false
		case slices.Contains(events, n):
			delivering = append(delivering, n)
		default:
			others = append(others, n)
		}
	}
	return obj, delivering, others, true
}

// payloadObject returns the key of payloadEvents that a context path is in:
// github.event.issue.title is in github.event.issue.
func payloadObject(p string) string {
	if p == "github.head_ref" || !strings.HasPrefix(p, "github.event.") {
		return p
	}
	rest := strings.TrimPrefix(p, "github.event.")
	first, _, _ := strings.Cut(rest, ".")
	first, _, _ = strings.Cut(first, "[")
	return "github.event." + first
}

var undefinedCosmeticCorrection = &Correction{
	ID:   "undefined-cosmetic",
	Rule: "expression",
	Reason: "a property that does not exist (matrix.node_version in a job without that matrix key, steps.x of a " +
		"step without id x) evaluates to an empty string. Where that string only reaches text shown to people (a " +
		"step's, job's or run's name, an echo to the log, the env of a step that only prints), a cache key of " +
		"actions/cache or the name of an uploaded artifact (less specific, the job works), or a job output no job " +
		"reads, the mistake costs nothing and is info. Everywhere else (an if:, env, any other input, needs, a " +
		"script) it changes what the job does and stays an error, and so does a matrix key that a matrix job's cache " +
		"key or artifact name lacks (every leg shares one cache or one artifact name)",
	apply: func(c *correctionContext, fd *Finding) bool {
		m := undefinedPropRe.FindStringSubmatch(fd.Message)
		if m == nil {
			return true
		}
		v := c.stringAt(fd.Line, fd.Column)
		if v == nil {
			return true
		}
		if place := cosmeticPlace(c, v, fd.Line, m[1]); place != "" {
			fd.Severity = SeverityInfo
			fd.Message += ": it evaluates to an empty string, and here it only reaches " + place
		}
		return true
	},
}

// cosmeticPlace says where an expression in v on the given line, reading
// the undefined property prop, leads when it only reaches a name, the log,
// a cache key, an artifact's name or an unread job output, and is ""
// otherwise.
func cosmeticPlace(c *correctionContext, v *visitedString, line int, prop string) string {
	switch {
	case v.step != nil && v.s == v.step.Name:
		return "the step's name"
	case v.step == nil && v.job != nil && v.s == v.job.Name:
		return "the job's name"
	case v.job == nil && v.s == c.workflow.RunName:
		return "the run's name"
	case v.step != nil && v.field == "Value" && storeKey(v.step, v.key) != "" && !matrixKeyPart(v, prop):
		return storeKey(v.step, v.key)
	case v.step != nil && v.field == "Run" && logOnlyLine(c.src, line),
		v.step != nil && v.field == "Value" && printOnlyStepEnv(v):
		return "the job's log"
	case v.jobOutput && v.field == "Value" && v.job != nil && !jobOutputRead(c, v.key, line):
		return "a job output that no job reads"
	}
	return ""
}

// matrixKeyPart reports whether the undefined property prop is read from
// the matrix, in v's string, in a job that has a matrix: a key or name part
// every leg lacks makes the legs share one cache (one platform restores
// another's) or upload artifacts under one name, which is worth fixing.
func matrixKeyPart(v *visitedString, prop string) bool {
	j := v.job
	if j == nil || j.Strategy == nil || j.Strategy.Matrix == nil {
		return false
	}
	re := regexp.MustCompile(`(?i)matrix(\s*\.\s*[a-z0-9_-]+)*\s*\.\s*` + regexp.QuoteMeta(prop) + `([^a-z0-9_-]|$)`)
	return re.MatchString(v.s.Value)
}

// storeKey says what an action input names when it only names stored data
// ("a cache key" for actions/cache's key and restore-keys, "an artifact's
// name" for actions/upload-artifact's name), and is "" otherwise.
func storeKey(s *actionlint.Step, input string) string {
	a, ok := s.Exec.(*actionlint.ExecAction)
	if !ok || a.Uses == nil {
		return ""
	}
	name, _ := splitUses(a.Uses.Value)
	switch {
	case (input == "key" || input == "restore-keys") &&
		(name == "actions/cache" || name == "actions/cache/restore" || name == "actions/cache/save"):
		return "a cache key"
	case input == "name" && name == "actions/upload-artifact":
		return "an artifact's name"
	}
	return ""
}

// logOnlyLine reports whether the script line is a command that only
// writes to the job's log (logOnly).
func logOnlyLine(ws *workflowSource, line int) bool {
	l, ok := ws.lines().line(line)
	if !ok {
		return false
	}
	l = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(l), "- "), "run:"))
	// the command must end on this line: an expression or a quoted string
	// that goes on, or a continuation, may lead to a redirection below
	if strings.Count(l, "${{") != strings.Count(l, "}}") || strings.Count(l, `"`)%2 != 0 ||
		strings.Count(l, "'")%2 != 0 || strings.HasSuffix(l, `\`) {
		return false
	}
	return logOnly(strings.TrimSpace(l))
}

// logOnly reports whether a shell command only writes to the job's log: an
// echo, printf, printenv or env without redirection, pipe, command
// substitution, chaining or workflow command (::set-output).
func logOnly(cmdline string) bool {
	cmd, _, _ := strings.Cut(cmdline, " ")
	switch cmd {
	case "echo", "printf", "printenv", "env":
	default:
		return false
	}
	if cmd == "env" && cmdline != "env" {
		return false // env runs the command that follows it
	}
	for _, bad := range []string{">", "|", "$(", "`", "::", ";", "&&", "<"} {
		if strings.Contains(cmdline, bad) {
			return false
		}
	}
	return true
}

// printOnlyStepEnv reports whether v is an env: value of a run: step whose
// script only writes to the log, so the variable only reaches the log.
func printOnlyStepEnv(v *visitedString) bool {
	s := v.step
	r, ok := s.Exec.(*actionlint.ExecRun)
	if !ok || r.Run == nil || s.Env == nil {
		return false
	}
	ev, ok := s.Env.Vars[strings.ToLower(v.key)]
	if !ok || ev.Value != v.s {
		return false
	}
	for _, l := range strings.Split(r.Run.Value, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && !logOnly(l) {
			return false
		}
	}
	return true
}

// jobOutputRead reports whether a job output named name, set on the given
// line, may be read: the workflow is reusable (its caller reads outputs),
// reads needs as a whole, or reads needs.<job>.outputs.<name>.
func jobOutputRead(c *correctionContext, name string, line int) bool {
	if _, ok := c.workflow.FindWorkflowCallEvent(); ok {
		return true
	}
	text := c.src.lines()
	if text == nil {
		return true
	}
	read := regexp.MustCompile(`needs\s*\.\s*[a-z0-9_-]+\s*\.\s*outputs\s*(\.\s*` + regexp.QuoteMeta(strings.ToLower(name)) +
		`([^a-z0-9_-]|$)|\[|\)|\s*}})|needs\s*\[|needs\s*\.\s*\*|tojson\(\s*needs\s*\)`)
	for n := 1; ; n++ {
		l, ok := text.line(n)
		if !ok {
			return false
		}
		if n != line && read.MatchString(strings.ToLower(l)) {
			return true
		}
	}
}

// objectInTemplateRe matches actionlint's finding on an object, array or
// null rendered by ${{ }}.
var objectInTemplateRe = lazyre.New(`^object, array, and null values should not be evaluated in template with \$\{\{ \}\}`)

var objectCosmeticCorrection = &Correction{
	ID:   "object-cosmetic",
	Rule: "expression",
	Reason: "an object, array or null rendered by ${{ }} becomes the text Object, Array or nothing. Where that text only reaches a step's, job's or " +
		"run's name or the log, or a cache key or artifact name in a job whose matrix has one combination (so no " +
		"other leg shares the key or name), the job works and the finding is info; in a cache key or artifact " +
		"name of a job with several combinations, every leg shares one entry, and it stays an error",
	apply: func(c *correctionContext, fd *Finding) bool {
		if !objectInTemplateRe.MatchString(fd.Message) {
			return true
		}
		v := c.stringAt(fd.Line, fd.Column)
		if v == nil {
			return true
		}
		place := cosmeticPlace(c, v, fd.Line, "")
		if place == "a cache key" || place == "an artifact's name" {
			if !oneCombination(v.job) {
				return true
			}
			place += " in a job whose matrix has one combination"
		}
		if place != "" {
			fd.Severity = SeverityInfo
			fd.Message += ": it renders as Object, Array or nothing, not its content, and here it only reaches " + place
		}
		return true
	},
}

// oneCombination reports whether job j runs at most one matrix combination:
// no matrix, or rows of one value each and no include or exclude. A matrix
// from an expression may have any number.
func oneCombination(j *actionlint.Job) bool {
	if j == nil || j.Strategy == nil || j.Strategy.Matrix == nil {
		return true
	}
	m := j.Strategy.Matrix
	if m.Expression != nil || m.Include != nil || m.Exclude != nil {
		return false
	}
	for _, r := range m.Rows {
		if r.Expression != nil || len(r.Values) != 1 {
			return false
		}
	}
	return true
}

// cacheHitConditionRe matches an if: that only compares a step's cache-hit
// output with 'true'.
var cacheHitConditionRe = lazyre.New(`(?i)^\s*(\$\{\{)?\s*steps\.([a-z0-9_-]+)\.outputs\.cache-hit\s*(==|!=)\s*'true'\s*(\}\})?\s*$`)

var cacheHitAbsentCorrection = &Correction{
	ID:   "cache-hit-absent",
	Rule: "expression",
	Reason: "an if: that only compares steps.<id>.outputs.cache-hit with 'true', for an id no step has, is " +
		"constant: the step it guards always runs (!=) or never runs (==). A cache-hit check only skips work " +
		"that a cache made unnecessary, so the job still does the right thing, only slower or without the " +
		"shortcut: info. Any other undefined step output in an if: stays an error",
	apply: func(c *correctionContext, fd *Finding) bool {
		m := undefinedPropRe.FindStringSubmatch(fd.Message)
		if m == nil {
			return true
		}
		v := c.stringAt(fd.Line, fd.Column)
		if v == nil || v.step == nil || v.field != "If" {
			return true
		}
		cm := cacheHitConditionRe.FindStringSubmatch(v.s.Value)
		if cm == nil || !strings.EqualFold(cm[2], m[1]) {
			return true
		}
		fd.Severity = SeverityInfo
		fd.Message += ": no step has that id, so this condition is constant; a cache-hit check only skips work, so the job still works, only slower"
		return true
	},
}

var untrustedUnprivilegedCorrection = &Correction{
	ID:   "untrusted-unprivileged",
	Rule: "expression",
	Reason: "when the only trigger of the workflow that delivers an outsider's text is pull_request, the run that " +
		"gets a fork's text has a read-only token and no secrets, and it runs the fork's own code anyway: an " +
		"injection gains the author nothing they do not already have, so it is info. pull_request_target, " +
		"issue_comment, workflow_run and the other privileged triggers stay an error, and so does a reusable " +
		"workflow (workflow_call), which gets its caller's event",
	apply: func(c *correctionContext, fd *Finding) bool {
		_, delivering, _, ok := untrustedTriggers(c, fd)
		if !ok || len(delivering) != 1 || delivering[0] != "pull_request" {
			return true
		}
		fd.Severity = SeverityInfo
		fd.Message += " (here only pull_request delivers it: a fork's run has a read-only token and no secrets, and runs the fork's code anyway)"
		return true
	},
}
