package registry

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/registrytest"
)

const (
	testAccount = "123456789012"
	testRegion  = "eu-west-1"
	testECRHost = testAccount + ".dkr.ecr." + testRegion + ".amazonaws.com"
	ecrPassword = "ecr-password-eyJwYXlsb2FkIjoi"
)

// fakeECR speaks the ECR JSON 1.1 protocol (and STS's AssumeRoleWithWebIdentity
// query protocol) and verifies the SigV4 signature of every ECR request
// against the secret of the access key it names.
type fakeECR struct {
	t       *testing.T
	secrets map[string]string // access key ID -> secret key
	// repositories: name -> mutability setting; tags: "repo:tag" -> digest
	repos      map[string]string
	exclusions map[string][]string
	tags       map[string]string
	// denied operations answer AccessDeniedException
	denied map[string]bool
	// webIdentityToken is the OIDC token STS accepts
	webIdentityToken string
	// badSignatures counts requests whose signature did not verify; they
	// fail the test unless expectBadSignatures is set
	badSignatures       int
	expectBadSignatures bool

	mu       sync.Mutex
	requests []ecrRequest
}

type ecrRequest struct {
	Op, AccessKey, SecurityToken string
	Body                         map[string]any
}

func newFakeECR(t *testing.T) *fakeECR {
	f := &fakeECR{
		t:          t,
		secrets:    map[string]string{"AKIDGANTRYTEST": "gantry-secret-key"},
		repos:      map[string]string{"shop": "MUTABLE"},
		exclusions: map[string][]string{},
		tags:       map[string]string{},
		denied:     map[string]bool{},
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	isolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL_ECR", srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	return f
}

// isolateAWS keeps the SDK away from this machine's AWS files, instance
// metadata and real endpoints.
func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "", "AWS_ROLE_SESSION_NAME": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_REGION": "",
		"AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_ECR": "", "AWS_ENDPOINT_URL_STS": "",
		"DOCKER_CONFIG": dir, "AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}
}

func staticAWSCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDGANTRYTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "gantry-secret-key")
}

func (f *fakeECR) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Op)
	}
	return out
}

func (f *fakeECR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("X-Amz-Target") == "" {
		f.serveSTS(w, r, body)
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.")
	if !ok || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		f.t.Errorf("not an ECR JSON 1.1 request: %s %s target %q type %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		ecrError(w, 400, "SerializationException", "bad request")
		return
	}
	key, err := f.verifySigV4(r, body)
	if err != nil {
		f.mu.Lock()
		f.badSignatures++
		f.mu.Unlock()
		if !f.expectBadSignatures {
			f.t.Errorf("%s: bad signature: %v", op, err)
		}
		ecrError(w, 403, "InvalidSignatureException", err.Error())
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		f.t.Errorf("%s: body is not JSON: %q", op, body)
	}
	f.mu.Lock()
	f.requests = append(f.requests, ecrRequest{Op: op, AccessKey: key, SecurityToken: r.Header.Get("X-Amz-Security-Token"), Body: in})
	f.mu.Unlock()
	if f.denied[op] {
		ecrError(w, 400, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/ci is not authorized to perform: ecr:%s", testAccount, op))
		return
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	switch op {
	case "GetAuthorizationToken":
		writeJSON(w, map[string]any{"authorizationData": []any{map[string]any{
			"authorizationToken": base64.StdEncoding.EncodeToString([]byte("AWS:" + ecrPassword)),
			"expiresAt":          float64(time.Now().Add(12 * time.Hour).Unix()),
			"proxyEndpoint":      "https://" + testECRHost,
		}}})
	case "DescribeRepositories":
		if str("registryId") != testAccount {
			f.t.Errorf("DescribeRepositories registryId = %q", str("registryId"))
		}
		names, _ := in["repositoryNames"].([]any)
		var repos []any
		for _, n := range names {
			name, _ := n.(string)
			mut, ok := f.repos[name]
			if !ok {
				ecrError(w, 400, "RepositoryNotFoundException", fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, testAccount))
				return
			}
			var filters []any
			for _, e := range f.exclusions[name] {
				filters = append(filters, map[string]any{"filter": e, "filterType": "WILDCARD"})
			}
			repos = append(repos, map[string]any{
				"repositoryName": name, "registryId": testAccount, "imageTagMutability": mut,
				"imageTagMutabilityExclusionFilters": filters,
				"repositoryArn":                      fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", testRegion, testAccount, name),
				"repositoryUri":                      testECRHost + "/" + name, "createdAt": 1.7e9,
			})
		}
		writeJSON(w, map[string]any{"repositories": repos})
	case "DescribeImages":
		repo := str("repositoryName")
		if _, ok := f.repos[repo]; !ok {
			ecrError(w, 400, "RepositoryNotFoundException", "The repository with name '"+repo+"' does not exist")
			return
		}
		ids, _ := in["imageIds"].([]any)
		var details []any
		for _, id := range ids {
			tag, _ := id.(map[string]any)["imageTag"].(string)
			d, ok := f.tags[repo+":"+tag]
			if !ok {
				ecrError(w, 400, "ImageNotFoundException", fmt.Sprintf("The image with imageId {imageTag:'%s'} does not exist within the repository with name '%s'", tag, repo))
				return
			}
			details = append(details, map[string]any{"registryId": testAccount, "repositoryName": repo, "imageDigest": d,
				"imageTags": []string{tag}, "imageSizeInBytes": 1234, "imagePushedAt": 1.7e9})
		}
		writeJSON(w, map[string]any{"imageDetails": details})
	default:
		ecrError(w, 400, "UnknownOperationException", op)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func ecrError(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// serveSTS answers AssumeRoleWithWebIdentity, the call the SDK makes for
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (GitHub's OIDC through
// aws-actions/configure-aws-credentials).
func (f *fakeECR) serveSTS(w http.ResponseWriter, r *http.Request, body []byte) {
	form, _ := url.ParseQuery(string(body))
	if form.Get("Action") != "AssumeRoleWithWebIdentity" {
		f.t.Errorf("unexpected STS call %q", body)
		w.WriteHeader(400)
		return
	}
	if form.Get("WebIdentityToken") != f.webIdentityToken || form.Get("RoleArn") != "arn:aws:iam::"+testAccount+":role/gantry-push" {
		w.WriteHeader(403)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>bad token</Message></Error></ErrorResponse>`)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, ecrRequest{Op: "sts:AssumeRoleWithWebIdentity"})
	f.secrets["ASIAGANTRYSESSION"] = "session-secret"
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:acme/shop:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser><Arn>arn:aws:sts::%[1]s:assumed-role/gantry-push/ci</Arn><AssumedRoleId>AROAGANTRY:ci</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <SessionToken>gantry-session-token</SessionToken>
      <SecretAccessKey>session-secret</SecretAccessKey>
      <Expiration>%[2]s</Expiration>
      <AccessKeyId>ASIAGANTRYSESSION</AccessKeyId>
    </Credentials>
    <Provider>token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`, testAccount, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
}

// verifySigV4 recomputes the AWS Signature Version 4 of r from its signed
// headers and body, and returns the access key ID it was signed with.
func (f *fakeECR) verifySigV4(r *http.Request, body []byte) (string, error) {
	authz := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(authz, "AWS4-HMAC-SHA256 ")
	if !ok {
		return "", fmt.Errorf("authorization %q is not AWS4-HMAC-SHA256", authz)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 || cred[4] != "aws4_request" {
		return "", fmt.Errorf("bad credential scope %q", fields["Credential"])
	}
	key, date, region, service := cred[0], cred[1], cred[2], cred[3]
	if region != testRegion || service != "ecr" {
		return "", fmt.Errorf("scope %s/%s, want %s/ecr", region, service, testRegion)
	}
	f.mu.Lock()
	secret, known := f.secrets[key]
	f.mu.Unlock()
	if !known {
		return "", fmt.Errorf("unknown access key %q", key)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	ts, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, date) || time.Since(ts).Abs() > 5*time.Minute {
		return "", fmt.Errorf("bad or stale X-Amz-Date %q", amzDate)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, must := range []string{"host", "x-amz-date", "x-amz-target"} {
		if !slices.Contains(signed, must) {
			return "", fmt.Errorf("header %s is not signed (%s)", must, fields["SignedHeaders"])
		}
	}
	sort.Strings(signed)
	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	canon.WriteString(p + "\n" + r.URL.Query().Encode() + "\n")
	for _, h := range signed {
		var v string
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		default:
			v = strings.Join(r.Header.Values(h), ",")
		}
		canon.WriteString(h + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	payloadHash := sha256.Sum256(body)
	canon.WriteString("\n" + fields["SignedHeaders"] + "\n" + hex.EncodeToString(payloadHash[:]))
	crHash := sha256.Sum256([]byte(canon.String()))
	scope := strings.Join(cred[1:], "/")
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])
	k := []byte("AWS4" + secret)
	for _, s := range []string{date, region, service, "aws4_request", toSign} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		k = m.Sum(nil)
	}
	if want := hex.EncodeToString(k); !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "", fmt.Errorf("signature mismatch:\ncanonical request:\n%s", canon.String())
	}
	return key, nil
}

func TestParseECRHost(t *testing.T) {
	tests := []struct {
		host            string
		ok              bool
		account, region string
		fips            bool
	}{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com", true, "123456789012", "eu-west-1", false},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", true, "123456789012", "us-gov-west-1", true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", true, "123456789012", "cn-north-1", false},
		{"123456789012.dkr-ecr.us-east-1.on.aws", true, "123456789012", "us-east-1", false},
		{"123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM", true, "123456789012", "eu-west-1", false},
		// look-alikes
		{"public.ecr.aws", false, "", "", false},
		{"12345678901.dkr.ecr.eu-west-1.amazonaws.com", false, "", "", false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example", false, "", "", false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com:5000", false, "", "", false},
		{"ghcr.io", false, "", "", false},
		{"127.0.0.1:5000", false, "", "", false},
	}
	for _, tt := range tests {
		h, ok := ParseECRHost(tt.host)
		if ok != tt.ok || h.Account != tt.account || h.Region != tt.region || h.FIPS != tt.fips {
			t.Errorf("ParseECRHost(%q) = %+v, %v", tt.host, h, ok)
		}
	}
}

func TestMutability(t *testing.T) {
	tests := []struct {
		m    Mutability
		tag  string
		want bool
	}{
		{Mutability{Setting: "MUTABLE"}, "latest", false},
		{Mutability{Setting: ""}, "latest", false},
		{Mutability{Setting: "IMMUTABLE"}, "latest", true},
		{Mutability{Setting: "IMMUTABLE_WITH_EXCLUSION", Exclusions: []string{"latest", "dev-*"}}, "latest", false},
		{Mutability{Setting: "IMMUTABLE_WITH_EXCLUSION", Exclusions: []string{"latest", "dev-*"}}, "dev-feature", false},
		{Mutability{Setting: "IMMUTABLE_WITH_EXCLUSION", Exclusions: []string{"latest", "dev-*"}}, "v1.2.3", true},
		{Mutability{Setting: "IMMUTABLE_WITH_EXCLUSION", Exclusions: []string{"v1.*"}}, "v1x2", true}, // '.' is literal
		{Mutability{Setting: "MUTABLE_WITH_EXCLUSION", Exclusions: []string{"v*"}}, "v1.2.3", true},
		{Mutability{Setting: "MUTABLE_WITH_EXCLUSION", Exclusions: []string{"v*"}}, "latest", false},
	}
	for _, tt := range tests {
		if got := tt.m.Immutable(tt.tag); got != tt.want {
			t.Errorf("%+v.Immutable(%q) = %v", tt.m, tt.tag, got)
		}
	}
}

func TestECRLoginSignedWithStaticCredentials(t *testing.T) {
	f := newFakeECR(t)
	staticAWSCredentials(t)
	var masked []string
	kc := &Keychain{Mask: func(s string) { masked = append(masked, s) }}
	c, err := kc.Resolve(context.Background(), testECRHost)
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != "AWS" || c.Password != ecrPassword || time.Until(c.Expires) < 11*time.Hour {
		t.Errorf("credential = %s, expires %v", c, c.Expires)
	}
	if !strings.Contains(c.String(), "ECR GetAuthorizationToken (account 123456789012, eu-west-1)") || strings.Contains(c.String(), ecrPassword) {
		t.Errorf("String() = %q", c)
	}
	if !slices.Equal(masked, []string{ecrPassword}) {
		t.Errorf("masked %q", masked)
	}
	// cached: no second call
	if _, err := kc.Resolve(context.Background(), testECRHost); err != nil {
		t.Fatal(err)
	}
	if ops := f.ops(); !slices.Equal(ops, []string{"GetAuthorizationToken"}) {
		t.Errorf("ops = %q", ops)
	}
	if f.requests[0].AccessKey != "AKIDGANTRYTEST" {
		t.Errorf("signed with %q", f.requests[0].AccessKey)
	}
}

func TestECRLoginWithWebIdentity(t *testing.T) {
	f := newFakeECR(t)
	f.webIdentityToken = "eyJhbGciOiJSUzI1NiJ9.github-oidc-token.sig"
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte(f.webIdentityToken), 0o600)
	// what aws-actions/configure-aws-credentials leaves for later steps
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::"+testAccount+":role/gantry-push")
	t.Setenv("AWS_ROLE_SESSION_NAME", "ci")
	t.Setenv("AWS_REGION", "us-east-1") // the registry's region wins for ECR
	kc := &Keychain{}
	repo, _ := ParseRepository(testECRHost + "/shop")
	f.tags["shop:latest"] = "sha256:" + strings.Repeat("a", 64)
	plan, err := CheckPush(context.Background(), kc, PushOptions{Repository: repo.Name, Tags: []string{"latest", "abc123"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sts:AssumeRoleWithWebIdentity", "GetAuthorizationToken", "DescribeRepositories", "DescribeImages", "DescribeImages"}
	if ops := f.ops(); !slices.Equal(ops, want) {
		t.Fatalf("ops = %q, want %q", ops, want)
	}
	for _, r := range f.requests[1:] {
		if r.AccessKey != "ASIAGANTRYSESSION" || r.SecurityToken != "gantry-session-token" {
			t.Errorf("%s signed with %q token %q", r.Op, r.AccessKey, r.SecurityToken)
		}
	}
	if plan.Tags[0].Current != "sha256:"+strings.Repeat("a", 64) || plan.Tags[1].Current != "" || plan.Mutability.Setting != "MUTABLE" {
		t.Errorf("plan = %+v", plan)
	}
	if got := f.requests[3].Body; got["repositoryName"] != "shop" || got["registryId"] != testAccount {
		t.Errorf("DescribeImages body %v", got)
	}
}

func TestECRPlanImmutable(t *testing.T) {
	f := newFakeECR(t)
	staticAWSCredentials(t)
	f.repos["shop"] = "IMMUTABLE"
	old := "sha256:" + strings.Repeat("b", 64)
	f.tags["shop:latest"] = old
	name := testECRHost + "/shop"

	// skip (the default): the plan keeps the new tag and skips latest
	plan, err := CheckPush(context.Background(), &Keychain{}, PushOptions{Repository: name, Tags: []string{"0d1a26e", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.TagsToPush(); !slices.Equal(got, []string{"0d1a26e"}) {
		t.Errorf("tags to push %q", got)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "tag latest already exists in "+name+" ("+old+"), whose tags are IMMUTABLE: skipping it") {
		t.Errorf("warnings %q", plan.Warnings)
	}

	// fail: fails before anything is built, naming the tag and its digest
	_, err = CheckPush(context.Background(), &Keychain{}, PushOptions{Repository: name, Tags: []string{"0d1a26e", "latest"}, OnImmutable: config.ImmutableFail})
	if !errors.Is(err, ErrImmutableTag) || !strings.Contains(err.Error(), "latest ("+old+") already exists in "+name+", whose tags are IMMUTABLE") {
		t.Errorf("err = %v", err)
	}

	// only an existing immutable tag: nothing left to push
	_, err = CheckPush(context.Background(), &Keychain{}, PushOptions{Repository: name, Tags: []string{"latest"}})
	if !errors.Is(err, ErrNoTags) {
		t.Errorf("err = %v", err)
	}

	// exclusions make latest mutable again
	f.repos["shop"] = "IMMUTABLE_WITH_EXCLUSION"
	f.exclusions["shop"] = []string{"latest"}
	plan, err = CheckPush(context.Background(), &Keychain{}, PushOptions{Repository: name, Tags: []string{"0d1a26e", "latest"}, OnImmutable: config.ImmutableFail})
	if err != nil || !slices.Equal(plan.TagsToPush(), []string{"0d1a26e", "latest"}) {
		t.Errorf("with exclusion: %v, %+v", err, plan)
	}
}

func TestECRErrors(t *testing.T) {
	f := newFakeECR(t)
	staticAWSCredentials(t)
	_, err := CheckPush(context.Background(), &Keychain{}, PushOptions{Repository: testECRHost + "/missing", Tags: []string{"x"}})
	if !errors.Is(err, ErrRepositoryNotFound) || !strings.Contains(err.Error(), `ECR repository "missing" does not exist in account 123456789012 (eu-west-1); create it first`) {
		t.Errorf("missing repository: %v", err)
	}

	f.denied["DescribeRepositories"] = true
	_, err = CheckPush(context.Background(), &Keychain{}, PushOptions{Repository: testECRHost + "/shop", Tags: []string{"x"}})
	if err == nil || !strings.Contains(err.Error(), "DescribeRepositories failed") || !strings.Contains(err.Error(), "lacks the ecr:DescribeRepositories permission") {
		t.Errorf("access denied: %v", err)
	}

	f.denied["GetAuthorizationToken"] = true
	_, err = (&Keychain{}).Resolve(context.Background(), testECRHost)
	if err == nil || !strings.Contains(err.Error(), "cannot log in to "+testECRHost) || !strings.Contains(err.Error(), "GetAuthorizationToken") {
		t.Errorf("login denied: %v", err)
	}
}

func TestECRWithoutAWSCredentials(t *testing.T) {
	newFakeECR(t)
	_, err := (&Keychain{}).Resolve(context.Background(), testECRHost)
	if err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") {
		t.Errorf("err = %v", err)
	}
	// a docker login still works when the SDK has no credentials
	dir := os.Getenv("DOCKER_CONFIG")
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{"`+testECRHost+`":{"auth":"`+
		base64.StdEncoding.EncodeToString([]byte("AWS:from-docker-login"))+`"}}}`), 0o600)
	var notes bytes.Buffer
	kc := &Keychain{Logf: func(f string, a ...any) { fmt.Fprintf(&notes, f, a...) }}
	c, err := kc.Resolve(context.Background(), testECRHost)
	if err != nil || c.Password != "from-docker-login" || !strings.Contains(notes.String(), "using docker config") {
		t.Errorf("fallback: %v %s notes %q", err, c, notes.String())
	}
}

func TestECREndpointOption(t *testing.T) {
	f := newFakeECR(t)
	staticAWSCredentials(t)
	srv := httptest.NewServer(f)
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1") // the option wins
	c, err := (&Keychain{ECREndpoint: srv.URL}).Resolve(context.Background(), testECRHost)
	if err != nil || c.Password != ecrPassword {
		t.Errorf("%v %s", err, c)
	}
}

func TestFakeECRRejectsWrongSignatures(t *testing.T) {
	f := newFakeECR(t)
	f.expectBadSignatures = true
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDGANTRYTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	_, err := (&Keychain{}).Resolve(context.Background(), testECRHost)
	if err == nil || f.badSignatures != 1 || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Errorf("err = %v, bad signatures %d", err, f.badSignatures)
	}
}

// toRegistry carries requests for any host to a local registry over plain
// HTTP: the registry API of an ECR host name, served by docker-registry.
type toRegistry struct{ host string }

func (r toRegistry) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = "http", r.host, r.host
	return http.DefaultTransport.RoundTrip(req)
}

// TestECRPushWithDockerLoginOnly: without AWS credentials, a docker login
// for the ECR registry (as docs/push.md promises) pushes: the pre-flight
// looks the tags up with the registry API instead of the ECR API, and says
// that it cannot tell the tags' mutability.
func TestECRPushWithDockerLoginOnly(t *testing.T) {
	f := newFakeECR(t)
	reg := registrytest.Start(t, "AWS", "from-docker-login")
	os.WriteFile(filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json"), []byte(`{"auths":{"`+testECRHost+`":{"auth":"`+
		base64.StdEncoding.EncodeToString([]byte("AWS:from-docker-login"))+`"}}}`), 0o600)
	// an image already tagged latest, and the new one pushed by digest
	put := func(tag string) string {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		ref := reg.Host + "/shop@" + d.String()
		if tag != "" {
			ref = reg.Host + "/shop:" + tag
		}
		r, err := name.ParseReference(ref)
		if err == nil {
			err = remote.Write(r, img, reg.Auth())
		}
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	old, pushed := put("latest"), put("")

	ctx := context.Background()
	kc := &Keychain{transport: toRegistry{reg.Host}, Logf: t.Logf}
	plan, err := CheckPush(ctx, kc, PushOptions{Repository: testECRHost + "/shop", Tags: []string{"0d1a26e", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plan.Credential.String(), `user "AWS" from docker config`) {
		t.Errorf("credential %s", plan.Credential)
	}
	if plan.Tags[0].Current != "" || plan.Tags[1].Current != old {
		t.Errorf("plan tags %+v, want latest at %s", plan.Tags, old)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "no AWS credentials for the ECR API") {
		t.Errorf("warnings %q", plan.Warnings)
	}
	if ops := f.ops(); len(ops) != 0 {
		t.Errorf("ECR API calls %q", ops)
	}
	res, err := plan.Complete(ctx, pushed, nil, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Table())
	}
	want := []TagResult{
		{Tag: "0d1a26e", Status: TagCreated, New: pushed},
		{Tag: "latest", Status: TagMoved, Old: old, New: pushed},
	}
	if !slices.Equal(res.Tags, want) {
		t.Errorf("tags %+v, want %+v", res.Tags, want)
	}
	for _, tag := range []string{"0d1a26e", "latest"} {
		if got := reg.Digest(t, reg.Host+"/shop:"+tag); got != pushed {
			t.Errorf("%s -> %s, want %s", tag, got, pushed)
		}
	}
}

// TestECRAPIThatDoesNotAnswer: an ECR endpoint that accepts connections and
// never answers (a broken VPC endpoint or proxy) fails the login and the
// pre-flight after ECR.Timeout instead of hanging: the AWS SDK's HTTP
// client has no read timeout and gantry push no default --timeout.
func TestECRAPIThatDoesNotAnswer(t *testing.T) {
	isolateAWS(t)
	staticAWSCredentials(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	t.Setenv("AWS_ENDPOINT_URL_ECR", "http://"+l.Addr().String())

	h, _ := ParseECRHost(testECRHost)
	for _, call := range []string{"GetAuthorizationToken", "DescribeRepositories", "DescribeImages"} {
		kc := &Keychain{}
		e, err := kc.ECR(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		e.Timeout = 200 * time.Millisecond
		done := make(chan error, 1)
		go func() {
			var err error
			switch call {
			case "GetAuthorizationToken":
				_, err = kc.Resolve(context.Background(), testECRHost)
			case "DescribeRepositories":
				_, err = e.Repository(context.Background(), "shop")
			case "DescribeImages":
				_, err = e.TagDigest(context.Background(), "shop", "latest")
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), call+" failed") || !strings.Contains(err.Error(), "gave no answer") {
				t.Errorf("%s: err = %v", call, err)
			}
		case <-time.After(2 * time.Minute): // a hang guard
			t.Fatalf("%s hangs on an endpoint that does not answer", call)
		}
	}
}
