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
		if !inDir(dir, p) {
			continue
		}
		if len(p) >= bestLen {
			best, bestLen = s, len(p)
		}
	}
	return best
}

// inDir reports whether dir is parent or inside it (every directory is
// inside the workspace, "").
func inDir(dir, parent string) bool {
	return parent == "" || dir == parent || strings.HasPrefix(dir, parent+"/")
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

// workspaceDir normalises a folder relative to the workspace, with "." for
// the workspace itself (cleanWorkDir above says "").
func workspaceDir(p string) string {
	p = strings.TrimSpace(p)
	for _, ws := range []string{"${{ github.workspace }}", "${{github.workspace}}", "$GITHUB_WORKSPACE", "${GITHUB_WORKSPACE}"} {
		p = strings.TrimPrefix(p, ws)
	}
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return "."
	}
	return path.Clean(p)
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
	cd, ok := gitDirOption(*cmd)
	if !ok {
		return "", false
	}
	return path.Join(dir, cd), true
}

// gitDirOption returns the directory that git's -C options before the
// subcommand change to ("" for none); ok is false when one is not literal.
func gitDirOption(c shellCmd) (string, bool) {
	if len(c.Words) == 0 || c.Words[0] != "git" {
		return "", true
	}
	dir := ""
	ws := c.Words[1:]
	for len(ws) > 1 && strings.HasPrefix(ws[0], "-") {
		if ws[0] == "-C" {
			if strings.Contains(ws[1], "$") {
				return "", false
			}
			dir = path.Join(dir, ws[1])
		}
		if ws[0] == "-C" || ws[0] == "-c" || ws[0] == "--git-dir" || ws[0] == "--work-tree" || ws[0] == "--namespace" {
			ws = ws[2:]
			continue
		}
		ws = ws[1:]
	}
	return dir, true
}

// gitClone is a git clone command of a job: the URL it clones, the
// directory it clones into (relative to the workspace) and the branch it
// checks out ("" for the remote's default or a branch gantry cannot tell).
type gitClone struct {
	step        int // index of the step in the job
	url, dir    string
	branch      string
	branchKnown bool // the branch is literal, or the clone names none
}

// cloneAt returns the latest git clone, before command cmd of step i,
// whose directory holds dir; nil when there is none.
func (jc *jobCredentials) cloneAt(i int, cmd *shellCmd, dir string) *gitClone {
	var best *gitClone
	for k := 0; k <= i && k < len(jc.j.Steps); k++ {
		s := jc.j.Steps[k]
		for _, c := range s.Commands() {
			if k == i && cmd != nil && (c.Line > cmd.Line || c.Line == cmd.Line && c.Col >= cmd.Col) {
				break
			}
			if len(c.Words) == 0 || c.Words[0] != "git" {
				continue
			}
			sub := c.Sub()
			if len(sub) == 0 || sub[0] != "clone" {
				continue
			}
			gc, ok := parseGitClone(sub[1:])
			if !ok {
				continue
			}
			base, ok := pushDir(s, &c)
			if !ok {
				continue
			}
			gc.step, gc.dir = k, cleanWorkDir(path.Join(base, gc.dir))
			if inDir(dir, gc.dir) {
				best = gc
			}
		}
	}
	return best
}

// cloneOwning returns the git clone that the directory dir of command cmd
// in step i belongs to: the latest clone holding dir, unless a checkout
// into dir or a parent of it comes after the clone.
func (jc *jobCredentials) cloneOwning(i int, cmd *shellCmd, dir string) *gitClone {
	clone := jc.cloneAt(i, cmd, dir)
	if clone == nil {
		return nil
	}
	if co := jc.checkoutAt(i, dir); co != nil && slices.Index(jc.j.Steps, co) > clone.step {
		return nil
	}
	return clone
}

// parseGitClone reads git clone's arguments: the URL, the directory (by
// default the URL's last element without .git) and --branch.
func parseGitClone(args []string) (*gitClone, bool) {
	gc := &gitClone{branchKnown: true}
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		switch name {
		case "-b", "--branch":
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			gc.branch = val
			gc.branchKnown = !strings.Contains(val, "$")
			continue
		case "-o", "--origin", "-c", "--config", "--depth", "--reference", "--reference-if-able", "--separate-git-dir",
			"-j", "--jobs", "--filter", "-u", "--upload-pack", "--template", "--shallow-since", "--shallow-exclude",
			"--server-option", "--bundle-uri":
			if !hasVal {
				i++
			}
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		pos = append(pos, a)
	}
	switch len(pos) {
	case 1:
		base := pos[0][strings.LastIndexAny(pos[0], "/:")+1:]
		gc.url, gc.dir = pos[0], strings.TrimSuffix(base, ".git")
	case 2:
		gc.url, gc.dir = pos[0], pos[1]
	default:
		return nil, false
	}
	if gc.dir == "" || strings.Contains(gc.dir, "$") {
		return nil, false
	}
	return gc, true
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
	clone := jc.cloneOwning(idx, cmd, dir)
	if clone != nil {
		start = clone.step
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
	if clone != nil {
		// a clone has only the credentials of its URL: actions/checkout
		// persists its token in the checked-out repository's own config
		if strings.Contains(clone.url, "://") && strings.Contains(clone.url, "@") {
			return jc.classify(jc.j.Steps[clone.step], nil, clone.url, "the token in the clone URL", 0)
		}
		return cred{}
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
