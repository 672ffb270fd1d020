package lint

import (
	"slices"
	"strings"
	"sync"

	"github.com/rhysd/actionlint"
)

// Source says which project a rule comes from.
type Source string

const (
	// SourceGantry marks gantry's own rules.
	SourceGantry Source = "gantry"
	// SourceActionlint marks checks that run through actionlint.
	SourceActionlint Source = "actionlint"
	// SourceBuildKit marks BuildKit's Dockerfile checks (docker build --check).
	SourceBuildKit Source = "buildkit"
)

// Target is the kind of input a rule looks at.
type Target string

const (
	// TargetWorkflow rules check one workflow file.
	TargetWorkflow Target = "workflow"
	// TargetAction rules check one action metadata file (action.yml).
	TargetAction Target = "action"
	// TargetDockerfile rules check one Dockerfile.
	TargetDockerfile Target = "dockerfile"
	// TargetRepository rules check the repository as a whole.
	TargetRepository Target = "repository"
	// TargetAny rules are reported by the engine itself for any file.
	TargetAny Target = "any"
)

// FixKind says whether a rule can fix its findings, and how safely.
type FixKind string

const (
	// FixNone means the rule has no automatic fix.
	FixNone FixKind = ""
	// FixSafe fixes preserve behaviour and run with --fix.
	FixSafe FixKind = "safe"
	// FixOpinionated fixes change behaviour and need --fix=all.
	FixOpinionated FixKind = "opinionated"
)

// Rule describes one check: its stable ID, where it comes from, its default
// severity and how to run it. Exactly one of the Check fields is set for
// gantry's own rules; upstream rules are run by their engines.
type Rule struct {
	// ID is the stable identifier used in config, ignore comments and output.
	ID string
	// Source is the project the rule comes from.
	Source Source
	// Target is the kind of input the rule checks.
	Target Target
	// Severity is the default severity of the rule's findings.
	Severity Severity
	// DefaultOff rules run only when enabled in the config.
	DefaultOff bool
	// Summary is a one-line description, lower case, no trailing period.
	Summary string
	// Fix says whether the rule has an automatic fix.
	Fix FixKind
	// NewOptions returns a pointer to the rule's options with their defaults
	// set, or nil when the rule takes no options. The struct's yaml tags name
	// the keys accepted under rules.<id>.options in the config. If it has a
	// Validate() error method, it is called after decoding.
	NewOptions func() any
	// NewWorkflowRule creates the actionlint visitor that checks one workflow.
	NewWorkflowRule func(opts any) actionlint.Rule
	// CheckAction checks one action metadata file.
	CheckAction func(f *File, opts any) []Finding
	// CheckDockerfile checks one Dockerfile.
	CheckDockerfile func(f *File, opts any) []Finding
	// CheckRepository checks the repository model built from every file.
	// It does not check again a workflow that ScanWorkflow checked
	// (RepoWorkflow.Scanned), whose syntax tree may be gone by then.
	CheckRepository func(r *Repository, opts any) []Finding
	// ScanWorkflow is the part of a repository rule that reads one
	// workflow's syntax tree. It runs as the workflow is linted, on a
	// model that holds only that workflow, for every linted workflow that
	// no rule needs whole later (see NeedsTree): such a workflow is not
	// reusable, so its own triggers are its effective ones. The model has
	// the workflow's config, enabled rules and source positions, and no
	// other file: no other workflow, action metadata, Dockerfile or
	// dependabot.yml, so what depends on them waits for CheckRepository.
	// It returns the workflow's findings and the facts CheckRepository
	// needs of it once its tree is gone (plain data, no syntax-tree
	// pointers; nil for none), which CheckRepository reads with
	// RepoWorkflow.Facts.
	ScanWorkflow func(r *Repository, w *RepoWorkflow, opts any) (findings []Finding, facts any)
	// NeedsTree reports whether CheckRepository needs the whole workflow
	// later, syntax tree included; it runs as the workflow is linted, on
	// the same one-workflow model as ScanWorkflow. Such a workflow is not
	// scanned: CheckRepository checks it whole, as it does reusable
	// workflows, workflows that call a local reusable workflow and
	// workflows loaded only for context. A repository rule with neither
	// ScanWorkflow nor NeedsTree gets every workflow whole.
	NeedsTree func(r *Repository, w *RepoWorkflow) bool
}

// DocsURL returns the address of the rule's documentation.
func (r *Rule) DocsURL() string {
	if rulesByID[r.ID] != r {
		return r.docsURL()
	}
	// one string per registered rule, shared by all of its findings
	if u, ok := docsURLs.Load(r); ok {
		return u.(string)
	}
	u, _ := docsURLs.LoadOrStore(r, r.docsURL())
	return u.(string)
}

// docsURLs holds DocsURL of the registered rules.
var docsURLs sync.Map // *Rule -> string

func (r *Rule) docsURL() string {
	switch r.Source {
	case SourceActionlint:
		return "https://github.com/rhysd/actionlint/blob/" + ActionlintVersion + "/docs/checks.md" + actionlintAnchors[r.ID]
	case SourceBuildKit:
		return "https://docs.docker.com/reference/build-checks/" + kebab(r.ID) + "/"
	}
	return DocsBaseURL + "#" + r.ID
}

// DocsBaseURL is where gantry's rule documentation lives.
const DocsBaseURL = "https://github.com/gantry-ci/gantry/blob/main/docs/rules.md"

// ActionlintVersion is the exact actionlint version gantry is built with; it
// must match go.mod (a test checks this).
const ActionlintVersion = "v1.7.12"

// kebab turns "UndefinedVar" into "undefined-var".
func kebab(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// engineRules are reported by the engine itself.
var (
	invalidFileRule = &Rule{
		ID: "invalid-file", Source: SourceGantry, Target: TargetAny, Severity: SeverityError,
		Summary: "a file that cannot be linted: unreadable, binary, too large, or a YAML alias bomb",
	}
	unusedIgnoreRule = &Rule{
		ID: "unused-ignore", Source: SourceGantry, Target: TargetAny, Severity: SeverityInfo,
		Summary: "a gantry-ignore comment that suppresses nothing or names an unknown rule",
	}
	internalErrorRule = &Rule{
		ID: "internal-error", Source: SourceGantry, Target: TargetAny, Severity: SeverityError,
		Summary: "gantry failed while linting this file; please report it",
	}
)

// actionlintRules are actionlint's checks, all of which gantry runs.
var actionlintRules = []*Rule{
	upstream("syntax-check", "yaml syntax and workflow structure: unexpected, missing or duplicate keys"),
	upstream("expression", "syntax, typing and context availability of ${{ }} expressions, including untrusted inputs"),
	upstream("action", "format of uses:, inputs of popular and local actions; a removed node runtime is info, a major that fails is an error"),
	upstream("credentials", "hard-coded credentials in container and services"),
	upstream("deprecated-commands", "deprecated workflow commands such as set-output and save-state"),
	upstream("env-var", "environment variable names in env:"),
	upstream("events", "trigger events, their filters, cron syntax and workflow_dispatch inputs"),
	upstream("glob", "glob syntax of branch, tag and path filters"),
	upstream("id", "duplicate and malformed job and step IDs"),
	upstream("if-cond", "if: conditions that are always true by mistake (text around ${{ }}, a string constant); a deliberate constant such as if: false is info"),
	upstream("job-needs", "needs: referring to missing jobs and dependency cycles"),
	upstream("matrix", "duplicate and undefined matrix values"),
	upstream("permissions", "permission scopes and values"),
	upstream("runner-label", "runs-on labels: typos of GitHub's labels and retired images are errors, other unknown labels info (third-party runner services accepted)"),
	upstream("shell-name", "shell names in shell:"),
	upstream("workflow-call", "reusable workflow calls: inputs, secrets and outputs"),
	upstream("shellcheck", "shellcheck on bash and sh run: scripts, when shellcheck is on PATH; errors for scripts that cannot work, info for advice about input a CI script rarely meets (see corrections)"),
	upstream("pyflakes", "pyflakes on python run: scripts, when pyflakes is on PATH"),
}

var actionlintAnchors = map[string]string{
	"syntax-check":        "#check-unexpected-keys",
	"expression":          "#check-syntax-expression",
	"action":              "#check-action-format",
	"credentials":         "#check-hardcoded-credentials",
	"deprecated-commands": "#check-deprecated-workflow-commands",
	"env-var":             "#check-env-var-names",
	"events":              "#check-webhook-events",
	"glob":                "#check-glob-pattern",
	"id":                  "#check-job-step-ids",
	"if-cond":             "#if-cond-constant",
	"job-needs":           "#check-job-deps",
	"matrix":              "#check-matrix-values",
	"permissions":         "#permissions",
	"runner-label":        "#check-runner-labels",
	"shell-name":          "#check-shell-names",
	"workflow-call":       "#check-reusable-workflows",
	"shellcheck":          "#check-shellcheck-integ",
	"pyflakes":            "#check-pyflakes-integ",
}

func upstream(id, summary string) *Rule {
	return &Rule{ID: id, Source: SourceActionlint, Target: TargetWorkflow, Severity: SeverityError, Summary: summary}
}

// gantryRules lists gantry's own rules; each lives in rule_<name>.go.
// Keep this list sorted by target, then ID.
var gantryRules = []*Rule{
	invalidFileRule,
	unusedIgnoreRule,
	internalErrorRule,
	workflowSymlinkRule,
	// workflow rules
	concurrencyGroupUnscopedRule,
	concurrencyMissingRule,
	credentialPersistedRule,
	hardcodedCredentialRule,
	outputMaybeEmptyRule,
	outputTruthinessRule,
	permissionsExcessiveRule,
	permissionsMissingRule,
	ternaryFalsyBranchRule,
	timeoutMissingRule,
	// action rules
	actionMetadataRule,
	// dockerfile rules
	assetsPrecompileSecretRule,
	buildDepsInFinalRule,
	copyBeforeInstallRule,
	gemfileLockPlatformRule,
	installCacheLeftRule,
	volatileArgEarlyRule,
	// repository rules
	actionOutdatedRule,
	artifactPoisoningRule,
	awsStaticKeysRule,
	buildxCacheGrowthRule,
	checkoutMergeRefRule,
	concurrencyCollisionRule,
	dependabotMissingRule,
	pushUntrustedRule,
	secretBuildArgRule,
	templateInjectionRule,
	tokenNoTriggerRule,
	untrustedCheckoutRule,
}

// allRules is every rule, sorted by ID, with Fix set from fixers for the
// rules that have a fix.
var allRules = func() []*Rule {
	rs := append(slices.Clone(gantryRules), actionlintRules...)
	rs = append(rs, buildkitRules()...)
	for _, r := range rs {
		if fx, ok := fixers[r.ID]; ok && r.Fix == FixNone {
			r.Fix = fx.kind
		}
	}
	slices.SortStableFunc(rs, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return rs
}()

var rulesByID = func() map[string]*Rule {
	m := make(map[string]*Rule, len(allRules))
	for _, r := range allRules {
		if _, dup := m[r.ID]; dup {
			panic("duplicate rule ID " + r.ID)
		}
		m[r.ID] = r
	}
	return m
}()

// Rules returns every rule gantry knows, sorted by ID.
func Rules() []*Rule { return slices.Clone(allRules) }

// LookupRule returns the rule with the given ID.
func LookupRule(id string) (*Rule, bool) {
	r, ok := rulesByID[id]
	return r, ok
}
