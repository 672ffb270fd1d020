package lint

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/rhysd/actionlint"
)

// pyflakesRule is the rule "pyflakes": it runs pyflakes on the scripts of
// run: steps whose shell is python, as actionlint's rule of that name does,
// and reports each of its findings at the step's run: key.
type pyflakesRule struct {
	externalRule
	// whether defaults.run.shell of the workflow and of the job being
	// visited is python
	workflowPython, jobPython pythonShell
}

// pythonShell is whether a shell: value is python; unset when there is no
// shell: to say.
type pythonShell int

const (
	pythonUnset pythonShell = iota
	pythonYes
	pythonNo
)

// pythonShellOf tells whether a shell: value (nil when absent) is python,
// with or without arguments.
func pythonShellOf(shell *actionlint.String) pythonShell {
	switch {
	case shell == nil:
		return pythonUnset
	case shell.Value == "python" || strings.HasPrefix(shell.Value, "python "):
		return pythonYes
	}
	return pythonNo
}

// newPyflakesRule returns the rule for one workflow, running cmd (with
// stderr read as output) in the runner's slots.
func newPyflakesRule(cmd *externalCommand, runner *processRunner) *pyflakesRule {
	return &pyflakesRule{externalRule: externalRule{
		RuleBase: actionlint.NewRuleBase("pyflakes", `runs pyflakes on the scripts of "run:" whose shell is python`),
		procs:    processBatch{runner: runner, cmd: cmd},
	}}
}

// VisitWorkflowPre reads the workflow's defaults.run.shell.
func (r *pyflakesRule) VisitWorkflowPre(w *actionlint.Workflow) error {
	if w.Defaults != nil && w.Defaults.Run != nil {
		r.workflowPython = pythonShellOf(w.Defaults.Run.Shell)
	}
	return nil
}

// VisitWorkflowPost waits for the workflow's pyflakes processes; an error
// is one of them that could not run or whose output did not read.
func (r *pyflakesRule) VisitWorkflowPost(*actionlint.Workflow) error {
	r.workflowPython = pythonUnset
	return r.procs.wait()
}

// VisitJobPre reads the job's defaults.run.shell.
func (r *pyflakesRule) VisitJobPre(j *actionlint.Job) error {
	if j.Defaults != nil && j.Defaults.Run != nil {
		r.jobPython = pythonShellOf(j.Defaults.Run.Shell)
	}
	return nil
}

// VisitJobPost forgets the job's shell.
func (r *pyflakesRule) VisitJobPost(*actionlint.Job) error {
	r.jobPython = pythonUnset
	return nil
}

// VisitStep starts pyflakes on the step's script when its shell is python:
// its own shell:, else the job's default, else the workflow's.
func (r *pyflakesRule) VisitStep(s *actionlint.Step) error {
	run, ok := s.Exec.(*actionlint.ExecRun)
	if !ok || run.Run == nil {
		return nil
	}
	py := pythonShellOf(run.Shell)
	if py == pythonUnset {
		py = r.jobPython
	}
	if py == pythonUnset {
		py = r.workflowPython
	}
	if py == pythonYes {
		r.check(run.Run.Value, run.RunPos)
	}
	return nil
}

// check starts pyflakes on a script with its ${{ }} placeholders blanked.
func (r *pyflakesRule) check(script string, pos *actionlint.Pos) {
	r.procs.start(nil, blankPlaceholders(script), func(out []byte, err error) error {
		if err != nil {
			return fmt.Errorf("`%s` did not run successfully while checking script at %s: %w", r.procs.cmd.path, pos, err)
		}
		for len(out) > 0 {
			if out, err = r.report(out, pos); err != nil {
				return err
			}
		}
		return nil
	})
}

// report reports the first "<stdin>:line:col: message" line of out and
// returns the output after it; nil when out has no more such line (the
// lines after a syntax error's, which quote the code, have none).
func (r *pyflakesRule) report(out []byte, pos *actionlint.Pos) ([]byte, error) {
	const prefix = "<stdin>:"
	i := bytes.Index(out, []byte(prefix))
	if i < 0 {
		return nil, nil
	}
	rest := out[i+len(prefix):]
	msg, after, ok := bytes.Cut(rest, []byte{'\n'})
	if !ok {
		return nil, fmt.Errorf(`error message from pyflakes does not end with \n nor \r\n while checking script at %s. output: %q`, pos, out)
	}
	msg = bytes.TrimSuffix(msg, []byte{'\r'})
	r.reportf(pos, "pyflakes reported issue in this script: %s", msg)
	return after, nil
}
