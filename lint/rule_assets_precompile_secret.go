package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

var assetsPrecompileSecretRule = &Rule{
	ID: "assets-precompile-secret", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityError,
	Summary:         "rails assets:precompile in production mode without SECRET_KEY_BASE(_DUMMY) fails; a real-looking secret in ARG, ENV or RUN ends up in the image",
	CheckDockerfile: checkAssetsPrecompileSecret,
}

var (
	precompileRe = lazyre.New(`\bassets:precompile\b`)
	// secretVarRe matches the variables that let Rails boot to precompile.
	secretVarRe = lazyre.New(`\b(SECRET_KEY_BASE(_DUMMY)?|RAILS_MASTER_KEY)\b`)
	// inlineSecretRe matches NAME=value assignments of Rails secrets.
	inlineSecretRe = lazyre.New(`\b(SECRET_KEY_BASE|RAILS_MASTER_KEY)=("[^"]*"|'[^']*'|[^\s;&|]+)`)
	// appSecretRe matches an assignment of a secret under the app's own
	// name (APP_SECRET_TOKEN=dummy), which its config reads to boot.
	appSecretRe    = lazyre.New(`(^|[\s;&|(])[A-Z][A-Z0-9_]*SECRET[A-Z0-9_]*=`)
	railsEnvInline = lazyre.New(`\b(RAILS_ENV|RACK_ENV)=["']?(\w+)`)
	placeholderRe  = lazyre.New(`(?i)dummy|placeholder|fake|example|changeme|change_me|precompile|skip|not.?secret|nonsecret|secret|xxxxx|00000`)
)

// realLookingSecret reports a value that looks like a real Rails secret
// rather than a placeholder: long, literal, not a known dummy word.
func realLookingSecret(v string) bool {
	v = strings.Trim(v, `"'`)
	return len(v) >= 24 && !strings.ContainsAny(v, "$`") && !placeholderRe.MatchString(v)
}

// checkAssetsPrecompileSecret reports assets:precompile steps that will
// fail for want of a secret, and real-looking Rails secrets written into
// the Dockerfile, where they end up in the image or its history.
func checkAssetsPrecompileSecret(f *File, _ any) []Finding {
	g := f.Dockerfile.Graph
	var out []Finding
	for _, st := range g.Stages {
		for i := range st.Steps {
			s := &st.Steps[i]
			switch c := s.Command.(type) {
			case *instructions.RunCommand:
				script := stagegraph.RunScript(c)
				if m := inlineSecretRe.FindStringSubmatch(script); m != nil && realLookingSecret(m[2]) {
					line, col := findInStep(g, s, regexp.MustCompile(`\b`+m[1]+`=`))
					out = append(out, Finding{Line: line, Column: col, Message: fmt.Sprintf(
						"%s has a real-looking value in a RUN command: the command line is stored in the image history; use SECRET_KEY_BASE_DUMMY=1 for assets:precompile, or a secret mount (RUN --mount=type=secret,id=%s,env=%s)",
						m[1], strings.ToLower(m[1]), m[1])})
					continue
				}
				if !precompileRe.MatchString(script) || secretVarRe.MatchString(script) || appSecretRe.MatchString(script) || secretMount(c) {
					continue
				}
				env := stageEnvBefore(st, i)
				if hasAppSecret(env) {
					continue
				}
				if _, ok := env["SECRET_KEY_BASE"]; ok {
					continue
				}
				if _, ok := env["SECRET_KEY_BASE_DUMMY"]; ok {
					continue
				}
				if _, ok := env["RAILS_MASTER_KEY"]; ok {
					continue
				}
				railsEnv := env["RAILS_ENV"]
				if railsEnv == "" {
					railsEnv = env["RACK_ENV"]
				}
				if m := railsEnvInline.FindStringSubmatch(script); m != nil {
					railsEnv = m[2]
				}
				if railsEnv == "" || railsEnv == "development" || railsEnv == "test" || strings.Contains(railsEnv, "$") {
					continue // Rails boots without a secret outside production-like environments
				}
				line, col := findInStep(g, s, precompileRe)
				// a warning: whether the app needs SECRET_KEY_BASE to boot is up to
				// its config, which a Dockerfile does not show
				out = append(out, Finding{Line: line, Column: col, Severity: SeverityWarning, Message: fmt.Sprintf(
					"`assets:precompile` runs with RAILS_ENV=%s but without SECRET_KEY_BASE: Rails refuses to boot and the build fails; prefix it with SECRET_KEY_BASE_DUMMY=1 (Rails 7.1+) or SECRET_KEY_BASE=dummy", railsEnv)})
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					out = append(out, literalSecret(g, s, "ENV", kv.Key, &kv.Value)...)
				}
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					out = append(out, literalSecret(g, s, "ARG", kv.Key, kv.Value)...)
				}
			}
		}
	}
	return out
}

// hasAppSecret reports whether ENV or ARG set a secret under a name of the
// app's own (APP_SECRET_TOKEN): its config may read that one to boot.
func hasAppSecret(env map[string]string) bool {
	for k, v := range env {
		if strings.Contains(k, "SECRET") && v != "" {
			return true
		}
	}
	return false
}

// literalSecret reports ENV or ARG values of Rails secrets that look real.
func literalSecret(g *stagegraph.StageGraph, s *stagegraph.Step, kw, key string, value *string) []Finding {
	if value == nil || (key != "SECRET_KEY_BASE" && key != "RAILS_MASTER_KEY") || !realLookingSecret(*value) {
		return nil
	}
	line, col := findInStep(g, s, regexp.MustCompile(`\b`+key+`\b`))
	where := "the image config of every image built from this stage"
	if kw == "ARG" {
		where = "the image history of every RUN after it"
	}
	return []Finding{{Line: line, Column: col, Message: fmt.Sprintf(
		"%s %s has a real-looking value: it is stored in %s; use SECRET_KEY_BASE_DUMMY=1 to precompile assets and pass the real secret at run time", kw, key, where)}}
}

// secretMount reports a RUN that mounts a secret, such as the Rails secret.
func secretMount(c *instructions.RunCommand) bool {
	for _, m := range instructions.GetMounts(c) {
		if m.Type != instructions.MountTypeSecret {
			continue
		}
		id := strings.ToUpper(m.CacheID + " " + m.Target)
		if m.Env != nil {
			id += " " + strings.ToUpper(*m.Env)
		}
		if strings.Contains(id, "SECRET_KEY_BASE") || strings.Contains(id, "MASTER_KEY") || strings.Contains(id, "MASTER.KEY") {
			return true
		}
	}
	return false
}

// stageEnvBefore returns the ENV and ARG values visible to step i of a
// stage: those of the stages it is built FROM, then its own steps before i.
// An ARG without a default maps to "$" (set at build time).
func stageEnvBefore(st *stagegraph.Stage, i int) map[string]string {
	env := map[string]string{}
	chain := ancestry(st)
	for j := len(chain) - 1; j >= 0; j-- {
		steps := chain[j].Steps
		if j == 0 {
			steps = steps[:i]
		}
		for _, s := range steps {
			switch c := s.Command.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					env[kv.Key] = kv.Value
				}
			case *instructions.ArgCommand:
				if j != 0 {
					continue // ARGs do not pass to stages built FROM this one
				}
				for _, kv := range c.Args {
					if kv.Value != nil {
						env[kv.Key] = *kv.Value
					} else if _, ok := env[kv.Key]; !ok {
						env[kv.Key] = "$"
					}
				}
			}
		}
	}
	return env
}
