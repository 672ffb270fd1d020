package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
)

// concurrencyCollisionRule flags concurrency groups that evaluate to the
// same value in two workflows started by one event (they cancel or queue
// behind each other), and groups that a caller and its reusable workflow
// (or a job and its own workflow) both hold, which GitHub cancels as a
// deadlock.
//
// Groups are evaluated abstractly per event with actionlint's expression
// parser: literals and github.workflow are known per workflow, contexts
// such as github.ref are equal for the same event and ref, run IDs differ
// between runs. Instances are bucketed by (event, value), so the rule is
// linear in the number of groups.
//
// Only workflows that hold a concurrency group or call a local reusable
// workflow take part, so it keeps those whole (NeedsTree) and has nothing
// to scan in the others.
var concurrencyCollisionRule = &Rule{
	ID: "concurrency-collision", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "concurrency groups of two workflows that collide for one event, or a caller and its reusable workflow that deadlock on one group",
	NeedsTree:       holdsConcurrencyGroup,
	CheckRepository: checkConcurrencyCollision,
}

// holdsConcurrencyGroup reports whether the workflow or one of its jobs
// has a concurrency group. A workflow that has none and calls no local
// reusable workflow holds no group in any run, so the rule skips it.
func holdsConcurrencyGroup(_ *Repository, w *RepoWorkflow) bool {
	hasGroup := func(c *actionlint.Concurrency) bool { return c != nil && c.Group != nil }
	return hasGroup(w.Workflow.Concurrency) || slices.ContainsFunc(w.Jobs, func(j *RepoJob) bool { return hasGroup(j.Job.Concurrency) })
}

// groupInst is one concurrency group as it is evaluated in one run.
type groupInst struct {
	root   *RepoWorkflow // the workflow whose run holds the group
	file   *File         // where the group is written
	conc   *actionlint.Concurrency
	event  string
	trig   *Trigger
	key    string
	cancel tri
	pure   bool          // a literal without expressions
	via    *ReusableCall // set when the group is in a called workflow
}

func (g *groupInst) pos() Position { return at(g.conc.Group) }

// noFanOut are events that start one workflow at a time.
var noFanOut = map[string]bool{"schedule": true, "workflow_dispatch": true, "workflow_call": true}

type collisionScan struct {
	r         *Repository
	instances []*groupInst
	deadlocks []Finding
	seenDead  map[string]bool
}

func checkConcurrencyCollision(r *Repository, _ any) []Finding {
	s := &collisionScan{r: r, seenDead: map[string]bool{}}
	for _, w := range r.Workflows {
		if w.Scanned {
			continue // holds no group (holdsConcurrencyGroup)
		}
		for _, t := range w.Triggers {
			if noFanOut[t.Event] {
				continue
			}
			s.scanRun(w, t)
		}
		if len(w.Triggers) == 0 || !slices.ContainsFunc(w.Triggers, func(t *Trigger) bool { return !noFanOut[t.Event] }) {
			// deadlocks do not depend on the event
			s.scanDeadlocks(w, &Trigger{Event: ""})
		}
	}
	out := append(s.deadlocks, s.collisions()...)
	return out
}

// scanRun collects the groups one run of w for trigger t holds, and checks
// the run for deadlocks.
func (s *collisionScan) scanRun(w *RepoWorkflow, t *Trigger) {
	env := &evalEnv{event: t.Event, workflow: w.Name}
	add := func(file *File, c *actionlint.Concurrency, job string, via *ReusableCall, inputs map[string]absVal) {
		if c == nil || c.Group == nil {
			return
		}
		e := *env
		e.job, e.inputs = job, inputs
		v := e.evalTemplate(c.Group.Value)
		if v.kind != valString || strings.TrimSpace(v.key()) == "" {
			return
		}
		g := &groupInst{root: w, file: file, conc: c, event: t.Event, trig: t, key: v.key(), via: via,
			pure: !strings.Contains(c.Group.Value, "${{"), cancel: cancelValue(&e, c)}
		s.instances = append(s.instances, g)
	}
	add(w.File, w.Workflow.Concurrency, "", nil, nil)
	for _, j := range w.Jobs {
		add(w.File, j.Job.Concurrency, j.ID, nil, nil)
	}
	s.walkCalls(w, env, nil, map[*RepoWorkflow]bool{w: true}, func(call *ReusableCall, inputs map[string]absVal) {
		c := call.Callee
		add(c.File, c.Workflow.Concurrency, "", call, inputs)
		for _, j := range c.Jobs {
			add(c.File, j.Job.Concurrency, j.ID, call, inputs)
		}
	})
	s.scanDeadlocks(w, t)
}

// walkCalls visits the local reusable workflows that w calls, transitively,
// with the inputs each call passes.
func (s *collisionScan) walkCalls(w *RepoWorkflow, env *evalEnv, inputs map[string]absVal, onPath map[*RepoWorkflow]bool,
	visit func(*ReusableCall, map[string]absVal)) {
	if len(onPath) > 10 {
		return
	}
	for _, call := range w.Calls {
		c := call.Callee
		if c == nil || c.Scanned || onPath[c] {
			continue // a scanned workflow holds no group and calls none
		}
		e := *env
		e.inputs = inputs
		in := callInputs(&e, call)
		visit(call, in)
		onPath[c] = true
		s.walkCalls(c, env, in, onPath, visit)
		delete(onPath, c)
	}
}

// callInputs evaluates the inputs a call passes (in the caller's env), with
// the callee's defaults for the others.
func callInputs(env *evalEnv, call *ReusableCall) map[string]absVal {
	in := map[string]absVal{}
	if ev, ok := call.Callee.Workflow.FindWorkflowCallEvent(); ok {
		for _, i := range ev.Inputs {
			if i != nil && i.Name != nil && i.Default != nil {
				in[strings.ToLower(i.Name.Value)] = env.evalTemplate(i.Default.Value)
			}
		}
	}
	if wc := call.Job.Job.WorkflowCall; wc != nil {
		for k, v := range wc.Inputs {
			if v != nil && v.Value != nil {
				in[k] = env.evalTemplate(v.Value.Value)
			}
		}
	}
	return in
}

func cancelValue(env *evalEnv, c *actionlint.Concurrency) tri {
	b := c.CancelInProgress
	if b == nil {
		return triFalse
	}
	if b.Expression != nil {
		return env.evalCondition(b.Expression).truth
	}
	return triOf(b.Value)
}

// scanDeadlocks finds groups that one run holds twice: a job's group equal
// to its workflow's, or a called workflow's group equal to one its caller
// holds.
func (s *collisionScan) scanDeadlocks(w *RepoWorkflow, t *Trigger) {
	env := &evalEnv{event: t.Event, workflow: w.Name, sameRun: true}
	keyOf := func(c *actionlint.Concurrency, job string, inputs map[string]absVal) (string, bool) {
		if c == nil || c.Group == nil {
			return "", false
		}
		e := *env
		e.job, e.inputs = job, inputs
		v := e.evalTemplate(c.Group.Value)
		if v.kind != valString || strings.TrimSpace(v.key()) == "" {
			return "", false
		}
		return v.key(), true
	}
	type held struct {
		key  string
		file *File
		conc *actionlint.Concurrency
	}
	var top []held
	if k, ok := keyOf(w.Workflow.Concurrency, "", nil); ok {
		top = append(top, held{k, w.File, w.Workflow.Concurrency})
		for _, j := range w.Jobs {
			if jk, ok := keyOf(j.Job.Concurrency, j.ID, nil); ok && jk == k {
				s.deadlock(w.File, at(j.Job.Concurrency.Group), fmt.Sprintf(
					"job %q uses concurrency group %s, which its own workflow already holds: GitHub cancels the run as a deadlock; give the job a different group or drop one of them",
					j.ID, quoteGroup(j.Job.Concurrency.Group.Value)),
					related(w.File, at(w.Workflow.Concurrency.Group), "the workflow's group"))
			}
		}
	}
	var walk func(cw *RepoWorkflow, holding []held, inputs map[string]absVal, onPath map[*RepoWorkflow]bool)
	walk = func(cw *RepoWorkflow, holding []held, inputs map[string]absVal, onPath map[*RepoWorkflow]bool) {
		if len(onPath) > 10 {
			return
		}
		for _, call := range cw.Calls {
			c := call.Callee
			if c == nil || c.Scanned || onPath[c] {
				continue // a scanned workflow holds no group and calls none
			}
			h := slices.Clone(holding)
			e := *env
			e.inputs = inputs
			if k, ok := keyOf(call.Job.Job.Concurrency, call.Job.ID, inputs); ok {
				h = append(h, held{k, cw.File, call.Job.Job.Concurrency})
			}
			in := callInputs(&e, call)
			check := func(conc *actionlint.Concurrency, job string) {
				k, ok := keyOf(conc, job, in)
				if !ok {
					return
				}
				for _, x := range h {
					if x.key != k {
						continue
					}
					uses := call.Job.Job.WorkflowCall.Uses
					s.deadlock(call.Caller.File, at(uses), fmt.Sprintf(
						"this call deadlocks: %s uses concurrency group %s, which evaluates to the same value as the group the caller already holds; "+
							"GitHub cancels the run as a deadlock: give the reusable workflow's group its own prefix or drop one of the groups",
						c.File.Path, quoteGroup(conc.Group.Value)),
						related(c.File, at(conc.Group), "the reusable workflow's group"),
						related(x.file, at(x.conc.Group), "the group the caller holds"))
					return
				}
			}
			check(c.Workflow.Concurrency, "")
			for _, j := range c.Jobs {
				check(j.Job.Concurrency, j.ID)
			}
			if k, ok := keyOf(c.Workflow.Concurrency, "", in); ok {
				h = append(h, held{k, c.File, c.Workflow.Concurrency})
			}
			onPath[c] = true
			walk(c, h, in, onPath)
			delete(onPath, c)
		}
	}
	walk(w, top, nil, map[*RepoWorkflow]bool{w: true})
}

func (s *collisionScan) deadlock(f *File, p Position, msg string, rel ...Location) {
	key := fmt.Sprintf("%s:%d:%d", f.Path, p.Line, p.Col)
	if s.seenDead[key] {
		return
	}
	s.seenDead[key] = true
	fd := finding(f, p, msg, rel...)
	fd.Severity = SeverityError
	s.deadlocks = append(s.deadlocks, fd)
}

func quoteGroup(g string) string { return "`" + strings.TrimSpace(g) + "`" }

// maxPartners limits how many colliding workflows one finding names.
const maxPartners = 5

// collisions buckets the group instances by event and value and reports
// each group that collides with a group of another workflow run.
func (s *collisionScan) collisions() []Finding {
	buckets := map[string][]*groupInst{}
	var order []string
	for _, g := range s.instances {
		k := g.event + "\x01" + g.key
		if _, ok := buckets[k]; !ok {
			order = append(order, k)
		}
		buckets[k] = append(buckets[k], g)
	}
	type partner struct {
		g    *groupInst
		with *groupInst
	}
	byPos := map[string][]partner{}
	var posOrder []string
	for _, k := range order {
		b := buckets[k]
		if len(b) < 2 {
			continue
		}
		// triggers with the same filters overlap each other: compare each
		// distinct pair of filter signatures once
		sigs := map[string][]*groupInst{}
		var sigOrder []string
		for _, g := range b {
			sg := triggerSignature(g.trig)
			if _, ok := sigs[sg]; !ok {
				sigOrder = append(sigOrder, sg)
			}
			sigs[sg] = append(sigs[sg], g)
		}
		for _, g := range b {
			n := 0
			for _, sg := range sigOrder {
				grp := sigs[sg]
				if !g.trig.overlaps(grp[0].trig) {
					continue
				}
				for _, o := range grp {
					if o.root == g.root || g.pure && o.pure && g.cancel != triTrue && o.cancel != triTrue {
						continue
					}
					pk := fmt.Sprintf("%s:%d:%d", g.file.Path, g.pos().Line, g.pos().Col)
					if _, ok := byPos[pk]; !ok {
						posOrder = append(posOrder, pk)
					}
					if !slices.ContainsFunc(byPos[pk], func(p partner) bool { return p.with.root == o.root }) {
						byPos[pk] = append(byPos[pk], partner{g, o})
						n++
					}
					if n >= maxPartners {
						break
					}
				}
				if n >= maxPartners {
					break
				}
			}
		}
	}
	var out []Finding
	for _, pk := range posOrder {
		ps := byPos[pk]
		out = append(out, collisionFinding(ps[0].g, func() []*groupInst {
			var ws []*groupInst
			for _, p := range ps {
				ws = append(ws, p.with)
			}
			return ws
		}()))
	}
	return out
}

func triggerSignature(t *Trigger) string {
	return fmt.Sprintf("%v|%v|%v|%v", t.Types, t.Branches, t.Tags, t.Workflows)
}

func collisionFinding(g *groupInst, with []*groupInst) Finding {
	o := with[0]
	effect := "the runs queue behind each other, and a third run in the group cancels the pending one"
	if g.cancel == triTrue || slices.ContainsFunc(with, func(w *groupInst) bool { return w.cancel == triTrue }) {
		effect = "with cancel-in-progress one run cancels the other"
	}
	q := quoteGroup(g.conc.Group.Value)
	var rel []Location
	callSite := func(w *groupInst) Location {
		uses := w.via.Job.Job.WorkflowCall.Uses
		return related(w.via.Caller.File, at(uses), "calls it here from "+w.root.File.Path)
	}
	if g.via != nil {
		// the group is written in a reusable workflow: name the runs that hold it
		roots := []*RepoWorkflow{g.root}
		rel = append(rel, callSite(g))
		for _, w := range with {
			if !slices.Contains(roots, w.root) {
				roots = append(roots, w.root)
			}
			if w.via != nil && w.file == g.file && w.pos() == g.pos() {
				rel = append(rel, callSite(w))
			} else {
				rel = append(rel, related(w.file, w.pos(), "the same group in a run of "+w.root.File.Path))
			}
		}
		names := roots[0].Label()
		for i, rw := range roots[1:] {
			if i == len(roots)-2 {
				names += " and " + rw.Label()
			} else {
				names += ", " + rw.Label()
			}
		}
		return finding(g.file, g.pos(), fmt.Sprintf(
			"concurrency group %s of this reusable workflow has the same value in the runs of %s for the same %s: %s; a reusable workflow's github.workflow is its caller's, so add a prefix unique to the reusable workflow or to each caller",
			q, names, g.event, effect), rel...)
	}
	other := o.root.Label()
	if o.via != nil {
		other = fmt.Sprintf("%s (in %s, which it calls)", o.root.Label(), o.file.Path)
	}
	hint := "include ${{ github.workflow }} in the group"
	if g.root.Name == o.root.Name && strings.Contains(g.conc.Group.Value, "github.workflow") {
		hint = fmt.Sprintf("both workflows are named %q, so github.workflow is the same: rename one", g.root.Name)
	}
	msg := fmt.Sprintf("concurrency group %s of this workflow has the same value as the group of %s for the same %s: %s; %s",
		q, other, g.event, effect, hint)
	if len(with) > 1 {
		msg = fmt.Sprintf("concurrency group %s of this workflow has the same value as the groups of %s and %d more workflows for the same %s: %s; %s",
			q, other, len(with)-1, g.event, effect, hint)
	}
	for _, w := range with {
		rel = append(rel, related(w.file, w.pos(), "the same group in "+w.root.File.Path))
	}
	return finding(g.file, g.pos(), msg, rel...)
}
