package lint

import (
	"bytes"
	"fmt"
	"strings"
)

// diffContext is how many unchanged lines surround each hunk.
const diffContext = 3

// maxDiffCells bounds the line-matching table; beyond it the changed middle
// of the files is shown as one replacement.
const maxDiffCells = 4_000_000

// UnifiedDiff returns the unified diff (diff -u, git apply and patch -p1
// read it) that turns a into b, or nothing when they are equal. Lines keep
// their own endings, so CRLF files produce CRLF lines.
func UnifiedDiff(nameA, nameB string, a, b []byte) []byte {
	if bytes.Equal(a, b) {
		return nil
	}
	la, lb := splitLines(a), splitLines(b)
	ops := diffLines(la, lb)
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", diffName(nameA), diffName(nameB))
	// group the operations into hunks
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-diffContext)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, run)
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end], la, lb)
		i = end
	}
	return out.Bytes()
}

// diffName is a file name as a ---/+++ line holds it: patch ends a name at
// white space unless a tab follows it (as diff's timestamp does), and git
// apply reads a name up to that tab too.
func diffName(name string) string {
	if strings.ContainsAny(name, " \t") {
		return name + "\t"
	}
	return name
}

type diffOp struct {
	kind byte // ' ', '-', '+'
	a, b int  // line index in a (for ' ' and '-') and b (for ' ' and '+')
}

func writeHunk(out *bytes.Buffer, ops []diffOp, la, lb [][]byte) {
	a0, b0 := -1, -1
	na, nb := 0, 0
	for _, op := range ops {
		if op.kind != '+' {
			if a0 < 0 {
				a0 = op.a
			}
			na++
		}
		if op.kind != '-' {
			if b0 < 0 {
				b0 = op.b
			}
			nb++
		}
	}
	// an empty side is numbered after the line that precedes it
	if a0 < 0 {
		a0 = ops[0].a - 1
	}
	if b0 < 0 {
		b0 = ops[0].b - 1
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", a0+1, na, b0+1, nb)
	for _, op := range ops {
		var line []byte
		if op.kind == '+' {
			line = lb[op.b]
		} else {
			line = la[op.a]
		}
		out.WriteByte(op.kind)
		out.Write(line)
		if !bytes.HasSuffix(line, []byte("\n")) {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// splitLines splits text after every "\n", keeping the line endings.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

// diffLines matches the lines of a and b: common prefix and suffix, and a
// longest common subsequence of the middle. Every op carries the index of
// the line in a and in b where it applies.
func diffLines(a, b [][]byte) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	var ops []diffOp
	for i := range pre {
		ops = append(ops, diffOp{' ', i, i})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if (len(ma)+1)*(len(mb)+1) > maxDiffCells {
		for i := range ma {
			ops = append(ops, diffOp{'-', pre + i, pre})
		}
		for j := range mb {
			ops = append(ops, diffOp{'+', pre + len(ma), pre + j})
		}
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:]
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if bytes.Equal(ma[i], mb[j]) {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && bytes.Equal(ma[i], mb[j]):
				ops = append(ops, diffOp{' ', pre + i, pre + j})
				i++
				j++
			case i < len(ma) && (j == len(mb) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
				ops = append(ops, diffOp{'-', pre + i, pre + j})
				i++
			default:
				ops = append(ops, diffOp{'+', pre + i, pre + j})
				j++
			}
		}
	}
	for k := range suf {
		ops = append(ops, diffOp{' ', len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}
