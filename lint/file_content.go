package lint

import (
	"bytes"

	"github.com/klauspost/compress/s2"
)

// This file keeps the text of a scanned workflow compressed once it is
// linted (Options.DropTrees), for the reporters that quote it, or lets it
// go when the report quotes none (Options.DropText).

// releaseSource lets the file's text go once its scan is done, unless it
// holds an inline suppression (finish reads those from the text): the
// repository rules read nothing of a scanned workflow's text after it. With
// drop, for a report that quotes no text (Options.DropText), nothing is
// kept; else the text is kept compressed for the reporters, which read the
// lines they quote (File.content). S2 packs the real-world workflows to 41%
// of their size at about 500 MB/s, a few milliseconds of the run's workers.
// buf is the worker's buffer to compress into, kept across files.
func (f *File) releaseSource(buf *[]byte, drop bool) {
	if f.Src == nil || bytes.Contains(f.Src, []byte(suppressionMarker)) {
		return
	}
	if drop {
		f.Src = nil
		return
	}
	n := s2.MaxEncodedLen(len(f.Src))
	if n < 0 {
		return // too large for S2: cannot happen under the size limit
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	// s2.Encode needs room for the worst case, more than the text
	f.packed = bytes.Clone(s2.Encode((*buf)[:cap(*buf)], f.Src))
	f.Src = nil
}

// content returns the file's text: Src, or the text releaseSource compressed.
func (f *File) content() []byte {
	if f.packed == nil {
		return f.Src
	}
	src, err := s2.Decode(nil, f.packed)
	if err != nil {
		return nil // releaseSource wrote it: cannot happen
	}
	return src
}
