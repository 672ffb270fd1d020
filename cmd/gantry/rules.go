package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/internal/cliargs"
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
				if err := cliargs.CheckEnum("--source", source, lint.Sources); err != nil {
					return usageError("%v", err)
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
			r, err := lint.FindRule(args[0])
			if err != nil {
				return usageError("%v", err)
			}
			lint.Explain(cmd.OutOrStdout(), r)
			return nil
		},
	}
}
