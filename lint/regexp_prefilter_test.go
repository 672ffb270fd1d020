package lint

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string // nil: no prefilter
	}{
		{`\b(deploy|publish)\b`, []string{"deploy", "publish"}},
		{`go (build|test)`, []string{"build", "test"}},
		{`cap [a-z]+ deploy`, []string{" deploy"}},
		{`(?i)deploy`, nil},
		{`a*`, nil},
		{`deploy|x?`, nil},
		{`(push){2,}`, []string{"push"}},
	}
	for _, tt := range tests {
		if got := newPrefilter(tt.pattern).lits; !slices.Equal(got, tt.want) {
			t.Errorf("literals of %q = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestPrefilterLineLocal(t *testing.T) {
	tests := []struct {
		pattern string
		want    bool
	}{
		{`(?m)\b(deploy|publish)\b`, true},
		{`docker buildx build[^\n]*--push`, true},
		{`(?m)(^|&&|;)\s*make\b`, false}, // \s takes a line break
		{`(?m)^make\b`, true},
		{`^make\b`, false}, // the start of the text, not of a line
		{`make$`, false},
		{`(?s)deploy.*now`, false},
		{`deploy.*now`, true},
		{`deploy[^x]now`, false},
		{"deploy\nnow", false},
	}
	for _, tt := range tests {
		if got := newPrefilter(tt.pattern).lineLocal; got != tt.want {
			t.Errorf("lineLocal of %q = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

// TestMatchStringAgreesWithRegexp checks the prefilter against the
// regexps it serves, on scripts that match and look-alikes that do not.
func TestMatchStringAgreesWithRegexp(t *testing.T) {
	inputs := []string{
		"", "make", "make test", "npm run build", "echo deploying", "kubectl apply -f k8s/",
		"docker buildx build . --push", "docker push img", "cap production deploy", "cap  deploy",
		"go vet ./...", "go test ./...", "bundle exec rspec", "rake", "electron-builder --linux",
		"echo hi\nterraform apply -auto-approve", "gh release create v1", "Deploy", "vercel --prod",
		// a literal on several lines, and matches that need the line's start or end
		"echo deployment\necho redeploy\n  deploy --now\n", "make-it\nmake", "x\nmake\n", "a make\nb\n",
		"cap\nproduction deploy", "docker buildx build .\n  --push", "docker buildx build . \\\n  --push",
		"npm\npublish", "echo\n\ndeploy", "publish\n", "\npublish", "deploy_x deploy-y",
	}
	for _, re := range []pattern{publishCommand, buildxPushCommand, heavyCommand, dependencyUpdateCommand, regexp.MustCompile(`(?i)deploy`),
		regexp.MustCompile(`(?m)^make$`), regexp.MustCompile(`(?m)^\s*make\b`), regexp.MustCompile(`(?m)\bdeploy --now$`),
		regexp.MustCompile(`^make`), regexp.MustCompile(`publish\z`)} {
		for _, in := range inputs {
			if got, want := matchString(re, in), re.MatchString(in); got != want {
				t.Errorf("matchString(%s, %q) = %v, want %v", re, in, got, want)
			}
		}
	}
}

// TestMatchStringRandomScripts compares matchString with the regexp on
// scripts put together at random from the patterns' own words, line
// breaks and punctuation.
func TestMatchStringRandomScripts(t *testing.T) {
	words := []string{"deploy", "publish", "docker", "push", "image", "buildx", "build", "--push", "npm", "yarn",
		"make", "cap", "prod", "go", "test", "kubectl", "apply", "ci", "run", "x", "-u", "ncu", "update", "bundle",
		" ", " ", " ", "\n", "\n", "\t", "&&", ";", "_", "-", "\\"}
	patterns := []pattern{publishCommand, buildxPushCommand, heavyCommand, checkCommand, dependencyUpdateCommand,
		regexp.MustCompile(`(?m)^\s*make\b`), regexp.MustCompile(`(?m)\bdeploy$`), regexp.MustCompile(`^make`)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		in := randomScript(rng, words, 24)
		for _, re := range patterns {
			if got, want := matchString(re, in), re.MatchString(in); got != want {
				t.Fatalf("matchString(%s, %q) = %v, want %v", re, in, got, want)
			}
		}
	}
}

// TestMatchStringInvalidUTF8: regexp reads an invalid UTF-8 byte as U+FFFD,
// so a pattern with a U+FFFD literal matches a text without its bytes.
func TestMatchStringInvalidUTF8(t *testing.T) {
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`a\x{FFFD}b`), regexp.MustCompile(`(?m)a\x{FFFD}b`)} {
		for _, in := range []string{"a\xffb", "x\na\xffb\n"} {
			if got, want := matchString(re, in), re.MatchString(in); got != want {
				t.Errorf("matchString(%s, %q) = %v, want %v", re, in, got, want)
			}
		}
	}
}

// TestMatchStringManyLines: a script whose every line holds a literal but
// no match is tried line by line once, not once per earlier line (the
// test guards the answer; BenchmarkMatchStringManyLines the cost).
func TestMatchStringManyLines(t *testing.T) {
	s := strings.Repeat("xdeployx publishing\n", 2000)
	if matchString(publishCommand, s) {
		t.Fatal("matched a script without a publishing command")
	}
	if !matchString(publishCommand, s+"npm publish\n") {
		t.Fatal("missed npm publish on the last line")
	}
}

// BenchmarkMatchStringManyLines compares matchString with the plain regexp
// (the baseline) on a script where every line holds a literal but none
// matches: the worst case of trying lines one by one.
func BenchmarkMatchStringManyLines(b *testing.B) {
	s := strings.Repeat("xdeployx publishing\n", 40000)
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			publishCommand.MatchString(s)
		}
	})
	b.Run("matchString", func(b *testing.B) {
		for b.Loop() {
			matchString(publishCommand, s)
		}
	})
}

func TestPhraseSet(t *testing.T) {
	tests := []struct {
		pattern string
		phrases []string // nil: not a phrase set
	}{
		{`\b(make|go (build|test))\b`, []string{"go build", "go test", "make"}},
		{`(?m)\b(npm( run)? test|gradlew?)\b`, []string{"gradle", "gradlew", "npm run test", "npm test"}},
		{`\b(docker (build|-compose)|docker-compose)\b`, []string{"docker -compose", "docker build", "docker-compose"}},
		{`\b(make|-x)\b`, nil},           // a phrase that starts with a non-word character
		{`\b(make|x-)\b`, nil},           // or ends with one
		{`\b(make)`, nil},                // no closing boundary
		{`\b(cap [a-z]+ deploy)\b`, nil}, // a repetition
		{`\b((?i)make)\b`, nil},          // case folded
		{`\b(caf\x{e9})\b`, nil},         // not ASCII
		{`\b(a|b)?\b`, nil},              // the empty phrase
	}
	for _, tt := range tests {
		var got []string
		if ps := newPrefilter(tt.pattern).words; ps != nil {
			for _, ph := range ps.byFirstWord {
				got = append(got, ph...)
			}
			slices.Sort(got)
		}
		if !slices.Equal(got, tt.phrases) {
			t.Errorf("phrases of %q = %q, want %q", tt.pattern, got, tt.phrases)
		}
	}
	for _, re := range []pattern{heavyCommand, checkCommand} {
		if newPrefilter(re.String()).words == nil {
			t.Errorf("%s is not looked up word by word", re)
		}
	}
}

// TestPhraseSetRandomScripts compares the word lookup with the regexp on
// scripts put together at random from the build and test commands' words,
// their look-alikes, punctuation and bytes that are not ASCII.
func TestPhraseSetRandomScripts(t *testing.T) {
	words := []string{"docker", "build", "buildx", "compose", "-compose", "docker-compose", "make", "cmake", "ninja",
		"cargo", "nextest", "go", "test", "gradle", "gradlew", "gradlewx", "npm", "yarn", "bun", "run", "ci", "e2e",
		"npx", "jest", "rails", "assets", "bundle", "exec", "mix", "electron-builder", "electron", "-builder",
		" ", " ", " ", "  ", "\n", "\t", "-", "_", ".", "/", "2", "é", "\xff", "&&", ";"}
	patterns := []pattern{heavyCommand, checkCommand}
	for _, in := range randomTexts(3, 20000, 24, words) {
		for _, re := range patterns {
			if got, want := matchString(re, in), re.MatchString(in); got != want {
				t.Fatalf("matchString(%s, %q) = %v, want %v", re, in, got, want)
			}
		}
	}
}

func TestHasWord(t *testing.T) {
	for _, tc := range []struct {
		s, word string
		fold    bool
		want    bool
	}{
		{"echo $TITLE", "TITLE", false, true},
		{"echo $TITLES", "TITLE", false, false},
		{"echo $MY_TITLE and TITLE", "TITLE", false, true},
		{"build.cmd %git_sha%", "GIT_SHA", true, true},
		{"build.cmd %git_sha%", "GIT_SHA", false, false},
		{"TITLE", "TITLE", false, true},
		{"éTITLE", "TITLE", false, true}, // a non-ASCII neighbour is no word byte, as for [^A-Za-z0-9_]
		{"x", "", false, false},
	} {
		if got := hasWord(tc.s, tc.word, tc.fold); got != tc.want {
			t.Errorf("hasWord(%q, %q, %v) = %v, want %v", tc.s, tc.word, tc.fold, got, tc.want)
		}
	}
}
