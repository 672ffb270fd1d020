package lint

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-ci/gantry/config"
)

// Fake credentials with the shapes of real ones. AKIAIOSFODNN7EXAMPLE and
// its secret are AWS's documented examples.
const (
	fakeAWSKeyID  = "AKIAIOSFODNN7EXAMPLE"
	fakeAWSSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	fakeGitHub    = "ghp_Zx8Kq2Lm4Np6Rs8Tv0Wx2Yz4Ab6Cd8Ef0Gh2"
	fakeGitHubPAT = "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHI"
	fakeSlack     = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
)

const fakePrivateKey = `-----BEGIN RSA PRIVATE KEY-----
          MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
          VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
          -----END RSA PRIVATE KEY-----`

func TestHardcodedCredential(t *testing.T) {
	runRuleCases(t, "hardcoded-credential", []ruleCase{
		{name: "env, with, run and container", src: `on: push
env:
  AWS_ACCESS_KEY_ID: ` + fakeAWSKeyID + `
  AWS_SECRET_ACCESS_KEY: ` + fakeAWSSecret + `
jobs:
  deploy:
    runs-on: ubuntu-latest
    container:
      image: ghcr.io/acme/ci:1
      credentials:
        username: acme
        password: ` + fakeGitHub + `
    steps:
      - uses: some/notify@v1
        with:
          slack-token: "` + fakeSlack + `"
      - run: |
          echo deploying
          curl -H "Authorization: token ` + fakeGitHubPAT + `" https://api.github.com
          aws configure set aws_secret_access_key ` + fakeAWSSecret + `
`, want: []string{
			`3:22: hard-coded AWS access key ID "AKIA****************": it names an AWS user`,
			`4:26: hard-coded AWS secret access key "wJal****************"`,
			`12:19: hard-coded GitHub token "ghp_****************"`,
			`16:25: hard-coded Slack token "xoxb****************"`,
			`19:41: hard-coded GitHub token "gith****************"`,
			`20:51: hard-coded AWS secret access key "wJal****************"`,
		}},
		{name: "an AWS access key ID alone is info", sev: SeverityInfo, src: `on: push
env:
  AWS_ACCESS_KEY_ID: ` + fakeAWSKeyID + `
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
        env:
          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
`, want: []string{`3:22: hard-coded AWS access key ID "AKIA****************"`}},
		{name: "a secret key is an error", sev: SeverityError, src: `on: push
env:
  AWS_SECRET_ACCESS_KEY: ` + fakeAWSSecret + `
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
`, want: []string{`3:26: hard-coded AWS secret access key`}},
		{name: "private key in a script", src: `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          cat > key <<EOF
          ` + fakePrivateKey + `
          EOF
`, want: []string{`8:11: hard-coded private key (-----BEGIN RSA PRIVATE KEY----- block)`}},
		{name: "inputs defaults and matrix", src: `on:
  workflow_dispatch:
    inputs:
      token:
        default: ` + fakeGitHub + `
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        key: ['` + fakeAWSKeyID + `']
    steps:
      - run: echo
`, want: []string{`5:18: hard-coded GitHub token`, `11:16: hard-coded AWS access key ID`}},
		{name: "look-alikes", src: `on: push
env:
  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
  AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
  PLACEHOLDER: AKIAXXXXXXXXXXXXXXXX
  TOKEN: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  SLACK: xoxb-your-token-here
  LONGER: XAKIAIOSFODNN7EXAMPLE
  SHORT: ghp_abc
  EXPR: ${{ format('{0}', 'AKIAIOSFODNN7EXAMPLE') }}
  SECRET_PATH: /var/run/secrets/kubernetes.io/serviceaccount/token1234
  RELEASE_CHECKSUM: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  AWS_SECRET_ACCESS_KEY_SHA: 3f786850e387550fdab836ed7e6dc881de23001b
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: |
          grep -q "BEGIN OPENSSH PRIVATE KEY" ~/.ssh/id_ed25519
          echo "-----BEGIN RSA PRIVATE KEY-----" > key && echo "$KEY" >> key
          aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY"
`},
	})
}

func TestHardcodedCredentialAction(t *testing.T) {
	runRuleCases(t, "hardcoded-credential", []ruleCase{
		{name: "action.yml", file: "action.yml", src: `name: deploy
description: deploy the app
inputs:
  token:
    description: a token
    default: ` + fakeGitHub + `
runs:
  using: composite
  steps:
    - run: curl -u "` + fakeAWSKeyID + `:x" https://example.com
      shell: bash
      env:
        AWS_SECRET_ACCESS_KEY: "` + fakeAWSSecret + `"
`, want: []string{`6:14: hard-coded GitHub token`, `10:21: hard-coded AWS access key ID`, `13:33: hard-coded AWS secret access key`}},
		{name: "action look-alikes", file: "action.yml", src: `name: deploy
description: needs AKIA keys and ghp_ tokens
inputs:
  token:
    description: a token such as ghp_...
    default: ${{ github.token }}
runs:
  using: composite
  steps:
    - run: echo "$AWS_SECRET_ACCESS_KEY"
      shell: bash
`},
	})
}

func TestCredentialNeverPrinted(t *testing.T) {
	for _, secret := range []string{fakeAWSKeyID, fakeAWSSecret, fakeGitHub, fakeGitHubPAT, fakeSlack} {
		cs := findCredentials("aws_secret_access_key", "x "+secret+" y")
		if secret == fakeAWSSecret {
			cs = findCredentials("AWS_SECRET_ACCESS_KEY", secret)
		}
		if len(cs) != 1 {
			t.Fatalf("%s: want one credential, have %d", secret[:4], len(cs))
		}
		if msg := cs[0].message(); strings.Contains(msg, secret[4:8]) || !strings.Contains(msg, secret[:4]) {
			t.Errorf("message shows more than the first four characters: %s", msg)
		}
	}
}

// TestCredentialNotInOutput renders the findings of every rule on the
// credential fixtures in text and JSON and checks that no secret shows
// beyond its first four characters, in messages or source snippets.
func TestCredentialNotInOutput(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "rules", "hardcoded-credential"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(Options{WorkDir: dir, ProjectRoot: dir, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LintPaths(context.Background(), []string{"bad.yml", "bad-action/action.yml"})
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	if err := (&TextReporter{W: &text}).Report(context.Background(), NewReport(res)); err != nil {
		t.Fatal(err)
	}
	if err := (&JSONReporter{W: &js}).Report(context.Background(), NewReport(res)); err != nil {
		t.Fatal(err)
	}
	secrets := []string{fakeAWSKeyID, fakeAWSSecret, fakeGitHub, fakeSlack}
	for _, out := range []string{text.String(), js.String()} {
		for _, s := range secrets {
			if strings.Contains(out, s[4:]) {
				t.Errorf("output shows the secret %s...:\n%s", s[:4], out)
			}
		}
	}
	if !strings.Contains(text.String(), "hardcoded-credential") {
		t.Error("no hardcoded-credential finding")
	}
}

func TestCredentialTriggers(t *testing.T) {
	for _, c := range []struct {
		s    string
		want uint8
	}{
		{"", 0},
		{"AKIA", triggerAWSKeyID},
		{"x ASIA1234", triggerAWSKeyID},
		{"ghp_x", triggerGitHub},
		{"github_pat_1", triggerGitHub},
		{"github", 0},
		{"xoxb-", triggerSlack},
		{"-----BEGIN PRIVATE KEY-----", triggerPrivateKey},
		{"AWS_SECRET_ACCESS_KEY", triggerSecret},
		{"aws-secret", triggerSecret},
		{"Secrets", triggerSecret},
		{"secre", 0},
	} {
		if have := credentialTriggers(c.s); have != c.want {
			t.Errorf("credentialTriggers(%q) = %b, want %b", c.s, have, c.want)
		}
	}
}

// triggersByteByByte is the scan credentialTriggers replaced, one byte at
// a time: the test's reference.
func triggersByteByByte(s string) uint8 {
	var t uint8
	for i := 0; i+3 < len(s); i++ {
		switch s[i] {
		case 'A':
			if (s[i+1] == 'K' || s[i+1] == 'S') && s[i+2] == 'I' && s[i+3] == 'A' {
				t |= triggerAWSKeyID
			}
		case 'g':
			if s[i+1] == 'h' && s[i+3] == '_' || strings.HasPrefix(s[i:], "github_pat_") {
				t |= triggerGitHub
			}
		case 'x':
			if s[i+1] == 'o' && s[i+2] == 'x' {
				t |= triggerSlack
			}
		case 'P':
			if strings.HasPrefix(s[i:], "PRIVATE KEY") {
				t |= triggerPrivateKey
			}
		case 'e', 'E':
			if i > 0 && i+5 <= len(s) && strings.EqualFold(s[i-1:i+5], "secret") {
				t |= triggerSecret
			}
		}
	}
	return t
}

// TestCredentialTriggersRandom compares credentialTriggers, on strings and
// bytes, with the byte-by-byte scan on random texts made of the prefixes,
// their pieces and look-alikes, and on every real-world workflow.
func TestCredentialTriggersRandom(t *testing.T) {
	parts := []string{"A", "AKI", "AKIA", "ASIA", "g", "gh", "ghp_", "gh_", "github_pat_", "github_pa", "x", "xo", "xox",
		"PRIVATE KEY", "PRIVATE", "s", "se", "sec", "secret", "SeCrEt", "SECRE", "cret", "c", "C", "e", "E", "_", " ", "\n", "é"}
	ins := randomTexts(7, 20000, 10, parts)
	for _, e := range realworldDataset(t) {
		ins = append(ins, string(e.Src))
	}
	for _, in := range ins {
		want := triggersByteByByte(in)
		if got := credentialTriggers(in); got != want {
			t.Fatalf("credentialTriggers(%q) = %b, want %b", in, got, want)
		}
		if got := credentialTriggers([]byte(in)); got != want {
			t.Fatalf("credentialTriggers([]byte(%q)) = %b, want %b", in, got, want)
		}
	}
}

// TestHasAWSWordRandom compares hasAWSWord with the three substring searches
// it replaced, on random texts of their pieces and on every real-world
// workflow.
func TestHasAWSWordRandom(t *testing.T) {
	parts := []string{"a", "A", "w", "W", "s", "S", "aws", "AWS", "Aws", "aWs", "ws", "WS", "Ws", "_", " ", "\n"}
	ins := randomTexts(11, 20000, 8, parts)
	for _, e := range realworldDataset(t) {
		ins = append(ins, string(e.Src))
	}
	for _, in := range ins {
		want := strings.Contains(in, "aws") || strings.Contains(in, "AWS") || strings.Contains(in, "Aws")
		if got := hasAWSWord([]byte(in)); got != want {
			t.Fatalf("hasAWSWord(%q) = %v, want %v", in, got, want)
		}
	}
}
