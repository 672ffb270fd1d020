package push

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/gate"
	"github.com/gantry-ci/gantry/lint"
)

// GateOptions say where the policy and the run of a push decision come
// from (gantry gate's flags).
type GateOptions struct {
	// Dir is a directory in the repository whose policy applies.
	Dir string
	// Config is the config file; "" is .github/gantry.yaml of the repository.
	Config string
	// Event and EventName replace $GITHUB_EVENT_PATH and $GITHUB_EVENT_NAME.
	Event, EventName string
	// Require makes a denied push an error of Gate's (--require).
	Require bool
}

// Gate decides (Evaluate) and shows the decision: its table on w, and the
// step outputs. With o.Require a denied push is an *Error of KindDenied.
func Gate(ctx context.Context, o GateOptions, getenv runenv.Getenv, w io.Writer) error {
	g, err := Evaluate(ctx, o, getenv)
	if err != nil {
		return err
	}
	fmt.Fprint(w, g.Decision.Table())
	if err := g.Decision.WriteGateOutputs(g.Getenv); err != nil {
		return &Error{KindInternal, fmt.Errorf("writing the step outputs: %w", err)}
	}
	if !g.Decision.Push && o.Require {
		return &Error{KindDenied, fmt.Errorf("push denied: %s", g.Decision.Reason)}
	}
	return nil
}

// Evaluation is a push decision with what it was made on.
type Evaluation struct {
	Getenv   runenv.Getenv
	Run      *runenv.Context
	Policy   *config.PushPolicy
	Decision *gate.PushDecision
}

// Evaluate loads the run context from getenv and the policy of the
// repository around o.Dir, and decides (gate.Decide), linting first when
// the policy requires it. Bad options are an *Error of KindUsage; a bad
// config is a *config.Error.
func Evaluate(ctx context.Context, o GateOptions, getenv runenv.Getenv) (*Evaluation, error) {
	getenv = runenv.WithEvent(getenv, o.Event, o.EventName)
	if o.Event != "" && getenv("GITHUB_EVENT_NAME") == "" {
		return nil, &Error{Kind: KindUsage, Err: errors.New("--event needs --event-name: the payload alone does not say which event it is (pull_request and pull_request_target look alike)")}
	}
	run, err := runenv.ContextFromEnv(getenv)
	if err != nil {
		return nil, &Error{Kind: KindUsage, Err: err}
	}
	root := lint.FindRoot(o.Dir)
	cfg, err := lint.LoadConfig(root, o.Config)
	if err != nil {
		return nil, err
	}
	policy := cfg.PushPolicy()
	var check gate.LintCheck
	if policy.RequireLint {
		check = lint.RequireLintCheck(o.Config, root)
	}
	return &Evaluation{Getenv: getenv, Run: run, Policy: policy, Decision: gate.Decide(ctx, policy, run, check)}, nil
}
