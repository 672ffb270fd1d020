package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/lint"
	"github.com/gantry-ci/gantry/push"
)

// Exit codes of gantry build, besides exitOK, exitUsage and exitInternal.
const (
	exitBuildFailed  = 1 // a step failed, or BuildKit rejected the Dockerfile
	exitUnreachable  = 4 // the BuildKit daemon is not running, or went away mid-build
	exitCacheWarning = 5 // the build succeeded, but a cache import or export failed
)

type buildFlags struct {
	// opts holds the flags that are build options as they are
	opts buildcache.BuildOptions
	// in holds the flags that need parsing (BuildOptions.Prepare)
	in            buildcache.Flags
	push          bool
	report        string
	tls           buildcache.TLSOptions
	timeout       time.Duration
	allowCacheErr bool
	// caches are the --cache flags: one is allowed, but a second is
	// an error rather than silently the one that counts
	caches []string
	debug  bool
	// pushing holds gantry push's own flags (empty for gantry build --push).
	pushing pushFlags
}

func newBuildCmd() *cobra.Command { return newBuildCmdWith(&buildFlags{}) }

// newBuildCmdWith is gantry build with its flags in fl (gantry push adds its
// own to the same command).
func newBuildCmdWith(fl *buildFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build [DIR]",
		Short: "build a Dockerfile on BuildKit with one cache entry per stage",
		Long:  docs.Help("build"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd, args, fl)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.opts.Dockerfile, "file", "f", "", "the Dockerfile (default DIR/Dockerfile)")
	f.StringVar(&fl.opts.Target, "target", "", "the stage to build (default: the last one)")
	f.StringArrayVar(&fl.in.BuildArgs, "build-arg", nil, "build argument NAME=VALUE (SHA defaults to the commit being built in GitHub Actions)")
	f.StringSliceVar(&fl.opts.Platforms, "platform", nil, "target platforms, e.g. linux/amd64,linux/arm64")
	f.StringArrayVar(&fl.in.Contexts, "build-context", nil, "named context NAME=docker-image://REF|oci-layout://PATH[:TAG]|DIR")
	f.StringArrayVar(&fl.opts.Secrets, "secret", nil, "secret id=ID,src=FILE or id=ID,env=VAR")
	f.StringArrayVar(&fl.caches, "cache", nil, "cache backend for the per-stage entries, e.g. type=local,dir=.cache or type=registry,ref=REPO")
	f.BoolVar(&fl.opts.CacheReadOnly, "cache-read-only", false, "read the --cache entries without writing them (a pull request's build, which must not replace the default branch's entries)")
	f.StringArrayVarP(&fl.in.Outputs, "output", "o", nil, "output type=image,name=REF[,push=true] | type=registry,name=REF | type=oci,dest=FILE | type=docker,dest=FILE | type=local,dest=DIR | type=tar,dest=FILE (- for stdout, as is -o -)")
	f.BoolVar(&fl.push, "push", false, "push the image when the push policy allows it (see gantry gate)")
	f.StringVar(&fl.opts.Progress, "progress", "auto", "progress display: auto, tty, plain, rawjson, quiet")
	f.StringVar(&fl.report, "report", "", "write the build report as JSON to this file")
	f.StringVar(&fl.in.Builder, "builder", "", "BuildKit address (default $BUILDKIT_HOST, else found or started: see gantry builder)")
	f.StringVar(&fl.tls.CACert, "tls-ca-cert", "", "CA certificate of a tcp:// daemon")
	f.StringVar(&fl.tls.Cert, "tls-cert", "", "client certificate for a tcp:// daemon")
	f.StringVar(&fl.tls.Key, "tls-key", "", "client key for a tcp:// daemon")
	f.StringVar(&fl.tls.ServerName, "tls-server-name", "", "server name in the daemon's certificate (default: the address's host)")
	f.BoolVar(&fl.opts.NoCache, "no-cache", false, "run every step again")
	f.DurationVar(&fl.timeout, "timeout", 0, "give up after this long, e.g. 30m (default: no limit)")
	f.BoolVar(&fl.allowCacheErr, "allow-cache-errors", false, "exit 0, not 5, when a cache import or export failed")
	f.BoolVar(&fl.debug, "debug", false, "show how the builder was found, and the BuildKit client's and (with a push) the AWS SDK's own log messages")
	return cmd
}

func runBuild(cmd *cobra.Command, args []string, fl *buildFlags) error {
	ctx := cmd.Context()
	if !fl.debug {
		buildcache.QuietClientLog()
	}
	if fl.timeout < 0 {
		return usageError("--timeout must be a positive duration such as 30m, or 0 for no limit, not %s", fl.timeout)
	}
	if fl.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fl.timeout)
		defer cancel()
	}
	switch len(fl.caches) {
	case 0:
	case 1:
		fl.opts.Cache = fl.caches[0]
	default:
		return usageError("--cache is given %d times: gantry derives every stage's entry from one backend (%q, %q)", len(fl.caches), fl.caches[0], fl.caches[1])
	}
	if fl.opts.CacheReadOnly && fl.opts.Cache == "" {
		return usageError("--cache-read-only reads the --cache entries: give --cache too")
	}
	opts := fl.opts
	opts.ProgressOut = cmd.ErrOrStderr()
	var err error
	if opts.ContextDir, err = dirArg(args); err != nil {
		return err
	}
	if _, err := lint.LoadConfig(lint.FindRoot(opts.ContextDir), ""); err != nil {
		return err
	}
	if err := opts.Prepare(fl.in, os.LookupEnv); err != nil {
		return usageError("%v", err)
	}
	// the report is written after the build: a directory that is not there
	// is a usage mistake to say now, not after the build
	if fl.report != "" {
		if fi, err := os.Stat(filepath.Dir(fl.report)); err != nil || !fi.IsDir() {
			return usageError("--report %s: %s is not a directory", fl.report, filepath.Dir(fl.report))
		}
	}

	var pushing *push.Push
	if fl.push {
		var sdkLog io.Writer
		if fl.debug {
			sdkLog = cmd.ErrOrStderr()
		}
		if pushing, err = preparePush(ctx, cmd, &fl.pushing, &opts, sdkLog); err != nil {
			return err
		}
		defer pushing.Abandon() // reports a build that did not finish
	}

	// the builder: found, or started (see gantry builder)
	bres, c, err := connectBuilder(ctx, fl.in.Builder, false, fl.tls)
	if fl.debug && bres != nil {
		bres.WriteTrace(cmd.ErrOrStderr())
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return exitWith(exitUnreachable, fmt.Errorf("--timeout %s passed before BuildKit answered: %w", fl.timeout, err))
		}
		return err
	}
	opts.Builder = bres.Addr
	defer c.Close()

	res, err := buildcache.Build(ctx, c, opts)
	table := cmd.ErrOrStderr()
	rawJSON := opts.Progress == "rawjson"
	if rawJSON {
		table = io.Discard // stderr is the JSON stream a tool reads (--report has the table's content)
	}
	if werr := res.Publish(table, fl.report, os.Getenv); werr != nil && err == nil {
		return exitWith(exitInternal, werr)
	}
	if err != nil {
		if perr := pushing.Failed(ctx, err); perr != nil {
			// the code of the push's error (exit 6), not of the build
			// error it wraps
			var pe *push.Error
			errors.As(perr, &pe)
			return exitWith(exitCodes[pe.Kind], perr)
		}
		return exitFor(err, exitInternal)
	}
	if err := pushing.Complete(ctx, res); err != nil {
		return exitFor(err, exitUsage)
	}
	// a build that only reads the cache (--cache-read-only, or a denied
	// push) reads it as a speed-up: a fork's pull request has no
	// credentials for a private one
	// without the table, the error names the warnings it would have listed
	cacheErr := res.Report.CacheWarningError
	if rawJSON {
		cacheErr = res.Report.CacheWarningErrorListed
	}
	if err := cacheErr(); err != nil && !fl.allowCacheErr && !opts.CacheReadOnly {
		return &exitError{code: exitCacheWarning, err: err}
	}
	return nil
}
