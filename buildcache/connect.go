package buildcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/appdefaults"
	"github.com/moby/buildkit/util/grpcerrors"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc/codes"

	// Connection helpers register the docker-container://, podman-container://,
	// nerdctl-container://, kube-pod:// and ssh:// address schemes with the
	// BuildKit client: shared and remote builders are reached through them.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
	_ "github.com/moby/buildkit/client/connhelper/nerdctlcontainer"
	_ "github.com/moby/buildkit/client/connhelper/podmancontainer"
	_ "github.com/moby/buildkit/client/connhelper/ssh"
)

// TLSOptions configures TLS for tcp:// BuildKit addresses. With every field
// empty the connection is in plain text.
type TLSOptions struct {
	// ServerName is the name the daemon's certificate must have (default:
	// the address's host).
	ServerName string
	// CACert is the CA certificate file that signs the daemon's certificate.
	CACert string
	// Cert and Key are the client certificate and key files.
	Cert, Key string
}

func (t TLSOptions) enabled() bool {
	return t.ServerName != "" || t.CACert != "" || t.Cert != "" || t.Key != ""
}

// DefaultConnectTimeout bounds the health check that Connect makes.
const DefaultConnectTimeout = 20 * time.Second

// ErrDaemonUnreachable is wrapped by the errors of Connect and Build when the
// BuildKit daemon cannot be reached or goes away during a build.
var ErrDaemonUnreachable = errors.New("buildkit daemon unreachable")

// UnreachableError says which daemon could not be reached and how to get one.
type UnreachableError struct {
	Addr string
	// During is true when the daemon went away in the middle of a build.
	During bool
	Err    error
}

func (e *UnreachableError) Error() string {
	at := ""
	if e.Addr != "" {
		at = " at " + e.Addr
	}
	if e.During {
		return fmt.Sprintf("lost the connection to BuildKit%s during the build: %v; check that buildkitd is still running (its log says why it stopped)", at, e.Err)
	}
	return fmt.Sprintf("cannot reach BuildKit%s: %v\n%s", at, e.Err, startHint(e.Addr))
}

// Unwrap returns ErrDaemonUnreachable and the cause.
func (e *UnreachableError) Unwrap() []error { return []error{ErrDaemonUnreachable, e.Err} }

func startHint(addr string) string {
	u, _ := url.Parse(addr)
	scheme := ""
	if u != nil {
		scheme = u.Scheme
	}
	switch scheme {
	case "docker-container":
		return fmt.Sprintf("start the container with `docker start %s`, or create a builder with `docker buildx create --driver docker-container --name %s`", u.Host, strings.TrimPrefix(u.Host, "buildx_buildkit_"))
	case "tcp":
		return "check that buildkitd listens there (`buildkitd --addr " + addr + "` with --tlscacert/--tlscert/--tlskey) and that the --tls-* flags match its certificates"
	case "kube-pod":
		return "check the pod with `kubectl get pod " + u.Host + "`"
	default:
		return "start a daemon with `sudo buildkitd --addr " + addr + "` (runc must be on PATH), or point --builder or BUILDKIT_HOST at a running one, e.g. docker-container://buildx_buildkit_mybuilder0 for the buildx builder `mybuilder` (driver docker-container); without either, gantry build starts a builder itself (gantry builder --help)"
	}
}

// QuietClientLog silences the log of BuildKit's client and containerd's
// content store, which write through logrus (e.g. "failed check for
// fsverity support"), and the standard logger, through which the HTTP/2
// transport of the client's session writes lines such as "http2: ...
// PROTOCOL_ERROR" when a solve fails: the build report says what matters.
// gantry writes nothing of its own through either.
func QuietClientLog() {
	logrus.SetOutput(io.Discard)
	log.SetOutput(io.Discard)
}

// ResolveAddress picks the BuildKit address: the flag, else $BUILDKIT_HOST,
// else BuildKit's default socket. It checks that the address has a known form.
func ResolveAddress(flag string, getenv func(string) string) (string, error) {
	addr := flag
	if addr == "" {
		addr = getenv("BUILDKIT_HOST")
	}
	if addr == "" {
		addr = appdefaults.Address
	}
	u, err := url.Parse(addr)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("invalid BuildKit address %q: want unix:///path, tcp://host:port, docker-container://name, kube-pod://name or ssh://host", addr)
	}
	switch u.Scheme {
	case "unix":
		if u.Path == "" {
			return "", fmt.Errorf("invalid BuildKit address %q: unix:// needs a socket path, e.g. unix:///run/buildkit/buildkitd.sock", addr)
		}
	case "tcp", "docker-container", "podman-container", "nerdctl-container", "kube-pod", "ssh":
		if u.Host == "" {
			return "", fmt.Errorf("invalid BuildKit address %q: %s:// needs a host or name", addr, u.Scheme)
		}
	default:
		return "", fmt.Errorf("invalid BuildKit address %q: unsupported scheme %q (want unix, tcp, docker-container, podman-container, nerdctl-container, kube-pod or ssh)", addr, u.Scheme)
	}
	return addr, nil
}

// Connect opens a client to the BuildKit daemon at addr and checks that it
// answers (a cheap Info call, bounded by DefaultConnectTimeout). Errors
// wrap ErrDaemonUnreachable and say how to start a daemon.
func Connect(ctx context.Context, addr string, tlsOpts TLSOptions) (*client.Client, error) {
	var opts []client.ClientOpt
	if tlsOpts.enabled() {
		if !strings.HasPrefix(addr, "tcp://") {
			return nil, fmt.Errorf("--tls-* flags apply to tcp:// addresses only, not %s", addr)
		}
		for _, f := range []string{tlsOpts.CACert, tlsOpts.Cert, tlsOpts.Key} {
			if f == "" {
				continue
			}
			if _, err := os.Stat(f); err != nil {
				return nil, fmt.Errorf("cannot read TLS file: %w", err)
			}
		}
		if (tlsOpts.Cert == "") != (tlsOpts.Key == "") {
			return nil, errors.New("--tls-cert and --tls-key go together")
		}
		if tlsOpts.CACert != "" {
			opts = append(opts, client.WithServerConfig(tlsOpts.ServerName, tlsOpts.CACert))
		} else {
			opts = append(opts, client.WithServerConfigSystem(tlsOpts.ServerName))
		}
		if tlsOpts.Cert != "" {
			opts = append(opts, client.WithCredentials(tlsOpts.Cert, tlsOpts.Key))
		}
	}
	c, err := client.New(ctx, addr, opts...)
	if err != nil {
		return nil, &UnreachableError{Addr: addr, Err: err}
	}
	hctx, cancel := context.WithTimeout(ctx, DefaultConnectTimeout)
	defer cancel()
	if _, err := c.Info(hctx); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &UnreachableError{Addr: addr, Err: simplifyDialError(err)}
	}
	return c, nil
}

// simplifyDialError keeps the useful part of gRPC's connection errors:
// `failed to call info: Unavailable: connection error: desc = "transport:
// Error while dialing: dial unix /x.sock: connect: ..."` becomes
// `dial unix /x.sock: connect: ...`.
func simplifyDialError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s", DefaultConnectTimeout)
	}
	msg := err.Error()
	i := strings.Index(msg, `desc = "`)
	if grpcerrors.Code(err) != codes.Unavailable || i < 0 {
		return err
	}
	msg = strings.TrimSuffix(msg[i+len(`desc = "`):], `"`)
	msg = strings.TrimPrefix(msg, "transport: ")
	msg = strings.TrimPrefix(msg, "Error while dialing: ")
	return errors.New(msg)
}

// isConnectionLost reports whether a solve failed because the daemon went
// away (killed, restarted, network gone) rather than because the build failed.
func isConnectionLost(err error) bool {
	if err == nil {
		return false
	}
	if grpcerrors.Code(err) == codes.Unavailable {
		return true
	}
	// any other status is the daemon's answer: a build that failed, whose
	// message may quote a refused connection of the daemon's own (a base
	// image's registry that is down)
	if st, ok := grpcerrors.AsGRPCStatus(err); ok && st != nil && st.Code() != codes.OK {
		return false
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "error reading from server: EOF", "transport is closing", "connection reset by peer", "broken pipe", "code = Unavailable"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
