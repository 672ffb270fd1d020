package lint

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

var envExprRe = lazyre.New(`^env\.([A-Za-z_][A-Za-z0-9_]*)$`)

// fixTemplateInjection rewrites a template-injection finding in a run:
// script that runs in bash or sh to the safe form: the expression moves to
// the step's env: and the script reads "${NAME}" (${{ env.X }} becomes
// ${X}). It gives up inside single quotes, on other shells (a Windows
// runner's pwsh, shell: python), on github-script and when the env: already
// holds NAME with another value.
func fixTemplateInjection(c *fixContext) *Fix {
	t := c.yaml()
	if t == nil {
		return nil
	}
	off := t.offset(c.finding.Line, c.finding.Column)
	if off < 0 || !strings.HasPrefix(string(t.src[off:]), "${{") {
		return nil
	}
	end := strings.Index(string(t.src[off:]), "}}")
	if end < 0 || strings.Contains(string(t.src[off:off+end]), "\n") {
		return nil
	}
	raw := string(t.src[off : off+end+2])
	expr := strings.TrimSpace(raw[3 : len(raw)-2])
	var run *yaml.Node
	t.walk(func(n *yaml.Node) {
		if run != nil || n.Kind != yaml.ScalarNode {
			return
		}
		if k := t.keyOf(n); k == nil || k.Value != "run" {
			return
		}
		if e, ok := t.nodeEnd(n); ok && t.nodeOffset(n) <= off && off < e {
			run = n
		}
	})
	if run == nil {
		return nil
	}
	step := t.parent[run]
	if !runsInPOSIXShell(c.file, run, step) {
		return nil
	}
	s, ok := t.scalar(run)
	if !ok {
		return nil
	}
	i := -1
	for j := range s.value {
		if s.from[j] == off {
			i = j
			break
		}
	}
	if i < 0 || !strings.HasPrefix(s.value[i:], raw) || inSingleQuotes(s.value, i) {
		return nil
	}
	var edits []Edit
	name := safeEnvName(expr)
	if m := envExprRe.FindStringSubmatch(expr); m != nil {
		name = m[1]
	} else {
		_, env := valueOf(step, "env")
		entry := name + ": " + raw
		switch {
		case env == nil:
			runK, _ := valueOf(step, "run")
			e, ok := insertStepEnv(t, step, runK, run, entry)
			if !ok {
				return nil
			}
			edits = append(edits, e)
		case env.Kind == yaml.MappingNode && len(env.Content) > 0:
			if _, v := valueOf(env, name); v != nil {
				if strings.TrimSpace(v.Value) != raw {
					return nil
				}
				break
			}
			n := len(env.Content)
			e, ok := t.insertEntryAfter(env, env.Content[n-2], env.Content[n-1], []string{entry}, entry)
			if !ok {
				return nil
			}
			edits = append(edits, e)
		default:
			return nil
		}
	}
	e, ok := s.edit(i, i+len(raw), "${"+name+"}")
	if !ok {
		return nil
	}
	edits = append([]Edit{e}, edits...)
	return &Fix{Description: fmt.Sprintf("pass %s through env: %s and use ${%s}", expr, name, name), Edits: edits}
}

// runsInPOSIXShell reports whether the run: script of step runs in bash
// or sh, where ${NAME} reads the variable: a workflow step's shell comes from
// the step, the job's or the workflow's defaults, or the runner (pwsh on
// Windows), and a composite action's step names its own.
func runsInPOSIXShell(f *File, run, step *yaml.Node) bool {
	if wf := f.Workflow; wf != nil {
		job, r := findRunStep(wf, run.Line, run.Column)
		return r != nil && posixShell(wf, job, r)
	}
	_, sh := valueOf(step, "shell")
	return sh != nil && sh.Kind == yaml.ScalarNode && posixShellName(sh.Value)
}

// inSingleQuotes reports whether byte i of a shell script is inside a
// single-quoted string (counting the quotes on its line outside double quotes).
func inSingleQuotes(script string, i int) bool {
	start := strings.LastIndex(script[:i], "\n") + 1
	in, dq := false, false
	for j := start; j < i; j++ {
		switch script[j] {
		case '\\':
			if !in {
				j++
			}
		case '"':
			if !in {
				dq = !dq
			}
		case '\'':
			if !dq {
				in = !in
			}
		}
	}
	return in
}

// insertStepEnv adds "env:" with one entry after the run: entry of a block
// step mapping, at the column of the run: key (which may follow "- ").
func insertStepEnv(t *yamlText, step, runK, run *yaml.Node, entry string) (Edit, bool) {
	if step.Style&yaml.FlowStyle != 0 || runK == nil {
		return Edit{}, false
	}
	end, ok := t.nodeEnd(run)
	if !ok || end <= 0 {
		return Edit{}, false
	}
	indent := strings.Repeat(" ", runK.Column-1)
	eol := t.eol()
	text := indent + "env:" + eol + indent + strings.Repeat(" ", t.indentStep()) + entry + eol
	at := t.lineEnd(t.lineOf(end - 1))
	if at == len(t.src) && (len(t.src) == 0 || t.src[len(t.src)-1] != '\n') {
		text = eol + strings.TrimSuffix(text, eol)
	}
	return Edit{Start: at, End: at, New: text}, true
}
