package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/internal/text"
	"github.com/gantry-ci/gantry/lint"
)

// SARIFSchemaURI is the schema a SARIF 2.1.0 log names; it is the address
// GitHub's code scanning documentation uses.
const SARIFSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// SARIFFingerprintKey names gantry's entry in partialFingerprints.
const SARIFFingerprintKey = "gantry/v1"

// projectURL is gantry's home page.
const projectURL = "https://github.com/gantry-ci/gantry"

// SARIFReporter writes a SARIF 2.1.0 log for GitHub code scanning
// (github/codeql-action/upload-sarif) and other SARIF viewers: the tool
// driver lists every rule gantry has, and each result carries its rule,
// level, message, location and a fingerprint that stays the same when lines
// above it move.
type SARIFReporter struct {
	// W receives the log.
	W io.Writer
	// runenv.Getenv reads GITHUB_WORKSPACE (for repository-relative paths); nil means os.Getenv.
	Getenv runenv.Getenv
}

// SARIF 2.1.0 objects, with only the properties gantry fills.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		ColumnKind  string            `json:"columnKind"`
		Results     []sarifResult     `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string              `json:"id"`
		ShortDescription     sarifMessage        `json:"shortDescription"`
		FullDescription      sarifMessage        `json:"fullDescription"`
		HelpURI              string              `json:"helpUri"`
		Help                 sarifMultiformat    `json:"help"`
		DefaultConfiguration sarifConfiguration  `json:"defaultConfiguration"`
		Properties           sarifRuleProperties `json:"properties"`
	}
	sarifMultiformat struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfiguration struct {
		Enabled bool   `json:"enabled"`
		Level   string `json:"level"`
	}
	sarifRuleProperties struct {
		Tags            []string `json:"tags"`
		Precision       string   `json:"precision"`
		ProblemSeverity string   `json:"problem.severity"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool `json:"executionSuccessful"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Fixes               []sarifFix        `json:"fixes,omitempty"`
	}
	sarifLocation struct {
		ID               *int          `json:"id,omitempty"`
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
		Message          *sarifMessage `json:"message,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine,omitempty"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
		ByteOffset  int `json:"byteOffset,omitempty"`
		ByteLength  int `json:"byteLength,omitempty"`
	}
	sarifFix struct {
		Description     sarifMessage          `json:"description"`
		ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	}
	sarifArtifactChange struct {
		ArtifactLocation sarifArtifact      `json:"artifactLocation"`
		Replacements     []sarifReplacement `json:"replacements"`
	}
	sarifReplacement struct {
		DeletedRegion   sarifDeletedRegion `json:"deletedRegion"`
		InsertedContent *sarifContent      `json:"insertedContent,omitempty"`
	}
	// sarifDeletedRegion always states byteLength, as 0 is meaningful there.
	sarifDeletedRegion struct {
		ByteOffset int `json:"byteOffset"`
		ByteLength int `json:"byteLength"`
	}
	sarifContent struct {
		Text string `json:"text"`
	}
)

// srcRoot is the uriBaseId of repository-relative paths.
const srcRoot = "%SRCROOT%"

// Report writes the SARIF log.
func (s *SARIFReporter) Report(_ context.Context, r *lint.Report) error {
	paths := newPathMapper(r, orEnv(s.Getenv))

	driver := sarifDriver{Name: "gantry", Version: lint.Version(), InformationURI: projectURL}
	index := map[string]int{}
	for _, rule := range lint.Rules() {
		index[rule.ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRuleOf(rule, rule.DocsURL()))
	}
	results := make([]sarifResult, 0, len(r.Findings))
	occurrences := map[string]int{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if _, ok := index[f.RuleID]; !ok {
			// a rule gantry does not list (a newer BuildKit check): describe it from the finding
			index[f.RuleID] = len(driver.Rules)
			docs := f.DocsURL
			if docs == "" {
				docs = projectURL
			}
			driver.Rules = append(driver.Rules, sarifRuleOf(&lint.Rule{ID: f.RuleID, Severity: f.Severity}, docs))
		}
		path := paths.repoPath(f.File)
		lines := r.Lines(f.File)
		res := sarifResult{
			RuleID:    f.RuleID,
			RuleIndex: index[f.RuleID],
			Level:     sarifLevel(f.Severity),
			Message:   sarifMessage{Text: f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: artifact(path),
				Region:           sarifRegionOf(lines, f.Line, f.Column, f.EndLine, f.EndColumn),
			}}},
		}
		for j, rel := range f.Related {
			id := j + 1
			res.RelatedLocations = append(res.RelatedLocations, sarifLocation{
				ID: &id,
				PhysicalLocation: sarifPhysical{
					ArtifactLocation: artifact(paths.repoPath(rel.File)),
					Region:           sarifRegionOf(r.Lines(rel.File), rel.Line, rel.Column, 0, 0),
				},
				Message: &sarifMessage{Text: rel.Message},
			})
		}
		fp := fingerprintBase(f, path, lines)
		occurrences[fp]++
		res.PartialFingerprints = map[string]string{SARIFFingerprintKey: fingerprint(fp, occurrences[fp])}
		if f.Fix != nil && len(f.Fix.Edits) > 0 {
			change := sarifArtifactChange{ArtifactLocation: artifact(path)}
			for _, e := range f.Fix.Edits {
				rep := sarifReplacement{DeletedRegion: sarifDeletedRegion{ByteOffset: e.Start, ByteLength: e.End - e.Start}}
				if e.New != "" {
					rep.InsertedContent = &sarifContent{Text: e.New}
				}
				change.Replacements = append(change.Replacements, rep)
			}
			res.Fixes = []sarifFix{{Description: sarifMessage{Text: f.Fix.Description}, ArtifactChanges: []sarifArtifactChange{change}}}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  SARIFSchemaURI,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:        sarifTool{Driver: driver},
			Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
			ColumnKind:  "utf16CodeUnits",
			Results:     results,
		}},
	}
	return writeJSON(s.W, log)
}

func sarifRuleOf(r *lint.Rule, docs string) sarifRule {
	summary := r.Summary
	if summary == "" {
		summary = r.ID
	}
	source := string(r.Source)
	if source == "" {
		source = "gantry"
	}
	full := sentence(summary) + " Source: " + source + "."
	tags := []string{source}
	if r.Target != "" {
		tags = append(tags, string(r.Target))
	}
	return sarifRule{
		ID:               r.ID,
		ShortDescription: sarifMessage{Text: summary},
		FullDescription:  sarifMessage{Text: full},
		HelpURI:          docs,
		Help: sarifMultiformat{
			Text:     full + " Documentation: " + docs,
			Markdown: text.EscapeMarkdown(full) + " [Documentation](" + docs + ")",
		},
		DefaultConfiguration: sarifConfiguration{Enabled: !r.DefaultOff, Level: sarifLevel(r.Severity)},
		Properties:           sarifRuleProperties{Tags: tags, Precision: "high", ProblemSeverity: problemSeverity(r.Severity)},
	}
}

// sentence capitalizes s and ends it with a period.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = strings.ToUpper(string(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func sarifLevel(s lint.Severity) string { return bySeverity(s, "error", "warning", "note") }

// problemSeverity is the property GitHub code scanning shows for rules that
// are not security queries.
func problemSeverity(s lint.Severity) string {
	return bySeverity(s, "error", "warning", "recommendation")
}

func artifact(path string) sarifArtifact {
	u := (&url.URL{Path: path}).String()
	if strings.HasPrefix(path, "/") {
		return sarifArtifact{URI: "file://" + u}
	}
	return sarifArtifact{URI: u, URIBaseID: srcRoot}
}

// sarifRegionOf converts gantry's 1-based line and byte column (end column
// inclusive) to a SARIF region in UTF-16 code units (end column exclusive).
// A finding about the whole file has no region.
func sarifRegionOf(src *lint.Lines, line, col, endLine, endCol int) *sarifRegion {
	if line < 1 {
		return nil
	}
	reg := &sarifRegion{StartLine: line}
	if col > 0 {
		reg.StartColumn = utf16Column(src, line, col)
	}
	if endLine > line {
		reg.EndLine = endLine
	}
	if endCol > 0 && col > 0 {
		last := line
		if reg.EndLine != 0 {
			last = reg.EndLine
		}
		if last > line || endCol >= col {
			reg.EndColumn = utf16Column(src, last, endCol+1)
		}
	}
	return reg
}

// utf16Column converts a 1-based byte column on line to UTF-16 code units.
// Without the source it assumes ASCII.
func utf16Column(src *lint.Lines, line, col int) int {
	text, ok := src.Line(line)
	if !ok || col-1 > len(text) {
		return col
	}
	n := 1
	for _, r := range string(text[:col-1]) {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// fingerprintBase identifies a finding without its line number: the rule,
// the file and the offending line's text (the message when the text is not
// known), so that the fingerprint survives lines inserted above it.
func fingerprintBase(f *lint.Finding, path string, src *lint.Lines) string {
	what := f.Message
	if text, ok := src.Line(f.Line); ok {
		what = strings.Join(strings.Fields(string(text)), " ")
	}
	return f.RuleID + "\x00" + path + "\x00" + what
}

// fingerprint hashes a base and which occurrence of it (in file order) a
// finding is.
func fingerprint(base string, occurrence int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", base, occurrence))
	return hex.EncodeToString(sum[:16])
}
