package lint

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rhysd/actionlint"
)

// shellcheckRule is the rule "shellcheck": it runs shellcheck on the bash
// and sh scripts of run: steps, as actionlint's rule of that name does, and
// reports each of its findings at the step's run: key with shellcheck's
// code, level and position in the script in the message (see
// parseShellcheck, which the corrections read them with).
type shellcheckRule struct {
	externalRule
	// the shells from defaults.run.shell of the workflow and of the job
	// being visited, and the runner's default shell (pwsh on Windows)
	workflowShell, jobShell, runnerShell string
}

// newShellcheckRule returns the rule for one workflow, running cmd in the
// runner's slots.
func newShellcheckRule(cmd *externalCommand, runner *processRunner) *shellcheckRule {
	return &shellcheckRule{externalRule: externalRule{
		RuleBase: actionlint.NewRuleBase("shellcheck", `runs shellcheck on the bash and sh scripts of "run:"`),
		procs:    processBatch{runner: runner, cmd: cmd},
	}}
}

// shellcheckExcluded are the checks turned off, as actionlint turns them
// off: SC1091 (a sourced file is on the CI machine, not here); SC2194,
// SC2050, SC2157 and SC2043 (a word, comparison, -z argument or loop list
// made constant by the ${{ }} placeholders turned into underscores); SC2153
// and SC2154 (variables come from env: keys that shellcheck cannot see).
const shellcheckExcluded = "SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043"

// VisitWorkflowPre reads the workflow's defaults.run.shell.
func (r *shellcheckRule) VisitWorkflowPre(w *actionlint.Workflow) error {
	if w.Defaults != nil && w.Defaults.Run != nil && w.Defaults.Run.Shell != nil {
		r.workflowShell = w.Defaults.Run.Shell.Value
	}
	return nil
}

// VisitWorkflowPost waits for the workflow's shellcheck processes; an error
// is one of them that could not run or whose output did not read.
func (r *shellcheckRule) VisitWorkflowPost(*actionlint.Workflow) error {
	r.workflowShell = ""
	return r.procs.wait()
}

// VisitJobPre reads the job's defaults.run.shell, and its runner's default
// shell: pwsh on a Windows label.
func (r *shellcheckRule) VisitJobPre(j *actionlint.Job) error {
	if j.Defaults != nil && j.Defaults.Run != nil && j.Defaults.Run.Shell != nil {
		r.jobShell = j.Defaults.Run.Shell.Value
	}
	if j.RunsOn != nil {
		for _, l := range j.RunsOn.Labels {
			if isWindowsLabel(l.Value) {
				r.runnerShell = "pwsh"
				break
			}
		}
	}
	return nil
}

// VisitJobPost forgets the job's shells.
func (r *shellcheckRule) VisitJobPost(*actionlint.Job) error {
	r.jobShell, r.runnerShell = "", ""
	return nil
}

// VisitStep starts shellcheck on the step's script when it is bash or sh.
func (r *shellcheckRule) VisitStep(s *actionlint.Step) error {
	run, ok := s.Exec.(*actionlint.ExecRun)
	if !ok || run.Run == nil {
		return nil
	}
	if sh := shellcheckDialect(r.shellOf(run)); sh != "" {
		r.check(run.Run.Value, sh, run.RunPos)
	}
	return nil
}

// shellOf returns the shell a run: step runs in: its own shell:, else the
// job's or the workflow's default, else the runner's, else bash (a Windows
// runner picked through an expression runs pwsh all the same).
func (r *shellcheckRule) shellOf(run *actionlint.ExecRun) string {
	switch {
	case run.Shell != nil:
		return run.Shell.Value
	case r.jobShell != "":
		return r.jobShell
	case r.workflowShell != "":
		return r.workflowShell
	case r.runnerShell != "":
		return r.runnerShell
	}
	return "bash"
}

// shellcheckDialect returns the --shell shellcheck checks a script of the
// shell: value in ("bash" or "sh", with or without arguments), or "" for a
// shell it does not check.
func shellcheckDialect(shell string) string {
	for _, sh := range []string{"bash", "sh"} {
		if shell == sh || strings.HasPrefix(shell, sh+" ") {
			return sh
		}
	}
	return ""
}

// check starts shellcheck on a script, with its ${{ }} placeholders blanked
// and the shell options GitHub runs it with (set -e, and -o pipefail for
// bash) on a first line, which the reported line numbers leave out.
func (r *shellcheckRule) check(script, sh string, pos *actionlint.Pos) {
	args := []string{"--norc", "-f", "json", "-x", "--shell", sh, "-e", shellcheckExcluded, "-"}
	setup := "set -e"
	if sh == "bash" {
		setup = "set -eo pipefail"
	}
	stdin := setup + "\n" + blankPlaceholders(script) + "\n"
	r.procs.start(args, stdin, func(out []byte, err error) error {
		if err != nil {
			return fmt.Errorf("`%s %s` did not run successfully while checking script at %s: %w", r.procs.cmd.path, strings.Join(args, " "), pos, err)
		}
		var issues []shellcheckJSON
		if err := json.Unmarshal(out, &issues); err != nil {
			return fmt.Errorf("could not parse JSON output from shellcheck: %w: stdout=%q", err, out)
		}
		for _, is := range issues {
			r.reportf(pos, "shellcheck reported issue in this script: SC%d:%s:%d:%d: %s",
				is.Code, is.Level, is.Line-1, is.Column, strings.TrimSuffix(is.Message, "."))
		}
		return nil
	})
}

// shellcheckJSON is one finding of shellcheck's JSON output (-f json).
type shellcheckJSON struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Level   string `json:"level"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// blankPlaceholders replaces each ${{ }} placeholder of a script with as
// many underscores as it has bytes, so that the external linters see a
// plain word (a space could break the syntax: if ${{ x }}; then) and what
// follows a placeholder keeps its byte offset. A placeholder that spans
// lines becomes one line, as in actionlint: the lines after it are
// reported that many lines up. An unclosed ${{ and what follows it stay as
// they are.
func blankPlaceholders(script string) string {
	var b strings.Builder
	rest := script
	for {
		start := strings.Index(rest, "${{")
		if start < 0 {
			break
		}
		n := strings.Index(rest[start:], "}}")
		if n < 0 {
			break
		}
		end := start + n + len("}}")
		b.WriteString(rest[:start])
		b.WriteString(strings.Repeat("_", end-start))
		rest = rest[end:]
	}
	if b.Len() == 0 {
		return script
	}
	b.WriteString(rest)
	return b.String()
}
