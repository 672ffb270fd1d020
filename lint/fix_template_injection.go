package lint

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

var envExprRe = lazyre.New(`^env\.([A-Za-z_][A-Za-z0-9_]*)$`)

// fixTemplateInjection rewrites a template-injection finding in a run:
// script that runs in bash or sh to the safe form: the expression moves to
// the step's env: and the script reads "${NAME}" (${{ env.X }} becomes
// ${X}). It gives up where the shell would not expand ${NAME} (single
// quotes, quoted here-documents), on other shells (a Windows
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
	if i < 0 || !strings.HasPrefix(s.value[i:], raw) || !shellExpands(s.value, i) {
		return nil
	}
	entries, ok := stepEnvEntries(t, step)
	if !ok {
		return nil
	}
	var edits []Edit
	name := safeEnvName(expr)
	if m := envExprRe.FindStringSubmatch(expr); m != nil {
		// env.x reads TITLE too (contexts ignore case); the shell does not
		name = m[1]
		spelled := ""
		for _, kv := range entries {
			if strings.EqualFold(kv[0].Value, m[1]) {
				if spelled != "" && spelled != kv[0].Value {
					return nil // two spellings: which one the expression reads is unclear
				}
				spelled = kv[0].Value
			}
		}
		if spelled != "" {
			name = spelled
		}
		if assignsVar(s.value, name) {
			return nil // the script's own value is not the env: one
		}
	} else {
		defined := false
		for _, kv := range entries {
			if !strings.EqualFold(kv[0].Value, name) {
				continue
			}
			if kv[0].Value != name || strings.TrimSpace(kv[1].Value) != raw {
				return nil // the step, job or workflow env: uses the name for another value
			}
			defined = true
		}
		if !defined && mentionsVar(s.value, name) {
			return nil // the script already has a variable of that name
		}
		_, env := valueOf(step, "env")
		entry := name + ": " + raw
		switch {
		case defined:
		case env == nil:
			runK, _ := valueOf(step, "run")
			e, ok := insertStepEnv(t, step, runK, run, entry)
			if !ok {
				return nil
			}
			edits = append(edits, e)
		case env.Kind == yaml.MappingNode && len(env.Content) > 0:
			n := len(env.Content)
			// a flow mapping ends a plain scalar at { and }: quote the value
			flow := name + ": '" + strings.ReplaceAll(raw, "'", "''") + "'"
			e, ok := t.insertEntryAfter(env, env.Content[n-2], env.Content[n-1], []string{entry}, flow)
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

// stepEnvEntries returns the env: entries (key and value) that a step's
// script sees: the step's, its job's and the workflow's. It fails when one
// of them is not a mapping of scalars (an expression, say).
func stepEnvEntries(t *yamlText, step *yaml.Node) ([][2]*yaml.Node, bool) {
	holders := []*yaml.Node{step}
	if seq := t.parent[step]; seq != nil && seq.Kind == yaml.SequenceNode {
		if k := t.keyOf(seq); k != nil && k.Value == "steps" {
			holders = append(holders, t.parent[seq])
		}
	}
	if root := t.root(); root != nil && root != step {
		holders = append(holders, root)
	}
	var out [][2]*yaml.Node
	for _, h := range holders {
		_, env := valueOf(h, "env")
		env = resolve(env)
		if env == nil {
			continue
		}
		if env.Kind != yaml.MappingNode {
			return nil, false
		}
		for i := 0; i+1 < len(env.Content); i += 2 {
			k, v := env.Content[i], resolve(env.Content[i+1])
			if k.Kind != yaml.ScalarNode || v == nil || v.Kind != yaml.ScalarNode {
				return nil, false
			}
			out = append(out, [2]*yaml.Node{k, v})
		}
	}
	return out, true
}

// mentionsVar reports whether a script names the variable outside its
// ${{ }} expressions.
func mentionsVar(script, name string) bool {
	for _, sp := range exprSpanRe.FindAllStringIndex(script, -1) {
		script = script[:sp[0]] + strings.Repeat(" ", sp[1]-sp[0]) + script[sp[1]:]
	}
	return hasWord(script, name, false)
}

var exprSpanRe = lazyre.New(`\$\{\{[^\n]*?\}\}`)

// assignsVar reports whether a script sets the variable itself (name=,
// export name=, read name, for name in), so that $name may differ from the
// env: value that ${{ env.name }} reads.
func assignsVar(script, name string) bool {
	n := regexp.QuoteMeta(name)
	return regexp.MustCompile(`(^|[\s;&|({])` + n + `(\[[^]\n]*\])?\+?=|\bfor\s+` + n + `\b|\b(export|local|readonly|declare|typeset|read|unset|mapfile|readarray|getopts)\b[^\n;|&$]*\b` + n + `\b`).MatchString(script)
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

// shellExpands reports whether ${NAME} at byte i of a bash or sh script
// reads the variable: i is not inside single quotes ('...' or $'...', which
// may span lines), not in the body of a here-document whose delimiter is
// quoted (<<'EOF'), and not right after a backslash. The scan follows
// double quotes, $( ), backticks and comments; where it is unsure it says
// false.
func shellExpands(script string, i int) bool {
	var stack []byte // '"', '(' or '`'
	top := func() byte {
		if len(stack) == 0 {
			return 0
		}
		return stack[len(stack)-1]
	}
	type heredoc struct {
		delim         string
		quoted, strip bool
	}
	var pending []heredoc
	p := 0
	for p < i {
		c := script[p]
		quoted := top() == '"'
		switch {
		case c == '\\':
			p += 2
		case c == '\n' && len(pending) > 0:
			// the bodies of the here-documents started on this line
			p++
			for _, h := range pending {
				end := len(script)
				for q := p; q < len(script); {
					e := strings.IndexByte(script[q:], '\n')
					if e < 0 {
						e = len(script)
					} else {
						e += q
					}
					line := script[q:e]
					if h.strip {
						line = strings.TrimLeft(line, "\t")
					}
					if line == h.delim {
						end = min(e+1, len(script))
						break
					}
					q = e + 1
				}
				if i < end {
					return !h.quoted
				}
				p = end
			}
			pending = nil
		case c == '\'' && !quoted:
			ansi := p > 0 && script[p-1] == '$'
			q := p + 1
			for q < len(script) && script[q] != '\'' {
				if ansi && script[q] == '\\' {
					q++
				}
				q++
			}
			if q >= len(script) || i <= q {
				return false
			}
			p = q + 1
		case c == '#' && !quoted && (p == 0 || strings.IndexByte(" \t\n;&|(", script[p-1]) >= 0):
			e := strings.IndexByte(script[p:], '\n')
			if e < 0 || i < p+e {
				return true // a comment: the text does not run either way
			}
			p += e
		case c == '"':
			if quoted {
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, '"')
			}
			p++
		case c == '`':
			if top() == '`' {
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, '`')
			}
			p++
		case c == '(' && (!quoted || (p > 0 && script[p-1] == '$')):
			stack = append(stack, '(')
			p++
		case c == ')' && top() == '(':
			stack = stack[:len(stack)-1]
			p++
		case c == '<' && !quoted && strings.HasPrefix(script[p:], "<<") && !strings.HasPrefix(script[p:], "<<<"):
			h := heredoc{}
			q := p + 2
			if q < len(script) && script[q] == '-' {
				h.strip = true
				q++
			}
			for q < len(script) && (script[q] == ' ' || script[q] == '\t') {
				q++
			}
			w := q
			for q < len(script) && strings.IndexByte(" \t\n;&|<>()", script[q]) < 0 {
				if script[q] == '\'' || script[q] == '"' {
					h.quoted = true
					e := strings.IndexByte(script[q+1:], script[q])
					if e < 0 {
						return false
					}
					q += e + 2
					continue
				}
				if script[q] == '\\' {
					h.quoted = true
					q++
				}
				q++
			}
			h.delim = strings.NewReplacer("'", "", `"`, "", `\`, "").Replace(script[w:min(q, len(script))])
			if h.delim == "" {
				return false
			}
			pending = append(pending, h)
			p = q
		default:
			p++
		}
	}
	return p == i
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
