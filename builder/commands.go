package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/buildkit/client"

	"github.com/gantry-ci/gantry/buildcache"
)

// Connect resolves the builder (Resolve) and connects to it with tls, or,
// when tls is empty, with a remote buildx builder's certificates. The
// Resolution comes back even when connecting fails, so that it can be
// shown. Errors that match buildcache.ErrDaemonUnreachable mean no daemon
// answers; any other is an invalid address or TLS setting.
func Connect(ctx context.Context, o Options, tls buildcache.TLSOptions) (*Resolution, *client.Client, error) {
	res, err := Resolve(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	if tls == (buildcache.TLSOptions{}) {
		tls = res.TLS
	}
	c, err := buildcache.Connect(ctx, res.Addr, tls)
	return res, c, err
}

// WriteTrace writes how the builder was found, one step a line (gantry
// build --debug).
func (r *Resolution) WriteTrace(w io.Writer) {
	fmt.Fprintf(w, "gantry: builder %s, found by %s\n", r.Addr, r.How())
	for _, s := range r.Trace {
		fmt.Fprintf(w, "gantry:   step %s\n", s)
	}
}

// WriteStatus writes gantry builder status: the address, how it was found,
// BuildKit's version, the managed daemon's uptime and the disk usage. It
// fails only when the daemon does not answer.
func WriteStatus(ctx context.Context, w io.Writer, res *Resolution, c *client.Client) error {
	fmt.Fprintf(w, "address:   %s\n", res.Addr)
	fmt.Fprintf(w, "found by:  %s\n", res.How())
	for _, t := range res.Trace[:len(res.Trace)-1] {
		fmt.Fprintf(w, "  passed:  %s\n", t)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return err
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
}

// ParseKeepStorage is a --keep-storage size, such as 10GB, in bytes; ""
// is 0 (no bound) when emptyOK.
func ParseKeepStorage(keep string, emptyOK bool) (int64, error) {
	if keep == "" && emptyOK {
		return 0, nil
	}
	n, err := units.RAMInBytes(keep)
	if err != nil {
		return 0, fmt.Errorf("--keep-storage %q: want a size such as 10GB", keep)
	}
	return n, nil
}

// PruneOptions say which cache records Prune removes.
type PruneOptions struct {
	// KeepBytes keeps the most recently used records up to this size.
	KeepBytes int64
	// KeepDuration keeps the records used within this time.
	KeepDuration time.Duration
	// Filters are BuildKit's prune filters, e.g. type==regular.
	Filters []string
	// All includes internal and frontend records.
	All bool
}

// Prune removes build cache from the builder at res and writes how much
// to w.
func Prune(ctx context.Context, w io.Writer, res *Resolution, c *client.Client, o PruneOptions) error {
	opts := []client.PruneOption{client.WithKeepOpt(o.KeepDuration, 0, o.KeepBytes, 0)}
	if len(o.Filters) > 0 {
		opts = append(opts, client.WithFilter(o.Filters))
	}
	if o.All {
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
	err := c.Prune(ctx, ch, opts...)
	close(ch)
	<-done
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	fmt.Fprintf(w, "removed %d cache records, %s, from %s\n", n, units.HumanSize(float64(total)), res.Addr)
	return nil
}

// StartAny starts the managed builder (gantry builder start): a local
// buildkitd, else, when that cannot run here, the container builder. It
// writes what it did to w and the fallback to log.
func StartAny(ctx context.Context, w, log io.Writer, o StartOptions) error {
	r, started, err := Start(ctx, o)
	switch {
	case err == nil && started:
		fmt.Fprintf(w, "started buildkitd (pid %d) at %s; log %s\n", r.BuildkitdPid, r.Address, o.Paths().Log)
		return nil
	case err == nil:
		fmt.Fprintf(w, "already running at %s (since %s)\n", r.Address, r.Started.Format(time.RFC3339))
		return nil
	case !errors.Is(err, ErrCannotStartLocal):
		return err
	}
	fmt.Fprintf(log, "gantry: %v; trying the container builder\n", err)
	if err := StartContainer(ctx, o.KeepStorage); err != nil {
		return err
	}
	fmt.Fprintf(w, "started the container builder at %s (%s)\n", ContainerAddress, ContainerImage())
	return nil
}

// StopAll stops the managed buildkitd and removes the container builder
// (gantry builder stop), writing what it stopped to w.
func StopAll(ctx context.Context, w io.Writer) error {
	was, err := Stop(ctx, Env{})
	if err != nil {
		return err
	}
	if was {
		fmt.Fprintln(w, "stopped the managed buildkitd")
	}
	removed, err := StopContainer(ctx)
	if err != nil {
		return err
	}
	if removed {
		fmt.Fprintf(w, "removed the container %s (its volume %s stays)\n", ContainerName, ContainerVolume)
	}
	if !was && !removed {
		fmt.Fprintln(w, "no managed builder is running")
	}
	return nil
}
