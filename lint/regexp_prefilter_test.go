package lint

import (
	"regexp"
	"slices"
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
		if got := requiredLiterals(tt.pattern); !slices.Equal(got, tt.want) {
			t.Errorf("requiredLiterals(%q) = %q, want %q", tt.pattern, got, tt.want)
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
	}
	for _, re := range []pattern{publishCommand, heavyCommand, regexp.MustCompile(`(?i)deploy`)} {
		for _, in := range inputs {
			if got, want := matchString(re, in), re.MatchString(in); got != want {
				t.Errorf("matchString(%s, %q) = %v, want %v", re, in, got, want)
			}
		}
	}
}
