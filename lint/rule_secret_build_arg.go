package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

// secretBuildArgRule flags secrets passed to an image build as build
// arguments. A build argument's value is recorded in the image history of
// every RUN that sees it and in the build's provenance attestation, so
// anyone who can pull the image can read it. BuildKit's secrets (the
// secrets: input, --secret, RUN --mount=type=secret) are never stored.
//
// In workflows it follows env: values at step, job and workflow level; it
// checks each workflow as it is linted (ScanWorkflow) and Dockerfiles in
// the repository pass. In Dockerfiles it reports only the secret-looking
// ARGs that BuildKit's SecretsUsedInArgOrEnv misses.
var secretBuildArgRule = &Rule{
	ID: "secret-build-arg", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "a secret passed as a build arg (build-push-action build-args, --build-arg, bake args): it is stored in the image history and provenance",
	ScanWorkflow:    scanEach(workflowSecretBuildArgs),
	CheckRepository: checkSecretBuildArg,
}

var (
	// exprRe matches one ${{ }} expression; secretRefRe a secret in it.
	exprRe      = lazyre.New(`\$\{\{([^}]*)\}\}`)
	secretRefRe = lazyre.New(`\bsecrets\.([A-Za-z_][A-Za-z0-9_-]*)`)
	// testExprRe matches expressions that only test a secret, such as
	// secrets.X != '' (a boolean, not the value).
	testExprRe = lazyre.New(`[=!]=|^\s*!|\b(contains|startsWith|endsWith)\(`)
	// envRefExprRe matches ${{ env.NAME }}.
	envRefExprRe = lazyre.New(`\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	// buildArgFlagRe matches --build-arg NAME[=VALUE] in a script, with the
	// value up to the next unquoted blank outside ${{ }}.
	buildArgFlagRe = lazyre.New(`--build-arg(?:=|\s+)["']?([A-Za-z_][A-Za-z0-9_]*)(=("[^"]*"|'[^']*'|(?:\$\{\{[^}]*\}\}|[^\s"';&|])*))?`)
	// bakeArgRe matches a bake-action set: line that sets a build arg.
	bakeArgRe = lazyre.New(`^\s*([^\s=]*\.args\.([A-Za-z_][A-Za-z0-9_]*))=(.*)$`)
)

func checkSecretBuildArg(r *Repository, _ any) []Finding {
	out := unscanned(r, workflowSecretBuildArgs)
	for _, f := range r.Dockerfiles {
		out = append(out, dockerfileSecretArgs(f)...)
	}
	return out
}

// workflowSecretBuildArgs reports the build args of a workflow's steps
// whose values are secrets.
func workflowSecretBuildArgs(r *Repository, w *RepoWorkflow) []Finding {
	var out []Finding
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			out = append(out, stepSecretBuildArgs(r, s)...)
		}
	}
	return out
}

// stepSecretBuildArgs reports the build args of one workflow step whose
// values are secrets.
func stepSecretBuildArgs(r *Repository, s *RepoStep) []Finding {
	f := s.File()
	var out []Finding
	switch {
	case s.Is("docker/build-push-action"):
		in := s.Input("build-args")
		if in == nil {
			return nil
		}
		for i, line := range strings.Split(in.Value, "\n") {
			name, value, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok {
				continue
			}
			if src := secretIn(s, value, false); src != "" {
				off := strings.Index(line, name)
				out = append(out, finding(f, r.positionIn(f, in, i, off), fmt.Sprintf(
					"build arg %s gets %s: build args are stored in the image history and provenance; pass it with `secrets: %s=%s` instead and read it with RUN --mount=type=secret,id=%s",
					name, src, name, strings.TrimSpace(value), name)))
			}
		}
	case s.Is("docker/bake-action"):
		in := s.Input("set")
		if in == nil {
			return nil
		}
		for i, line := range strings.Split(in.Value, "\n") {
			m := bakeArgRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if src := secretIn(s, m[3], false); src != "" {
				target := strings.TrimSuffix(m[1], ".args."+m[2])
				out = append(out, finding(f, r.positionIn(f, in, i, strings.Index(line, m[1])), fmt.Sprintf(
					"bake arg %s gets %s: build args are stored in the image history and provenance; set `%s.secrets=id=%s,env=%s` with the secret in env: instead and read it with RUN --mount=type=secret,id=%s",
					m[2], src, target, m[2], m[2], m[2])))
			}
		}
	default:
		run := s.Run()
		if run == nil {
			return nil
		}
		for i, line := range strings.Split(run.Value, "\n") {
			for _, m := range buildArgFlagRe.FindAllStringSubmatchIndex(line, -1) {
				name := line[m[2]:m[3]]
				value := "$" + name // --build-arg NAME takes the value of $NAME
				if m[4] >= 0 {
					value = line[m[6]:m[7]]
				}
				src := secretIn(s, value, true)
				if src == "" {
					continue
				}
				out = append(out, finding(f, r.positionIn(f, run, i, m[0]), fmt.Sprintf(
					"--build-arg %s gets %s: build args are stored in the image history and provenance; pass it with --secret id=%s,env=%s (the secret in env:) instead and read it with RUN --mount=type=secret,id=%s",
					name, src, name, name, name)))
			}
		}
	}
	return out
}

// secretIn returns what makes value a secret ("secrets.NPM_TOKEN", or
// "secrets.NPM_TOKEN through env.NPM_TOKEN"), or "" when it holds none.
// Shell variables count only in scripts (shell is set).
func secretIn(s *RepoStep, value string, shell bool) string {
	if n := secretName(value); n != "" {
		return "secrets." + n
	}
	var names []string
	for _, m := range envRefExprRe.FindAllStringSubmatch(value, -1) {
		names = append(names, m[1])
	}
	if shell {
		for _, m := range shellVarRe.FindAllStringSubmatch(value, -1) {
			names = append(names, m[1])
		}
	}
	for _, n := range names {
		if v := s.Env(n); v != nil {
			if sn := secretName(v.Value); sn != "" {
				return "secrets." + sn + " through env." + n
			}
		}
	}
	return ""
}

// secretName returns the name of the first secret whose value an
// expression in value yields, or "". GITHUB_TOKEN is left out: GitHub
// revokes it when the job ends. Expressions that only test a secret
// (secrets.X != ”) yield a boolean, not the secret.
func secretName(value string) string {
	for _, e := range exprRe.FindAllStringSubmatch(value, -1) {
		if testExprRe.MatchString(e[1]) {
			continue
		}
		for _, m := range secretRefRe.FindAllStringSubmatch(e[1], -1) {
			if !strings.EqualFold(m[1], "GITHUB_TOKEN") {
				return m[1]
			}
		}
	}
	return ""
}

var (
	// buildkitSecretRe and buildkitAllowRe are the word lists of BuildKit's
	// SecretsUsedInArgOrEnv (frontend/dockerfile/dockerfile2llb): a name
	// they flag is BuildKit's to report.
	buildkitSecretRe = lazyre.New(`(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)`)
	buildkitAllowRe  = lazyre.New(`(?i)(?:_|^)(?:public|file|version)(?:_|$)`)
	// secretArgRe matches secret words glued to others (NPMTOKEN,
	// DB_PASS, GH_PAT, ACCESS_TOKENS) and Bundler's credential variables
	// (BUNDLE_GITHUB__COM).
	secretArgRe = lazyre.New(`(?i)(token|password|passwd|secret|apikey|api_key|privatekey|private_key)s?$|(?:_|^)(pass|pat)$|^BUNDLE_[A-Z0-9_]+__[A-Z0-9_]+$`)
	// notSecretArgRe matches names that only mention a secret: where it
	// lives, its ID, its length, a public key, a switch or a count
	// (MAX_TOKENS).
	notSecretArgRe = lazyre.New(`(?i)public|_(file|path|dir|id|name|names|url|version|length|len|type|ref|env|header)$|^(no|skip|use|with|has|enable|disable|max|min|num)_`)
)

// secretArgName reports an ARG name that looks like a secret and that
// BuildKit's SecretsUsedInArgOrEnv does not flag.
func secretArgName(name string) bool {
	if buildkitSecretRe.MatchString(name) && !buildkitAllowRe.MatchString(name) {
		return false // BuildKit reports it
	}
	return secretArgRe.MatchString(name) && !notSecretArgRe.MatchString(name)
}

// dockerfileSecretArgs reports secret-looking ARGs that a RUN reads,
// which BuildKit's SecretsUsedInArgOrEnv leaves alone.
func dockerfileSecretArgs(f *File) []Finding {
	if f.Dockerfile == nil || f.Dockerfile.Graph == nil {
		return nil
	}
	g := f.Dockerfile.Graph
	var out []Finding
	for _, st := range g.Stages {
		for i := range st.Steps {
			a, ok := st.Steps[i].Command.(*instructions.ArgCommand)
			if !ok {
				continue
			}
			for _, kv := range a.Args {
				if !secretArgName(kv.Key) {
					continue
				}
				if run := runReading(st, i, kv.Key); run != nil {
					line, col := findInStep(g, &st.Steps[i], regexp.MustCompile(`\b`+regexp.QuoteMeta(kv.Key)+`\b`))
					out = append(out, Finding{File: f.Path, Line: line, Column: col, Message: fmt.Sprintf(
						"ARG %s looks like a secret and the RUN on line %d reads it: its value is stored in the image history and provenance; use RUN --mount=type=secret,id=%s,env=%s and build with --secret id=%s,env=%s",
						kv.Key, run.Line, kv.Key, kv.Key, kv.Key, kv.Key)})
				}
			}
		}
	}
	return out
}

// runReading returns the first RUN after step i of st whose script reads
// $name, or nil.
func runReading(st *stagegraph.Stage, i int, name string) *stagegraph.Step {
	re := regexp.MustCompile(`\$\{?` + regexp.QuoteMeta(name) + `\b`)
	for k := i + 1; k < len(st.Steps); k++ {
		if c, ok := st.Steps[k].Command.(*instructions.RunCommand); ok && re.MatchString(stagegraph.RunScript(c)) {
			return &st.Steps[k]
		}
	}
	return nil
}
