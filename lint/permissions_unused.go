package lint

import (
	"slices"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// Which write scopes of the GITHUB_TOKEN a job may use, for the
// permissions-excessive rule. The answer is conservative: when a step is not
// understood (an action outside the table below, a local or docker action,
// a script that is given the token), every scope counts as used.

// tokenScopesAll stands for "any scope": a step gantry does not understand.
const tokenScopesAll = "*"

// actionTokenScopes are the write scopes well-known actions (lower-case
// owner/repo, with a path for actions in a subfolder) use with the job's
// token. A listed action with no scopes uses none; an action missing from
// the table may use any.
var actionTokenScopes = map[string][]string{
	"actions/checkout": nil, "actions/cache": nil, "actions/cache/restore": nil, "actions/cache/save": nil,
	"actions/upload-artifact": nil, "actions/download-artifact": nil,
	"actions/setup-node": nil, "actions/setup-go": nil, "actions/setup-python": nil, "actions/setup-java": nil,
	"actions/setup-dotnet": nil, "ruby/setup-ruby": nil, "pnpm/action-setup": nil, "astral-sh/setup-uv": nil,
	"docker/setup-qemu-action": nil, "docker/setup-buildx-action": nil, "docker/metadata-action": nil,
	"docker/build-push-action": nil, "docker/bake-action": nil,
	"aws-actions/amazon-ecr-login": nil, "aws-actions/amazon-ecs-render-task-definition": nil,
	"aws-actions/amazon-ecs-deploy-task-definition": nil, "azure/setup-kubectl": nil, "azure/setup-helm": nil,
	"hashicorp/setup-terraform": nil, "sigstore/cosign-installer": nil,
	"softprops/action-gh-release": {"contents"}, "ncipollo/release-action": {"contents"},
	"actions/create-release": {"contents"}, "actions/upload-release-asset": {"contents"},
	"svenstaro/upload-release-action": {"contents"}, "peaceiris/actions-gh-pages": {"contents"},
	"peter-evans/create-pull-request": {"contents", "pull-requests"},
	"actions/attest-build-provenance": {"id-token", "attestations"}, "actions/attest": {"id-token", "attestations"},
	"actions/deploy-pages": {"pages", "id-token"}, "actions/configure-pages": {"pages"},
	"actions/upload-pages-artifact": nil,
	"pypa/gh-action-pypi-publish":   {"id-token"},
	"docker/login-action":           nil, "aws-actions/configure-aws-credentials": nil, "google-github-actions/auth": nil,
	"azure/login": nil,
}

// tokenReference matches a script or env value that may hand the job's
// token to a program: the token itself, the variables it is usually put
// in, or the whole github context.
var tokenReference = lazyre.New(`(?i)github\.token|secrets\.github_token|\bgithub_token\b|\bgh_token\b|tojson\(\s*github\s*\)|actions_id_token_request`)

// ghcrReference matches a registry of GitHub Packages.
var ghcrReference = lazyre.New(`(?i)ghcr\.io|pkg\.github\.com`)

// tokenFreeCommands are programs that never use the job's token, its OIDC
// request variables or the credentials actions/checkout leaves in
// .git/config. git is handled apart: only git push writes.
var tokenFreeCommands = map[string]bool{
	"echo": true, "printf": true, "cat": true, "ls": true, "cd": true, "export": true, "mkdir": true, "cp": true,
	"mv": true, "rm": true, "test": true, "[": true, "[[": true, "jq": true, "yq": true, "sed": true, "awk": true,
	"grep": true, "tr": true, "cut": true, "date": true, "sleep": true, "true": true, "false": true, "set": true,
	"tee": true, "sha256sum": true, "shasum": true, "tar": true, "gzip": true, "zip": true, "unzip": true,
	"chmod": true, "pwd": true, "head": true, "tail": true, "sort": true, "uniq": true, "wc": true,
	"basename": true, "dirname": true, "touch": true, "ln": true, "fi": true, "done": true,
	"then": true, "exit": true, "read": true, "local": true, "shift": true,
}

// tokenFreeDockerCommands are docker subcommands that run no container
// (which could be handed the workspace or the environment).
var tokenFreeDockerCommands = map[string]bool{
	"build": true, "buildx": true, "push": true, "tag": true, "pull": true, "login": true, "logout": true,
	"image": true, "images": true, "manifest": true, "save": true, "load": true, "inspect": true,
}

// tokenFreeCommand reports whether a command never uses the job's token,
// its OIDC request variables or the credentials in .git/config.
func tokenFreeCommand(c shellCmd) bool {
	if c.Words[0] == "docker" {
		sub := c.Sub()
		return len(sub) > 0 && tokenFreeDockerCommands[sub[0]]
	}
	return tokenFreeCommands[c.Words[0]]
}

// jobTokenScopes returns the write scopes the steps of job j of workflow w
// may use, with tokenScopesAll in it when some step is not understood: an
// action outside the table, or a script in a shell other than bash or sh.
func jobTokenScopes(w *actionlint.Workflow, j *actionlint.Job) map[string]bool {
	used := map[string]bool{}
	if j.WorkflowCall != nil || envHasToken(w.Env) || envHasToken(j.Env) {
		used[tokenScopesAll] = true
		return used
	}
	persisted := false
	for _, s := range j.Steps {
		if s == nil {
			continue
		}
		switch e := s.Exec.(type) {
		case *actionlint.ExecRun:
			if e.Run == nil || envHasToken(s.Env) || matchString(tokenReference, e.Run.Value) || !posixShell(w, j, e) {
				used[tokenScopesAll] = true
				return used
			}
			if matchString(ghcrReference, e.Run.Value) {
				used["packages"] = true
			}
			for _, c := range scriptCommands(e.Run.Value) {
				if len(c.Words) == 0 {
					continue
				}
				switch {
				case c.Words[0] == "git":
					if sub := c.Sub(); len(sub) > 0 && sub[0] == "push" && persisted {
						used["contents"] = true
					}
				case !tokenFreeCommand(c):
					// any program may fetch an OIDC token from the
					// environment, and push with the credentials the
					// checkout left behind
					used["id-token"] = true
					if persisted {
						used["contents"] = true
					}
				}
			}
		case *actionlint.ExecAction:
			if e.Uses == nil {
				used[tokenScopesAll] = true
				return used
			}
			name, _, _ := strings.Cut(strings.ToLower(e.Uses.Value), "@")
			scopes, ok := actionTokenScopes[name]
			if !ok {
				used[tokenScopesAll] = true
				return used
			}
			for _, sc := range scopes {
				used[sc] = true
			}
			for _, in := range e.Inputs {
				if in != nil && in.Value != nil && matchString(ghcrReference, in.Value.Value) {
					used["packages"] = true
				}
			}
			switch name {
			case "actions/checkout":
				if pc := e.Inputs["persist-credentials"]; pc == nil || pc.Value == nil || strings.TrimSpace(pc.Value.Value) != "false" {
					persisted = true
				}
			case "docker/login-action":
				// a registry named by an expression may be ghcr.io
				if reg := e.Inputs["registry"]; reg != nil && reg.Value != nil && strings.Contains(reg.Value.Value, "${{") {
					used["packages"] = true
				}
			case "aws-actions/configure-aws-credentials", "google-github-actions/auth", "azure/login":
				// OIDC unless static credentials are given
				if e.Inputs["aws-access-key-id"] == nil && e.Inputs["credentials_json"] == nil && e.Inputs["creds"] == nil {
					used["id-token"] = true
				}
			}
		}
	}
	return used
}

// envHasToken reports whether an env block may carry the job's token.
func envHasToken(e *actionlint.Env) bool {
	if e == nil {
		return false
	}
	if e.Expression != nil {
		return true
	}
	for _, v := range e.Vars {
		if v != nil && (v.Name != nil && matchString(tokenReference, v.Name.Value) || v.Value != nil && matchString(tokenReference, v.Value.Value)) {
			return true
		}
	}
	return false
}

// unusedWriteScopes returns the write scopes of p, sorted by name, that
// used does not hold.
func unusedWriteScopes(p *actionlint.Permissions, used map[string]bool) []*actionlint.PermissionScope {
	if p == nil || used[tokenScopesAll] {
		return nil
	}
	var out []*actionlint.PermissionScope
	for name, sc := range p.Scopes {
		if sc == nil || sc.Value == nil || sc.Value.Value != "write" || used[name] {
			continue
		}
		out = append(out, sc)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name.Value < out[b].Name.Value })
	return slices.Clip(out)
}
