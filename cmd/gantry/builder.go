package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/buildkit/client"
	"github.com/sirupsen/logrus"
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

// resolveBuilder finds the builder for build, status and prune; errors
// carry gantry's exit codes (4: none, 2: an invalid address).
func resolveBuilder(ctx context.Context, flag string, noStart bool) (*builder.Resolution, error) {
	res, err := builder.Resolve(ctx, builder.Options{Flag: flag, NoStart: noStart,
		StartOptions: builder.StartOptions{IdleTimeout: builder.DefaultIdleTimeout}})
	if err != nil {
		if errors.Is(err, buildcache.ErrDaemonUnreachable) {
			return nil, &exitError{code: exitUnreachable, err: err}
		}
		return nil, usageError("%v", err)
	}
	return res, nil
}

// connectBuilder connects to a resolved builder, with the --tls-* flags or
// a remote buildx builder's certificates.
func connectBuilder(ctx context.Context, res *builder.Resolution, tls buildcache.TLSOptions) (*client.Client, error) {
	if tls == (buildcache.TLSOptions{}) {
		tls = res.TLS
	}
	c, err := buildcache.Connect(ctx, res.Addr, tls)
	if err != nil {
		if errors.Is(err, buildcache.ErrDaemonUnreachable) {
			return nil, &exitError{code: exitUnreachable, err: err}
		}
		return nil, usageError("%v", err)
	}
	return c, nil
}

func quietBuildKitLog() { logrus.SetOutput(io.Discard) }

func newBuilderStatusCmd() *cobra.Command {
	var flag string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "show the builder gantry build would use: address, how it was found, version, uptime, disk usage",
		Long:  docs.Help("builder-status"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			quietBuildKitLog()
			ctx := cmd.Context()
			res, err := resolveBuilder(ctx, flag, true)
			if err != nil {
				return err
			}
			c, err := connectBuilder(ctx, res, buildcache.TLSOptions{})
			if err != nil {
				return err
			}
			defer c.Close()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "address:   %s\n", res.Addr)
			fmt.Fprintf(w, "found by:  %s\n", res.How())
			for _, t := range res.Trace[:len(res.Trace)-1] {
				fmt.Fprintf(w, "  passed:  %s\n", t)
			}
			info, err := c.Info(ctx)
			if err != nil {
				return &exitError{code: exitUnreachable, err: err}
			}
			fmt.Fprintf(w, "buildkit:  %s\n", info.BuildkitVersion.Version)
			if r := res.Managed; r != nil {
				fmt.Fprintf(w, "uptime:    %s (since %s)\n", time.Since(r.Started).Round(time.Second), r.Started.Format(time.RFC3339))
				if r.IdleTimeout > 0 {
					fmt.Fprintf(w, "idle stop: after %s with no client\n", time.Duration(r.IdleTimeout))
				} else {
					fmt.Fprintf(w, "idle stop: never (gantry builder stop)\n")
				}
			}
			du, err := c.DiskUsage(ctx)
			if err != nil {
				fmt.Fprintf(w, "disk:      unknown (%v)\n", err)
				return nil
			}
			var size, reclaimable int64
			for _, u := range du {
				size += u.Size
				if !u.InUse && !u.Shared {
					reclaimable += u.Size
				}
			}
			fmt.Fprintf(w, "disk:      %s in %d cache records (%s reclaimable)\n",
				units.HumanSize(float64(size)), len(du), units.HumanSize(float64(reclaimable)))
			return nil
		},
	}
	cmd.Flags().StringVar(&flag, "builder", "", "BuildKit address (default: as gantry build finds it)")
	return cmd
}

func newBuilderStartCmd() *cobra.Command {
	var idle time.Duration
	var keep string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "start the gantry-managed builder (a local buildkitd, else the container builder)",
		Long:  docs.Help("builder-start"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			quietBuildKitLog()
			if _, err := units.RAMInBytes(keep); err != nil {
				return usageError("--keep-storage %q: want a size such as 10GB", keep)
			}
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			o := builder.StartOptions{IdleTimeout: idle, KeepStorage: keep}
			r, started, err := builder.Start(ctx, o)
			switch {
			case err == nil && started:
				fmt.Fprintf(w, "started buildkitd (pid %d) at %s; log %s\n", r.BuildkitdPid, r.Address, o.Paths().Log)
				return nil
			case err == nil:
				fmt.Fprintf(w, "already running at %s (since %s)\n", r.Address, r.Started.Format(time.RFC3339))
				return nil
			case !errors.Is(err, builder.ErrCannotStartLocal):
				return &exitError{code: exitUnreachable, err: err}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "gantry: %v; trying the container builder\n", err)
			if err := builder.StartContainer(ctx, keep); err != nil {
				return &exitError{code: exitUnreachable, err: err}
			}
			fmt.Fprintf(w, "started the container builder at %s (%s)\n", builder.ContainerAddress, builder.ContainerImage())
			return nil
		},
	}
	cmd.Flags().DurationVar(&idle, "idle-timeout", builder.DefaultIdleTimeout, "stop after this long with no client connected (0: never)")
	cmd.Flags().StringVar(&keep, "keep-storage", builder.DefaultKeepStorage, "the cache size beyond which BuildKit's garbage collection removes old records")
	return cmd
}

func newBuilderStopCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "stop the gantry-managed builder (its cache stays for the next start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			was, err := builder.Stop(ctx, builder.Env{})
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			if was {
				fmt.Fprintln(w, "stopped the managed buildkitd")
			}
			removed, err := builder.StopContainer(ctx)
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			if removed {
				fmt.Fprintf(w, "removed the container %s (its volume %s stays)\n", builder.ContainerName, builder.ContainerVolume)
			}
			if !was && !removed {
				fmt.Fprintln(w, "no managed builder is running")
			}
			return nil
		},
	}
}

func newBuilderPruneCmd() *cobra.Command {
	var flag, keep string
	var keepDuration time.Duration
	var filters []string
	var all bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "remove build cache from the builder",
		Long:  docs.Help("builder-prune"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			quietBuildKitLog()
			var keepBytes int64
			if keep != "" {
				var err error
				if keepBytes, err = units.RAMInBytes(keep); err != nil {
					return usageError("--keep-storage %q: want a size such as 10GB", keep)
				}
			}
			ctx := cmd.Context()
			res, err := resolveBuilder(ctx, flag, true)
			if err != nil {
				return err
			}
			c, err := connectBuilder(ctx, res, buildcache.TLSOptions{})
			if err != nil {
				return err
			}
			defer c.Close()
			opts := []client.PruneOption{client.WithKeepOpt(keepDuration, 0, keepBytes, 0)}
			if len(filters) > 0 {
				opts = append(opts, client.WithFilter(filters))
			}
			if all {
				opts = append(opts, client.PruneAll)
			}
			ch := make(chan client.UsageInfo)
			done := make(chan struct{})
			var n int
			var total int64
			go func() {
				defer close(done)
				for u := range ch {
					n++
					total += u.Size
				}
			}()
			err = c.Prune(ctx, ch, opts...)
			close(ch)
			<-done
			if err != nil {
				return &exitError{code: exitInternal, err: fmt.Errorf("prune: %w", err)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d cache records, %s, from %s\n", n, units.HumanSize(float64(total)), res.Addr)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&flag, "builder", "", "BuildKit address (default: as gantry build finds it)")
	f.StringVar(&keep, "keep-storage", "", "keep the most recently used cache up to this size, e.g. 5GB")
	f.DurationVar(&keepDuration, "keep-duration", 0, "keep cache used within this time, e.g. 24h")
	f.StringArrayVar(&filters, "filter", nil, "remove only records that match, e.g. type==regular")
	f.BoolVar(&all, "all", false, "include internal and frontend records")
	return cmd
}

func newBuilderLogsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logs",
		Short: "print the managed buildkitd's log",
		Long:  docs.Help("builder-logs"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := builder.Logs(builder.Env{}, cmd.OutOrStdout()); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			return nil
		},
	}
}

// newBuilderSuperviseCmd is the process that owns a managed buildkitd
// (builder.Supervise); builder.Start runs it.
func newBuilderSuperviseCmd() *cobra.Command {
	var state, socket string
	var idle time.Duration
	var rootless bool
	cmd := &cobra.Command{
		Use:    "supervise --state DIR --socket PATH [--idle-timeout D] -- BUILDKITD-COMMAND...",
		Short:  "run and supervise a managed buildkitd (started by gantry itself)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			quietBuildKitLog()
			if state == "" || socket == "" {
				return usageError("--state and --socket are required")
			}
			err := builder.Supervise(cmd.Context(), builder.SuperviseOptions{
				Paths: builder.PathsFor(state, socket), Argv: args, IdleTimeout: idle, Rootless: rootless, Log: os.Stderr})
			if err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&state, "state", "", "the state directory")
	f.StringVar(&socket, "socket", "", "the socket clients connect to")
	f.DurationVar(&idle, "idle-timeout", builder.DefaultIdleTimeout, "stop after this long with no client (0: never)")
	f.BoolVar(&rootless, "rootless", false, "buildkitd runs through rootlesskit")
	return cmd
}

// debugBuilder prints how the builder was found (gantry build --debug).
func debugBuilder(w io.Writer, res *builder.Resolution) {
	fmt.Fprintf(w, "gantry: builder %s, found by %s\n", res.Addr, res.How())
	for _, s := range res.Trace {
		fmt.Fprintf(w, "gantry:   step %s\n", s)
	}
}
