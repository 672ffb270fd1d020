package registry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestAWSSDKLogLinesHidden: on a machine whose instance metadata service
// refuses IMDSv2 tokens, the AWS SDK logs "WARN falling back to IMDSv1".
// gantry drops the SDK's log lines unless SDKLog (--debug) asks for them.
func TestAWSSDKLogLinesHidden(t *testing.T) {
	isolateAWS(t)
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			http.Error(w, "forbidden", http.StatusForbidden) // no IMDSv2 token
			return
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)

	resolve := func(sdkLog io.Writer) string {
		t.Helper()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr := os.Stderr
		os.Stderr = w
		defer func() { os.Stderr = stderr }()
		kc := &Keychain{SDKLog: sdkLog}
		_, _ = kc.Resolve(context.Background(), testECRHost)
		w.Close()
		b, _ := io.ReadAll(r)
		return string(b)
	}
	if out := resolve(nil); strings.Contains(out, "IMDSv1") {
		t.Errorf("the SDK's log line reached stderr:\n%s", out)
	}
	var debug bytes.Buffer
	resolve(&debug)
	if !strings.Contains(debug.String(), "falling back to IMDSv1") {
		t.Errorf("with SDKLog set, the SDK's log lines are shown; got %q (does the test still provoke the warning?)", debug.String())
	}
}
