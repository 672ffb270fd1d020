package main

import (
	"context"
	"os"

	"github.com/containerd/containerd/v2/pkg/filters"
	"github.com/moby/buildkit/client"
	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/builder"
	"github.com/gantry-ci/gantry/docs"
)

func newBuilderCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builder",
		Short: "show, start, stop and prune the BuildKit builder that gantry build uses",
		Long:  docs.Help("builder"),
	}
	cmd.AddCommand(newBuilderStatusCmd(), newBuilderStartCmd(), newBuilderStopCmd(),
		newBuilderPruneCmd(), newBuilderLogsCmd(), newBuilderSuperviseCmd())
	return cmd
}

// connectBuilder finds the builder and connects to it (builder.Connect);
// errors carry gantry's exit codes (4: none answers, 2: an invalid address
// or TLS setting).
func connectBuilder(ctx context.Context, flag string, noStart bool, tls buildcache.TLSOptions) (*builder.Resolution, *client.Client, error) {
	res, c, err := builder.Connect(ctx, builder.Options{Flag: flag, NoStart: noStart,
		StartOptions: builder.StartOptions{IdleTimeout: builder.DefaultIdleTimeout}}, tls)
	return res, c, exitFor(err, exitUsage)
}

// onBuilder runs do on a connection to the running builder of --builder
// flag (connectBuilder, without starting one), with BuildKit's client log
// quiet.
func onBuilder(ctx context.Context, flag string, do func(*builder.Resolution, *client.Client) error) error {
	buildcache.QuietClientLog()
	res, c, err := connectBuilder(ctx, flag, true, buildcache.TLSOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	return do(res, c)
}

func newBuilderStatusCmd() *cobra.Command {
	var flag string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "show the builder gantry build would use: address, how it was found, version, uptime, disk usage",
		Long:  docs.Help("builder-status"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return onBuilder(cmd.Context(), flag, func(res *builder.Resolution, c *client.Client) error {
				return exitWith(exitUnreachable, builder.WriteStatus(cmd.Context(), cmd.OutOrStdout(), res, c))
			})
		},
	}
	cmd.Flags().StringVar(&flag, "builder", "", "BuildKit address (default: as gantry build finds it)")
	return cmd
}

func newBuilderStartCmd() *cobra.Command {
	var o builder.StartOptions
	cmd := &cobra.Command{
		Use:   "start",
		Short: "start the gantry-managed builder (a local buildkitd, else the container builder)",
		Long:  docs.Help("builder-start"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			buildcache.QuietClientLog()
			if _, err := builder.ParseKeepStorage(o.KeepStorage, false); err != nil {
				return usageError("%v", err)
			}
			if o.IdleTimeout < 0 {
				return usageError("--idle-timeout must be a positive duration such as 2h, or 0 for never, not %s", o.IdleTimeout)
			}
			return exitWith(exitUnreachable, builder.StartAny(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o))
		},
	}
	cmd.Flags().DurationVar(&o.IdleTimeout, "idle-timeout", builder.DefaultIdleTimeout, "stop after this long with no client connected (0: never)")
	cmd.Flags().StringVar(&o.KeepStorage, "keep-storage", builder.DefaultKeepStorage, "the cache size beyond which BuildKit's garbage collection removes old records")
	return cmd
}

func newBuilderStopCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "stop the gantry-managed builder (its cache stays for the next start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitWith(exitInternal, builder.StopAll(cmd.Context(), cmd.OutOrStdout()))
		},
	}
}

func newBuilderPruneCmd() *cobra.Command {
	var flag, keep string
	var o builder.PruneOptions
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "remove build cache from the builder",
		Long:  docs.Help("builder-prune"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.KeepBytes, err = builder.ParseKeepStorage(keep, true); err != nil {
				return usageError("%v", err)
			}
			// as BuildKit parses them, which says only once connected
			if _, err := filters.ParseAll(o.Filters...); err != nil {
				return usageError("--filter: %v", err)
			}
			return onBuilder(cmd.Context(), flag, func(res *builder.Resolution, c *client.Client) error {
				return exitWith(exitInternal, builder.Prune(cmd.Context(), cmd.OutOrStdout(), res, c, o))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&flag, "builder", "", "BuildKit address (default: as gantry build finds it)")
	f.StringVar(&keep, "keep-storage", "", "keep the most recently used cache up to this size, e.g. 5GB")
	f.DurationVar(&o.KeepDuration, "keep-duration", 0, "keep cache used within this time, e.g. 24h")
	f.StringArrayVar(&o.Filters, "filter", nil, "remove only records that match, e.g. type==regular")
	f.BoolVar(&o.All, "all", false, "include internal and frontend records")
	return cmd
}

func newBuilderLogsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logs",
		Short: "print the managed buildkitd's log",
		Long:  docs.Help("builder-logs"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitWith(exitInternal, builder.Logs(builder.Env{}, cmd.OutOrStdout()))
		},
	}
}

// newBuilderSuperviseCmd is the process that owns a managed buildkitd
// (builder.Supervise); builder.Start runs it.
func newBuilderSuperviseCmd() *cobra.Command {
	o := builder.SuperviseOptions{Log: os.Stderr}
	cmd := &cobra.Command{
		Use:    "supervise --state DIR --socket PATH [--idle-timeout D] -- BUILDKITD-COMMAND...",
		Short:  "run and supervise a managed buildkitd (started by gantry itself)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			buildcache.QuietClientLog()
			if err := o.Check(); err != nil {
				return usageError("%v", err)
			}
			o.Argv = args
			return exitWith(exitInternal, builder.Supervise(cmd.Context(), o))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.State, "state", "", "the state directory")
	f.StringVar(&o.Socket, "socket", "", "the socket clients connect to")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", builder.DefaultIdleTimeout, "stop after this long with no client (0: never)")
	f.BoolVar(&o.Rootless, "rootless", false, "buildkitd runs through rootlesskit")
	return cmd
}
