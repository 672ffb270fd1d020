// Package outfile sends a command's output to the file its --output flag
// names, or else to the writer it writes to by default (stdout).
package outfile

import (
	"fmt"
	"io"
	"os"
)

// CreateError is an output file that could not be created: a usage
// mistake, such as a directory that does not exist.
type CreateError struct {
	Path string
	Err  error
}

func (e *CreateError) Error() string { return fmt.Sprintf("cannot write %s: %v", e.Path, e.Err) }

func (e *CreateError) Unwrap() error { return e.Err }

// Write calls write with the file at path, created or truncated, or with w
// when path is "". toFile tells write which it got. The file is created
// only when write is about to run, and a failed Close is an error of
// write's.
func Write(path string, w io.Writer, write func(w io.Writer, toFile bool) error) error {
	if path == "" {
		return write(w, false)
	}
	f, err := os.Create(path)
	if err != nil {
		return &CreateError{Path: path, Err: err}
	}
	defer f.Close()
	if err := write(f, true); err != nil {
		return err
	}
	return f.Close()
}
