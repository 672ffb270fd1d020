// Package config is .github/gantry.yaml: finding and loading it, its typed
// settings (rules, ignores, shellcheck and pyflakes, the push policy with
// its tag-template grammar) and positioned errors for anything wrong in it.
// It imports no other gantry package: the rule IDs it validates come from
// the caller (lint's registry, see Rules).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// FileNames are the names gantry looks for under a repository's .github directory.
var FileNames = []string{"gantry.yaml", "gantry.yml"}

// Config is the content of .github/gantry.yaml.
type Config struct {
	// Path is the file the config was read from; empty for the default config.
	Path string
	// Rules holds per-rule settings keyed by rule ID.
	Rules map[string]*RuleConfig
	// Ignore lists paths whose files, or some of whose findings, are ignored.
	Ignore []PathIgnore
	// Shellcheck enables actionlint's shellcheck integration (default true when on PATH).
	Shellcheck *bool
	// Pyflakes enables actionlint's pyflakes integration (default true when on PATH).
	Pyflakes *bool
	// Push is the push: section; nil when the file has none (see PushPolicy).
	Push *PushPolicy
}

// RuleConfig is the configuration of one rule.
type RuleConfig struct {
	// Enabled overrides whether the rule runs; nil keeps the default, but
	// for a rule that is off by default a Severity turns it on.
	Enabled *bool
	// Severity overrides the rule's default severity with one of
	// SeverityNames; "" keeps the default.
	Severity string
	// Options is the decoded options struct (see Rules.Lookup), or nil.
	Options any
}

// PathIgnore ignores files matching Paths, or only the listed Rules in them.
type PathIgnore struct {
	// Paths are doublestar globs relative to the repository root.
	Paths []string
	// Rules limits the ignore to these rule IDs; empty means the whole file.
	Rules []string
}

// Rules is the rule registry that rule IDs in the config are checked
// against; lint provides it. A nil Rules knows no rule.
type Rules interface {
	// Lookup reports whether a rule with this ID exists and returns the
	// constructor of its options struct (a pointer with the defaults set),
	// or nil when the rule takes no options.
	Lookup(id string) (newOptions func() any, ok bool)
	// Suggest returns what follows `unknown rule "id"` in an error, such
	// as ` (did you mean "x"?)`.
	Suggest(id string) string
}

// SeverityNames are the severities a rule can be set to, most serious first.
var SeverityNames = []string{"error", "warning", "info"}

// SeverityName returns the canonical name of a severity as written in a
// config or a flag: case and surrounding space are ignored, and "warn" and
// "notice" are accepted for warning and info.
func SeverityName(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return "error", nil
	case "warning", "warn":
		return "warning", nil
	case "info", "notice":
		return "info", nil
	}
	return "", fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// Error is an invalid config value, with its position.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error formats the error as "file:line:col: message".
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Find returns the path of the gantry config under root/.github, or "".
// Anything at one of FileNames counts, so that reading it reports a
// directory, a FIFO or a dangling link there instead of gantry running
// without the config. Something at both names is an *Error at the second:
// gantry would read the first and silently ignore the other.
func Find(root string) (string, error) {
	found := ""
	for _, n := range FileNames {
		p := filepath.Join(root, ".github", n)
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		if found != "" {
			return "", &Error{File: p, Msg: fmt.Sprintf("gantry reads %s and would ignore this second config: keep one of them", filepath.Base(found))}
		}
		found = p
	}
	return found, nil
}

// Load reads and validates a config file; rules are the known rules.
func Load(path string, rules Rules) (*Config, error) {
	b, err := ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config: %v", err)}
	}
	return Parse(path, b, rules)
}

// ReadFile returns the content of the config file at path, or of a file
// larger than a config may be (which Parse refuses) as much as shows that.
// Anything but a regular file, or a link to one, is an error, checked
// before the file is opened: a directory is not an empty config, and
// opening a FIFO blocks.
func ReadFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := NotRegularFile(st.Mode()); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxConfigSize+1))
}

// NotRegularFile is nil for the mode of a regular file, and otherwise an
// error that says what the file is, such as "not a regular file (a named
// pipe)": a file gantry must not open (opening a FIFO waits for a writer)
// or read to its end (a device may have none).
func NotRegularFile(m fs.FileMode) error {
	if m.IsRegular() {
		return nil
	}
	what := "a special file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("not a regular file (%s)", what)
}

const maxConfigSize = 1 << 20

// Parse parses and validates the config text; path is used in errors and
// rules are the known rules.
func Parse(path string, b []byte, rules Rules) (*Config, error) {
	cfg := &Config{Path: path, Rules: map[string]*RuleConfig{}}
	if len(b) > maxConfigSize {
		return nil, &Error{File: path, Msg: "config is larger than 1 MiB"}
	}
	doc, err := oneDocument(path, b)
	if err != nil {
		return nil, err
	}
	if doc == nil || len(doc.Content) == 0 {
		return cfg, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return cfg, nil
	}
	p := configParser{file: path, known: rules}
	p.expectKind(root, yaml.MappingNode, "the config")
	if p.err != nil {
		return nil, p.err
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content) && p.err == nil; i += 2 {
		k, v := resolve(root.Content[i]), resolve(root.Content[i+1])
		if p.setTwice(seen, k, "") {
			break
		}
		switch k.Value {
		case "rules":
			p.rules(v, cfg)
		case "ignore":
			p.ignores(v, cfg)
		case "shellcheck":
			cfg.Shellcheck = p.boolean(v, "shellcheck")
		case "pyflakes":
			cfg.Pyflakes = p.boolean(v, "pyflakes")
		case "push":
			cfg.Push, p.err = parsePushPolicy(path, v)
		default:
			p.fail(k, "unknown key %q in config (known keys: rules, ignore, shellcheck, pyflakes, push)", k.Value)
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return cfg, nil
}

// oneDocument decodes the YAML document of the config text, nil when there
// is none. A second document is an error, empty or not: yaml.Unmarshal would
// drop it silently, and with it its settings and mistakes.
func oneDocument(path string, b []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, yamlConfigError(path, b, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); errors.Is(err, io.EOF) {
		return &doc, nil
	} else if err != nil {
		return nil, yamlConfigError(path, b, err)
	}
	return nil, &Error{File: path, Line: next.Line, Column: next.Column, Msg: "a config file holds one YAML document; this is a second"}
}

// yamlConfigError turns a yaml.v3 error into a positioned Error. yaml.v3
// gives at most a line, in its text: the right one for a scanner error, one
// too small for a parser error (none on the first line, and the line after
// the last one at the end of the file), and none for an undecodable or
// control character or an unknown alias: those positions are found in b.
// Only a position found in b has a real column.
func yamlConfigError(path string, b []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, col := 0, 1
	if n, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(n, "line ") {
		fmt.Sscanf(n, "line %d", &line)
		msg = rest
	}
	switch {
	case slices.Contains(yamlParserProblems, msg):
		line++
		if last, lastCol := endOfText(b); line > last {
			line, col = last, lastCol
		}
	case line > 0:
	case strings.HasPrefix(msg, "unknown anchor '"):
		anchor, _, _ := strings.Cut(strings.TrimPrefix(msg, "unknown anchor '"), "'")
		if i := bytes.Index(b, []byte("*"+anchor)); i >= 0 {
			line, col = position(b, i)
		}
	default:
		if i := badChar(b); i >= 0 {
			line, col = position(b, i)
		}
	}
	if line == 0 {
		line = 1
	}
	return &Error{File: path, Line: line, Column: col, Msg: "invalid yaml: " + msg}
}

// yamlParserProblems are the problems that yaml.v3's parser (not its
// scanner) reports, with a zero-based line.
var yamlParserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"found undefined tag handle", "did not find expected node content",
	"did not find expected '-' indicator", "did not find expected key",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found duplicate %YAML directive", "found incompatible YAML document",
	"found duplicate %TAG directive",
}

// badChar returns the offset of the first byte of b that yaml.v3 refuses
// to read as UTF-8 text (invalid UTF-8 or a control character), or -1.
func badChar(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		ok := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7e || r == 0x85 ||
			r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff
		if !ok || r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// position returns the line and column, both one-based and the column in
// characters as yaml.v3 counts them, of byte offset i of b.
func position(b []byte, i int) (line, col int) {
	start := bytes.LastIndexByte(b[:i], '\n') + 1
	return bytes.Count(b[:i], []byte("\n")) + 1, utf8.RuneCount(b[start:i]) + 1
}

// endOfText returns the position just after the last character of b that
// is not white space: where an error about the end of the file belongs.
func endOfText(b []byte) (line, col int) {
	return position(b, len(bytes.TrimRight(b, " \t\r\n")))
}

type configParser struct {
	file  string
	known Rules
	err   error
}

// setTwice reports, as an error at the second, a key that the mapping
// under prefix (such as "rules.timeout-missing.") sets a second time:
// yaml.v3 keeps both in a node, and the last would silently win.
func (p *configParser) setTwice(seen map[string]bool, k *yaml.Node, prefix string) bool {
	if seen[k.Value] {
		p.fail(k, "%s%s is set twice", prefix, k.Value)
		return true
	}
	seen[k.Value] = true
	return false
}

// resolve returns n, or for an alias (*name) a copy of the node it names,
// positioned where the alias is written: the config is read from nodes,
// which keep aliases, and an alias stands for its anchor's value.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind != yaml.AliasNode || n.Alias == nil {
		return n
	}
	r := *n.Alias
	r.Line, r.Column = n.Line, n.Column
	return &r
}

func (p *configParser) fail(n *yaml.Node, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
}

// written describes the value of n in a message: a scalar quoted as it is
// written, anything else by its kind, such as "a sequence".
func written(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return KindName(n.Kind)
}

// KindName names a YAML node kind for messages: "a mapping", "a sequence".
func KindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

func (p *configParser) expectKind(n *yaml.Node, k yaml.Kind, what string) bool {
	if n.Kind != k {
		p.fail(n, "%s must be %s, not %s", what, KindName(k), KindName(n.Kind))
		return false
	}
	return true
}

// boolean decodes a true or false. A null is neither: yaml.v3 would leave
// false, turning off what an empty value was meant to set.
func (p *configParser) boolean(n *yaml.Node, what string) *bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" || n.Decode(&b) != nil {
		p.fail(n, "%s must be true or false, not %s", what, written(n))
		return nil
	}
	return &b
}

func (p *configParser) rules(n *yaml.Node, cfg *Config) {
	if !p.expectKind(n, yaml.MappingNode, "rules") {
		return
	}
	for i := 0; i+1 < len(n.Content) && p.err == nil; i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		id := k.Value
		newOptions, ok := p.lookupRule(id)
		if !ok {
			p.fail(k, "unknown rule %q%s", id, p.suggestRule(id))
			return
		}
		if _, dup := cfg.Rules[id]; dup {
			p.fail(k, "rule %q is configured twice", id)
			return
		}
		rc := &RuleConfig{}
		cfg.Rules[id] = rc
		switch v.Kind {
		case yaml.ScalarNode:
			p.ruleShorthand(v, id, rc)
		case yaml.MappingNode:
			p.ruleMapping(v, id, newOptions, rc)
		default:
			p.fail(v, "rules.%s must be off, on, a severity, or a mapping with enabled, severity and options", id)
		}
	}
}

func (p *configParser) lookupRule(id string) (func() any, bool) {
	if p.known == nil {
		return nil, false
	}
	return p.known.Lookup(id)
}

func (p *configParser) suggestRule(id string) string {
	if p.known == nil {
		return ""
	}
	return p.known.Suggest(id)
}

func (p *configParser) ruleShorthand(v *yaml.Node, id string, rc *RuleConfig) {
	switch strings.ToLower(v.Value) {
	case "off", "false", "disable", "disabled":
		rc.Enabled = new(false)
	case "on", "true", "enable", "enabled":
		rc.Enabled = new(true)
	default:
		s, err := SeverityName(v.Value)
		if err != nil {
			p.fail(v, "rules.%s: %q is not off, on, error, warning or info", id, v.Value)
			return
		}
		rc.Severity = s
	}
}

func (p *configParser) ruleMapping(v *yaml.Node, id string, newOptions func() any, rc *RuleConfig) {
	seen := map[string]bool{}
	for j := 0; j+1 < len(v.Content) && p.err == nil; j += 2 {
		k2, v2 := resolve(v.Content[j]), resolve(v.Content[j+1])
		if p.setTwice(seen, k2, "rules."+id+".") {
			return
		}
		switch k2.Value {
		case "enabled":
			rc.Enabled = p.boolean(v2, "rules."+id+".enabled")
		case "severity":
			s, err := SeverityName(v2.Value)
			if err != nil || v2.Kind != yaml.ScalarNode {
				p.fail(v2, "rules.%s.severity must be error, warning or info, not %s", id, written(v2))
				return
			}
			rc.Severity = s
		case "options":
			if newOptions == nil {
				p.fail(k2, "rule %q takes no options", id)
				return
			}
			opts := newOptions()
			p.decodeOptions(v2, opts, "rules."+id+".options")
			rc.Options = opts
		default:
			p.fail(k2, "unknown key %q in rules.%s (known keys: enabled, severity, options)", k2.Value, id)
		}
	}
}

// decodeOptions decodes n into the struct pointed to by dst, rejecting keys
// that the struct does not declare, and calls its Validate method.
func (p *configParser) decodeOptions(n *yaml.Node, dst any, what string) {
	if !p.expectKind(n, yaml.MappingNode, what) {
		return
	}
	known := yamlKeys(reflect.TypeOf(dst).Elem())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if !slices.Contains(known, k.Value) {
			p.fail(k, "unknown option %q in %s (known options: %s)", k.Value, what, strings.Join(known, ", "))
			return
		}
	}
	p.checkValues(n, reflect.TypeOf(dst), what)
	if p.err != nil {
		return
	}
	if err := n.Decode(dst); err != nil {
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "line ") {
			msg = rest
		}
		p.fail(n, "%s: %s", what, msg)
		return
	}
	if v, ok := dst.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			p.fail(n, "%s: %v", what, err)
		}
	}
}

// nodeKindOf is the kind of YAML node a value of a Go kind decodes from,
// for the kinds that take only one.
var nodeKindOf = map[reflect.Kind]yaml.Kind{reflect.Struct: yaml.MappingNode, reflect.Map: yaml.MappingNode,
	reflect.Slice: yaml.SequenceNode, reflect.Array: yaml.SequenceNode, reflect.String: yaml.ScalarNode}

// checkValues reports, where it is written, a value in n, decoded into a
// value of type t, that is of the wrong kind (a string where a list is
// wanted: Decode's error names neither the option nor its position) or a
// number that the value would not hold as written: yaml.v3 truncates 2.5
// to 2 in an integer, and takes .nan, .inf and integers beyond the exact
// range of a float into a float field, where NaN silently turns a
// comparison off. Other mistakes, and nulls, are left to Decode.
func (p *configParser) checkValues(at *yaml.Node, t reflect.Type, what string) {
	n := resolve(at) // the value; at is where it is written, an alias of n or n itself
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if k, ok := nodeKindOf[t.Kind()]; ok && n.Kind != k && n.ShortTag() != "!!null" {
		wanted := KindName(k)
		if k == yaml.ScalarNode {
			wanted = "a string"
		}
		p.fail(at, "%s must be %s, not %s", what, wanted, KindName(n.Kind))
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content) && p.err == nil; i += 2 {
			for f := range t.Fields() {
				if name, ok := yamlName(f); ok && name == resolve(n.Content[i]).Value {
					p.checkValues(n.Content[i+1], f.Type, what+"."+name)
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			p.checkValues(c, t.Elem(), fmt.Sprintf("%s[%d]", what, i))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(t.Bits()))
		if t.Kind() < reflect.Uint {
			hi.Rsh(hi, 1)
			lo.Neg(hi)
		}
		hi.Sub(hi, big.NewInt(1))
		p.checkNumber(at, n, what, "a whole number", lo, hi, true)
	case reflect.Float32, reflect.Float64:
		// the integers a float holds exactly: 2^24 and 2^53
		hi := new(big.Int).Lsh(big.NewInt(1), map[int]uint{32: 24, 64: 53}[t.Bits()])
		p.checkNumber(at, n, what, "a number", new(big.Int).Neg(hi), hi, false)
	}
}

// checkNumber reports scalar n, written at at, unless it is a number from
// lo to hi, and whole when whole is set.
func (p *configParser) checkNumber(at, n *yaml.Node, what, want string, lo, hi *big.Int, whole bool) {
	if n.ShortTag() == "!!null" {
		return
	}
	var v any
	var x *big.Float
	if n.Kind == yaml.ScalarNode && n.Decode(&v) == nil {
		switch v := v.(type) {
		case int:
			x = new(big.Float).SetInt64(int64(v))
		case int64:
			x = new(big.Float).SetInt64(v)
		case uint64:
			x = new(big.Float).SetUint64(v)
		case float64:
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				x = big.NewFloat(v)
			}
		}
	}
	if n.Kind != yaml.ScalarNode || x == nil || whole && !x.IsInt() {
		p.fail(at, "%s must be %s, not %s", what, want, written(n))
		return
	}
	if x.Cmp(new(big.Float).SetInt(lo)) < 0 || x.Cmp(new(big.Float).SetInt(hi)) > 0 {
		p.fail(at, "%s must be %s from %v to %v, not %q", what, want, lo, hi, n.Value)
	}
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		if name, ok := yamlName(f); ok {
			keys = append(keys, name)
		}
	}
	return keys
}

// yamlName returns the key of struct field f in YAML, as yaml.v3 names it.
func yamlName(f reflect.StructField) (string, bool) {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return "", false
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, true
}

func (p *configParser) ignores(n *yaml.Node, cfg *Config) {
	if !p.expectKind(n, yaml.SequenceNode, "ignore") {
		return
	}
	for _, item := range n.Content {
		item = resolve(item)
		var ig PathIgnore
		var globs []*yaml.Node
		switch item.Kind {
		case yaml.ScalarNode:
			globs = []*yaml.Node{item}
		case yaml.MappingNode:
			seen := map[string]bool{}
			for j := 0; j+1 < len(item.Content) && p.err == nil; j += 2 {
				k, v := resolve(item.Content[j]), resolve(item.Content[j+1])
				if p.setTwice(seen, k, "ignore.") {
					break
				}
				switch k.Value {
				case "paths", "path":
					globs = append(globs, p.scalars(v, "ignore."+k.Value)...)
				case "rules":
					ig.Rules = p.ignoreRules(v)
				default:
					p.fail(k, "unknown key %q in ignore entry (known keys: paths, rules)", k.Value)
				}
			}
		default:
			p.fail(item, "an ignore entry must be a path glob or a mapping with paths and rules")
		}
		if p.err != nil {
			return
		}
		if len(globs) == 0 {
			p.fail(item, "ignore entry has no paths")
			return
		}
		for _, g := range globs {
			if !p.glob(g) {
				return
			}
			ig.Paths = append(ig.Paths, g.Value)
		}
		cfg.Ignore = append(cfg.Ignore, ig)
	}
}

// glob checks an ignore path, and reports one that is not a glob or that
// never matches: an empty one (or a null), and one that starts with ./ or
// /, since the paths it is matched against are relative to the repository
// root and start with neither.
func (p *configParser) glob(n *yaml.Node) bool {
	g := n.Value
	rel := g
	for strings.HasPrefix(rel, "./") || strings.HasPrefix(rel, "/") {
		rel = strings.TrimPrefix(strings.TrimPrefix(rel, "."), "/")
	}
	switch {
	case n.ShortTag() == "!!null" || g == "":
		p.fail(n, "an ignore path must not be empty")
	case rel != g:
		p.fail(n, "ignore path %q never matches: paths are relative to the repository root, as in %q", g, rel)
	case !doublestar.ValidatePattern(g):
		p.fail(n, "invalid glob %q", g)
	}
	return p.err == nil
}

// ignoreRules returns the rule IDs of an ignore entry's rules: one known
// rule ID or a list of them. A null or an empty list is an error, not an
// entry for the whole file, and so is a list of anything but rule IDs.
func (p *configParser) ignoreRules(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.fail(n, "ignore.rules lists no rule; leave it out to ignore the whole file")
		return nil
	}
	var ids []string
	for _, r := range p.scalars(n, "ignore.rules") {
		if _, ok := p.lookupRule(r.Value); !ok {
			p.fail(r, "unknown rule %q%s", r.Value, p.suggestRule(r.Value))
			return nil
		}
		ids = append(ids, r.Value)
	}
	return ids
}

// scalars returns n, a string, or the items of n, a list of strings.
func (p *configParser) scalars(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	if !p.expectKind(n, yaml.SequenceNode, what) {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		c = resolve(c)
		if c.Kind != yaml.ScalarNode {
			p.fail(c, "%s must list strings", what)
			return nil
		}
		out = append(out, c)
	}
	return out
}

// Ignored reports whether the finding of rule (or, with rule "", the whole
// file) at rel, a slash path relative to the repository root, is ignored.
// onlyRuleScoped skips whole-file ignores, which do not apply to files
// named explicitly on the command line.
func (c *Config) Ignored(rel, rule string, onlyRuleScoped bool) bool {
	if c == nil {
		return false
	}
	for _, ig := range c.Ignore {
		wholeFile := len(ig.Rules) == 0
		switch {
		case rule == "" && !wholeFile:
			continue // a rule-scoped entry never drops a whole file
		case rule != "" && wholeFile && onlyRuleScoped:
			continue
		case rule != "" && !wholeFile && !slices.Contains(ig.Rules, rule):
			continue
		}
		for _, g := range ig.Paths {
			if ok, _ := doublestar.Match(g, rel); ok {
				return true
			}
			// a directory glob such as "legacy" or "legacy/" ignores what is under it
			if ok, _ := doublestar.Match(strings.TrimSuffix(g, "/")+"/**", rel); ok {
				return true
			}
		}
	}
	return false
}
