package actions

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/lint"
)

// ActionCommands are the gantry commands the GitHub Action (action.yml) runs.
var ActionCommands = []string{"lint", "plan", "build", "push", "gate"}

// ActionCommand builds the gantry command line that the action runs from its
// inputs, which action.yml passes as INPUT_COMMAND, INPUT_ARGS, INPUT_PATHS,
// INPUT_FORMAT (lint and plan only), INPUT_FAIL_ON and INPUT_CONFIG (lint
// only). args and paths are split like a shell would (splitWords: quotes
// group, nothing is expanded); paths go last, after "--".
func ActionCommand(getenv runenv.Getenv) ([]string, error) {
	cmd := strings.TrimSpace(getenv("INPUT_COMMAND"))
	if cmd == "" {
		cmd = "lint"
	}
	known := false
	for _, c := range ActionCommands {
		known = known || c == cmd
	}
	if !known {
		return nil, fmt.Errorf("input command must be one of %s, not %q", strings.Join(ActionCommands, ", "), cmd)
	}
	argv := []string{cmd}
	// format is an input of every command, but only lint and plan have --format
	if f := strings.TrimSpace(getenv("INPUT_FORMAT")); f != "" && (cmd == "lint" || cmd == "plan") {
		argv = append(argv, "--format", f)
	}
	if cmd == "lint" {
		if f := strings.TrimSpace(getenv("INPUT_FAIL_ON")); f != "" {
			argv = append(argv, "--fail-on", f)
		}
		if c := strings.TrimSpace(getenv("INPUT_CONFIG")); c != "" {
			argv = append(argv, "--config", c)
		}
	}
	args, err := splitWords(getenv("INPUT_ARGS"))
	if err != nil {
		return nil, fmt.Errorf("input args: %v", err)
	}
	paths, err := splitWords(getenv("INPUT_PATHS"))
	if err != nil {
		return nil, fmt.Errorf("input paths: %v", err)
	}
	argv = append(argv, args...)
	if len(paths) > 0 {
		argv = append(argv, "--")
		argv = append(argv, paths...)
	}
	return argv, nil
}

// splitWords splits s into words as a POSIX shell does, expanding nothing:
// blanks and newlines separate words; '…' keeps every character; "…" keeps
// every character but a backslash before $ ` " \ or a newline; elsewhere a
// backslash keeps the next character (and drops a newline); a # that starts
// a word starts a comment up to the end of the line.
func splitWords(s string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			for i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
		case c == '\\':
			if i+1 < len(s) {
				i++
			}
			if s[i] != '\n' {
				word.WriteByte(s[i])
				inWord = true
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("a ' has no closing quote")
			}
			word.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, errors.New(`a " has no closing quote`)
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					if i++; s[i] == '\n' {
						continue
					}
				}
				word.WriteByte(s[i])
			}
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// InputError is an input of the action that makes no gantry command line.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

func (e *InputError) Unwrap() error { return e.Err }

// RunAction is what action.yml runs: it prints the command line that the
// action's inputs describe (ActionCommand) to log, runs it with run, and
// sets the step output exit-code to run's exit code, which it returns. Its
// errors are an *InputError for inputs that make no command line, or a
// failure to write the step output.
func RunAction(getenv runenv.Getenv, log io.Writer, run func(argv []string) int) (int, error) {
	argv, err := ActionCommand(getenv)
	if err != nil {
		return 0, &InputError{Err: err}
	}
	fmt.Fprintf(log, "gantry %s\n", strings.Join(QuoteArgs(argv), " "))
	code := run(argv)
	if err := runenv.SetOutput(getenv, "exit-code", strconv.Itoa(code)); err != nil {
		return code, fmt.Errorf("writing step outputs: %w", err)
	}
	return code, nil
}

// LintOutputNames are the step outputs WriteLintOutputs sets.
var LintOutputNames = []string{"findings", "errors", "warnings"}

// WriteLintOutputs sets the step outputs findings, errors and warnings (the
// counts) when running in GitHub Actions (GITHUB_OUTPUT is set).
func WriteLintOutputs(getenv runenv.Getenv, fs []lint.Finding) error {
	e, w, i := lint.Counts(fs)
	return runenv.SetOutputs(getenv, LintOutputNames, map[string]string{
		"findings": strconv.Itoa(e + w + i),
		"errors":   strconv.Itoa(e),
		"warnings": strconv.Itoa(w),
	})
}
