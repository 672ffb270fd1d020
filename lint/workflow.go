package lint

import (
	"github.com/rhysd/actionlint"
)

// worker is one lint goroutine's state. Its check is its own: the check
// calls the worker's hook.
type worker struct {
	check *workflowCheck
	// hook is what the check calls on the rules it created for the file
	// being linted.
	hook func([]actionlint.Rule) []actionlint.Rule
	// messages are the messages of the findings the worker made.
	messages messageTable
	// packing is the buffer that File.releaseSource compresses into.
	packing []byte
}

func (l *Linter) newWorker() *worker {
	w := &worker{messages: messageTable{}}
	w.check = &workflowCheck{workDir: l.workDir, ext: l.externalLinters(), rules: func(rs []actionlint.Rule) []actionlint.Rule {
		if w.hook == nil {
			return rs
		}
		return w.hook(rs)
	}}
	return w
}

// collector captures the parsed workflow so that repository rules and other
// commands need not parse it again.
type collector struct {
	actionlint.RuleBase
	workflow *actionlint.Workflow
}

func (c *collector) VisitWorkflowPre(n *actionlint.Workflow) error {
	c.workflow = n
	return nil
}

// lintWorkflow runs actionlint's checks and gantry's workflow rules on one file.
func (l *Linter) lintWorkflow(w *worker, f *File) []Finding {
	if line, col, msg, bomb := aliasBomb(f.Src); bomb {
		f.Invalid = true
		return []Finding{{RuleID: invalidFileRule.ID, Line: line, Column: col, Message: msg}}
	}
	cfg := f.cfg
	proj, _ := l.project(f.Root) // resolved, and errors reported, in run
	col := &collector{RuleBase: actionlint.NewRuleBase("gantry-collector", "")}
	ws := newWorkflowSource(f.Src)
	cc := newCorrectionContext(ws)
	w.hook = func(rs []actionlint.Rule) []actionlint.Rule {
		out := rs[:0]
		for _, r := range rs {
			if rule, ok := LookupRule(r.Name()); !ok || l.ruleRuns(cfg, rule) {
				if r.Name() == "shellcheck" && cfg != nil && cfg.Shellcheck != nil && !*cfg.Shellcheck {
					continue
				}
				if r.Name() == "pyflakes" && cfg != nil && cfg.Pyflakes != nil && !*cfg.Pyflakes {
					continue
				}
				out = append(out, r)
			}
		}
		if !l.opts.rawActionlint {
			out = append(prepareRules(cc), out...)
		}
		for _, rule := range gantryRules {
			if rule.NewWorkflowRule != nil && l.ruleRuns(cfg, rule) {
				r := rule.NewWorkflowRule(ruleOptions(cfg, rule))
				if su, ok := r.(sourceUser); ok {
					su.useSource(ws)
				}
				out = append(out, r)
			}
		}
		return inDocumentOrder(append(out, col))
	}
	defer func() { w.hook = nil }()
	path := f.Path
	errs, err := w.check.Lint(path, f.Src, proj)
	if err != nil {
		// an external linter failed; the message is the one it had when
		// actionlint's Linter ran the checks
		return []Finding{{RuleID: internalErrorRule.ID, Line: 1, Column: 1, Message: "actionlint failed: " + err.Error()}}
	}
	f.Workflow, f.jobKinds = col.workflow, ws.kinds
	if proj != nil {
		stableLocalUses(errs, f.Workflow, proj.RootDir())
	}
	out := make([]Finding, 0, len(errs))
	for _, e := range errs {
		fd := Finding{RuleID: e.Kind, Line: e.Line, Column: e.Column, Message: e.Message}
		if r, ok := LookupRule(e.Kind); ok && r.Source == SourceGantry {
			// 0 is filled from the rule or config in finish
			fd.Severity = ws.severity(e.Kind, e.Line, e.Column, e.Message)
		}
		out = append(out, fd)
	}
	if f.Workflow == nil {
		f.Invalid = true
	}
	if !l.opts.rawActionlint {
		cc.setWorkflow(f.Workflow)
		out, f.corrections = correct(cc, out, l.opts.recordCorrections)
		f.prepared = cc.prepared
	}
	return out
}
