package lint

import (
	"fmt"
	"path"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// unknownLabelRe matches actionlint's finding on a runs-on label it does not know.
var unknownLabelRe = lazyre.New(`^label "([^"]*)" is unknown\. `)

// thirdPartyRunnerLabels are glob patterns (on the lower-cased label) of
// hosted runner services that run GitHub Actions jobs under their own labels.
var thirdPartyRunnerLabels = []string{
	"depot-*",                    // Depot
	"blacksmith", "blacksmith-*", // Blacksmith
	"buildjet-*",                       // BuildJet
	"namespace-profile-*", "nscloud-*", // Namespace
	"warp-*",                 // WarpBuild
	"ubicloud", "ubicloud-*", // Ubicloud
	"runs-on",                // RunsOn (its key=value labels are accepted in isThirdPartyLabel)
	"cirun-*",                // Cirun
	"actuated", "actuated-*", // actuated
	"ghcr.io/cirruslabs/*", // Cirrus Runners
}

// retiredRunnerLabels are GitHub-hosted images GitHub has removed: a job
// asking for one waits for a runner that never comes.
var retiredRunnerLabels = []string{
	"ubuntu-14.04", "ubuntu-16.04", "ubuntu-18.04", "ubuntu-20.04",
	"macos-10", "macos-11", "macos-12", "macos-13",
	"windows-2016", "windows-2019",
}

// gitHubRunnerLabels are the labels of GitHub-hosted runners and the
// preset labels of self-hosted ones, as actionlint knows them.
var gitHubRunnerLabels = []string{
	"windows-latest", "windows-2025", "windows-2022", "windows-11-arm",
	"ubuntu-slim", "ubuntu-latest", "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04", "ubuntu-22.04-arm",
	"macos-latest", "macos-latest-xlarge", "macos-latest-large", "macos-26", "macos-26-intel", "macos-26-xlarge", "macos-26-large",
	"macos-15", "macos-15-intel", "macos-15-xlarge", "macos-15-large", "macos-14", "macos-14-xlarge", "macos-14-large",
	"self-hosted", "linux", "macos", "windows", "x64", "arm", "arm64",
}

var runnerLabelCorrection = &Correction{
	ID:   "runner-label-custom",
	Rule: "runner-label",
	Reason: "actionlint rejects every label it does not know as an error. Labels of third-party runner services " +
		"(depot, blacksmith, buildjet, namespace, warp, ubicloud, runs-on, ...) and labels next to self-hosted " +
		"are valid; an organisation's larger or self-hosted runner cannot be told from a mistake offline, so it is " +
		"info; a near miss of a GitHub label (ubuntu-lastest) or a retired image (ubuntu-20.04) stays an error",
	apply: func(c *correctionContext, fd *Finding) bool {
		m := unknownLabelRe.FindStringSubmatch(fd.Message)
		if m == nil || strings.TrimSpace(m[1]) == "" {
			return true // an empty label is a mistake
		}
		label := m[1]
		lower := strings.ToLower(label)
		if isRetiredLabel(lower) {
			fd.Message = fmt.Sprintf("label %q is a GitHub-hosted runner image that GitHub has retired, so the job never starts: use a current one such as %q",
				label, currentLabelFor(lower))
			return true
		}
		if near := nearGitHubLabel(lower); near != "" {
			fd.Message = fmt.Sprintf("label %q is unknown: did you mean %q? (a self-hosted runner's own labels go in .github/actionlint.yaml under self-hosted-runner.labels)", label, near)
			return true
		}
		if isThirdPartyLabel(lower) || c.nextToSelfHosted(fd) {
			return false
		}
		fd.Severity = SeverityInfo
		fd.Message = fmt.Sprintf("label %q is not a GitHub-hosted runner label: if it names a larger or self-hosted runner, list it under self-hosted-runner.labels in .github/actionlint.yaml", label)
		return true
	},
}

func isRetiredLabel(lower string) bool {
	for _, r := range retiredRunnerLabels {
		if lower == r || strings.HasPrefix(lower, r+"-") || strings.HasPrefix(lower, r+".") {
			return true
		}
	}
	return false
}

func currentLabelFor(lower string) string {
	switch {
	case strings.HasPrefix(lower, "macos"):
		return "macos-latest"
	case strings.HasPrefix(lower, "windows"):
		return "windows-latest"
	}
	return "ubuntu-latest"
}

// nearGitHubLabel returns the GitHub label that label is a plausible typo
// of: one edit away, or two edits that leave its digits alone (ubunut-latest).
func nearGitHubLabel(lower string) string {
	best, bestD := "", 3
	for _, k := range gitHubRunnerLabels {
		d := levenshtein.Distance(lower, k, nil)
		if d == 0 || d >= bestD || d == 2 && (digits(lower) != digits(k) || len(k) < 8) {
			continue
		}
		best, bestD = k, d
	}
	return best
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func isThirdPartyLabel(lower string) bool {
	if strings.Contains(lower, "=") { // RunsOn: runs-on=<run id>/runner=2cpu-linux-x64, family=c7
		return true
	}
	for _, p := range thirdPartyRunnerLabels {
		if ok, _ := path.Match(p, lower); ok {
			return true
		}
	}
	return false
}

// nextToSelfHosted reports whether the label at the finding is one of a
// job's runs-on labels that include self-hosted: the others are then the
// runner's own labels.
func (c *correctionContext) nextToSelfHosted(fd *Finding) bool {
	if c.workflow == nil {
		return false
	}
	for _, j := range c.workflow.Jobs {
		if j.RunsOn == nil {
			continue
		}
		self, here := false, false
		for _, l := range j.RunsOn.Labels {
			if strings.EqualFold(l.Value, "self-hosted") {
				self = true
			}
			if l.Pos != nil && l.Pos.Line == fd.Line && l.Pos.Col == fd.Column {
				here = true
			}
		}
		if here {
			return self
		}
	}
	return false
}
