package lint

import (
	"path"
	"strings"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// This file follows a ${{ }} value back to where it comes from: through
// env: values (and variables written to $GITHUB_ENV), step outputs, job
// outputs, and the inputs of reusable workflows and local composite
// actions to their callers in the repository. A rule says which values it
// is looking for (flowOrigins): template-injection looks for text an
// outsider writes, untrusted-checkout for refs that name a pull request's
// head.

// flowOrigins are the values a flow search looks for.
type flowOrigins struct {
	// field returns a name for the context path p (lower case) when it is
	// one of the values.
	field func(sc *flowScope, p []string) (string, bool)
	// output returns a name when step s sets its output name from one of
	// the values in a way the ${{ }} of its run: lines do not show (an
	// action's documented outputs, a script that reads the value itself).
	output func(s *RepoStep, name string) (string, bool)
	// text, when set, returns a name when a value's own text, outside its
	// ${{ }}, shows one of the values (a refs/pull/N/head ref, a script that
	// reads a pull request's head).
	text func(v string) (string, bool)
}

// flowSource is where a value comes from, and how it reaches the
// expression.
type flowSource struct {
	// field names the value found (an event field such as
	// "github.event.issue.title"), or is "" when the value is an input
	// whose callers are not in the repository.
	field string
	// via describes the hops from the expression to the field.
	via []string
	// related points at the hop in another place (a caller, an env: value).
	related []Location
	// unknownInput is the input name when no caller is known.
	unknownInput string
}

// flowScope is where an expression is evaluated: a workflow step (or
// a job's outputs or a reusable call's with:), or a composite action step.
type flowScope struct {
	r *Repository
	// job and idx locate the step in a workflow; idx is -1 for a job's
	// with: of a reusable call and len(steps) for job outputs.
	job *RepoJob
	idx int
	// action is set for composite action steps.
	action     *File
	actionStep *yaml.Node
	// origins are the values looked for.
	origins *flowOrigins
}

const maxFlowDepth = 5

// walkValueExpr calls visit with the context path of every property access
// whose value can end up in the expression's result: operands of
// comparisons, ! and contains/startsWith/endsWith yield booleans and are
// skipped. An index that is not a string literal is "*".
func walkValueExpr(n actionlint.ExprNode, visit func(path []string)) {
	if p, ok := valuePath(n); ok {
		visit(p)
		return
	}
	switch n := n.(type) {
	case *actionlint.LogicalOpNode:
		walkValueExpr(n.Left, visit)
		walkValueExpr(n.Right, visit)
	case *actionlint.FuncCallNode:
		switch strings.ToLower(n.Callee) {
		case "contains", "startswith", "endswith", "hashfiles", "success", "failure", "always", "cancelled":
			return
		}
		for _, a := range n.Args {
			walkValueExpr(a, visit)
		}
	case *actionlint.IndexAccessNode:
		walkValueExpr(n.Operand, visit)
	case *actionlint.ObjectDerefNode:
		walkValueExpr(n.Receiver, visit)
	case *actionlint.ArrayDerefNode:
		walkValueExpr(n.Receiver, visit)
	}
}

// valuePath is the context path of a property access, as written, with "*"
// for array filters and computed indexes.
func valuePath(n actionlint.ExprNode) ([]string, bool) {
	switch n := n.(type) {
	case *actionlint.VariableNode:
		return []string{n.Name}, true
	case *actionlint.ObjectDerefNode:
		p, ok := valuePath(n.Receiver)
		return append(p, n.Property), ok
	case *actionlint.ArrayDerefNode:
		p, ok := valuePath(n.Receiver)
		return append(p, "*"), ok
	case *actionlint.IndexAccessNode:
		p, ok := valuePath(n.Operand)
		if s, isStr := n.Index.(*actionlint.StringNode); isStr {
			return append(p, s.Value), ok
		}
		return append(p, "*"), ok
	}
	return nil, false
}

// exprSource returns the origin a value of an expression comes from, if
// any.
func (sc *flowScope) exprSource(n actionlint.ExprNode, depth int) (flowSource, bool) {
	var src flowSource
	found := false
	walkValueExpr(n, func(p []string) {
		if found {
			return
		}
		src, found = sc.pathSource(p, depth)
	})
	return src, found
}

// stringSource checks the ${{ }} expressions of a value.
func (sc *flowScope) stringSource(v string, depth int) (flowSource, bool) {
	if sc.origins.text != nil {
		if name, ok := sc.origins.text(v); ok {
			return flowSource{field: name}, true
		}
	}
	spans, _ := exprSpans(v)
	for _, sp := range spans {
		if src, ok := sc.exprSource(sp.node, depth); ok {
			return src, true
		}
	}
	return flowSource{}, false
}

func (sc *flowScope) pathSource(written []string, depth int) (flowSource, bool) {
	if depth > maxFlowDepth {
		return flowSource{}, false
	}
	p := make([]string, len(written))
	for i, w := range written {
		p[i] = strings.ToLower(w)
	}
	if name, ok := sc.origins.field(sc, p); ok {
		return flowSource{field: name}, true
	}
	hop := func(what string) func(flowSource, bool) (flowSource, bool) {
		return func(src flowSource, ok bool) (flowSource, bool) {
			if ok {
				src.via = append([]string{what}, src.via...)
			}
			return src, ok
		}
	}
	switch {
	case len(p) == 2 && p[0] == "env":
		if v := sc.env(p[1]); v != "" {
			return hop("env." + written[1])(sc.stringSource(v, depth+1))
		}
		return hop("env." + written[1] + " written to $GITHUB_ENV")(sc.envFileSource(p[1], depth+1))
	case len(p) == 4 && p[0] == "steps" && p[2] == "outputs":
		return hop(strings.Join(written, "."))(sc.stepOutputSource(p[1], p[3], depth+1))
	case len(p) == 4 && p[0] == "needs" && p[2] == "outputs" && sc.job != nil:
		if j := sc.job.Workflow.Job(p[1]); j != nil && j.Job.Outputs != nil {
			if o := j.Job.Outputs[p[3]]; o != nil && o.Value != nil {
				inner := &flowScope{r: sc.r, job: j, idx: len(j.Steps), origins: sc.origins}
				return hop(strings.Join(written, "."))(inner.stringSource(o.Value.Value, depth+1))
			}
		}
	case len(p) == 2 && p[0] == "inputs":
		return sc.inputSource(p[1], depth)
	}
	return flowSource{}, false
}

// env returns the value of an env variable visible where the expression is.
// name is in lower case (actionlint's expression parser lower-cases
// property names, and keys workflow env: names in lower case), so an env:
// key matches without regard to case. GitHub's Linux and macOS runners
// match the case exactly, so ${{ env.title }} with TITLE: set reads empty
// there: that rare mismatch is still followed.
func (sc *flowScope) env(name string) string {
	if sc.action != nil {
		if v := mappingValueFold(MappingValue(sc.actionStep, "env"), name); v != nil && v.Kind == yaml.ScalarNode {
			return v.Value
		}
		return ""
	}
	if sc.idx >= 0 && sc.idx < len(sc.job.Steps) {
		if v := sc.job.Steps[sc.idx].Env(name); v != nil {
			return v.Value
		}
		return ""
	}
	for _, e := range []*actionlint.Env{sc.job.Job.Env, sc.job.Workflow.Workflow.Env} {
		if e != nil && e.Vars != nil {
			if v := e.Vars[strings.ToLower(name)]; v != nil && v.Value != nil {
				return v.Value.Value
			}
		}
	}
	return ""
}

// outputLineRe matches a line of a run: script that sets a step output.
var outputLineRe = lazyre.New(`GITHUB_OUTPUT|::set-output`)

// envFileRe matches a line of a run: script that writes $GITHUB_ENV.
var envFileRe = lazyre.New(`GITHUB_ENV`)

// stepOutputSource follows steps.<id>.outputs.<name> to the earlier step
// that sets it: an output the origins know, or a line of a run: script
// that names the output, writes $GITHUB_OUTPUT and expands a value looked
// for (by ${{ }} or an env variable that holds it).
func (sc *flowScope) stepOutputSource(id, name string, depth int) (flowSource, bool) {
	if sc.job == nil {
		return flowSource{}, false
	}
	for _, s := range sc.job.Steps[:min(max(sc.idx, 0), len(sc.job.Steps))] {
		if s.Step.ID == nil || strings.ToLower(s.Step.ID.Value) != id {
			continue
		}
		if sc.origins.output != nil {
			if field, ok := sc.origins.output(s, name); ok {
				return flowSource{field: field}, true
			}
		}
		return sc.writtenSource(s, outputLineRe, name, depth)
	}
	return flowSource{}, false
}

// envFileSource follows an env variable that no env: sets to the earlier
// steps of the job that write it to $GITHUB_ENV (the last one wins).
func (sc *flowScope) envFileSource(name string, depth int) (flowSource, bool) {
	if sc.job == nil {
		return flowSource{}, false
	}
	steps := sc.job.Steps[:min(max(sc.idx, 0), len(sc.job.Steps))]
	for i := len(steps) - 1; i >= 0; i-- {
		if src, ok := sc.writtenSource(steps[i], envFileRe, name+"=", depth); ok {
			return src, true
		}
	}
	return flowSource{}, false
}

// writtenSource checks the lines of step s's run: script that match re and
// contain key (case-insensitively) for a value looked for.
func (sc *flowScope) writtenSource(s *RepoStep, re *lazyre.Regexp, key string, depth int) (flowSource, bool) {
	run := s.Run()
	if run == nil {
		return flowSource{}, false
	}
	key = strings.ToLower(key)
	inner := &flowScope{r: sc.r, job: sc.job, idx: s.Index, origins: sc.origins}
	for _, line := range strings.Split(run.Value, "\n") {
		if !re.MatchString(line) || !strings.Contains(strings.ToLower(line), key) {
			continue
		}
		if src, ok := inner.stringSource(line, depth); ok {
			return src, true
		}
		for _, v := range shellVars(line) {
			if e := s.Env(v); e != nil {
				if src, ok := inner.stringSource(e.Value, depth+1); ok {
					src.via = append([]string{"$" + v}, src.via...)
					return src, true
				}
			}
		}
	}
	return flowSource{}, false
}

// inputSource follows inputs.<name> of a reusable workflow to the with: of
// its callers in the repository. An input of a workflow that is only run
// by hand (workflow_dispatch) comes from someone with write access.
func (sc *flowScope) inputSource(name string, depth int) (flowSource, bool) {
	if sc.action != nil {
		return actionInputSource(sc.r, sc.origins, sc.action, name, depth)
	}
	w := sc.job.Workflow
	call, ok := w.Workflow.FindWorkflowCallEvent()
	if !ok {
		return flowSource{}, false
	}
	for _, in := range call.Inputs {
		if in.ID == name && in.Type != actionlint.WorkflowCallEventInputTypeString && in.Type != actionlint.WorkflowCallEventInputTypeInvalid {
			return flowSource{}, false
		}
	}
	if len(w.Callers) == 0 {
		return flowSource{unknownInput: name}, depth == 0
	}
	for _, c := range w.Callers {
		wc := c.Job.Job.WorkflowCall
		if wc == nil || wc.Inputs == nil || wc.Inputs[name] == nil || wc.Inputs[name].Value == nil {
			continue
		}
		v := wc.Inputs[name].Value
		inner := &flowScope{r: sc.r, job: c.Job, idx: -1, origins: sc.origins}
		if src, ok := inner.stringSource(v.Value, depth+1); ok && src.field != "" {
			src.via = append([]string{"inputs." + name + " from " + c.Caller.File.Path}, src.via...)
			src.related = append(src.related, related(c.Caller.File, at(v), "passes "+src.field+" as input "+name))
			return src, true
		}
	}
	return flowSource{}, false
}

// actionInputSource follows inputs.<name> of a local composite action to
// the with: of the workflow steps that use it. Those of a scanned workflow
// come from the facts its scan kept (actionCallsIn) for template-injection,
// the one rule that checks actions.
func actionInputSource(r *Repository, origins *flowOrigins, action *File, name string, depth int) (flowSource, bool) {
	dir := "./" + strings.ToLower(path.Dir(action.RelPath))
	if dir == "./." {
		dir = "."
	}
	callers := 0
	for _, w := range r.Workflows {
		if w.Scanned {
			calls, _ := w.Facts(templateInjectionID).([]actionCall)
			for _, c := range calls {
				if !usesActionIn(c.action, dir) {
					continue
				}
				callers++
				if srcs := c.passes[name]; depth < len(srcs) && srcs[depth].field != "" {
					return srcs[depth], true
				}
			}
			continue
		}
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if !usesActionIn(s.Action, dir) {
					continue
				}
				callers++
				if src, ok := callerInputSource(r, origins, s, name, depth); ok {
					return src, true
				}
			}
		}
	}
	if callers == 0 && depth == 0 {
		return flowSource{unknownInput: name}, true
	}
	return flowSource{}, false
}

// usesActionIn reports whether a step's action (RepoStep.Action) is the
// local action in dir ("./dir", or "." for the repository's root).
func usesActionIn(action, dir string) bool {
	return action == dir || action == dir+"/" || dir == "." && action == "./"
}

// callerInputSource follows input name of the local action that step s
// uses to the value its with: passes, for an action's search at depth.
func callerInputSource(r *Repository, origins *flowOrigins, s *RepoStep, name string, depth int) (flowSource, bool) {
	v := s.Input(name)
	if v == nil {
		return flowSource{}, false
	}
	inner := &flowScope{r: r, job: s.Job, idx: s.Index, origins: origins}
	if src, ok := inner.stringSource(v.Value, depth+1); ok && src.field != "" {
		f := s.File()
		src.via = append([]string{"inputs." + name + " from " + f.Path}, src.via...)
		src.related = append(src.related, related(f, at(v), "passes "+src.field+" as input "+name))
		return src, true
	}
	return flowSource{}, false
}

// actionCall is a workflow step that uses a local action, as a scanned
// workflow keeps it for the action's checks (actionInputSource).
type actionCall struct {
	// action is the step's action ("./dir").
	action string
	// passes holds, by input name, what callerInputSource finds in the
	// step's with: input for a search at each depth (0 to maxFlowDepth;
	// no field where it finds nothing); an input that passes nothing at
	// any depth is left out.
	passes map[string][]flowSource
}

// actionCallsIn returns the steps of a workflow that use a local action,
// or nil when there are none.
func actionCallsIn(r *Repository, w *RepoWorkflow, origins *flowOrigins) []actionCall {
	var out []actionCall
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if s.Action != "." && !strings.HasPrefix(s.Action, "./") {
				continue // not a local action for any dir (usesActionIn)
			}
			c := actionCall{action: strings.Clone(s.Action)}
			if a, ok := s.Step.Exec.(*actionlint.ExecAction); ok {
				for name := range a.Inputs {
					srcs := make([]flowSource, maxFlowDepth+1)
					found := false
					for depth := range srcs {
						if src, ok := callerInputSource(r, origins, s, name, depth); ok {
							srcs[depth], found = src.detached(), true
						}
					}
					if found {
						if c.passes == nil {
							c.passes = map[string][]flowSource{}
						}
						c.passes[strings.Clone(name)] = srcs
					}
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// detached returns a copy of src whose strings share no memory with a
// syntax tree, for the facts of a workflow whose tree is dropped.
func (src flowSource) detached() flowSource {
	out := flowSource{field: strings.Clone(src.field), unknownInput: strings.Clone(src.unknownInput)}
	for _, v := range src.via {
		out.via = append(out.via, strings.Clone(v))
	}
	for _, l := range src.related {
		l.Message = strings.Clone(l.Message)
		out.related = append(out.related, l)
	}
	return out
}
