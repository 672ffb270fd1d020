package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/lint"
)

func newRulesCmd() *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "list every rule with its ID, source, target and default severity",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if source != "" {
				if err := checkEnum("--source", source, lint.Sources); err != nil {
					return err
				}
			}
			return lint.WriteRulesTable(cmd.OutOrStdout(), source)
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only rules from this source: "+strings.Join(lint.Sources, ", "))
	return cmd
}

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "print a rule's documentation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, ok := lint.LookupRuleFold(args[0])
			if !ok {
				hint := "run `gantry rules` to list them"
				if near := lint.SuggestRules(args[0]); len(near) > 0 {
					hint = "did you mean " + strings.Join(near, ", ") + "?"
				}
				return usageError("unknown rule %q; %s", args[0], hint)
			}
			lint.Explain(cmd.OutOrStdout(), r)
			return nil
		},
	}
}
