package lint

// Why each rule has its default severity, as docs/rules.md states it. The
// scale: an error is what breaks or endangers CI (a run that fails or does
// the wrong thing, a leaked secret, untrusted code run with secrets); a
// warning is a likely problem worth a maintainer's time; info is advice.
// Rules that weigh each finding say how on their doc page.

// buildkitSeverityReason is the reason of every BuildKit check.
const buildkitSeverityReason = "as `docker build --check` reports it: BuildKit rates all its checks warnings, and none fails a build"

// severityReasons maps rule IDs to why their default severity is what it is.
var severityReasons = map[string]string{
	// actionlint's checks, as gantry corrects them
	"action":              "an action reference or input that is malformed or unknown fails the step; a removed node runtime still runs (info); a major that fails outright is an error",
	"credentials":         "a password written into the workflow is readable by anyone who can read the repository",
	"deprecated-commands": "set-env and add-path are disabled on GitHub's runners (the step fails); set-output and save-state are deprecated for security reasons and slated for removal",
	"env-var":             "GitHub rejects the workflow: an invalid variable name is a syntax error",
	"events":              "a wrong event, filter, cron or input means the workflow never runs when it should, or is rejected",
	"expression":          "an invalid or mistyped expression fails the job at run time or evaluates to something else than meant",
	"glob":                "an invalid filter pattern never matches, so the workflow silently does not run",
	"id":                  "GitHub rejects the workflow: duplicate or malformed IDs are syntax errors",
	"if-cond":             "a condition that is always true or false runs or skips the step regardless of what it tests",
	"job-needs":           "GitHub rejects the workflow: a missing job or a cycle in needs: is an error",
	"matrix":              "a matrix with duplicates or undefined values runs the wrong jobs or is rejected",
	"permissions":         "GitHub rejects the workflow: an unknown scope or value is an error",
	"pyflakes":            "pyflakes reports mostly what fails at run time (undefined names, syntax errors)",
	"runner-label":        "a typo of a GitHub label or a retired image leaves the job queued until it times out (error); an unknown label that may be an organisation's own runner is info",
	"shell-name":          "an unknown shell fails the step",
	"shellcheck":          "shellcheck's own level decides: an error breaks the script, a warning is a likely bug, info and style are advice",
	"syntax-check":        "GitHub rejects the workflow, or ignores the misspelled key",
	"workflow-call":       "a call with wrong inputs, secrets or outputs fails when the workflow runs",

	// gantry's workflow and action rules
	"action-metadata":            "GitHub refuses to load an action whose metadata is broken, and finds out only when a workflow runs it",
	"concurrency-group-unscoped": "runs that cancel or wait for each other across workflows, or a deploy cut off by a newer push, are lost work; plain CI pushes are not flagged",
	"concurrency-missing":        "superseded runs only cost runner minutes: advice",
	"credential-persisted":       "the uploaded token can be read by anyone who can download the artifact while the job runs, or for as long as a long-lived token: stays valid; info for a cache holding only the job's own token, which is revoked before another run can restore it",
	"hardcoded-credential":       "a secret written into the repository is leaked (error); an AWS access key ID alone is not a secret (info)",
	"output-maybe-empty":         "an empty output turns into a wrong tag, an empty argument or a failing fromJSON, but only on the path where the producer did not set it",
	"output-truthiness":          "the string 'false' is truthy, so the condition holds when it should not",
	"permissions-excessive":      "write-all, or a write scope no step of the job can use, gives every step and action a token that writes where the job never needs to",
	"permissions-missing":        "the repository's default permissions may be read-only already: off by default, info when enabled",
	"ternary-falsy-branch":       "the expression always takes the fallback, so the value is never what the condition chose",
	"timeout-missing":            "a hang keeps a runner busy for 360 minutes: a warning for long-running or billed jobs (services, matrix, builds, e2e, self-hosted or larger runners, deploys), info for jobs that finish in seconds",

	// gantry's repository rules
	"artifact-poisoning":    "a fork's pull request writes what a privileged workflow runs, pushes or publishes with the base repository's secrets (error); a warning when the run that made the artifact is not in the repository, so who can write it is unknown",
	"action-outdated":       "an old major still runs: advice, kept to majors two or more behind or on a removed runtime",
	"aws-static-keys":       "long-lived access keys in secrets can leak and do not expire; OIDC needs none",
	"buildx-cache-growth":   "an unbounded or rejected cache export slows every build and can fail it when the backend refuses it",
	"checkout-merge-ref":    "an image or status tagged with the merge commit points at a commit that is not the pull request's head",
	"concurrency-collision": "colliding groups cancel or block unrelated runs; a caller and its reusable workflow on one group deadlock (error)",
	"dependabot-missing":    "keeping actions and base images current is advice",
	"push-untrusted":        "a fork's code can push an image to the registry; on pull_request_target, with the base repository's secrets, an error",
	"secret-build-arg":      "a build arg is stored in the image history and provenance, where anyone who pulls the image can read it",
	"template-injection":    "text an outsider controls runs as code with the workflow's token and secrets; info for an input of a reusable workflow or action when no caller shows what it holds",
	"untrusted-checkout":    "a pull request's code runs with the base repository's token and secrets (error); a warning behind a label that stays on across pushes, info behind a trusted gate such as the author's association",
	"token-no-trigger":      "a warning when the runs it blocks matter (a pull request's builds and tests, a release workflow, a deploy, the tests of an untested dependency update), info when CI would only re-check what the pushing workflow produced",

	// gantry's Dockerfile rules
	"assets-precompile-secret": "a real-looking secret in the image is leaked (error); a precompile without a secret is a warning, since the app's config decides what it needs to boot",
	"build-deps-in-final":      "build tools and node_modules nothing runs make the image bigger and give scanners more to flag",
	"copy-before-install":      "every source change reinstalls every dependency: slow builds, not broken ones",
	"gemfile-lock-platform":    "bundle install fails in the image build",
	"install-cache-left":       "a download cache only makes a layer bigger: info, as hadolint rates it",
	"volatile-arg-early":       "a value that changes on every build defeats the layer cache of every step after it",

	// the engine's own
	"internal-error": "the file was not linted, so its problems are unknown",
	"invalid-file":   "the file was not linted, so its problems are unknown",
	"unused-ignore":  "a stale ignore comment hides nothing: housekeeping",
	// a workflow that never runs
	"workflow-symlink": "the workflow never runs, and GitHub reports it as invalid on every push",
}

// SeverityReason says why the rule has its default severity.
func (r *Rule) SeverityReason() string {
	if why, ok := severityReasons[r.ID]; ok {
		return why
	}
	if r.Source == SourceBuildKit {
		return buildkitSeverityReason
	}
	return ""
}
