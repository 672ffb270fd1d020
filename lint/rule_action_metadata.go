package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/config"
)

var actionMetadataRule = &Rule{
	ID: "action-metadata", Source: SourceGantry, Target: TargetAction, Severity: SeverityError,
	Summary:     "action.yml structure: required keys, runs.using and its keys, composite steps, inputs, outputs, branding",
	CheckAction: checkActionMetadata,
}

// actionChecker collects the findings of one action metadata file.
type actionChecker struct {
	out []Finding
}

func (c *actionChecker) errorf(n *yaml.Node, format string, args ...any) {
	c.out = append(c.out, Finding{RuleID: "action-metadata", Line: n.Line, Column: n.Column, Message: fmt.Sprintf(format, args...)})
}

// pairs returns the key and value nodes of a mapping, with aliases resolved
// and YAML merge keys (<<) left out.
func pairs(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			continue
		}
		out = append(out, [2]*yaml.Node{m.Content[i], resolveAlias(m.Content[i+1])})
	}
	return out
}

// resolveAlias returns the node an alias refers to (n itself otherwise).
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// mappingValue is MappingValue with aliases resolved.
func mappingValue(m *yaml.Node, key string) *yaml.Node { return resolveAlias(MappingValue(m, key)) }

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

var (
	actionTopKeys    = []string{"name", "author", "description", "inputs", "outputs", "runs", "branding"}
	actionInputKeys  = []string{"description", "required", "default", "deprecationMessage"}
	actionOutputKeys = []string{"description", "value"}
	actionRunsKeys   = map[string][]string{
		"javascript": {"using", "main", "pre", "pre-if", "post", "post-if"},
		"docker":     {"using", "image", "env", "entrypoint", "args", "pre-entrypoint", "pre-if", "post-entrypoint", "post-if"},
		"composite":  {"using", "steps"},
	}
	compositeRunStepKeys  = []string{"id", "if", "name", "run", "shell", "working-directory", "env", "continue-on-error"}
	compositeUsesStepKeys = []string{"id", "if", "name", "uses", "with", "env", "continue-on-error"}
	// yaml11Bools are the YAML 1.1 booleans that parsers still accept for a typed bool.
	yaml11Bools = []string{"y", "yes", "on", "n", "no", "off"}
)

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = `"` + k + `"`
	}
	return strings.Join(q, ", ")
}

// checkActionMetadata checks the structure of an action.yml, which GitHub
// only reports when a workflow runs the action.
func checkActionMetadata(f *File, _ any) []Finding {
	if f.YAML == nil || f.YAML.Root == nil {
		return nil
	}
	root := resolveAlias(f.YAML.Root)
	c := &actionChecker{}
	if root.Kind != yaml.MappingNode {
		c.errorf(root, "action metadata must be a mapping with name, description and runs, not %s", config.KindName(root.Kind))
		return c.out
	}
	for _, kv := range pairs(root) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name", "description":
			if v.Kind != yaml.ScalarNode || isNull(v) || strings.TrimSpace(v.Value) == "" {
				c.errorf(v, "%q must be a non-empty string", k.Value)
			}
		case "author":
			if v.Kind != yaml.ScalarNode {
				c.errorf(v, "\"author\" must be a string")
			}
		case "inputs":
			c.entries(v, "inputs", "input", actionInputKeys, c.input)
		case "outputs":
			c.entries(v, "outputs", "output", actionOutputKeys, nil)
		case "runs":
			c.runs(v)
		case "branding":
			c.branding(v)
		default:
			c.errorf(k, "unknown key %q in action metadata: GitHub ignores it (known keys: %s)", k.Value, quoteList(actionTopKeys))
		}
	}
	for _, req := range []string{"name", "description", "runs"} {
		if MappingKey(root, req) == nil {
			c.errorf(root, "action metadata has no %q, which is required", req)
		}
	}
	if runs := mappingValue(root, "runs"); runs != nil && runs.Kind == yaml.MappingNode {
		if using := mappingValue(runs, "using"); using != nil && strings.EqualFold(using.Value, "composite") {
			c.compositeOutputs(mappingValue(root, "outputs"))
		}
	}
	return c.out
}

// entries checks the inputs: or outputs: mapping: each entry a mapping (or
// empty) with known keys, and no two names that differ only in case.
func (c *actionChecker) entries(m *yaml.Node, section, what string, known []string, check func(name string, v *yaml.Node)) {
	if isNull(m) {
		return
	}
	if m.Kind != yaml.MappingNode {
		c.errorf(m, "%q must be a mapping of %s names to their definitions", section, what)
		return
	}
	seen := map[string]string{}
	for _, kv := range pairs(m) {
		k, v := kv[0], kv[1]
		if prev, dup := seen[strings.ToLower(k.Value)]; dup {
			c.errorf(k, "%s %q is defined twice (as %q before); %s names are case-insensitive", what, k.Value, prev, what)
		}
		seen[strings.ToLower(k.Value)] = k.Value
		if isNull(v) {
			continue
		}
		if v.Kind != yaml.MappingNode {
			c.errorf(v, "%s %q must be a mapping with %s", what, k.Value, quoteList(known))
			continue
		}
		for _, kv2 := range pairs(v) {
			if !slices.Contains(known, kv2[0].Value) {
				c.errorf(kv2[0], "unknown key %q in %s %q (known keys: %s)", kv2[0].Value, what, k.Value, quoteList(known))
			}
		}
		if check != nil {
			check(k.Value, v)
		}
	}
}

// input checks one input's definition.
func (c *actionChecker) input(name string, v *yaml.Node) {
	req := mappingValue(v, "required")
	if req == nil || isNull(req) {
		return
	}
	if req.Kind == yaml.ScalarNode && (req.Tag == "!!bool" || slices.Contains(yaml11Bools, strings.ToLower(req.Value))) {
		return
	}
	what := "a " + config.KindName(req.Kind)[2:]
	if req.Kind == yaml.ScalarNode {
		what = fmt.Sprintf("%q", req.Value)
		if req.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			what = "the string " + what
		}
	}
	c.errorf(req, "\"required\" of input %q must be true or false, not %s", name, what)
}

// compositeOutputs checks that a composite action's outputs say where their
// value comes from.
func (c *actionChecker) compositeOutputs(outputs *yaml.Node) {
	if outputs == nil || outputs.Kind != yaml.MappingNode {
		return
	}
	for _, kv := range pairs(outputs) {
		if kv[1].Kind == yaml.MappingNode && MappingKey(kv[1], "value") == nil || isNull(kv[1]) {
			c.errorf(kv[0], "output %q of a composite action needs a \"value\", such as ${{ steps.<id>.outputs.%s }}", kv[0].Value, kv[0].Value)
		}
	}
}

// runs checks the runs: section.
func (c *actionChecker) runs(runs *yaml.Node) {
	if isNull(runs) {
		c.errorf(runs, "\"runs\" is empty: set \"using\" to node20, node24, docker or composite, and the keys of that kind of action")
		return
	}
	if runs.Kind != yaml.MappingNode {
		c.errorf(runs, "\"runs\" must be a mapping with \"using\" and the keys of the action's kind")
		return
	}
	using := mappingValue(runs, "using")
	if using == nil {
		if MappingKey(runs, "plugin") == nil { // plugin: is the runner's own
			c.errorf(runs, "\"runs\" has no \"using\": set it to node20, node24, docker or composite")
		}
		return
	}
	kind := ""
	switch u := strings.ToLower(using.Value); u {
	case "node20", "node24":
		kind = "javascript"
	case "node12", "node16":
		kind = "javascript"
		c.errorf(using, "runtime %q has been removed from GitHub's runners, so the action no longer runs; use node20 or node24", using.Value)
	case "docker", "composite":
		kind = u
	default:
		c.errorf(using, "unknown runtime %q in runs.using: use node20, node24, docker or composite", using.Value)
		return
	}
	allowed := actionRunsKeys[kind]
	for _, kv := range pairs(runs) {
		if !slices.Contains(allowed, kv[0].Value) {
			c.errorf(kv[0], "key %q is not allowed in \"runs\" of a %s action (allowed: %s)", kv[0].Value, kindTitle(kind), quoteList(allowed))
		}
	}
	need := map[string]string{"javascript": "main", "docker": "image", "composite": "steps"}[kind]
	if v := mappingValue(runs, need); v == nil || isNull(v) || v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == "" {
		c.errorf(using, "a %s action needs runs.%s", kindTitle(kind), need)
	}
	if kind == "javascript" {
		for _, p := range []string{"pre", "post"} {
			if k := MappingKey(runs, p+"-if"); k != nil && MappingKey(runs, p) == nil {
				c.errorf(k, "%q is set but %q is not: there is no %s script to run", p+"-if", p, p)
			}
		}
	}
	if steps := mappingValue(runs, "steps"); kind == "composite" && steps != nil && !isNull(steps) {
		c.compositeSteps(steps)
	}
}

func kindTitle(kind string) string {
	switch kind {
	case "javascript":
		return "JavaScript"
	case "docker":
		return "Docker"
	}
	return kind
}

// compositeSteps checks the steps of a composite action.
func (c *actionChecker) compositeSteps(steps *yaml.Node) {
	if steps.Kind != yaml.SequenceNode {
		c.errorf(steps, "runs.steps must be a list of steps")
		return
	}
	for i, s := range steps.Content {
		s = resolveAlias(s)
		if s.Kind != yaml.MappingNode {
			c.errorf(s, "step %d must be a mapping with run or uses", i+1)
			continue
		}
		run, uses := MappingKey(s, "run"), MappingKey(s, "uses")
		switch {
		case run == nil && uses == nil:
			c.errorf(s, "step %d has neither \"run\" nor \"uses\"", i+1)
			continue
		case run != nil && uses != nil:
			c.errorf(uses, "step %d has both \"run\" and \"uses\"; a step does one or the other", i+1)
			continue
		}
		allowed, what := compositeUsesStepKeys, "a uses step"
		if run != nil {
			allowed, what = compositeRunStepKeys, "a run step"
			if MappingKey(s, "shell") == nil {
				c.errorf(run, "run step %d of a composite action needs \"shell\" (bash, pwsh, python, sh, cmd or powershell): composite steps have no default shell", i+1)
			}
		}
		for _, kv := range pairs(s) {
			if !slices.Contains(allowed, kv[0].Value) {
				c.errorf(kv[0], "key %q is not allowed in %s of a composite action (allowed: %s)", kv[0].Value, what, quoteList(allowed))
			}
		}
	}
}

// branding checks branding.icon and branding.color against GitHub's lists.
func (c *actionChecker) branding(b *yaml.Node) {
	if isNull(b) {
		return
	}
	if b.Kind != yaml.MappingNode {
		c.errorf(b, "\"branding\" must be a mapping with icon and color")
		return
	}
	for _, kv := range pairs(b) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "icon":
			if _, ok := actionlint.BrandingIcons[strings.ToLower(v.Value)]; !ok {
				c.errorf(v, "branding icon %q is not one of GitHub's Feather icons: see https://docs.github.com/en/actions/reference/workflows-and-actions/metadata-syntax#brandingicon", v.Value)
			}
		case "color":
			if _, ok := actionlint.BrandingColors[strings.ToLower(v.Value)]; !ok {
				c.errorf(v, "branding color %q is not one of white, black, yellow, blue, green, orange, red, purple, gray-dark", v.Value)
			}
		default:
			c.errorf(k, "unknown key %q in branding (known keys: \"icon\", \"color\")", k.Value)
		}
	}
}
