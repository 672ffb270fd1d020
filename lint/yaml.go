package lint

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// YAMLDoc is a parsed YAML file other than a workflow (action.yml,
// dependabot.yml), kept as nodes so rules can report exact positions.
type YAMLDoc struct {
	// Root is the top-level node of the first document (nil when empty).
	Root *yaml.Node
}

// MaxAliasExpansion is how many nodes a YAML file may expand to through
// aliases before gantry refuses it as an alias bomb.
const MaxAliasExpansion = 200_000

// aliasBomb reports whether the YAML text expands, through aliases, to more
// than MaxAliasExpansion nodes, with the position of the worst alias.
func aliasBomb(src []byte) (line, col int, msg string, bomb bool) {
	if !mayHaveAliases(src) {
		return 0, 0, "", false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return 0, 0, "", false // the parser proper reports syntax errors
	}
	return aliasBombIn(&doc)
}

// aliasBombIn is aliasBomb on an already parsed document.
func aliasBombIn(doc *yaml.Node) (line, col int, msg string, bomb bool) {
	memo := map[*yaml.Node]int{}
	var worst *yaml.Node
	worstSize := 0
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil || depth > 10_000 {
			return 1
		}
		if s, ok := memo[n]; ok {
			return s
		}
		memo[n] = 1 // a recursive alias counts once; actionlint reports it
		s := 1
		if n.Kind == yaml.AliasNode {
			s = size(n.Alias, depth+1)
			if s > worstSize {
				worst, worstSize = n, s
			}
		}
		for _, c := range n.Content {
			s += size(c, depth+1)
			if s > MaxAliasExpansion {
				s = MaxAliasExpansion + 1
				break
			}
		}
		memo[n] = s
		return s
	}
	if total := size(doc, 0); total > MaxAliasExpansion {
		line, col = 1, 1
		if worst != nil {
			line, col = worst.Line, worst.Column
		}
		return line, col, fmt.Sprintf("yaml aliases expand to more than %d nodes (an alias bomb); the file is not linted", MaxAliasExpansion), true
	}
	return 0, 0, "", false
}

// mayHaveAliases is a fast textual pre-check: it reports whether src has
// an anchor (&name) and at least two alias references (*name), each after
// a space, a flow indicator or a line start. Files without them cannot be
// alias bombs and skip the extra parse.
func mayHaveAliases(src []byte) bool {
	anchors, aliases := 0, 0
	for i, c := range src {
		if c != '&' && c != '*' {
			continue
		}
		if i > 0 {
			switch src[i-1] {
			case ' ', '\t', '\n', '\r', '[', '{', ',', ':', '-':
			default:
				continue
			}
		}
		if i+1 >= len(src) || !isAnchorStart(src[i+1]) {
			continue
		}
		if c == '&' {
			anchors++
		} else {
			aliases++
		}
		if anchors > 0 && aliases > 1 {
			return true
		}
	}
	return false
}

func isAnchorStart(c byte) bool {
	return c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

var yamlLineRe = lazyre.New(`^(?:yaml: )?line (\d+): (.*)$`)

// parseYAML parses src into nodes. A syntax error becomes a positioned
// syntax-check finding.
func parseYAML(src []byte) (*YAMLDoc, []Finding) {
	// one parse serves both the alias-bomb check and the document: yaml.v3
	// keeps aliases as references in nodes, so parsing a bomb is cheap
	var doc yaml.Node
	err := yaml.Unmarshal(src, &doc)
	if err == nil && mayHaveAliases(src) {
		if line, col, msg, bomb := aliasBombIn(&doc); bomb {
			return nil, []Finding{{RuleID: invalidFileRule.ID, Line: line, Column: col, Message: msg}}
		}
	}
	if err != nil {
		line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return nil, []Finding{{RuleID: "syntax-check", Line: line, Column: 1, Message: "could not parse as yaml: " + msg}}
	}
	d := &YAMLDoc{}
	if len(doc.Content) > 0 {
		d.Root = doc.Content[0]
	}
	return d, nil
}

// parseYAMLFile parses a YAML file that repository rules read.
func (l *Linter) parseYAMLFile(f *File) []Finding {
	doc, fs := parseYAML(f.Src)
	if doc == nil {
		f.Invalid = true
	}
	f.YAML = doc
	return fs
}

// MappingValue returns the value node of key in a mapping node, or nil.
func MappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mappingValueFold is MappingValue with keys compared without regard to
// case: a key written exactly as key wins over one that differs only in
// case.
func mappingValueFold(m *yaml.Node, key string) *yaml.Node {
	if v := MappingValue(m, key); v != nil || m == nil || m.Kind != yaml.MappingNode {
		return v
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			return m.Content[i+1]
		}
	}
	return nil
}

// MappingKey returns the key node of key in a mapping node, or nil.
func MappingKey(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}
