package lint

// lintAction parses an action metadata file and runs the action rules on it.
func (l *Linter) lintAction(f *File) []Finding {
	doc, out := parseYAML(f.Src)
	if doc == nil {
		f.Invalid = true
		return out
	}
	f.YAML = doc
	if doc.Root == nil {
		return append(out, Finding{RuleID: "syntax-check", Line: 1, Column: 1, Message: "action metadata is empty"})
	}
	for _, rule := range gantryRules {
		if rule.CheckAction != nil && l.ruleRuns(f.cfg, rule) {
			out = append(out, rule.CheckAction(f, ruleOptions(f.cfg, rule))...)
		}
	}
	return out
}
