package stagegraph

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gantry-ci/gantry/internal/text"
)

// Outline is everything `gantry plan` shows about a target: the graph, the
// waves, the dead stages and the cache plan.
type Outline struct {
	// Graph is the Dockerfile's stage graph.
	Graph *StageGraph
	// Target is the target stage.
	Target *Stage
	// Needed are the stages the target needs, in dependency order.
	Needed []*Stage
	// Waves are the dependency waves of the needed stages.
	Waves [][]*Stage
	// Dead are the stages the target never needs.
	Dead []*Stage
	// Cache is the per-stage cache plan.
	Cache *CachePlan
	// File is the Dockerfile's display path, shown in the output.
	File string
}

// Outline computes the outline of a target ("" is the last stage).
func (g *StageGraph) Outline(target, file string) (*Outline, error) {
	t, err := g.Target(target)
	if err != nil {
		return nil, err
	}
	// everything from t itself: a stage given by index may share its name
	// with a later stage, which its name would find instead
	p := &Outline{Graph: g, Target: t, File: file, Needed: g.closure(t)}
	if err := g.checkNeeded(p.Needed); err != nil {
		return nil, err
	}
	p.Waves = g.wavesOf(p.Needed)
	p.Dead = g.deadOf(p.Needed)
	if p.Cache, err = g.cachePlanOf(t); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Outline) wave(st *Stage) int {
	for i, w := range p.Waves {
		if slices.Contains(w, st) {
			return i
		}
	}
	return -1
}

func (p *Outline) needed(st *Stage) bool { return slices.Contains(p.Needed, st) }

// WriteTree prints the outline for people: the waves (stages of one wave build
// in parallel), each stage with its base and the stages it copies from, the
// cache plan and the dead stages.
func (p *Outline) WriteTree(w io.Writer) error {
	var b strings.Builder
	g := p.Graph
	file := p.File
	if file == "" {
		file = "Dockerfile"
	}
	fmt.Fprintf(&b, "%s: target %s, platform %s\n", file, p.Target.DisplayName(), g.Platform)
	fmt.Fprintf(&b, "%d %s: %d needed in %d %s, %d dead; %d cache %s\n\n",
		len(g.Stages), text.Plural(len(g.Stages), "stage", ""), len(p.Needed), len(p.Waves), text.Plural(len(p.Waves), "wave", ""),
		len(p.Dead), len(p.Cache.Entries), text.Plural(len(p.Cache.Entries), "entry", "entries"))

	b.WriteString("waves (the stages of one wave build in parallel, after the stages they need)\n")
	for i, wave := range p.Waves {
		var names, after []string
		for _, st := range wave {
			names = append(names, st.DisplayName())
			for _, d := range st.Deps {
				if !slices.Contains(after, d.DisplayName()) {
					after = append(after, d.DisplayName())
				}
			}
		}
		line := strings.Join(names, " ∥ ")
		if len(after) > 0 {
			line += strings.Repeat(" ", max(1, 25-utf8.RuneCountInString(line))) + "after " + strings.Join(after, ", ")
		}
		fmt.Fprintf(&b, "  %d  %s\n", i+1, strings.TrimRight(line, " "))
	}

	width := 0
	for _, st := range g.Stages {
		width = max(width, len(st.DisplayName()))
	}
	for _, e := range p.Cache.Entries {
		// a cache entry name is longer than its stage's when two stages'
		// names reduce to the same one (x.y and x_y are x-y and x-y-1)
		width = max(width, len(e.Stage))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-len(s)) }
	b.WriteString("\nstages\n")
	for _, wave := range p.Waves {
		for _, st := range wave {
			writeStage(&b, st, pad, width)
		}
	}

	b.WriteString("\ncache plan (one entry per stage: each stage imports and exports only its own entry)\n")
	if len(p.Cache.Entries) == 0 {
		b.WriteString("  none: no stage installs dependencies or produces artifacts\n")
	}
	for _, e := range p.Cache.Entries {
		fmt.Fprintf(&b, "  %s  %s\n", pad(e.Stage), e.Reason)
	}
	var skipped []string
	for _, st := range p.Needed {
		switch {
		case !st.Cacheable:
			skipped = append(skipped, st.DisplayName()+" ("+st.Reason+")")
		case st.Name == "" && st != p.Target:
			skipped = append(skipped, st.DisplayName()+" (unnamed: name it with FROM ... AS name to give it an entry)")
		case st.TargetName() == "" && st != p.Target:
			skipped = append(skipped, fmt.Sprintf("%s, line %d (a later stage has its name: rename it to give it an entry)", st.DisplayName(), st.Line))
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "  no entry: %s\n", strings.Join(skipped, "; "))
	}

	fmt.Fprintf(&b, "\ndead stages (never built for target %s)\n", p.Target.DisplayName())
	if len(p.Dead) == 0 {
		b.WriteString("  none\n")
	}
	for _, st := range p.Dead {
		fmt.Fprintf(&b, "  %s  line %d, FROM %s\n", pad(st.DisplayName()), st.Line, st.Base)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeStage(b *strings.Builder, st *Stage, pad func(string) string, width int) {
	from := "FROM " + st.Base
	if st.Platform != "" {
		from = "FROM --platform=" + st.Platform + " " + st.Base
	}
	fmt.Fprintf(b, "  %s  line %-4d %s\n", pad(st.DisplayName()), st.Line, from)
	indent := "  " + strings.Repeat(" ", width) + "  "
	var refs []string
	for _, e := range st.Edges {
		if e.Kind == EdgeFrom {
			continue
		}
		kind := "COPY --from"
		if e.Kind == EdgeMount {
			kind = "RUN --mount=from"
		}
		refs = append(refs, fmt.Sprintf("%s=%s (line %d)", kind, e.To.DisplayName(), e.Line))
	}
	if len(refs) > 0 {
		fmt.Fprintf(b, "%sneeds %s\n", indent, strings.Join(refs, ", "))
	}
	if len(st.Images) > 0 {
		fmt.Fprintf(b, "%sreads images %s\n", indent, strings.Join(st.Images, ", "))
	}
	if len(st.Args) > 0 {
		fmt.Fprintf(b, "%sbuild args %s\n", indent, strings.Join(st.Args, ", "))
	}
	runs := 0
	for _, s := range st.Steps {
		if s.Instruction == "RUN" {
			runs++
		}
	}
	fmt.Fprintf(b, "%s%d %s, %d RUN\n", indent, len(st.Steps), text.Plural(len(st.Steps), "instruction", ""), runs)
}

// nodeID is a stage's identifier in mermaid and dot output.
func nodeID(st *Stage) string { return "s" + strconv.Itoa(st.Index) }

// Mermaid returns the stage graph as a mermaid flowchart: an arrow from each
// stage to the stages built on it or copying from it, the target in bold,
// stages with a cache entry in green, dead stages dashed.
func (p *Outline) Mermaid() string {
	return p.MermaidWith(MermaidStyle{
		ClassDefs: map[string]string{
			"cached": "fill:#e6f4ea,stroke:#2e7d32",
			"dead":   "fill:#f5f5f5,stroke:#9e9e9e,stroke-dasharray:5 5,color:#757575",
		},
		Class: func(st *Stage) string {
			switch {
			case !p.needed(st):
				return "dead"
			case st.Cacheable:
				return "cached"
			}
			return ""
		},
	})
}

// MermaidStyle colours the stages of a mermaid graph, such as by cache hit
// or miss in a build report.
type MermaidStyle struct {
	// ClassDefs maps class names to mermaid styles ("fill:#e6f4ea,stroke:#2e7d32").
	ClassDefs map[string]string
	// Class returns a stage's class, or "" for none.
	Class func(*Stage) string
}

// MermaidWith returns the stage graph as a mermaid flowchart with the
// given stage classes; the target is always drawn with a thick border.
func (p *Outline) MermaidWith(style MermaidStyle) string {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	for _, st := range p.Graph.Stages {
		label := mermaidEscape(st.DisplayName()) + "<br/><small>FROM " + mermaidEscape(st.Base) + "</small>"
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", nodeID(st), label)
	}
	for _, st := range p.Graph.Stages {
		for _, d := range st.Deps {
			fmt.Fprintf(&b, "  %s %s %s\n", nodeID(d), mermaidArrow(st, d), nodeID(st))
		}
	}
	b.WriteString("  classDef target stroke-width:3px\n")
	classes := map[string][]string{}
	var order []string
	for _, name := range slices.Sorted(maps.Keys(style.ClassDefs)) {
		fmt.Fprintf(&b, "  classDef %s %s\n", name, style.ClassDefs[name])
	}
	for _, st := range p.Graph.Stages {
		if style.Class == nil {
			break
		}
		if c := style.Class(st); c != "" {
			if _, ok := classes[c]; !ok {
				order = append(order, c)
			}
			classes[c] = append(classes[c], nodeID(st))
		}
	}
	for _, c := range order {
		fmt.Fprintf(&b, "  class %s %s\n", strings.Join(classes[c], ","), c)
	}
	fmt.Fprintf(&b, "  class %s target\n", nodeID(p.Target))
	return b.String()
}

// edgeKinds lists how st refers to d, such as "copy" or "from, mount".
func edgeKinds(st, d *Stage) []string {
	var kinds []string
	for _, e := range st.Edges {
		if e.To == d && !slices.Contains(kinds, string(e.Kind)) {
			kinds = append(kinds, string(e.Kind))
		}
	}
	return kinds
}

func mermaidArrow(st, d *Stage) string {
	kinds := edgeKinds(st, d)
	if slices.Contains(kinds, string(EdgeFrom)) {
		if len(kinds) == 1 {
			return "-->"
		}
		return "-- " + strings.Join(kinds, ", ") + " -->"
	}
	return "-. " + strings.Join(kinds, ", ") + " .->"
}

func mermaidEscape(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", " ")
	return r.Replace(s)
}

// Dot returns the stage graph in Graphviz dot.
func (p *Outline) Dot() string {
	var b strings.Builder
	b.WriteString("digraph stages {\n  rankdir=TB;\n  node [shape=box, fontname=\"sans-serif\"];\n")
	for _, st := range p.Graph.Stages {
		attrs := []string{"label=" + strconv.Quote(st.DisplayName()+"\nFROM "+st.Base)}
		switch {
		case !p.needed(st):
			attrs = append(attrs, `style="dashed"`, `color="gray"`, `fontcolor="gray"`)
		case st.Cacheable:
			attrs = append(attrs, `style="filled"`, `fillcolor="#e6f4ea"`)
		}
		if st == p.Target {
			attrs = append(attrs, "penwidth=3")
		}
		fmt.Fprintf(&b, "  %s [%s];\n", nodeID(st), strings.Join(attrs, ", "))
	}
	for _, st := range p.Graph.Stages {
		for _, d := range st.Deps {
			kinds := edgeKinds(st, d)
			attr := ""
			if !slices.Contains(kinds, string(EdgeFrom)) {
				attr = fmt.Sprintf(" [style=dashed, label=%q]", strings.Join(kinds, ", "))
			} else if len(kinds) > 1 {
				attr = fmt.Sprintf(" [label=%q]", strings.Join(kinds, ", "))
			}
			fmt.Fprintf(&b, "  %s -> %s%s;\n", nodeID(d), nodeID(st), attr)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// JSON types of `gantry plan --format json`; see docs/plan.md.
type (
	jsonPlan struct {
		Version  int         `json:"version"`
		File     string      `json:"file"`
		Target   string      `json:"target"`
		Platform string      `json:"platform"`
		MetaArgs []MetaArg   `json:"meta_args"`
		Stages   []jsonStage `json:"stages"`
		Waves    [][]string  `json:"waves"`
		Dead     []string    `json:"dead"`
		Cache    *CachePlan  `json:"cache_plan"`
	}
	jsonStage struct {
		Index     int        `json:"index"`
		Name      string     `json:"name"`
		CacheName string     `json:"cache_name"`
		Base      string     `json:"base"`
		BaseStage *string    `json:"base_stage"`
		Platform  string     `json:"platform,omitempty"`
		Line      int        `json:"line"`
		Column    int        `json:"column"`
		EndLine   int        `json:"end_line"`
		Deps      []string   `json:"deps"`
		Edges     []jsonEdge `json:"edges"`
		Images    []string   `json:"images"`
		Args      []string   `json:"args"`
		Needed    bool       `json:"needed"`
		Wave      *int       `json:"wave"`
		Cacheable bool       `json:"cacheable"`
		Reason    string     `json:"reason"`
		Steps     []jsonStep `json:"steps"`
	}
	jsonEdge struct {
		Stage string `json:"stage"`
		Kind  string `json:"kind"`
		Line  int    `json:"line"`
	}
	jsonStep struct {
		Instruction string `json:"instruction"`
		Line        int    `json:"line"`
		EndLine     int    `json:"end_line"`
		Summary     string `json:"summary"`
	}
)

// PlanJSONVersion is the version of the JSON plan format.
const PlanJSONVersion = 1

// WriteJSON writes the outline as indented JSON (format version PlanJSONVersion).
func (p *Outline) WriteJSON(w io.Writer) error {
	g := p.Graph
	out := jsonPlan{Version: PlanJSONVersion, File: p.File, Target: p.Target.DisplayName(), Platform: g.Platform,
		MetaArgs: g.MetaArgs, Waves: [][]string{}, Dead: []string{}, Cache: p.Cache}
	if out.MetaArgs == nil {
		out.MetaArgs = []MetaArg{}
	}
	for _, st := range g.Stages {
		js := jsonStage{Index: st.Index, Name: st.Name, CacheName: st.CacheName, Base: st.Base, Platform: st.Platform,
			Line: st.Line, Column: st.Column, EndLine: st.EndLine, Deps: []string{}, Edges: []jsonEdge{},
			Images: nonNil(st.Images), Args: nonNil(st.Args), Needed: p.needed(st), Cacheable: st.Cacheable,
			Reason: st.Reason, Steps: []jsonStep{}}
		if st.BaseStage != nil {
			n := st.BaseStage.DisplayName()
			js.BaseStage = &n
		}
		if wv := p.wave(st); wv >= 0 {
			js.Wave = &wv
		}
		for _, d := range st.Deps {
			js.Deps = append(js.Deps, d.DisplayName())
		}
		for _, e := range st.Edges {
			js.Edges = append(js.Edges, jsonEdge{Stage: e.To.DisplayName(), Kind: string(e.Kind), Line: e.Line})
		}
		for _, s := range st.Steps {
			js.Steps = append(js.Steps, jsonStep{Instruction: s.Instruction, Line: s.Line, EndLine: s.EndLine, Summary: s.Summary})
		}
		out.Stages = append(out.Stages, js)
	}
	for _, wave := range p.Waves {
		var names []string
		for _, st := range wave {
			names = append(names, st.DisplayName())
		}
		out.Waves = append(out.Waves, names)
	}
	for _, st := range p.Dead {
		out.Dead = append(out.Dead, st.DisplayName())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SummaryMarkdown returns the outline as GitHub job summary markdown: the
// mermaid graph (GitHub renders it) and the cache plan as a table.
func (p *Outline) SummaryMarkdown() string {
	var b strings.Builder
	file := p.File
	if file == "" {
		file = "Dockerfile"
	}
	fmt.Fprintf(&b, "### Build plan: `%s` (target `%s`)\n\n", file, p.Target.DisplayName())
	b.WriteString("```mermaid\n")
	b.WriteString(p.Mermaid())
	b.WriteString("```\n\n")
	if len(p.Cache.Entries) > 0 {
		b.WriteString("| cache entry | wave | why |\n|---|---|---|\n")
		for _, e := range p.Cache.Entries {
			fmt.Fprintf(&b, "| `%s` | %d | %s |\n", e.Stage, e.Wave+1, text.EscapeMarkdown(e.Reason))
		}
		b.WriteString("\nEach stage imports and exports only its own entry.\n")
		b.WriteString("\n")
	}
	if len(p.Dead) > 0 {
		var names []string
		for _, st := range p.Dead {
			names = append(names, "`"+st.DisplayName()+"`")
		}
		fmt.Fprintf(&b, "Dead stages (never built): %s\n\n", strings.Join(names, ", "))
	}
	return b.String()
}

// ParseBuildArgs parses --build-arg values as docker buildx build does:
// "K=V" (V may be empty), or "K" alone to take the value from the
// environment through lookupEnv (skipped when the variable is unset, kept
// when it is set to ""). A nil lookupEnv skips every "K" alone.
func ParseBuildArgs(list []string, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	args := map[string]string{}
	for _, a := range list {
		k, v, ok := strings.Cut(a, "=")
		if k == "" {
			return nil, fmt.Errorf("--build-arg %q: want NAME=VALUE", a)
		}
		if !ok {
			if lookupEnv == nil {
				continue
			}
			if v, ok = lookupEnv(k); !ok {
				continue
			}
		}
		args[k] = v
	}
	return args, nil
}
