package lint

import (
	"strings"

	"github.com/rhysd/actionlint"
)

// credentialPersistedRule reports actions/checkout leaving the job's token
// in .git/config when a later step of the job uploads the checked-out
// folder, .git included, as an artifact or to a cache.
var credentialPersistedRule = &Rule{
	ID: "credential-persisted", Source: SourceGantry, Target: TargetWorkflow, Severity: SeverityWarning,
	Summary: "actions/checkout keeps the token in .git/config and a later step uploads that folder as an artifact or cache",
	NewWorkflowRule: func(any) actionlint.Rule {
		return &ruleCredentialPersisted{workflowRuleBase: newWorkflowRuleBase("credential-persisted")}
	},
}

type ruleCredentialPersisted struct {
	workflowRuleBase
}

// persistedCheckout is a checkout that keeps the token, and the folder it
// checks out into ("." for the workspace).
type persistedCheckout struct {
	uses *actionlint.String
	dir  string
	// longLived is a token: input other than the job's GITHUB_TOKEN, which
	// stays valid after the job ends
	longLived bool
}

// VisitJobPre follows each job's steps from its checkouts to its uploads.
func (r *ruleCredentialPersisted) VisitJobPre(j *actionlint.Job) error {
	var cos []persistedCheckout
	for _, s := range j.Steps {
		ex, ok := s.Exec.(*actionlint.ExecAction)
		if !ok || ex.Uses == nil {
			continue
		}
		action, ref := splitUses(ex.Uses.Value)
		switch action {
		case "actions/checkout":
			if pc := ex.Inputs["persist-credentials"]; pc != nil && pc.Value != nil && strings.TrimSpace(pc.Value.Value) != "true" {
				continue // false, or an expression whose value is unknown
			}
			cos = append(cos, persistedCheckout{uses: ex.Uses, dir: workspaceDir(inputValue(ex, "path")), longLived: longLivedToken(inputValue(ex, "token"))})
		case "actions/upload-artifact", "actions/cache", "actions/cache/save":
			if len(cos) == 0 {
				continue
			}
			p := ex.Inputs["path"]
			if p == nil || p.Value == nil {
				continue
			}
			if action == "actions/upload-artifact" && !uploadsHidden(ref, inputValue(ex, "include-hidden-files")) {
				continue
			}
			for _, co := range cos {
				if line := pathIncludesGit(p.Value.Value, co.dir); line != "" {
					what, sev := "as an artifact, which anyone who can read the run can download", SeverityWarning
					if action != "actions/upload-artifact" {
						// only this repository's later runs restore a cache, after
						// this job ended and GitHub revoked its GITHUB_TOKEN
						what = "to the cache, which later runs restore"
						if !co.longLived {
							sev = SeverityInfo
						}
					}
					r.reportAt(sev, p.Value.Pos,
						"path %q uploads %s/.git %s, and actions/checkout (line %d) left its token (GITHUB_TOKEN, or the token: input) in .git/config: set persist-credentials: false on the checkout, or upload only the build output",
						line, co.dir, what, co.uses.Pos.Line)
					break
				}
			}
		}
	}
	return nil
}

// longLivedToken reports whether a checkout's token: input is a credential
// that outlives the job: anything but empty (the default) or the job's own
// GITHUB_TOKEN.
func longLivedToken(token string) bool {
	switch strings.Join(strings.Fields(token), "") {
	case "", "${{github.token}}", "${{secrets.GITHUB_TOKEN}}":
		return false
	}
	return true
}

// uploadsHidden reports whether upload-artifact at ref uploads hidden files
// such as .git: v4.4.0 and later exclude them unless include-hidden-files is
// true. A commit SHA is assumed recent.
func uploadsHidden(ref, include string) bool {
	if include == "true" {
		return true
	}
	major, rest, _ := strings.Cut(strings.TrimPrefix(ref, "v"), ".")
	switch major {
	case "1", "2", "3":
		return true
	case "4":
		minor, _, _ := strings.Cut(rest, ".")
		return rest != "" && len(minor) == 1 && minor < "4"
	}
	return false
}

// pathIncludesGit returns the line of an upload path: value that includes
// dir/.git, unless another line excludes .git.
func pathIncludesGit(value, dir string) string {
	var hit string
	for _, l := range strings.Split(value, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "!") {
			if strings.Contains(l, ".git") && !strings.Contains(l, ".github") || strings.HasSuffix(l, ".git/") {
				return ""
			}
			continue
		}
		d := workspaceDir(strings.TrimSuffix(strings.TrimSuffix(l, "/**"), "/*"))
		if d == "*" || d == "**" {
			d = "."
		}
		if hit == "" && (d == dir || d == "." || d == dir+"/.git" || d == ".git" && dir == ".") {
			hit = l
		}
	}
	return hit
}
