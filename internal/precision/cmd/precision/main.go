// Command precision runs gantry over the shared corpus and reports the
// precision of its warnings and errors against the labelled judgements
// (scripts/precision runs it). It can also draw a new sample of findings to
// judge and write a blind review sheet for them.
//
//	precision -gantry BIN [-list]                 report precision per rule
//	precision -gantry BIN -draw -seed N           write a judgements file to fill in
//	precision -gantry BIN -sheet FILE [-unjudged] write a blind review sheet
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gantry-ci/gantry/internal/precision"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "precision:", err)
		os.Exit(2)
	}
}

type flags struct {
	gantry, corpus, judgements, from, saveJSON, sheet string
	list, draw, unjudged                              bool
	seed                                              uint64
	cap, shellcheckCap, fixtureCap                    int
}

func run() error {
	var fl flags
	flag.StringVar(&fl.gantry, "gantry", "", "the gantry binary to run (required unless -from)")
	flag.StringVar(&fl.corpus, "corpus", "../shared/corpus", "the shared third-party corpus")
	flag.StringVar(&fl.judgements, "judgements", "testdata/precision/judgements.tsv", "the judgements file")
	flag.StringVar(&fl.from, "from", "", "read gantry's JSON output from this file instead of running gantry")
	flag.StringVar(&fl.saveJSON, "save-json", "", "also write gantry's JSON output to this file")
	flag.BoolVar(&fl.list, "list", false, "list every warning and error not yet judged")
	flag.BoolVar(&fl.draw, "draw", false, "draw a stratified sample and write it to -judgements, without verdicts")
	flag.Uint64Var(&fl.seed, "seed", 12, "the seed of -draw")
	flag.IntVar(&fl.cap, "cap", 35, "findings per rule that -draw takes at most")
	flag.IntVar(&fl.shellcheckCap, "shellcheck-cap", 15, "findings per shellcheck level that -draw takes at most")
	flag.IntVar(&fl.fixtureCap, "fixture-cap", 10, "findings per rule in zizmor's fixtures that -draw takes at most")
	flag.StringVar(&fl.sheet, "sheet", "", "write a blind review sheet of the judgements to this file")
	flag.BoolVar(&fl.unjudged, "unjudged", false, "with -sheet: the sheet covers the unjudged warnings and errors instead")
	flag.Parse()
	if fl.gantry == "" && fl.from == "" {
		return errors.New("-gantry or -from is required")
	}

	dir, err := os.MkdirTemp("", "gantry-precision-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dataset, err := precision.ReadDataset(filepath.Join(fl.corpus, filepath.FromSlash(precision.DatasetZip)))
	if err != nil {
		return err
	}
	files, err := precision.Layout(dir, fl.corpus, dataset)
	if err != nil {
		return err
	}
	out, err := gantryJSON(&fl, dir, files)
	if err != nil {
		return err
	}
	findings, err := parseFindings(out, dir)
	if err != nil {
		return err
	}

	if fl.draw {
		return draw(&fl, findings)
	}
	jf, err := os.Open(fl.judgements)
	if err != nil {
		return err
	}
	js, err := precision.ReadJudgements(jf)
	jf.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", fl.judgements, err)
	}
	sum := precision.Summarize(js, findings)
	if fl.sheet != "" {
		if fl.unjudged {
			js = nil
			for i, f := range sum.Unjudged {
				js = append(js, precision.Judgement{ID: fmt.Sprintf("u%04d", i+1), Finding: *f})
			}
		} else {
			for _, p := range precision.Match(js, findings).Pairs {
				p.Judgement.Message = p.Finding.Message // the sheet shows the whole message
			}
		}
		return writeSheet(fl.sheet, dir, js)
	}
	return sum.Write(os.Stdout, fl.list)
}

// gantryJSON runs gantry lint with default flags and JSON output over the
// laid-out corpus (or reads a saved output).
func gantryJSON(fl *flags, dir string, files []string) ([]byte, error) {
	if fl.from != "" {
		return os.ReadFile(fl.from)
	}
	bin, err := filepath.Abs(fl.gantry)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"lint", "--format", "json"}, files...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("gantry lint: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if fl.saveJSON != "" {
		if err := os.WriteFile(fl.saveJSON, stdout.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	return stdout.Bytes(), nil
}

func parseFindings(out []byte, dir string) ([]precision.Finding, error) {
	var report struct {
		Findings []struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
			File     string `json:"file"`
			Line     int    `json:"line"`
			Column   int    `json:"column"`
			Message  string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		return nil, fmt.Errorf("gantry's JSON output: %w", err)
	}
	fs := make([]precision.Finding, 0, len(report.Findings))
	for _, f := range report.Findings {
		fs = append(fs, precision.Finding{File: precision.CorpusFile(f.File), Line: f.Line, Column: f.Column,
			Rule: f.Rule, Severity: f.Severity, Message: precision.TrimDir(f.Message, dir)})
	}
	return fs, nil
}

func draw(fl *flags, findings []precision.Finding) error {
	sample := precision.Sample(findings, precision.SampleOptions{Seed: fl.seed, Cap: fl.cap, ShellcheckCap: fl.shellcheckCap, FixtureCap: fl.fixtureCap})
	js := make([]precision.Judgement, len(sample))
	for i, f := range sample {
		f.Message = precision.ShortMessage(f.Message)
		js[i] = precision.Judgement{ID: fmt.Sprintf("p%04d", i+1), Finding: f}
	}
	w, err := os.Create(fl.judgements)
	if err != nil {
		return err
	}
	if err := precision.WriteJudgements(w, js); err != nil {
		w.Close()
		return err
	}
	fmt.Fprintf(os.Stderr, "%d findings drawn into %s\n", len(js), fl.judgements)
	return w.Close()
}

func writeSheet(path, dir string, js []precision.Judgement) error {
	w, err := os.Create(path)
	if err != nil {
		return err
	}
	read := func(corpusFile string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(precision.LayoutPath(corpusFile))))
	}
	if err := precision.WriteSheet(w, js, read); err != nil {
		w.Close()
		return err
	}
	fmt.Fprintf(os.Stderr, "%d findings in the sheet %s\n", len(js), path)
	return w.Close()
}
