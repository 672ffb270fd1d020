package lint

import (
	"strings"
	"sync"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// What a job does, as far as rules that weigh a finding by the job care:
// whether it publishes something (a deploy, a release, a registry push) and
// whether it is long-running or billed above a standard hosted runner.

// jobKindMemo remembers what jobPublishes, jobChecksCode and
// jobUpdatesDependencies answered for the jobs of one workflow: per-file
// rules and repository rules ask the same of the same jobs, and each answer
// runs regexps over every run: script. It is safe for concurrent use; a nil
// memo works out every answer.
type jobKindMemo struct {
	mu sync.Mutex
	m  map[*actionlint.Job]jobKind
}

// jobKind holds, per question, whether it was answered and the answer.
type jobKind uint8

const (
	kindPublishesKnown jobKind = 1 << iota
	kindPublishes
	kindChecksKnown
	kindChecks
	kindUpdatesKnown
	kindUpdates
)

// is answers pred for j, from the memo when it was asked before.
func (k *jobKindMemo) is(j *actionlint.Job, known, yes jobKind, pred func(*actionlint.Job) bool) bool {
	if k == nil || j == nil {
		return pred(j)
	}
	k.mu.Lock()
	v := k.m[j]
	k.mu.Unlock()
	if v&known != 0 {
		return v&yes != 0
	}
	answer := pred(j)
	k.mu.Lock()
	if k.m == nil {
		k.m = map[*actionlint.Job]jobKind{}
	}
	v = k.m[j] | known
	if answer {
		v |= yes
	}
	k.m[j] = v
	k.mu.Unlock()
	return answer
}

// publishes is jobPublishes, remembered.
func (k *jobKindMemo) publishes(j *actionlint.Job) bool {
	return k.is(j, kindPublishesKnown, kindPublishes, jobPublishes)
}

// checksCode is jobChecksCode, remembered.
func (k *jobKindMemo) checksCode(j *actionlint.Job) bool {
	return k.is(j, kindChecksKnown, kindChecks, jobChecksCode)
}

// updatesDependencies is jobUpdatesDependencies, remembered.
func (k *jobKindMemo) updatesDependencies(j *actionlint.Job) bool {
	return k.is(j, kindUpdatesKnown, kindUpdates, jobUpdatesDependencies)
}

// publishActions are actions (owner/repo prefixes) that deploy, release or
// push an image or package.
var publishActions = []string{
	"actions/deploy-pages", "peaceiris/actions-gh-pages", "jamesives/github-pages-deploy-action",
	"pypa/gh-action-pypi-publish", "softprops/action-gh-release", "ncipollo/release-action",
	"aws-actions/amazon-ecs-deploy-task-definition",
	"azure/webapps-deploy", "google-github-actions/deploy-", "cloudflare/wrangler-action",
	"amondnet/vercel-action", "superfly/flyctl-actions", "akhileshns/heroku-deploy",
	"changesets/action", "js-devtools/npm-publish",
}

// publishCommand matches run: scripts that deploy, release or push. It is a
// list of phrases, which matchString looks up word by word (see phraseSet)
// in place of running the regexp: a push from docker buildx build, whose
// flags come in between, is buildxPushCommand's, and "deploy" covers
// Capistrano's cap STAGE deploy.
var publishCommand = lazyre.New(`(?m)\b(deploy|publish|docker (image )?push|npm publish|yarn publish|pnpm publish|cargo publish|gem push|twine upload|gh release create|helm upgrade|kubectl (apply|rollout|set image)|terraform apply|flyctl deploy|vercel --prod)\b`)

// buildxPushCommand matches run: scripts that build an image and push it.
var buildxPushCommand = lazyre.New(`(?m)\bdocker buildx build[^\n]*--push\b`)

// jobPublishes reports whether a job deploys, releases or pushes an image or
// package: it has an environment, a publishing action or a publishing
// command, or builds an image with push: true.
func jobPublishes(j *actionlint.Job) bool {
	if j == nil {
		return false
	}
	if j.Environment != nil {
		return true
	}
	return anyStep(j, publishCommand, publishActions, func(uses string, e *actionlint.ExecAction) bool {
		if strings.HasPrefix(uses, "goreleaser/goreleaser-action") {
			return goreleaserPublishes(e)
		}
		in := e.Inputs["push"]
		return in != nil && in.Value != nil && strings.TrimSpace(in.Value.Value) != "false" &&
			(strings.HasPrefix(uses, "docker/build-push-action") || strings.HasPrefix(uses, "docker/bake-action"))
	}) || anyStep(j, buildxPushCommand, nil, nil)
}

// goreleaserPublishes reports whether a goreleaser-action step releases:
// not a snapshot, a build or a run with publishing skipped.
func goreleaserPublishes(e *actionlint.ExecAction) bool {
	in := e.Inputs["args"]
	if in == nil || in.Value == nil {
		return true
	}
	args := strings.Fields(in.Value.Value)
	if len(args) > 0 && (args[0] == "build" || args[0] == "check" || args[0] == "healthcheck") {
		return false
	}
	for _, a := range args {
		if a == "--snapshot" || a == "--skip-publish" || strings.HasPrefix(a, "--skip=") && strings.Contains(a, "publish") {
			return false
		}
	}
	return true
}

// anyStep reports whether a step of the job runs a script matching cmd
// (when set), uses an action starting with one of the prefixes, or, when
// also is set, uses an action (lower-cased uses) for which also holds.
func anyStep(j *actionlint.Job, cmd pattern, prefixes []string, also func(uses string, e *actionlint.ExecAction) bool) bool {
	for _, s := range j.Steps {
		if s == nil {
			continue
		}
		switch e := s.Exec.(type) {
		case *actionlint.ExecRun:
			if cmd != nil && e.Run != nil && matchString(cmd, e.Run.Value) {
				return true
			}
		case *actionlint.ExecAction:
			if e.Uses == nil {
				continue
			}
			uses := strings.ToLower(e.Uses.Value)
			for _, a := range prefixes {
				if strings.HasPrefix(uses, a) {
					return true
				}
			}
			if also != nil && also(uses, e) {
				return true
			}
		}
	}
	return false
}

// buildOrTestCommands are the commands that build, compile or run test
// suites (a regular expression alternation).
const buildOrTestCommands = `docker (build|compose|-compose)|docker buildx|docker-compose|make|cmake|ninja|bazel|cargo (build|test|nextest)|go (build|test)|mvn|gradlew?|sbt|xcodebuild|swift (build|test)|dotnet (build|test|publish)|msbuild|(npm|yarn|pnpm|bun)( run)? (test|build|e2e)|(npm|yarn|pnpm|bun) run ci|npx (jest|playwright|cypress)|pytest|tox|nox|rspec|rake|rails (test|assets)|bundle exec|phpunit|mix test|flutter (build|test)|e2e|electron-builder`

// checkCommand matches run: scripts that build or test the code.
var checkCommand = lazyre.New(`(?m)\b(` + buildOrTestCommands + `)\b`)

// heavyCommand matches run: scripts that build, compile or run test suites
// that take minutes, or install dependencies (npm ci).
var heavyCommand = lazyre.New(`(?m)\b(` + buildOrTestCommands + `|(npm|yarn|pnpm|bun) ci)\b`)

// heavyActions are actions (prefixes) that build, analyse or test at length.
var heavyActions = append([]string{"github/codeql-action/autobuild", "github/codeql-action/analyze"}, checkActions...)

// checkActions are actions (prefixes) that build or test the code.
var checkActions = []string{
	"docker/build-push-action", "docker/bake-action", "cypress-io/github-action",
	"reactivecircus/android-emulator-runner", "gradle/gradle-build-action", "goreleaser/goreleaser-action",
}

// jobChecksCode reports whether a job builds or tests the code, as the
// checks of a pull request do: it runs a build or test command, uses a
// build or test action, or runs a matrix. Code scanning (CodeQL) is
// analysis, not a build or test.
func jobChecksCode(j *actionlint.Job) bool {
	if j == nil || anyStep(j, nil, []string{"github/codeql-action/"}, nil) {
		return false
	}
	return j.Strategy != nil && j.Strategy.Matrix != nil || anyStep(j, checkCommand, checkActions, nil)
}

// dependencyUpdateCommand matches run: scripts that update dependencies to
// newer versions (not a plain install from the lockfile).
var dependencyUpdateCommand = lazyre.New(`(?m)\b((npm|pnpm) (update|upgrade|up)\b|npm (install|i)\b[^\n]*--package-lock-only|yarn (upgrade|up)\b|(npm-check-updates|ncu)\b[^\n]*\s-u\b|bundle update|cargo update|go get\b[^\n]*(\s-u\b|@latest)|poetry (update|lock)\b|pip-compile\b[^\n]*--upgrade|composer update|uv lock --upgrade)`)

// jobUpdatesDependencies reports whether a job updates dependencies to
// newer versions.
func jobUpdatesDependencies(j *actionlint.Job) bool {
	return j != nil && anyStep(j, dependencyUpdateCommand, nil, nil)
}

// jobHeavy reports whether a job is long-running or billed above a standard
// Linux hosted runner, so that a hang costs real money or blocks a deploy:
// it has services or a matrix, runs in a container, runs on a self-hosted,
// larger, macOS or Windows runner, builds, tests, or publishes.
func jobHeavy(j *actionlint.Job, kinds *jobKindMemo) bool {
	if j == nil {
		return false
	}
	if j.Services != nil || j.Container != nil || (j.Strategy != nil && j.Strategy.Matrix != nil) || runnerBilled(j.RunsOn) {
		return true
	}
	// publishes last: it looks through the scripts for more
	return anyStep(j, heavyCommand, heavyActions, nil) || kinds.publishes(j)
}

// runnerBilled reports whether runs-on names a runner other than a standard
// GitHub-hosted Linux one: self-hosted, a larger runner, macOS, Windows or a
// third-party runner. A runs-on expression counts when it is not plain.
func runnerBilled(r *actionlint.Runner) bool {
	if r == nil {
		return false
	}
	if r.Group != nil {
		return true
	}
	for _, l := range r.Labels {
		if l == nil {
			continue
		}
		v := strings.ToLower(strings.TrimSpace(l.Value))
		if strings.Contains(v, "${{") {
			// runs-on: ${{ matrix.os }} goes with a matrix, which counts already
			continue
		}
		if !strings.HasPrefix(v, "ubuntu-") || strings.Contains(v, "core") || strings.Contains(v, "large") || strings.Contains(v, "gpu") {
			return true
		}
	}
	return false
}
