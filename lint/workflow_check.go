package lint

import (
	"runtime"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
)

// workflowCheck runs actionlint's checks on one workflow at a time, as
// actionlint's Linter.Lint does, without the Linter: its Lint methods reach
// actionlint's template error formatter, and text/template calls methods
// by reflection, so that the linker keeps every exported method of every
// type converted to an interface (it cannot tell which ones a template
// calls). Each worker has its own.
type workflowCheck struct {
	// workDir is where actionlint resolves relative paths of local
	// reusable workflows from.
	workDir string
	// ext runs shellcheck and pyflakes; shared by the Linter's workers.
	ext *externalLinters
	// rules, when set, changes the rules created for a file (gantry adds
	// its own and drops those the config turns off), as actionlint's
	// LinterOptions.OnRulesCreated does.
	rules func([]actionlint.Rule) []actionlint.Rule
}

// externalLinters are the external linters of a Linter and the runner
// that bounds their processes.
type externalLinters struct {
	// shellcheck and pyflakes are nil when they are off or were not found.
	shellcheck, pyflakes *externalCommand
	runner               *processRunner
}

// newExternalLinters resolves the shellcheck and pyflakes executables
// (empty is off); a linter that cannot be found is off, as in actionlint.
func newExternalLinters(shellcheck, pyflakes string) *externalLinters {
	ext := &externalLinters{runner: newProcessRunner(runtime.NumCPU())}
	if shellcheck != "" {
		ext.shellcheck, _ = lookUpCommand(shellcheck, false)
	}
	if pyflakes != "" {
		ext.pyflakes, _ = lookUpCommand(pyflakes, true)
	}
	return ext
}

// externalLinters returns the Linter's external linters, resolved on the
// first call: all its workers share their runner.
func (l *Linter) externalLinters() *externalLinters {
	l.extOnce.Do(func() { l.ext = newExternalLinters(l.opts.Shellcheck, l.opts.Pyflakes) })
	return l.ext
}

// Lint parses src, the workflow at path (the path its errors carry, and
// the one the project's config paths: match), and checks it, with the
// project's config. proj may be nil: then there is no config and no local
// action or reusable workflow is read (actionlint's Linter would look the
// project up from path; gantry always passes the one it resolved). The
// error is a rule's that could not go on: an external linter that could
// not run, or whose output did not read.
func (c *workflowCheck) Lint(path string, src []byte, proj *actionlint.Project) ([]*actionlint.Error, error) {
	var cfg *actionlint.Config
	if proj != nil {
		cfg = proj.Config()
	}
	w, all := actionlint.Parse(src)
	if w != nil {
		errs, err := c.visit(w, path, proj, cfg)
		if err != nil {
			return nil, err
		}
		all = append(all, errs...)
	}
	all = ignoreErrors(all, cfg.PathConfigs(path))
	for _, e := range all {
		e.Filepath = path
	}
	slices.SortFunc(all, compareErrors)
	// two rules (or an alias) can report the same thing at the same place
	return slices.CompactFunc(all, equalErrors), nil
}

// visit runs actionlint's rules, in actionlint's order, and those c.rules
// makes of them on the workflow, and returns their errors. The external
// linters' processes have all finished when it returns.
func (c *workflowCheck) visit(w *actionlint.Workflow, path string, proj *actionlint.Project, cfg *actionlint.Config) ([]*actionlint.Error, error) {
	actions := actionlint.NewLocalActionsCache(proj, nil)
	workflows := actionlint.NewLocalReusableWorkflowCache(proj, c.workDir, nil)
	rules := []actionlint.Rule{
		actionlint.NewRuleMatrix(),
		actionlint.NewRuleCredentials(),
		actionlint.NewRuleShellName(),
		actionlint.NewRuleRunnerLabel(),
		actionlint.NewRuleEvents(),
		actionlint.NewRuleJobNeeds(),
		actionlint.NewRuleAction(actions),
		actionlint.NewRuleEnvVar(),
		actionlint.NewRuleID(),
		actionlint.NewRuleGlob(),
		actionlint.NewRulePermissions(),
		actionlint.NewRuleWorkflowCall(path, workflows),
		actionlint.NewRuleExpression(actions, workflows),
		actionlint.NewRuleDeprecatedCommands(),
		actionlint.NewRuleIfCond(),
	}
	if cmd := c.ext.shellcheck; cmd != nil {
		r := newShellcheckRule(cmd, c.ext.runner)
		defer r.procs.wait() // when a rule failed first, or panicked
		rules = append(rules, r)
	}
	if cmd := c.ext.pyflakes; cmd != nil {
		r := newPyflakesRule(cmd, c.ext.runner)
		defer r.procs.wait()
		rules = append(rules, r)
	}
	if c.rules != nil {
		rules = c.rules(rules)
	}
	v := actionlint.NewVisitor()
	for _, r := range rules {
		v.AddPass(r)
	}
	if cfg != nil {
		for _, r := range rules {
			r.SetConfig(cfg)
		}
	}
	if err := v.Visit(w); err != nil {
		return nil, err
	}
	var all []*actionlint.Error
	for _, r := range rules {
		all = append(all, r.Errs()...)
	}
	return all, nil
}

// ignoreErrors drops the errors that an ignore: pattern of the config's
// paths: entries for the file matches.
func ignoreErrors(errs []*actionlint.Error, paths []actionlint.PathConfig) []*actionlint.Error {
	if len(paths) == 0 {
		return errs
	}
	return slices.DeleteFunc(errs, func(e *actionlint.Error) bool {
		return slices.ContainsFunc(paths, func(p actionlint.PathConfig) bool { return p.Ignore.Match(e) })
	})
}

// compareErrors orders errors by file, line, column and message, as
// actionlint sorts them.
func compareErrors(a, b *actionlint.Error) int {
	if c := strings.Compare(a.Filepath, b.Filepath); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	if a.Column != b.Column {
		return a.Column - b.Column
	}
	return strings.Compare(a.Message, b.Message)
}

// equalErrors reports whether two errors say the same thing at the same
// place, whatever their rules.
func equalErrors(a, b *actionlint.Error) bool {
	return compareErrors(a, b) == 0
}
