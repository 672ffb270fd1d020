package lint

import (
	"fmt"
	"strings"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

var hardcodedCredentialRule = &Rule{
	ID: "hardcoded-credential", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityError,
	Summary: "an AWS key, GitHub or Slack token, or private key written into a workflow or action",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleHardcodedCredential{workflowRuleBase: newWorkflowRuleBase("hardcoded-credential")}
	},
	CheckAction: checkActionCredentials,
}

type ruleHardcodedCredential struct {
	workflowRuleBase
}

// VisitWorkflowPre checks every string of the workflow.
func (r *ruleHardcodedCredential) VisitWorkflowPre(w *actionlint.Workflow) error {
	ws := r.source()
	if ws.src != nil && !mayHoldCredential(ws.src) {
		return nil
	}
	for _, v := range ws.strings(w) {
		for _, c := range findCredentials(v.key, v.s.Value) {
			r.reportAt(c.severity(), ws.literalPos(v.s, c.text, c.start), "%s", c.message())
		}
	}
	return nil
}

// checkActionCredentials checks every value of an action metadata file.
func checkActionCredentials(f *File, _ any) []Finding {
	if f.YAML == nil || f.YAML.Root == nil {
		return nil
	}
	text := newSourceText(f.Src)
	var out []Finding
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], n.Content[i].Value)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, key)
			}
		case yaml.ScalarNode:
			for _, c := range findCredentials(key, n.Value) {
				line, col := n.Line, n.Column
				if base := text.offset(n.Line, n.Column); base >= 0 {
					if o := text.find(base, c.text, strings.Count(n.Value[:c.start], c.text)); o >= 0 {
						p := text.pos(o)
						line, col = p.Line, p.Col
					}
				}
				out = append(out, Finding{RuleID: "hardcoded-credential", Severity: c.severity(), Line: line, Column: col, Message: c.message()})
			}
		}
		// aliases are checked where their anchor is defined
	}
	walk(f.YAML.Root, "")
	return out
}

// severity is error for a secret, and info for an AWS access key ID: it
// is useless without its secret key, and projects publish it on purpose
// (the long-lived key behind it is aws-static-keys' finding).
func (c credential) severity() Severity {
	if c.kind == awsKeyID {
		return SeverityInfo
	}
	return 0 // the rule's default
}

func (c credential) message() string {
	if c.kind == awsKeyID {
		return fmt.Sprintf("hard-coded %s %s: it names an AWS user to anyone who can read the repository, and secret scanners flag it; pass it as a secret (${{ secrets.NAME }}), or better, assume a role through OIDC", c.kind, c.shown)
	}
	return fmt.Sprintf("hard-coded %s %s: anyone who can read the repository can use it; revoke it, and pass it as a secret (${{ secrets.NAME }}) instead", c.kind, c.shown)
}
