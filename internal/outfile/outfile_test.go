package outfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	hello := func(w io.Writer, toFile bool) error {
		_, err := io.WriteString(w, map[bool]string{false: "stdout", true: "file"}[toFile])
		return err
	}
	var buf bytes.Buffer
	if err := Write("", &buf, hello); err != nil || buf.String() != "stdout" {
		t.Errorf("no path: %q, %v", buf.String(), err)
	}
	path := filepath.Join(t.TempDir(), "out")
	buf.Reset()
	if err := Write(path, &buf, hello); err != nil || buf.Len() != 0 {
		t.Errorf("path: wrote %q to w, %v", buf.String(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "file" {
		t.Errorf("file holds %q, want %q", b, "file")
	}
	missing := filepath.Join(t.TempDir(), "no", "out")
	var ce *CreateError
	if err := Write(missing, &buf, hello); !errors.As(err, &ce) || ce.Path != missing {
		t.Errorf("missing dir: %v, want a *CreateError", err)
	}
	failed := errors.New("failed")
	if err := Write(path, &buf, func(io.Writer, bool) error { return failed }); err != failed {
		t.Errorf("failing write: %v, want %v", err, failed)
	}
}
