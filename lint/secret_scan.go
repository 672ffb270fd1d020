package lint

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// This file recognises hard-coded secrets (AWS keys, GitHub and Slack
// tokens, private keys) in text: the hardcoded-credential rule reports them
// and every report masks them in the source lines it prints.

// credential is a secret found in a value.
type credential struct {
	// kind names the secret, such as "AWS access key ID".
	kind string
	// start is the byte offset of the secret in the value.
	start int
	// text is the secret itself; it is never printed.
	text string
	// shown is what the message shows instead of the secret.
	shown string
}

const awsKeyID = "AWS access key ID"

// maskSecret keeps the first four characters of a secret and masks the rest.
func maskSecret(s string) string {
	if len(s) <= 4 {
		return `"` + strings.Repeat("*", len(s)) + `"`
	}
	return `"` + s[:4] + strings.Repeat("*", min(len(s)-4, 16)) + `"`
}

// credentialPattern is one kind of secret with a recognisable shape.
type credentialPattern struct {
	kind string
	// trigger is the credentialTriggers bit of the pattern's prefixes;
	// values without it are not searched, which keeps the rule cheap.
	trigger uint8
	re      *regexp.Regexp
	// word is the class of characters that must not touch the match.
	word func(byte) bool
	// body is where the random part starts, for the placeholder check.
	body int
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var credentialPatterns = []credentialPattern{
	{awsKeyID, triggerAWSKeyID, regexp.MustCompile(`(?:AKIA|ASIA)[A-Z0-9]{16}`), isAlnum, 4},
	{"GitHub token", triggerGitHub, regexp.MustCompile(`gh[pousr]_[A-Za-z0-9]{36}`), isWordByte, 4},
	{"GitHub token", triggerGitHub, regexp.MustCompile(`github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}`), isWordByte, 11},
	{"Slack token", triggerSlack, regexp.MustCompile(`xox[baprs]-[0-9]+-[0-9A-Za-z-]{8,}`), isAlnum, 5},
}

var (
	privateKeyRe = lazyre.New(`-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----`)
	// a private key's body: base64 lines after optional headers
	privateKeyBodyRe = lazyre.New(`\A(?:\s*[A-Za-z-]+:[^\n]*)*\s*[A-Za-z0-9+/=]{40,}`)
	awsSecretRe      = lazyre.New(`\A[A-Za-z0-9/+]{40}\z`)
	// an AWS secret access key assigned in a script or in flags
	awsSecretAssignRe = lazyre.New(`(?i)aws[_-]?secret[_-]?access[_-]?key["']?\s*[:=]?\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|\z)`)
	keySeparators     = strings.NewReplacer("_", "", "-", "", " ", "")
)

// minCredentialLen is the length of the shortest credential recognised (an
// AWS access key ID); shorter values are not scanned.
const minCredentialLen = 20

// mayHoldCredential reports whether a file's text can contain a credential
// findCredentials recognises: one with a prefix, or an AWS secret access
// key, whose name has "secret" and "access" or "aws" in it. It looks for
// "secret" last: in any case, it is found by each c.
func mayHoldCredential(src []byte) bool {
	if prefixTriggers(src) != 0 {
		return true
	}
	return (bytes.Contains(src, []byte("ccess")) || bytes.Contains(src, []byte("CCESS")) || hasAWSWord(src)) &&
		hasSecretWord(src)
}

// hasAWSWord reports whether s holds "aws", "Aws" or "AWS". It looks for
// the "ws" and "WS" they end with: a w is far rarer than an a in workflows,
// and each hit of the first byte costs a substring search a restart.
func hasAWSWord(s []byte) bool {
	return anyAt(s, "ws", func(i int) bool { return i > 0 && (s[i-1] == 'a' || s[i-1] == 'A') }) ||
		anyAt(s, "WS", func(i int) bool { return i > 0 && s[i-1] == 'A' })
}

// The bits of credentialTriggers.
const (
	triggerAWSKeyID uint8 = 1 << iota
	triggerGitHub
	triggerSlack
	triggerPrivateKey
	triggerSecret
)

// credentialTriggers looks in s for the prefixes that credentials start
// with, and for the word "secret" in any case, and returns their bits. It
// takes a file's bytes as they are (a string copy of every workflow was a
// third of its cost once), and looks for each with a substring search,
// which skips text far faster than a scan byte by byte.
func credentialTriggers[T string | []byte](s T) uint8 {
	t := prefixTriggers(s)
	if hasSecretWord(s) {
		t |= triggerSecret
	}
	return t
}

// prefixTriggers is credentialTriggers without triggerSecret.
func prefixTriggers[T string | []byte](s T) uint8 {
	var t uint8
	if indexOf(s, "AKIA") >= 0 || indexOf(s, "ASIA") >= 0 {
		t |= triggerAWSKeyID
	}
	// gh?_ (ghp_, gho_, ghs_ ...) or github_pat_, in one search for their g
	if anyAt(s, "g", func(i int) bool {
		return i+3 < len(s) && s[i+1] == 'h' && s[i+3] == '_' || i+11 <= len(s) && string(s[i:i+11]) == "github_pat_"
	}) {
		t |= triggerGitHub
	}
	// xoxb-, xoxp- ...: xox and one more byte
	if anyAt(s, "xox", func(i int) bool { return i+3 < len(s) }) {
		t |= triggerSlack
	}
	if indexOf(s, "PRIVATE KEY") >= 0 {
		t |= triggerPrivateKey
	}
	return t
}

// hasSecretWord reports whether s holds "secret" in any case, found by its c.
func hasSecretWord[T string | []byte](s T) bool {
	isSecret := func(i int) bool { return i >= 2 && i+4 <= len(s) && equalFoldASCII(s[i-2:i+4], "secret") }
	return anyAt(s, "c", isSecret) || anyAt(s, "C", isSecret)
}

// anyAt reports whether ok holds at an offset where sub occurs in s.
func anyAt[T string | []byte](s T, sub string, ok func(i int) bool) bool {
	for from := 0; ; {
		k := indexOf(s[from:], sub)
		if k < 0 {
			return false
		}
		if ok(from + k) {
			return true
		}
		from += k + 1
	}
}

// indexOf is strings.Index or bytes.Index, for either kind of text.
func indexOf[T string | []byte](s T, sub string) int {
	switch v := any(s).(type) {
	case string:
		return strings.Index(v, sub)
	case []byte:
		return bytes.Index(v, []byte(sub))
	}
	return -1
}

// equalFoldASCII reports whether s equals the lower-case ASCII word w,
// ignoring case.
func equalFoldASCII[T string | []byte](s T, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := range len(w) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// findCredentials returns the secrets in value, the value of key. Text
// inside ${{ }} is never flagged, nor are placeholders made of one repeated
// character (AKIAXXXXXXXXXXXXXXXX).
func findCredentials(key, value string) []credential {
	if len(value) < minCredentialLen {
		return nil
	}
	var out []credential
	var exprs [][2]int
	add := func(kind string, start int, text, shown string) {
		if exprs == nil {
			exprs = append(expressionSpans(value), [2]int{-1, -1})
		}
		for _, s := range exprs {
			if start >= s[0] && start < s[1] {
				return
			}
		}
		out = append(out, credential{kind: kind, start: start, text: text, shown: shown})
	}
	triggers := credentialTriggers(value)
	for _, p := range credentialPatterns {
		if triggers&p.trigger == 0 {
			continue
		}
		for _, m := range p.re.FindAllStringIndex(value, -1) {
			s, e := m[0], m[1]
			if s > 0 && p.word(value[s-1]) || e < len(value) && p.word(value[e]) {
				continue
			}
			if oneChar(value[s+p.body : e]) {
				continue
			}
			add(p.kind, s, value[s:e], maskSecret(value[s:e]))
		}
	}
	if triggers&triggerPrivateKey != 0 {
		for _, m := range privateKeyRe.FindAllStringIndex(value, -1) {
			if privateKeyBodyRe.MatchString(value[m[1]:]) {
				add("private key", m[0], value[m[0]:m[1]], "("+value[m[0]:m[1]]+" block)")
			}
		}
	}
	// AWS secret access keys have no prefix: know them by their name.
	if len(value) >= 40 && hasSecretWord(key) {
		k := keySeparators.Replace(strings.ToLower(key))
		if strings.Contains(k, "secretaccesskey") || strings.Contains(k, "aws") && strings.Contains(k, "secret") {
			v := strings.TrimSpace(value)
			if awsSecretRe.MatchString(v) && mixedCase(v) {
				add("AWS secret access key", strings.Index(value, v), v, maskSecret(v))
				return out
			}
		}
	}
	if len(value) >= 40 && triggers&triggerSecret != 0 {
		for _, m := range awsSecretAssignRe.FindAllStringSubmatchIndex(value, -1) {
			if v := value[m[2]:m[3]]; mixedCase(v) {
				add("AWS secret access key", m[2], v, maskSecret(v))
			}
		}
	}
	return out
}

// redactCredentials masks the credentials of a line of source, but for their
// first four characters, keeping its length so that columns still line up.
func redactCredentials(line string) string {
	cs := findCredentials("", line)
	if len(cs) == 0 {
		return line
	}
	b := []byte(line)
	for _, c := range cs {
		if c.kind == "private key" {
			continue // the BEGIN line is not secret
		}
		for i := c.start + 4; i < c.start+len(c.text) && i < len(b); i++ {
			b[i] = '*'
		}
	}
	return string(b)
}

// expressionSpans returns the byte ranges of the ${{ }} placeholders.
func expressionSpans(v string) [][2]int {
	var out [][2]int
	for off := 0; ; {
		i := strings.Index(v[off:], "${{")
		if i < 0 {
			return out
		}
		start := off + i
		j := strings.Index(v[start:], "}}")
		if j < 0 {
			return append(out, [2]int{start, len(v)})
		}
		out = append(out, [2]int{start, start + j + 2})
		off = start + j + 2
	}
}

// oneChar reports whether s is one character repeated (a placeholder).
func oneChar(s string) bool {
	return s != "" && strings.Count(s, s[:1]) == len(s)
}

// mixedCase reports whether s has lower-case letters, upper-case letters
// and digits, as random keys do and words and paths do not.
func mixedCase(s string) bool {
	var lower, upper, digit bool
	for i := range len(s) {
		c := s[i]
		lower = lower || c >= 'a' && c <= 'z'
		upper = upper || c >= 'A' && c <= 'Z'
		digit = digit || c >= '0' && c <= '9'
	}
	return lower && upper && digit
}
