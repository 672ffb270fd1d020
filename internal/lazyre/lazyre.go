// Package lazyre is a regexp compiled on first use, for the patterns that
// gantry's packages keep in package variables: compiling them all when the
// binary starts was most of gantry's own initialisation (GODEBUG=inittrace=1),
// though a run uses few of them. It follows the Go tree's internal/lazyregexp:
// test binaries compile every pattern at once, so that a bad one fails the
// tests at start-up as regexp.MustCompile would.
package lazyre

import (
	"os"
	"regexp"
	"strings"
	"sync"
)

// Regexp is a regexp.Regexp compiled by its first use.
type Regexp struct {
	str  string
	once sync.Once
	rx   *regexp.Regexp
}

// inTest is true in `go test` binaries, which compile patterns eagerly.
var inTest = len(os.Args) > 0 && strings.HasSuffix(strings.TrimSuffix(os.Args[0], ".exe"), ".test")

// New returns a Regexp that compiles str with regexp.MustCompile on first
// use (at once in test binaries).
func New(str string) *Regexp {
	r := &Regexp{str: str}
	if inTest {
		r.re()
	}
	return r
}

func (r *Regexp) re() *regexp.Regexp {
	r.once.Do(func() { r.rx = regexp.MustCompile(r.str) })
	return r.rx
}

// Regexp returns the compiled regexp.
func (r *Regexp) Regexp() *regexp.Regexp { return r.re() }

// String returns the source text of the pattern.
func (r *Regexp) String() string { return r.str }

// MatchString is regexp.Regexp's MatchString.
func (r *Regexp) MatchString(s string) bool { return r.re().MatchString(s) }

// Match is regexp.Regexp's Match.
func (r *Regexp) Match(b []byte) bool { return r.re().Match(b) }

// FindString is regexp.Regexp's FindString.
func (r *Regexp) FindString(s string) string { return r.re().FindString(s) }

// FindStringIndex is regexp.Regexp's FindStringIndex.
func (r *Regexp) FindStringIndex(s string) []int { return r.re().FindStringIndex(s) }

// FindStringSubmatch is regexp.Regexp's FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.re().FindStringSubmatch(s) }

// FindStringSubmatchIndex is regexp.Regexp's FindStringSubmatchIndex.
func (r *Regexp) FindStringSubmatchIndex(s string) []int { return r.re().FindStringSubmatchIndex(s) }

// FindAllString is regexp.Regexp's FindAllString.
func (r *Regexp) FindAllString(s string, n int) []string { return r.re().FindAllString(s, n) }

// FindAllStringIndex is regexp.Regexp's FindAllStringIndex.
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int { return r.re().FindAllStringIndex(s, n) }

// FindAllStringSubmatch is regexp.Regexp's FindAllStringSubmatch.
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.re().FindAllStringSubmatch(s, n)
}

// FindAllStringSubmatchIndex is regexp.Regexp's FindAllStringSubmatchIndex.
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return r.re().FindAllStringSubmatchIndex(s, n)
}

// FindSubmatch is regexp.Regexp's FindSubmatch.
func (r *Regexp) FindSubmatch(b []byte) [][]byte { return r.re().FindSubmatch(b) }

// FindAllIndex is regexp.Regexp's FindAllIndex.
func (r *Regexp) FindAllIndex(b []byte, n int) [][]int { return r.re().FindAllIndex(b, n) }

// ReplaceAllString is regexp.Regexp's ReplaceAllString.
func (r *Regexp) ReplaceAllString(src, repl string) string { return r.re().ReplaceAllString(src, repl) }

// ReplaceAllStringFunc is regexp.Regexp's ReplaceAllStringFunc.
func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.re().ReplaceAllStringFunc(src, repl)
}

// SubexpIndex is regexp.Regexp's SubexpIndex.
func (r *Regexp) SubexpIndex(name string) int { return r.re().SubexpIndex(name) }

// FindSubmatchIndex is regexp.Regexp's FindSubmatchIndex.
func (r *Regexp) FindSubmatchIndex(b []byte) []int { return r.re().FindSubmatchIndex(b) }

// Split is regexp.Regexp's Split.
func (r *Regexp) Split(s string, n int) []string { return r.re().Split(s, n) }
