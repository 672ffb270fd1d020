package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/lint"
)

func newRulesCmd() *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "list every rule with its ID, source, target and default severity",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSOURCE\tTARGET\tSEVERITY\tFIX\tSUMMARY")
			for _, r := range lint.Rules() {
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
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only rules from this source: gantry, actionlint, buildkit")
	return cmd
}

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "print a rule's documentation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := lint.LookupRule(args[0])
			if !ok {
				return usageError("unknown rule %q; run `gantry rules` to list them", args[0])
			}
			w := cmd.OutOrStdout()
			if doc, ok := docs.Rule(r.ID); ok && r.Source == lint.SourceGantry {
				fmt.Fprint(w, doc)
				if !strings.HasSuffix(doc, "\n") {
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "\nOnline: %s\n", r.DocsURL())
				return nil
			}
			fmt.Fprintf(w, "# %s\n\nSeverity: %s · Source: %s · Target: %s\n\n%s.\n\nThis check comes from %s; its documentation is at\n%s\n",
				r.ID, r.Severity, r.Source, r.Target, capitalize(r.Summary), r.Source, r.DocsURL())
			return nil
		},
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
