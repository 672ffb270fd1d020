package lint

import (
	"slices"
	"strings"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// shellCmd is one simple command of a run: script, split into words with
// quotes removed (${{ }} placeholders stay whole).
type shellCmd struct {
	// Words are the command and its arguments, after leading assignments
	// and wrappers such as sudo or env.
	Words []string
	// Assign are the VAR=value assignments before the command.
	Assign map[string]string
	// Line is the 0-based line of the script where the command starts.
	Line int
	// Col is the 0-based byte column of the command's first word in that line.
	Col int
}

// Is reports whether the command's words start with the given words.
func (c shellCmd) Is(words ...string) bool {
	if len(c.Words) < len(words) {
		return false
	}
	for i, w := range words {
		if c.Words[i] != w {
			return false
		}
	}
	return true
}

// Sub returns the subcommand words after the program name, skipping the
// program's global options (git -C dir push -> push ...).
func (c shellCmd) Sub() []string {
	if len(c.Words) < 2 {
		return nil
	}
	ws := c.Words[1:]
	for len(ws) > 0 && strings.HasPrefix(ws[0], "-") {
		opt := ws[0]
		ws = ws[1:]
		// options of git, docker and gh that take a separate value
		switch opt {
		case "-C", "-c", "--git-dir", "--work-tree", "--namespace", "-H", "--host", "--context", "--config",
			"-R", "--repo", "-l", "--log-level":
			if len(ws) > 0 {
				ws = ws[1:]
			}
		}
	}
	return ws
}

var wrapperCmds = map[string]bool{"sudo": true, "env": true, "time": true, "exec": true, "command": true,
	"nohup": true, "then": true, "do": true, "else": true, "elif": true, "if": true, "while": true,
	"until": true, "!": true, "eval": true}

// interpreters run the script file named by their first argument.
var interpreters = map[string]bool{"bash": true, "sh": true, "zsh": true, "source": true, ".": true, "python": true,
	"python3": true, "node": true, "ruby": true, "perl": true, "php": true, "deno": true, "bun": true, "pwsh": true}

// isAssignment reports whether a word is a shell variable assignment,
// NAME=value.
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	// a name is word characters (isWordByte) that do not start with a digit
	if '0' <= name[0] && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isWordByte(name[i]) {
			return false
		}
	}
	return true
}

// scriptCommands splits a run: script into simple commands. It understands
// quotes, backslash escapes and line continuations, comments, the command
// separators ; & && || | and newlines, and subshell parentheses; it is not
// a full shell parser, but it never fails.
func scriptCommands(script string) []shellCmd {
	// about a command a line
	cmds := make([]shellCmd, 0, strings.Count(script, "\n")+1)
	// words collects the current command's words after those of the
	// commands before it, which keep their part: about a word a space
	words := make([]string, 0, strings.Count(script, " ")+cap(cmds))
	// word collects the current word's bytes; a word that is the script's
	// own text (no quotes or escapes) is kept as a substring of it
	var wordBuf [64]byte
	word := wordBuf[:0]
	wordStart := 0
	inWord := false
	line, col := 0, 0
	startLine, startCol := -1, 0
	flushWord := func() {
		if inWord {
			if end := wordStart + len(word); end <= len(script) && script[wordStart:end] == string(word) {
				words = append(words, script[wordStart:end])
			} else if end := wordStart + 1 + len(word); end <= len(script) && script[wordStart+1:end] == string(word) {
				words = append(words, script[wordStart+1:end]) // a quoted word
			} else {
				words = append(words, string(word))
			}
			if len(words) == cap(words) {
				// room for more words: a part that append grew would
				// start small and grow again with every command
				words = append(make([]string, 0, 2*len(words)+8), words...)
			}
			word = word[:0]
			inWord = false
		}
	}
	flushCmd := func() {
		flushWord()
		if len(words) > 0 {
			cmds = append(cmds, makeCmd(words[:len(words):len(words)], startLine, startCol))
			words = words[len(words):]
		}
		startLine = -1
	}
	startWord := func(at int) {
		if !inWord {
			inWord = true
			wordStart = at
			if startLine < 0 {
				startLine, startCol = line, col
			}
		}
	}
	n := len(script)
	for i := 0; i < n; i++ {
		c := script[i]
		switch {
		case c == '\n':
			flushCmd()
			line, col = line+1, 0
			continue
		case c == '\\' && i+1 < n:
			if script[i+1] == '\n' {
				flushWord()
				i++
				line, col = line+1, 0
				continue
			}
			startWord(i)
			word = append(word, script[i+1])
			i++
			col += 2
			continue
		case c == '$' && strings.HasPrefix(script[i:], "${{"):
			startWord(i)
			end := strings.Index(script[i:], "}}")
			if end < 0 {
				end = n - i - 2
			}
			seg := script[i : i+end+2]
			word = append(word, seg...)
			i += end + 1
			col += len(seg)
			if k := strings.LastIndexByte(seg, '\n'); k >= 0 {
				line += strings.Count(seg, "\n")
				col = len(seg) - k - 1
			}
			continue
		case c == '$' && i+1 < n && script[i+1] == '(':
			// command substitution: keep it inside the word
			startWord(i)
			depth := 0
			j := i
			for ; j < n; j++ {
				if script[j] == '(' {
					depth++
				} else if script[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				} else if script[j] == '\n' && (j == 0 || script[j-1] != '\\') {
					break
				}
			}
			j = min(j, n-1)
			seg := script[i : j+1]
			word = append(word, seg...)
			col += j + 1 - i
			// line continuations inside the substitution
			if k := strings.LastIndexByte(seg[:len(seg)-1], '\n'); k >= 0 {
				line += strings.Count(seg[:len(seg)-1], "\n")
				col = len(seg) - k - 1
			}
			i = j
			continue
		case c == '\'' || c == '"':
			startWord(i)
			j := i + 1
			for j < n && script[j] != c {
				if c == '"' && script[j] == '\\' && j+1 < n {
					word = append(word, script[j+1])
					j += 2
					continue
				}
				if script[j] == '\n' {
					line, col = line+1, -1
				}
				word = append(word, script[j])
				j++
				col++
			}
			col += 2
			i = j
			continue
		case c == '#' && !inWord:
			for i+1 < n && script[i+1] != '\n' {
				i++
			}
			continue
		case c == ' ' || c == '\t' || c == '\r':
			flushWord()
		case c == ';' || c == '&' || c == '|' || c == '(' || c == ')':
			flushCmd()
		default:
			// the word's plain bytes up to the next one the cases above handle
			startWord(i)
			j := i + 1
			for j < n && !shellSpecial[script[j]] {
				j++
			}
			word = append(word, script[i:j]...)
			col += j - 1 - i
			i = j - 1
		}
		col++
	}
	flushCmd()
	return cmds
}

// shellSpecial are the bytes that end a run of plain bytes in a word for
// scriptCommands: separators, quotes, escapes and expansions.
var shellSpecial = [256]bool{'\n': true, '\\': true, '$': true, '\'': true, '"': true, ' ': true, '\t': true,
	'\r': true, ';': true, '&': true, '|': true, '(': true, ')': true}

func makeCmd(words []string, line, col int) shellCmd {
	c := shellCmd{Line: line, Col: col}
	i := 0
	for i < len(words) {
		w := words[i]
		switch {
		case isAssignment(w):
			if c.Assign == nil {
				c.Assign = map[string]string{}
			}
			k, v, _ := strings.Cut(w, "=")
			c.Assign[k] = v
		case wrapperCmds[w]:
		case w == "{" || w == "}":
		case strings.HasPrefix(w, "-") && i > 0 && (words[i-1] == "sudo" || words[i-1] == "env"):
		default:
			c.Words = words[i:]
			// the column moves with the dropped words; keep the command's start
			return c
		}
		i++
	}
	return c
}

var shellVarRe = lazyre.New(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// shellVars returns the names of the $VAR and ${VAR} references in s.
func shellVars(s string) []string {
	var out []string
	for _, m := range shellVarRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// optValue returns the value of an option in words: --name value,
// --name=value, or -x value for each of the given spellings.
func optValue(words []string, names ...string) (string, bool) {
	for i, w := range words {
		for _, n := range names {
			if w == n && i+1 < len(words) {
				return words[i+1], true
			}
			if strings.HasPrefix(n, "--") && strings.HasPrefix(w, n+"=") {
				return w[len(n)+1:], true
			}
		}
	}
	return "", false
}

// optValues returns every value of a repeatable option.
func optValues(words []string, names ...string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		for _, n := range names {
			if w == n && i+1 < len(words) {
				out = append(out, words[i+1])
				i++
				break
			}
			if strings.HasPrefix(n, "--") && strings.HasPrefix(w, n+"=") {
				out = append(out, w[len(n)+1:])
				break
			}
		}
	}
	return out
}

// hasFlag reports whether words contain one of the flags.
func hasFlag(words []string, flags ...string) bool {
	for _, w := range words {
		for _, f := range flags {
			if w == f || strings.HasPrefix(f, "--") && strings.HasPrefix(w, f+"=") {
				return true
			}
		}
	}
	return false
}

// buildTools are programs that run a project's own code or scripts.
var buildTools = map[string]bool{"npm": true, "npx": true, "yarn": true, "pnpm": true, "bun": true, "bunx": true,
	"make": true, "cmake": true, "bundle": true, "rake": true, "rails": true, "ruby": true, "python": true,
	"python3": true, "pip": true, "pip3": true, "poetry": true, "pytest": true, "tox": true, "nox": true,
	"go": true, "cargo": true, "mvn": true, "gradle": true, "ant": true, "sbt": true, "dotnet": true,
	"composer": true, "php": true, "node": true, "deno": true, "pre-commit": true, "uv": true, "hatch": true,
	"perl": true, "just": true, "task": true, "lerna": true, "nx": true, "turbo": true, "mix": true}

// imagePushCmd reports whether a command pushes an image to a registry.
func imagePushCmd(c shellCmd) bool {
	if len(c.Words) == 0 {
		return false
	}
	switch c.Words[0] {
	case "docker", "podman", "buildah", "nerdctl":
	case "skopeo", "crane", "regctl", "oras":
		return true
	default:
		return false
	}
	sub := c.Sub()
	if len(sub) > 0 && sub[0] == "image" {
		sub = sub[1:]
	}
	if len(sub) > 0 && sub[0] == "push" {
		return true
	}
	return slices.ContainsFunc(c.Words, func(w string) bool {
		return w == "--push" || strings.Contains(w, "type=registry") || strings.Contains(w, "push=true")
	})
}
