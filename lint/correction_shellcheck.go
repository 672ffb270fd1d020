package lint

import (
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// shellcheckRe matches actionlint's shellcheck finding:
// "shellcheck reported issue in this script: SC2086:info:3:6: Double quote ...".
var shellcheckRe = lazyre.New(`^shellcheck reported issue in this script: SC(\d+):(\w+):(-?\d+):(\d+): `)

// shellcheckIssue is one shellcheck finding as actionlint reports it.
type shellcheckIssue struct {
	code   int
	level  string
	line   int // in the run: script, 1-based
	column int
}

func parseShellcheck(msg string) (shellcheckIssue, bool) {
	m := shellcheckRe.FindStringSubmatch(msg)
	if m == nil {
		return shellcheckIssue{}, false
	}
	code, _ := strconv.Atoi(m[1])
	line, _ := strconv.Atoi(m[3])
	col, _ := strconv.Atoi(m[4])
	return shellcheckIssue{code: code, level: m[2], line: line, column: col}, true
}

var shellcheckSeverityCorrection = &Correction{
	ID:   "shellcheck-level",
	Rule: "shellcheck",
	Reason: "actionlint reports every shellcheck finding as an error; shellcheck's own level decides " +
		"(error stays error, warning stays warning, info and style are info), so that quoting advice does not fail a build",
	apply: func(_ *correctionContext, fd *Finding) bool {
		is, ok := parseShellcheck(fd.Message)
		if !ok {
			return true
		}
		switch is.level {
		case "error":
			fd.Severity = SeverityError
		case "warning":
			fd.Severity = SeverityWarning
		default: // info, style
			fd.Severity = SeverityInfo
		}
		return true
	},
}

var shellcheckNotShellCorrection = &Correction{
	ID:   "shellcheck-not-shell",
	Rule: "shellcheck",
	Reason: "actionlint assumes bash where the step runs PowerShell: on a Windows runner picked through the matrix, " +
		"or in a step that runs only on Windows; shellcheck's findings there are about another language",
	apply: func(c *correctionContext, fd *Finding) bool {
		r, ok := c.runAt(fd)
		if !ok {
			return true
		}
		return !runsOnlyOnWindows(c.workflow, r)
	},
}

// windowsCondRe matches if: conditions that hold only on Windows runners:
// runner.os == 'Windows', matrix.os == 'windows-latest',
// startsWith(matrix.os, 'windows'), contains(matrix.os, 'windows').
var windowsCondRe = lazyre.New(`(?i)(==\s*['"]win|startsWith\([^,()]*,\s*['"]win|contains\([^,()]*,\s*['"]windows)`)

// runsOnlyOnWindows reports whether a run: step without an explicit shell
// (and no defaults.run.shell, which actionlint honours) runs under
// PowerShell: every runner label the job can get is a Windows one, or the
// step's if: holds only on Windows.
func runsOnlyOnWindows(w *actionlint.Workflow, r runStep) bool {
	if r.run.Shell != nil || (r.job.Defaults != nil && r.job.Defaults.Run != nil && r.job.Defaults.Run.Shell != nil) ||
		(w.Defaults != nil && w.Defaults.Run != nil && w.Defaults.Run.Shell != nil) {
		return false
	}
	if r.step.If != nil && !strings.Contains(r.step.If.Value, "!=") && windowsCondRe.MatchString(r.step.If.Value) {
		return true
	}
	labels := jobRunnerLabels(r.job)
	if len(labels) == 0 {
		return false
	}
	for _, l := range labels {
		if !isWindowsLabel(l) {
			return false
		}
	}
	return true
}

func isWindowsLabel(l string) bool {
	l = strings.ToLower(l)
	return l == "windows" || strings.HasPrefix(l, "windows-")
}

// jobRunnerLabels returns the runs-on labels a job may get, reading
// runs-on: ${{ matrix.x }} from the matrix; nil when they are not known.
func jobRunnerLabels(j *actionlint.Job) []string {
	if j.RunsOn == nil {
		return nil
	}
	labels := j.RunsOn.Labels
	if j.RunsOn.LabelsExpr != nil {
		labels = []*actionlint.String{j.RunsOn.LabelsExpr}
	}
	var out []string
	for _, l := range labels {
		if !l.ContainsExpression() {
			out = append(out, l.Value)
			continue
		}
		vs, ok := matrixValues(j, l.Value)
		if !ok {
			return nil
		}
		out = append(out, vs...)
	}
	return out
}

var shellcheckRunnerVarCorrection = &Correction{
	ID:   "shellcheck-runner-var",
	Rule: "shellcheck",
	Reason: "SC2086 (quote to prevent word splitting) on a variable the runner sets, such as $GITHUB_OUTPUT, " +
		"$GITHUB_WORKSPACE, $RUNNER_TEMP or $HOME: their values are paths or flags without spaces on hosted runners",
	apply: func(c *correctionContext, fd *Finding) bool {
		is, ok := parseShellcheck(fd.Message)
		if !ok || is.code != 2086 {
			return true
		}
		r, ok := c.runAt(fd)
		if !ok || r.run.Run == nil {
			return true
		}
		name, ok := variableAt(r.run.Run.Value, is.line, is.column)
		return !ok || !isRunnerVariable(name)
	},
}

// variableAt returns the name of the shell variable expanded at line and
// column (1-based, as shellcheck counts them) of a script.
func variableAt(script string, line, col int) (string, bool) {
	text, i, ok := scriptPosition(script, line, col)
	if !ok || text[i] != '$' {
		return "", false
	}
	rest := strings.TrimPrefix(text[i+1:], "{")
	n := 0
	for n < len(rest) && (rest[n] == '_' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= 'a' && rest[n] <= 'z' || n > 0 && rest[n] >= '0' && rest[n] <= '9') {
		n++
	}
	return rest[:n], n > 0
}

// scriptPosition returns the script line that a shellcheck position (line
// and column, 1-based, tabs to the next multiple of 8) is on and the byte
// offset of the column in it; ok is false when the position is not a
// character of the script.
func scriptPosition(script string, line, col int) (text string, offset int, ok bool) {
	lines := strings.Split(script, "\n")
	if line < 1 || line > len(lines) || col < 1 {
		return "", 0, false
	}
	text = lines[line-1]
	i, c := 0, 1
	for i < len(text) && c < col {
		if text[i] == '\t' {
			c += 8 - (c-1)%8
		} else {
			c++
		}
		i++
	}
	if c != col || i >= len(text) {
		return "", 0, false
	}
	return text, i, true
}

// runnerVariables are set by the GitHub Actions runner, with values that
// never split into words on hosted runners.
var runnerVariables = map[string]bool{"HOME": true, "CI": true, "ImageOS": true, "ImageVersion": true}

func isRunnerVariable(name string) bool {
	return runnerVariables[name] || strings.HasPrefix(name, "GITHUB_") || strings.HasPrefix(name, "RUNNER_") || strings.HasPrefix(name, "ACTIONS_")
}
