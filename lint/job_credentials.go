package lint

import (
	"path"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
)

// This file is gantry's model of git and gh credentials in a job: which
// actions/checkout owns the directory a command runs in, what it persisted,
// how later steps reconfigure git, and what a token value refers to. The
// token-no-trigger rule asks it which credential a push, pull request or
// release is made with.

// credKind is what kind of credential a step authenticates with.
type credKind int

const (
	credUnknown credKind = iota
	credGitHubToken
	credOther
)

// cred is the credential a step authenticates with, and why gantry thinks so.
type cred struct {
	kind credKind
	why  string
}

// jobCredentials answers which credential a step of job j authenticates
// with, following its checkouts and git configuration.
type jobCredentials struct {
	j *RepoJob
}

// lastCheckout returns the last actions/checkout step before index i
// that checks out into the workspace root.
func (jc *jobCredentials) lastCheckout(i int) *RepoStep { return jc.checkoutAt(i, "") }

// checkoutAt returns the actions/checkout step before index i that owns
// the directory dir (relative to the workspace; "" is the root): the one
// whose path: is dir or its closest parent, the latest among equals.
func (jc *jobCredentials) checkoutAt(i int, dir string) *RepoStep {
	dir = cleanWorkDir(dir)
	var best *RepoStep
	bestLen := -1
	for k := 0; k < min(i, len(jc.j.Steps)); k++ {
		s := jc.j.Steps[k]
		if !s.Is("actions/checkout") {
			continue
		}
		p := ""
		if v := s.Input("path"); v != nil {
			p = cleanWorkDir(v.Value)
		}
		if p != "" && p != dir && !strings.HasPrefix(dir, p+"/") {
			continue
		}
		if len(p) >= bestLen {
			best, bestLen = s, len(p)
		}
	}
	return best
}

// cleanWorkDir cleans a directory relative to the workspace, with "" for
// the workspace itself.
func cleanWorkDir(d string) string {
	d = strings.TrimSpace(d)
	d = strings.TrimPrefix(d, "${{ github.workspace }}")
	d = strings.TrimPrefix(d, "$GITHUB_WORKSPACE")
	d = cleanRel(d)
	if d == "." {
		return ""
	}
	return d
}

// pushDir returns the directory a git command of step s runs in: the
// step's working directory, changed by cd commands before it. ok is false
// when a cd goes somewhere gantry cannot tell.
func pushDir(s *RepoStep, cmd *shellCmd) (string, bool) {
	dir := workingDir(s)
	if a, ok := s.Step.Exec.(*actionlint.ExecAction); ok {
		for _, in := range []string{"repository", "cwd"} {
			if v := a.Inputs[in]; v != nil && v.Value != nil && (s.Is("stefanzweifel/git-auto-commit-action") && in == "repository" || s.Is("endbug/add-and-commit") && in == "cwd") {
				dir = v.Value.Value
			}
		}
	}
	if strings.Contains(dir, "$") {
		return "", false
	}
	run := s.Run()
	if run == nil || cmd == nil {
		return dir, true
	}
	var stack []string
	for _, c := range s.Commands() {
		if c.Line > cmd.Line || c.Line == cmd.Line && c.Col >= cmd.Col {
			break
		}
		if len(c.Words) == 0 {
			continue
		}
		switch c.Words[0] {
		case "cd", "pushd":
			if len(c.Words) < 2 || strings.Contains(c.Words[1], "$") || strings.HasPrefix(c.Words[1], "/") || strings.HasPrefix(c.Words[1], "~") || c.Words[1] == "-" {
				return "", false
			}
			if c.Words[0] == "pushd" {
				stack = append(stack, dir)
			}
			dir = path.Join(dir, c.Words[1])
		case "popd":
			if len(stack) == 0 {
				return "", false
			}
			dir, stack = stack[len(stack)-1], stack[:len(stack)-1]
		}
	}
	return dir, true
}

// gitCred decides what credential a git push (cmd, or an action that
// pushes with the checkout's credentials when cmd is nil) uses.
func (jc *jobCredentials) gitCred(s *RepoStep, cmd *shellCmd) cred {
	if cmd != nil {
		for _, w := range cmd.Words {
			if strings.Contains(w, "://") && strings.Contains(w, "@") {
				return jc.classify(s, cmd, w, "the token in the push URL", 0)
			}
		}
	}
	idx := slices.Index(jc.j.Steps, s)
	dir, ok := pushDir(s, cmd)
	if !ok {
		return cred{}
	}
	co := jc.checkoutAt(idx, dir)
	start := 0
	if co != nil {
		start = slices.Index(jc.j.Steps, co) + 1
	}
	// the last reconfiguration of git's credentials before the push wins
	for k := idx; k >= start; k-- {
		st := jc.j.Steps[k]
		run := st.Run()
		if run == nil {
			continue
		}
		cmds := st.Commands()
		for i := len(cmds) - 1; i >= 0; i-- {
			c := cmds[i]
			if k == idx && cmd != nil && c.Line > cmd.Line {
				continue
			}
			if isGitAuthCommand(c) {
				return jc.classify(st, &c, strings.Join(c.Words, " "), "the token git is configured with", 0)
			}
		}
	}
	if co == nil {
		return cred{}
	}
	if repo := co.Input("repository"); repo != nil && !isThisRepository(repo.Value) {
		return cred{credOther, "another repository"}
	}
	if co.Input("ssh-key") != nil {
		return cred{credOther, "an ssh key"}
	}
	if pc := co.Input("persist-credentials"); pc != nil && strings.EqualFold(strings.TrimSpace(pc.Value), "false") {
		return cred{}
	}
	if tok := co.Input("token"); tok != nil {
		return jc.classify(co, nil, tok.Value, "the token input of actions/checkout", 0)
	}
	return cred{credGitHubToken, "the default credential that actions/checkout persists"}
}

// isThisRepository reports whether a repository: input names the workflow's
// own repository (not, say, ${{ github.repository }}.wiki).
func isThisRepository(v string) bool {
	v = strings.ReplaceAll(strings.TrimSpace(v), " ", "")
	return v == "${{github.repository}}"
}

func isGitAuthCommand(c shellCmd) bool {
	if len(c.Words) == 0 {
		return false
	}
	switch c.Words[0] {
	case "git":
		sub := c.Sub()
		if len(sub) >= 2 && sub[0] == "remote" && (sub[1] == "set-url" || sub[1] == "add") {
			return true
		}
		if len(sub) >= 1 && sub[0] == "config" {
			for _, w := range sub[1:] {
				lw := strings.ToLower(w)
				if strings.HasPrefix(lw, "url.") || strings.Contains(lw, "extraheader") || strings.HasPrefix(lw, "credential") {
					return true
				}
			}
		}
	case "gh":
		sub := c.Sub()
		return len(sub) >= 2 && sub[0] == "auth" && sub[1] == "setup-git"
	}
	return false
}

// ghCred decides what credential gh uses: GH_TOKEN, then GITHUB_TOKEN, or
// a gh auth login earlier in the step.
func (jc *jobCredentials) ghCred(s *RepoStep, cmd *shellCmd, run *actionlint.String) cred {
	for _, line := range strings.Split(run.Value, "\n") {
		if strings.Contains(line, "gh auth login") {
			return jc.classify(s, cmd, line, "the token of gh auth login", 0)
		}
	}
	return jc.envCred(s, cmd, "GH_TOKEN", "GITHUB_TOKEN")
}

// envCred classifies the first of the env variables that is set.
func (jc *jobCredentials) envCred(s *RepoStep, cmd *shellCmd, names ...string) cred {
	for _, n := range names {
		if cmd != nil {
			if v, ok := cmd.Assign[n]; ok {
				return jc.classify(s, cmd, v, n, 0)
			}
		}
		if v := s.Env(n); v != nil {
			return jc.classify(s, cmd, v.Value, "env "+n, 0)
		}
	}
	return cred{}
}

// classify decides what credential a value refers to: GITHUB_TOKEN
// (github.token, secrets.GITHUB_TOKEN), another secret or step output (a
// PAT or an app token), or unknown. Environment variables are followed.
func (jc *jobCredentials) classify(s *RepoStep, cmd *shellCmd, v, where string, depth int) cred {
	if depth > 3 {
		return cred{}
	}
	gh, other := false, false
	var envRefs []string
	spans, _ := exprSpans(v)
	for _, sp := range spans {
		actionlint.VisitExprNode(sp.node, func(node, _ actionlint.ExprNode, entering bool) {
			p, ok := contextPath(node)
			if !entering || !ok {
				return
			}
			switch {
			case p == "github.token" || p == "secrets.github_token":
				gh = true
			case strings.HasPrefix(p, "env."):
				envRefs = append(envRefs, strings.TrimPrefix(p, "env."))
			case strings.Count(p, ".") >= 1 && (strings.HasPrefix(p, "secrets.") || strings.HasPrefix(p, "steps.") ||
				strings.HasPrefix(p, "needs.") || strings.HasPrefix(p, "inputs.") || strings.HasPrefix(p, "vars.")):
				other = true
			}
		})
	}
	rest := v
	for i := len(spans) - 1; i >= 0; i-- {
		rest = rest[:spans[i].start] + rest[spans[i].end:]
	}
	envRefs = append(envRefs, shellVars(rest)...)
	for _, name := range envRefs {
		var val string
		found := false
		if cmd != nil {
			val, found = cmd.Assign[name]
		}
		if !found {
			if e := s.Env(name); e != nil {
				val, found = e.Value, true
			}
		}
		if !found {
			continue
		}
		switch jc.classify(s, nil, val, where, depth+1).kind {
		case credGitHubToken:
			gh = true
		case credOther:
			other = true
		}
	}
	switch {
	case other:
		return cred{credOther, where}
	case gh:
		return cred{credGitHubToken, "through " + where}
	}
	return cred{}
}
