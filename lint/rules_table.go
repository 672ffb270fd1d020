package lint

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/agext/levenshtein"

	"github.com/gantry-ci/gantry/docs"
)

// Sources are the values of Rule.Source, as `gantry rules --source` takes them.
var Sources = []string{string(SourceGantry), string(SourceActionlint), string(SourceBuildKit)}

// WriteRulesTable writes the table of `gantry rules`: every rule, or those
// of one source when source is not "".
func WriteRulesTable(w io.Writer, source string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSOURCE\tTARGET\tSEVERITY\tFIX\tSUMMARY")
	for _, r := range allRules {
		if source != "" && string(r.Source) != source {
			continue
		}
		sev := r.Severity.String()
		if r.DefaultOff {
			sev += " (off)"
		}
		fix := string(r.Fix)
		if fix == "" {
			fix = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Source, r.Target, sev, fix, r.Summary)
	}
	return tw.Flush()
}

// LookupRuleFold returns the rule whose ID is id, ignoring case.
func LookupRuleFold(id string) (*Rule, bool) {
	if r, ok := rulesByID[id]; ok {
		return r, true
	}
	for _, r := range allRules {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return nil, false
}

// FindRule is LookupRuleFold for a rule the user named: the error says
// which IDs are near it, or how to list the rules.
func FindRule(name string) (*Rule, error) {
	if r, ok := LookupRuleFold(name); ok {
		return r, nil
	}
	hint := "run `gantry rules` to list them"
	if near := SuggestRules(name); len(near) > 0 {
		hint = "did you mean " + strings.Join(near, ", ") + "?"
	}
	return nil, fmt.Errorf("unknown rule %q; %s", name, hint)
}

// SuggestRules returns the rule IDs closest to id (ignoring case), at most
// three, none when no ID is within an edit distance of 3.
func SuggestRules(id string) []string {
	best, bestD := []string(nil), 4
	for _, r := range allRules {
		switch d := levenshtein.Distance(strings.ToLower(id), strings.ToLower(r.ID), nil); {
		case d < bestD:
			best, bestD = []string{r.ID}, d
		case d == bestD && len(best) < 3:
			best = append(best, r.ID)
		}
	}
	return best
}

// Explain writes the documentation of rule r, as `gantry explain` prints
// it: gantry's own page, or a summary and a link for the others.
func Explain(w io.Writer, r *Rule) {
	if doc, ok := docs.Rule(r.ID); ok && r.Source == SourceGantry {
		fmt.Fprint(w, doc)
		if !strings.HasSuffix(doc, "\n") {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "\nOnline: %s\n", r.DocsURL())
		return
	}
	summary := r.Summary
	if summary != "" {
		summary = strings.ToUpper(summary[:1]) + summary[1:]
	}
	fmt.Fprintf(w, "# %s\n\nSeverity: %s · Source: %s · Target: %s\n\n%s.\n\nWhy %s: %s.\n\nThis check comes from %s; its documentation is at\n%s\n",
		r.ID, r.Severity, r.Source, r.Target, summary, r.Severity, r.SeverityReason(), r.Source, r.DocsURL())
}
