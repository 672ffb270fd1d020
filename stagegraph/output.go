package stagegraph

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Formats are the output formats of an Outline, as `gantry plan --format`
// takes them.
var Formats = []string{"tree", "mermaid", "dot", "json", "bake"}

// Write writes the outline in one of Formats; bake also needs the cache
// backend and the bake options.
func (p *Outline) Write(w io.Writer, format string, spec CacheSpec, bake BakeOptions) error {
	var err error
	switch format {
	case "tree":
		err = p.WriteTree(w)
	case "mermaid":
		_, err = io.WriteString(w, p.Mermaid())
	case "dot":
		_, err = io.WriteString(w, p.Dot())
	case "json":
		err = p.WriteJSON(w)
	case "bake":
		err = p.WriteBake(w, spec, bake)
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	return err
}

// FileError puts the file name and, for a *ParseError, its position in
// front of an error of ParseStageGraphOptions: "Dockerfile:3:1: message".
func FileError(file string, err error) error {
	file = filepath.ToSlash(file)
	var pe *ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		return fmt.Errorf("%s:%d:%d: %s", file, pe.Line, max(pe.Column, 1), pe.Message)
	}
	return fmt.Errorf("%s: %v", file, err)
}

// NewBakeOptions expresses the context dir and the Dockerfile as bake
// expects them: the context as given, the Dockerfile relative to it (or
// absolute when it is outside). platform is a comma-separated list.
func NewBakeOptions(dir, file string, buildArgs map[string]string, tags []string, platform string) BakeOptions {
	df := file
	if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
		df = rel
	} else if abs, err := filepath.Abs(file); err == nil {
		df = abs
	}
	opts := BakeOptions{Context: filepath.ToSlash(dir), Dockerfile: filepath.ToSlash(df), BuildArgs: buildArgs, Tags: tags}
	if platform != "" {
		opts.Platforms = strings.Split(platform, ",")
	}
	return opts
}
