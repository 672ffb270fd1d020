package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/buildcache"
	"github.com/gantry-ci/gantry/docs"
	"github.com/gantry-ci/gantry/lint"
	"github.com/gantry-ci/gantry/push"
	"github.com/gantry-ci/gantry/stagegraph"
)

// Exit codes of gantry build, besides exitOK, exitUsage and exitInternal.
const (
	exitBuildFailed  = 1 // a step failed, or BuildKit rejected the Dockerfile
	exitUnreachable  = 4 // the BuildKit daemon is not running, or went away mid-build
	exitCacheWarning = 5 // the build succeeded, but a cache import or export failed
)

type buildFlags struct {
	file          string
	target        string
	buildArgs     []string
	platforms     []string
	contexts      []string
	secrets       []string
	cache         string
	outputs       []string
	push          bool
	progress      string
	report        string
	builder       string
	tls           buildcache.TLSOptions
	noCache       bool
	timeout       time.Duration
	allowCacheErr bool
	debug         bool
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
	f.StringVarP(&fl.file, "file", "f", "", "the Dockerfile (default DIR/Dockerfile)")
	f.StringVar(&fl.target, "target", "", "the stage to build (default: the last one)")
	f.StringArrayVar(&fl.buildArgs, "build-arg", nil, "build argument NAME=VALUE (SHA defaults to the commit being built in GitHub Actions)")
	f.StringSliceVar(&fl.platforms, "platform", nil, "target platforms, e.g. linux/amd64,linux/arm64")
	f.StringArrayVar(&fl.contexts, "build-context", nil, "named context NAME=docker-image://REF|oci-layout://PATH[:TAG]|DIR")
	f.StringArrayVar(&fl.secrets, "secret", nil, "secret id=ID,src=FILE or id=ID,env=VAR")
	f.StringVar(&fl.cache, "cache", "", "cache backend for the per-stage entries, e.g. type=local,dir=.cache or type=registry,ref=REPO")
	f.StringArrayVarP(&fl.outputs, "output", "o", nil, "output type=image,name=REF[,push=true] | type=oci,dest=FILE | type=docker,dest=FILE | type=local,dest=DIR")
	f.BoolVar(&fl.push, "push", false, "push the image when the push policy allows it (see gantry gate)")
	f.StringVar(&fl.progress, "progress", "auto", "progress display: auto, tty, plain, rawjson, quiet")
	f.StringVar(&fl.report, "report", "", "write the build report as JSON to this file")
	f.StringVar(&fl.builder, "builder", "", "BuildKit address (default $BUILDKIT_HOST)")
	f.StringVar(&fl.tls.CACert, "tls-ca-cert", "", "CA certificate of a tcp:// daemon")
	f.StringVar(&fl.tls.Cert, "tls-cert", "", "client certificate for a tcp:// daemon")
	f.StringVar(&fl.tls.Key, "tls-key", "", "client key for a tcp:// daemon")
	f.StringVar(&fl.tls.ServerName, "tls-server-name", "", "server name in the daemon's certificate (default: the address's host)")
	f.BoolVar(&fl.noCache, "no-cache", false, "run every step again")
	f.DurationVar(&fl.timeout, "timeout", 0, "give up after this long, e.g. 30m (default: no limit)")
	f.BoolVar(&fl.allowCacheErr, "allow-cache-errors", false, "exit 0, not 5, when a cache import or export failed")
	f.BoolVar(&fl.debug, "debug", false, "show the BuildKit client's own log messages")
	return cmd
}

func runBuild(cmd *cobra.Command, args []string, fl *buildFlags) error {
	ctx := cmd.Context()
	if !fl.debug {
		// BuildKit's client and containerd's content store log through
		// logrus (e.g. "failed check for fsverity support"); the report
		// says what matters
		logrus.SetOutput(io.Discard)
	}
	if fl.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fl.timeout)
		defer cancel()
	}
	opts := buildcache.BuildOptions{
		ContextDir:  ".",
		Dockerfile:  fl.file,
		Target:      fl.target,
		Platforms:   fl.platforms,
		Secrets:     fl.secrets,
		Cache:       fl.cache,
		NoCache:     fl.noCache,
		Progress:    fl.progress,
		ProgressOut: cmd.ErrOrStderr(),
	}
	if len(args) == 1 {
		opts.ContextDir = args[0]
	}
	if _, err := loadConfig(lint.FindRoot(opts.ContextDir), ""); err != nil {
		return err
	}
	var err error
	if opts.BuildArgs, err = stagegraph.ParseBuildArgs(fl.buildArgs, os.LookupEnv); err != nil {
		return usageError("%v", err)
	}
	if _, ok := opts.BuildArgs["SHA"]; !ok {
		// the commit being built: the pull request's head, not the merge commit
		if gh, err := runenv.ContextFromEnv(os.Getenv); err == nil && gh.HeadSHA() != "" {
			opts.BuildArgs["SHA"] = gh.HeadSHA()
		}
	}
	if len(fl.contexts) > 0 {
		opts.NamedContexts = map[string]string{}
		for _, c := range fl.contexts {
			k, v, ok := strings.Cut(c, "=")
			if !ok || k == "" || v == "" {
				return usageError("--build-context %q: want NAME=docker-image://REF, NAME=oci-layout://PATH or NAME=DIR", c)
			}
			opts.NamedContexts[k] = v
		}
	}
	for _, o := range fl.outputs {
		ex, err := buildcache.ParseOutput(o)
		if err != nil {
			return usageError("%v", err)
		}
		opts.Exports = append(opts.Exports, ex)
	}
	if fl.cache != "" {
		if _, err := stagegraph.ParseCacheSpec(fl.cache); err != nil {
			return usageError("--cache: %v", err)
		}
	}
	switch fl.progress {
	case "auto", "tty", "plain", "rawjson", "quiet":
	default:
		return usageError("--progress %q: want auto, tty, plain, rawjson or quiet", fl.progress)
	}
	addr, err := buildcache.ResolveAddress(fl.builder, os.Getenv)
	if err != nil {
		return usageError("%v", err)
	}
	opts.Builder = addr

	var pushing *push.Push
	if fl.push {
		if pushing, err = preparePush(ctx, cmd, &fl.pushing, &opts); err != nil {
			return err
		}
		defer pushing.Abandon() // reports a build that did not finish
	}

	c, err := buildcache.Connect(ctx, addr, fl.tls)
	if err != nil {
		if errors.Is(err, buildcache.ErrDaemonUnreachable) {
			return &exitError{code: exitUnreachable, err: err}
		}
		return usageError("%v", err)
	}
	defer c.Close()

	res, err := buildcache.Build(ctx, c, opts)
	var rep *buildcache.Report
	if res != nil {
		rep = res.Report
	}
	if rep != nil {
		if werr := writeBuildReport(cmd, fl, rep); werr != nil && err == nil {
			return &exitError{code: exitInternal, err: werr}
		}
	}
	if err != nil {
		return buildExitError(err)
	}
	if pushing != nil {
		if err := pushing.Complete(ctx, res); err != nil {
			return pushExitError(err)
		}
	}
	if n := rep.CacheWarnings(); n > 0 && !fl.allowCacheErr {
		what := "cache import or export"
		if n > 1 {
			what = "cache imports or exports"
		}
		return &exitError{code: exitCacheWarning, err: fmt.Errorf("built, but %d %s failed (see the warnings above; --allow-cache-errors exits 0)", n, what)}
	}
	return nil
}

// writeBuildReport prints the table, writes --report and the job summary.
func writeBuildReport(cmd *cobra.Command, fl *buildFlags, rep *buildcache.Report) error {
	if err := rep.WriteTable(cmd.ErrOrStderr()); err != nil {
		return err
	}
	if fl.report != "" {
		f, err := os.Create(fl.report)
		if err != nil {
			return fmt.Errorf("cannot write the report: %w", err)
		}
		if err := rep.WriteJSON(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if err := runenv.AppendSummary(os.Getenv, rep.Markdown()); err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "gantry: warning: job summary:", err)
	}
	return nil
}

// buildExitError maps Build's errors to exit codes.
func buildExitError(err error) error {
	if errors.Is(err, buildcache.ErrDaemonUnreachable) {
		return &exitError{code: exitUnreachable, err: err}
	}
	var be *buildcache.BuildError
	if errors.As(err, &be) {
		switch be.Kind {
		case buildcache.KindUsage:
			return &exitError{code: exitUsage, err: err}
		case buildcache.KindBuild:
			return &exitError{code: exitBuildFailed, err: err}
		}
	}
	return &exitError{code: exitInternal, err: err}
}
