package lint

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/internal/lazyre"
)

// artifactPoisoningRule flags a privileged workflow (workflow_run,
// pull_request_target, issue_comment) that downloads an artifact another
// run made, when a fork's pull request can have made that run, and then
// runs it, loads and pushes it as an image, publishes it, unpacks it over
// files that later steps run, or writes its content to $GITHUB_ENV or
// $GITHUB_PATH. The privileged workflow has the base repository's secrets
// and a write token; the pull request's run that wrote the artifact had
// neither. Reading the artifact as data (a comment body, a checked PR
// number, a test report) stays quiet.
//
// It runs in the repository pass: whether a pull request can write the
// artifact depends on the on: of the workflow that made it.
var artifactPoisoningRule = &Rule{
	ID: "artifact-poisoning", Source: SourceGantry, Target: TargetRepository, Severity: SeverityError,
	Summary:         "a workflow_run (or pull_request_target) workflow runs, loads, pushes or publishes an artifact that a fork's pull request can write, or feeds it to $GITHUB_ENV/$GITHUB_PATH",
	ScanWorkflow:    scanEach(artifactPoisoningIn),
	NeedsTree:       artifactPoisoningNeedsTree,
	CheckRepository: checkArtifactPoisoning,
}

// artifactTrust is who can have written a downloaded artifact.
type artifactTrust int

const (
	// artifactTrusted: only runs on events that outsiders cannot start.
	artifactTrusted artifactTrust = iota
	// artifactUnknown: the run that made it is not in the repository.
	artifactUnknown
	// artifactFromPR: a run for a pull request, which a fork controls.
	artifactFromPR
)

// artifactDownload is a step that puts another run's artifact on disk.
type artifactDownload struct {
	pos   Position
	trust artifactTrust
	// from says which run made the artifact, for messages.
	from string
}

// taintedPath is a file or folder that holds a downloaded artifact's
// content: relative to the workspace ("." is the workspace itself), or
// absolute ("/tmp/x", "$RUNNER_TEMP/x").
type taintedPath struct {
	path string
	// file is an archive or file, not a folder.
	file bool
	dl   *artifactDownload
}

// artifactPoisoningNeedsTree keeps whole a workflow_run workflow that
// downloads another run's artifact: who can have written it depends on the
// on: of the workflows that trigger it, which only the repository pass sees.
func artifactPoisoningNeedsTree(r *Repository, w *RepoWorkflow) bool {
	et := r.RunsOn(w, "workflow_run")
	if et == nil {
		return false
	}
	return slices.ContainsFunc(w.Jobs, func(j *RepoJob) bool { return artifactJob(r, et, j).sourced })
}

func checkArtifactPoisoning(r *Repository, _ any) []Finding {
	return unscanned(r, artifactPoisoningIn)
}

// artifactPoisoningIn checks the jobs of a workflow that runs for a
// privileged event.
func artifactPoisoningIn(r *Repository, w *RepoWorkflow) []Finding {
	var et *EffectiveTrigger
	for _, ev := range privilegedEvents {
		if et = r.RunsOn(w, ev); et != nil {
			break
		}
	}
	if et == nil {
		return nil
	}
	var out []Finding
	for _, j := range w.Jobs {
		out = append(out, artifactJob(r, et, j).out...)
	}
	return out
}

// artifactScan follows one job's steps from its downloads to what they
// feed.
type artifactScan struct {
	r     *Repository
	et    *EffectiveTrigger
	job   *RepoJob
	areas []taintedPath
	// anyZip is a download whose file name is unknown (a github-script
	// download): any archive unpacked later may be it.
	anyZip *artifactDownload
	// vars are shell variables of the current script that hold an
	// artifact's content.
	vars map[string]*artifactDownload
	// outputs are the step outputs (id.name, lower case) set from an
	// artifact's content.
	outputs map[string]*artifactDownload
	// loaded is a docker load of an artifact image, waiting for a push or run.
	loaded    *artifactDownload
	loadedPos Position
	// sourced is set once a download's source was looked for among the
	// repository's other workflows.
	sourced bool
	out     []Finding
}

// artifactJob scans one job of a workflow that runs for et.
func artifactJob(r *Repository, et *EffectiveTrigger, j *RepoJob) *artifactScan {
	sc := &artifactScan{r: r, et: et, job: j, outputs: map[string]*artifactDownload{}}
	jobGate := workflowRunGate(j.Job.If)
	if jobGate == artifactTrusted && et.Event == "workflow_run" {
		return sc
	}
	for _, s := range j.Steps {
		gate := workflowRunGate(s.Step.If)
		if gate == artifactTrusted && et.Event == "workflow_run" {
			continue
		}
		if gate == artifactUnknown {
			gate = jobGate
		}
		if dl, dir, file := sc.download(s, gate); dl != nil {
			if dl.trust != artifactTrusted {
				if file == "" && dir == "" {
					sc.anyZip = dl
				} else {
					sc.areas = append(sc.areas, taintedPath{path: dir + file, file: file != "", dl: dl})
				}
			}
			if s.Run() == nil {
				continue
			}
		}
		if len(sc.areas) == 0 && sc.anyZip == nil && sc.loaded == nil {
			continue
		}
		if sc.expandsOutput(s) {
			continue
		}
		if s.Run() != nil {
			sc.runStep(s)
		} else {
			sc.actionStep(s)
		}
	}
	return sc
}

// download recognises a step that downloads another run's artifact. It
// returns where the content lands: a folder, or a file, or neither when
// the file name is unknown.
func (sc *artifactScan) download(s *RepoStep, gate artifactTrust) (dl *artifactDownload, dir, file string) {
	wd := workspaceDir(workingDir(s))
	pos := Position{}
	source := "" // the workflow file the action names, if any
	switch {
	case s.Is("actions/download-artifact"):
		if s.Input("run-id") == nil {
			return nil, "", "" // this run's own artifacts
		}
		pos, dir = at(s.Uses()), artifactPath(inputValue(s.Step.Exec.(*actionlint.ExecAction), "path"), ".")
	case s.Is("dawidd6/action-download-artifact"):
		pos, dir = at(s.Uses()), artifactPath(inputValue(s.Step.Exec.(*actionlint.ExecAction), "path"), ".")
		if v := s.Input("workflow"); v != nil && !strings.Contains(v.Value, "${{") {
			source = strings.TrimSpace(v.Value)
		}
	case s.Is("actions/github-script"):
		script := s.Input("script")
		if script == nil || !strings.Contains(script.Value, "downloadArtifact") {
			return nil, "", ""
		}
		pos = at(s.Uses())
		if m := writeFileRe.FindStringSubmatch(script.Value); m != nil {
			file = artifactPath(m[1], ".")
		}
	case s.Run() != nil:
		run := s.Run()
	cmds:
		for _, c := range s.Commands() {
			switch {
			case c.Is("gh", "run", "download"):
				dir = wd
				if d, ok := optValue(c.Words, "-D", "--dir"); ok {
					dir = artifactPath(d, wd)
				}
			case (c.Is("curl") || c.Is("wget") || c.Is("gh", "api")) && slices.ContainsFunc(c.Words, func(w string) bool { return strings.Contains(w, "/artifacts") }):
				o, ok := optValue(c.Words, "-o", "--output", "-O", "--output-document", ">")
				if !ok {
					continue
				}
				file = artifactPath(o, wd)
			default:
				continue
			}
			pos = sc.r.positionIn(s.File(), run, c.Line, c.Col)
			break cmds
		}
		if pos.Line == 0 {
			return nil, "", ""
		}
	default:
		return nil, "", ""
	}
	dl = &artifactDownload{pos: pos}
	dl.trust, dl.from = sc.artifactSource(source)
	if gate == artifactFromPR {
		dl.trust = artifactFromPR
		if dl.from == "" || strings.HasPrefix(dl.from, "the run that") {
			dl.from = "a pull request's run (the if: checks github.event.workflow_run.event == 'pull_request')"
		}
	}
	if file != "" {
		return dl, "", file
	}
	return dl, dir, ""
}

var writeFileRe = lazyre.New("writeFileSync\\(\\s*['\"`]([^'\"`]+)['\"`]")

// artifactSource decides who can have written the artifact: the workflow
// file a download action names (source), or else the workflows that
// trigger this workflow_run.
func (sc *artifactScan) artifactSource(source string) (artifactTrust, string) {
	if sc.et.Event != "workflow_run" {
		return artifactUnknown, "another run, which a pull request's author can have started"
	}
	sc.sourced = true
	var srcs []*RepoWorkflow
	var missing []string
	if source != "" {
		if w := sc.r.Workflow(".github/workflows/" + source); w != nil {
			srcs = append(srcs, w)
		} else {
			missing = append(missing, source)
		}
	} else {
		srcs, missing = workflowsNamed(sc.r, sc.et.Workflows)
	}
	for _, w := range srcs {
		if et := sc.r.RunsOn(w, "pull_request"); et != nil {
			return artifactFromPR, fmt.Sprintf("a run of %s, which runs on pull_request: a fork's pull request writes that artifact", w.Label())
		}
	}
	if len(missing) == 0 && len(srcs) > 0 {
		return artifactTrusted, ""
	}
	what := "the run that triggered this workflow_run"
	if len(missing) > 0 {
		what = fmt.Sprintf("the run that triggered this workflow_run (%q is not a workflow in this repository, so whether it runs for pull requests is unknown)", missing[0])
	}
	return artifactUnknown, what
}

var (
	wrEventRe   = lazyre.New(`workflow_run\.event(==|!=)'([a-z_]+)'|'([a-z_]+)'(==|!=)github\.event\.workflow_run\.event`)
	sameRepoRes = []string{
		"workflow_run.head_repository.full_name==github.repository",
		"github.repository==github.event.workflow_run.head_repository.full_name",
		"workflow_run.head_repository.fork==false", "!github.event.workflow_run.head_repository.fork",
		"workflow_run.head_repository.id==github.repository_id",
	}
)

// workflowRunGate reads an if: of a workflow_run job or step: artifactFromPR
// when it runs only for pull requests' runs, artifactTrusted when it keeps
// forks' runs out, artifactUnknown otherwise.
func workflowRunGate(cond *actionlint.String) artifactTrust {
	if cond == nil {
		return artifactUnknown
	}
	v := strings.NewReplacer(" ", "", "\n", "", "\t", "", `"`, "'", "${{", "", "}}", "").Replace(strings.ToLower(cond.Value))
	if strings.Contains(v, "||") {
		return artifactUnknown
	}
	for _, s := range sameRepoRes {
		if strings.Contains(v, s) {
			return artifactTrusted
		}
	}
	for _, m := range wrEventRe.FindAllStringSubmatch(v, -1) {
		op, ev := m[1], m[2]
		if op == "" {
			op, ev = m[4], m[3]
		}
		pr := strings.HasPrefix(ev, "pull_request")
		switch {
		case op == "==" && pr:
			return artifactFromPR
		case op == "==" || op == "!=" && pr:
			return artifactTrusted
		}
	}
	return artifactUnknown
}

// artifactPath normalises a path written in a workflow: relative to the
// workspace when it is inside it, else absolute with $RUNNER_TEMP for the
// runner's temporary folder.
func artifactPath(p, wd string) string {
	p = strings.Trim(strings.TrimSpace(p), `"'`)
	for _, t := range []string{"${{ runner.temp }}", "${{runner.temp}}", "${RUNNER_TEMP}", "$RUNNER_TEMP"} {
		if strings.HasPrefix(p, t) {
			return path.Clean("$RUNNER_TEMP" + p[len(t):])
		}
	}
	for _, ws := range []string{"${{ github.workspace }}", "${{github.workspace}}", "${GITHUB_WORKSPACE}", "$GITHUB_WORKSPACE", "${process.env.GITHUB_WORKSPACE}"} {
		if strings.HasPrefix(p, ws) {
			return workspaceDir(p[len(ws):])
		}
	}
	for _, cur := range []string{"$(pwd)", "${PWD}", "$PWD"} {
		if strings.HasPrefix(p, cur) {
			p = "." + p[len(cur):]
		}
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || strings.HasPrefix(p, "${{") || absVarRe.MatchString(p) {
		return path.Clean(p)
	}
	return path.Join(wd, p)
}

// absVarRe matches a path that starts with a variable holding a folder
// ($HOME/x), as opposed to a file name built from one ($SHA.tar.gz).
var absVarRe = lazyre.New(`^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/`)

// inWorkspace reports whether a normalised path is inside the workspace.
func inWorkspace(p string) bool {
	return !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "~") && !strings.HasPrefix(p, "..") &&
		!strings.HasPrefix(p, "$RUNNER_TEMP") && !strings.HasPrefix(p, "${{") && !absVarRe.MatchString(p)
}

// tainted returns the download whose content the path p (normalised)
// holds, or nil.
func (sc *artifactScan) tainted(p string) *artifactDownload {
	for _, a := range sc.areas {
		switch {
		case a.file:
			if p == a.path {
				return a.dl
			}
		case a.path == ".":
			if inWorkspace(p) {
				return a.dl
			}
		case p == a.path || strings.HasPrefix(p, a.path+"/"):
			return a.dl
		}
	}
	if sc.anyZip != nil && (strings.HasSuffix(p, ".zip") || strings.Contains(p, ".tar")) {
		return sc.anyZip
	}
	return nil
}

// taintedFolder returns the download that unpacked into the folder dir (or
// a folder containing it), or nil.
func (sc *artifactScan) taintedFolder(dir string) *artifactDownload {
	for _, a := range sc.areas {
		if !a.file && (a.path == "." && inWorkspace(dir) || dir == a.path || strings.HasPrefix(dir, a.path+"/")) {
			return a.dl
		}
	}
	return nil
}

// runStep checks the commands of a run: step, and records what they unpack.
func (sc *artifactScan) runStep(s *RepoStep) {
	run := s.Run()
	wd := workspaceDir(workingDir(s))
	f := s.File()
	pos := func(c shellCmd) Position { return sc.r.positionIn(f, run, c.Line, c.Col) }
	sc.vars = map[string]*artifactDownload{}
	reported := false
	report := func(p Position, dl *artifactDownload, what string, rel ...Location) {
		if !reported {
			sc.report(p, dl, what, rel...)
			reported = true
		}
	}
	defer sc.recordOutputs(s, wd)
	for _, c := range s.Commands() {
		sc.assignments(c, wd, run.Value)
		if len(c.Words) == 0 {
			continue
		}
		w0 := c.Words[0]
		args := c.Words[1:]
		switch {
		case w0 == "unzip" || w0 == "tar" && len(args) > 0 && strings.Contains(strings.TrimLeft(args[0], "-"), "x") || w0 == "7z" && len(args) > 0 && args[0] == "x":
			sc.unpack(c, wd)
		case w0 == "mv" || w0 == "cp":
			ps := positionals(args)
			if len(ps) >= 2 {
				for _, src := range ps[:len(ps)-1] {
					if dl := sc.tainted(artifactPath(src, wd)); dl != nil {
						sc.areas = append(sc.areas, taintedPath{path: artifactPath(ps[len(ps)-1], wd), dl: dl})
						break
					}
				}
			}
		case (w0 == "docker" || w0 == "podman") && len(c.Sub()) > 0 && (c.Sub()[0] == "load" || len(c.Sub()) > 1 && c.Sub()[0] == "image" && c.Sub()[1] == "load"):
			in, ok := optValue(c.Words, "-i", "--input", "<")
			var dl *artifactDownload
			if ok {
				dl = sc.tainted(artifactPath(in, wd))
			} else {
				dl = sc.pipedFrom(s, c, wd)
			}
			if dl != nil && sc.loaded == nil {
				sc.loaded, sc.loadedPos = dl, pos(c)
			}
		case sc.loaded != nil && imageUseCmd(c):
			verb := "pushes"
			if !imagePushCmd(c) {
				verb = "runs"
			}
			sc.report(sc.loadedPos, sc.loaded, "docker loads an image from the artifact, and a later command "+verb+" it",
				related(f, pos(c), verb+" the loaded image"))
			sc.loaded = nil
		}
		if reported {
			continue
		}
		// the command itself is a file of the artifact, or a script run by an interpreter
		if strings.Contains(w0, "/") {
			if dl := sc.tainted(artifactPath(w0, wd)); dl != nil {
				report(pos(c), dl, "runs "+w0+", a file the artifact can write")
				continue
			}
		}
		if interpreters[w0] {
			if ps := positionals(args); len(ps) > 0 && !strings.HasPrefix(ps[0], "-") {
				if dl := sc.tainted(artifactPath(ps[0], wd)); dl != nil {
					report(pos(c), dl, "runs "+w0+" "+ps[0]+", a file the artifact can write")
					continue
				}
			}
		}
		if what, dl := sc.publishes(c, wd); dl != nil {
			report(pos(c), dl, what)
			continue
		}
		// a build tool reads its project files (package.json, Makefile,
		// node_modules/.bin) from the folder it runs in
		if buildTools[w0] && !hasFlag(c.Words, "--version", "-v", "-g", "--global") {
			dir := wd
			if d, ok := optValue(c.Words, "-C", "--prefix", "--cwd", "--dir", "--directory"); ok {
				dir = artifactPath(d, wd)
			}
			if dl := sc.taintedFolder(dir); dl != nil {
				report(pos(c), dl, "runs "+strings.Join(c.Words[:min(len(c.Words), 3)], " ")+" in a folder the artifact is unpacked into, where it can replace the files that run")
				continue
			}
		}
		if target := envFileTarget(c); target != "" {
			if dl := sc.writesContent(c, wd, target == "GITHUB_PATH"); dl != nil {
				what := "writes the artifact's content to $GITHUB_ENV, where a line such as NODE_OPTIONS=, BASH_ENV= or LD_PRELOAD= runs code in every later step"
				if target == "GITHUB_PATH" {
					what = "adds a folder of the artifact to $GITHUB_PATH, so that later steps run its programs"
				}
				report(pos(c), dl, what)
			}
		}
	}
}

// positionals returns the words that are not options.
func positionals(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") && a != "<" && a != ">" && a != ">>" {
			out = append(out, a)
		}
	}
	return out
}

// unpack records the folder an archive of the artifact is unpacked into.
func (sc *artifactScan) unpack(c shellCmd, wd string) {
	var dl *artifactDownload
	for _, a := range c.Words[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if dl = sc.tainted(artifactPath(a, wd)); dl != nil {
			break
		}
	}
	if dl == nil {
		return
	}
	dest := wd
	if d, ok := optValue(c.Words, "-d", "-C", "--directory"); ok {
		dest = artifactPath(d, wd)
	} else if c.Words[0] == "7z" {
		for _, a := range c.Words {
			if strings.HasPrefix(a, "-o") && len(a) > 2 {
				dest = artifactPath(a[2:], wd)
			}
		}
	}
	sc.areas = append(sc.areas, taintedPath{path: dest, dl: dl})
}

// pipedFrom returns the download that the command before c in its
// pipeline (gunzip -c x.tar.gz | docker load) reads, or nil.
func (sc *artifactScan) pipedFrom(s *RepoStep, c shellCmd, wd string) *artifactDownload {
	var prev *shellCmd
	for i, o := range s.Commands() {
		if o.Line == c.Line && o.Col == c.Col && i > 0 {
			prev = &s.Commands()[i-1]
		}
	}
	if prev == nil || prev.Line != c.Line {
		return nil
	}
	for _, a := range prev.Words[1:] {
		if dl := sc.tainted(artifactPath(a, wd)); dl != nil && !strings.HasPrefix(a, "-") {
			return dl
		}
	}
	return nil
}

// imageUseCmd reports whether a command pushes or runs an image.
func imageUseCmd(c shellCmd) bool {
	if imagePushCmd(c) {
		return true
	}
	if c.Words[0] != "docker" && c.Words[0] != "podman" {
		return false
	}
	sub := c.Sub()
	return len(sub) > 0 && (sub[0] == "run" || sub[0] == "create" || len(sub) > 1 && sub[0] == "container" && sub[1] == "run")
}

// publishCmds are the commands that publish a package, with whether they
// take the package as an argument (else they publish the working folder).
var publishCmds = map[string]bool{"npm publish": true, "yarn publish": true, "pnpm publish": true,
	"twine upload": true, "uv publish": true, "gem push": true, "poetry publish": false, "cargo publish": false,
	"crane push": true, "skopeo copy": true, "oras push": true}

// publishes returns what a command publishes from the artifact.
func (sc *artifactScan) publishes(c shellCmd, wd string) (string, *artifactDownload) {
	if len(c.Words) < 2 {
		return "", nil
	}
	name := c.Words[0] + " " + c.Words[1]
	takesArg, ok := publishCmds[name]
	if !ok {
		return "", nil
	}
	ps := positionals(c.Words[2:])
	if takesArg && len(ps) > 0 {
		for _, p := range ps {
			p = strings.TrimPrefix(strings.TrimPrefix(p, "docker-archive:"), "oci-archive:")
			if dl := sc.tainted(artifactPath(p, wd)); dl != nil {
				return "publishes the artifact with " + name, dl
			}
		}
		return "", nil
	}
	if dl := sc.taintedFolder(wd); dl != nil {
		return "publishes the artifact with " + name, dl
	}
	return "", nil
}

// envFileTarget returns GITHUB_ENV or GITHUB_PATH when the command
// appends to that file.
func envFileTarget(c shellCmd) string {
	for i, w := range c.Words {
		if !strings.HasPrefix(w, ">") && (i == 0 || !strings.HasPrefix(c.Words[i-1], ">")) && c.Words[0] != "tee" {
			continue
		}
		for _, t := range []string{"GITHUB_ENV", "GITHUB_PATH"} {
			if strings.Contains(w, "$"+t) || strings.Contains(w, "${"+t+"}") {
				return t
			}
		}
	}
	return ""
}

var catSubstRe = lazyre.New(`\$\(\s*(?:cat\s+|<\s*)([^)\s]+)\s*\)`)

// assignments records the shell variables a command sets from an
// artifact's file (PR=$(cat pr.txt)), unless the script checks them.
func (sc *artifactScan) assignments(c shellCmd, wd, script string) {
	for name, v := range c.Assign {
		if m := catSubstRe.FindStringSubmatch(v); m != nil {
			if dl := sc.tainted(artifactPath(m[1], wd)); dl != nil && !varChecked(script, name) {
				sc.vars[name] = dl
			}
		}
	}
}

// varChecked reports whether a script validates a variable: a regular
// expression match, a grep, a numeric test or a case.
func varChecked(script, name string) bool {
	for _, l := range strings.Split(script, "\n") {
		if !strings.Contains(l, "$"+name) && !strings.Contains(l, "${"+name) {
			continue
		}
		for _, k := range []string{"=~", "grep", " -eq ", " -gt ", " -lt ", " -ne ", "case ", "jq "} {
			if strings.Contains(l, k) {
				return true
			}
		}
	}
	return false
}

// writesContent returns the download whose content a command writing to
// $GITHUB_ENV (or $GITHUB_PATH) carries: cat of its file, $(cat file),
// a variable read from it, or (for the path) one of its folders.
func (sc *artifactScan) writesContent(c shellCmd, wd string, pathFile bool) *artifactDownload {
	if c.Words[0] == "cat" {
		for _, a := range positionals(c.Words[1:]) {
			if dl := sc.tainted(artifactPath(a, wd)); dl != nil {
				return dl
			}
		}
	}
	for i, w := range c.Words {
		if i > 0 && c.Words[i-1] == "<" {
			if dl := sc.tainted(artifactPath(w, wd)); dl != nil {
				return dl
			}
		}
		for _, m := range catSubstRe.FindAllStringSubmatch(w, -1) {
			if dl := sc.tainted(artifactPath(m[1], wd)); dl != nil {
				return dl
			}
		}
		for _, v := range shellVars(w) {
			if dl := sc.vars[v]; dl != nil {
				return dl
			}
		}
		if pathFile && i > 0 && c.Words[0] == "echo" && !strings.HasPrefix(w, ">") && !strings.Contains(w, "GITHUB_PATH") {
			if dl := sc.taintedFolder(artifactPath(w, wd)); dl != nil {
				return dl
			}
		}
	}
	return nil
}

// actionStep checks an action step: a checkout clears the folder it checks
// out into; a local action in, or a publishing action reading, a folder of
// the artifact is reported.
func (sc *artifactScan) actionStep(s *RepoStep) {
	u := s.Uses()
	if u == nil {
		return
	}
	f := s.File()
	switch {
	case s.Is("actions/checkout"):
		dir := artifactPath(inputValue(s.Step.Exec.(*actionlint.ExecAction), "path"), ".")
		kept := sc.areas[:0]
		for _, a := range sc.areas {
			if !(a.path == dir || strings.HasPrefix(a.path, dir+"/") || dir == "." && inWorkspace(a.path)) {
				kept = append(kept, a)
			}
		}
		sc.areas = kept
	case readFileActions[s.Action] != "":
		if p := s.Input(readFileActions[s.Action]); p != nil && s.Step.ID != nil {
			if dl := sc.tainted(artifactPath(p.Value, ".")); dl != nil {
				sc.outputs[strings.ToLower(s.Step.ID.Value)+".content"] = dl
			}
		}
	case strings.HasPrefix(s.Action, "./"):
		if dl := sc.tainted(artifactPath(s.Action, ".")); dl != nil {
			sc.report(at(u), dl, "runs the local action "+s.Action+" from a folder the artifact is unpacked into, where it can replace the action")
		}
	case s.Is("pypa/gh-action-pypi-publish"), s.Is("js-devtools/npm-publish"):
		in, def := "packages-dir", "dist"
		if s.Action == "js-devtools/npm-publish" {
			in, def = "package", "."
		}
		p := inputValue(s.Step.Exec.(*actionlint.ExecAction), in)
		if p == "" {
			p = def
		}
		if dl := sc.tainted(artifactPath(p, ".")); dl != nil {
			sc.report(at(u), dl, "publishes the artifact with "+s.Action)
		}
	case s.Is("docker/build-push-action"):
		if ctx := s.Input("context"); ctx != nil && !strings.Contains(ctx.Value, "{{") {
			if dl := sc.taintedFolder(artifactPath(ctx.Value, ".")); dl != nil {
				sc.report(at(u), dl, "builds the Dockerfile of a folder the artifact is unpacked into", related(f, at(ctx), "the build context"))
			}
		}
	}
}

// report adds a finding for a sink fed by the download dl.
func (sc *artifactScan) report(p Position, dl *artifactDownload, what string, rel ...Location) {
	f := sc.job.Workflow.File
	rel = append([]Location{related(f, dl.pos, "downloads the artifact")}, rel...)
	fd := finding(f, p, fmt.Sprintf(
		"this step %s; the artifact comes from %s, and this %s workflow runs with the base repository's secrets and a write token%s: download it into ${{ runner.temp }} and use it only as data (check a PR number with a regular expression), never run, load or publish it",
		what, dl.from, sc.et.Event, viaNote(sc.et)), rel...)
	fd.Severity = SeverityWarning
	if dl.trust == artifactFromPR {
		fd.Severity = SeverityError
	}
	sc.out = append(sc.out, fd)
}

// readFileActions are actions that put a file's content in their content
// output, with the input that names the file.
var readFileActions = map[string]string{"juliangruber/read-file-action": "path", "andstor/file-reader-action": "path"}

// outputLineRes match a line that sets a step output: name and value.
var outputLineRes = []*regexp.Regexp{
	regexp.MustCompile(`::set-output\s+name=([A-Za-z0-9_-]+)::(.*)`),
	regexp.MustCompile(`^\s*echo\s+["']?([A-Za-z0-9_-]+)=(.*)>>\s*["']?\$\{?GITHUB_OUTPUT`),
}

// recordOutputs records the outputs a run: step sets from an artifact's
// content ($(cat file), or a variable read from it and never checked).
func (sc *artifactScan) recordOutputs(s *RepoStep, wd string) {
	if s.Step.ID == nil {
		return
	}
	for _, l := range strings.Split(s.Run().Value, "\n") {
		for _, re := range outputLineRes {
			m := re.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			var dl *artifactDownload
			for _, c := range catSubstRe.FindAllStringSubmatch(m[2], -1) {
				if dl = sc.tainted(artifactPath(c[1], wd)); dl != nil {
					break
				}
			}
			for _, v := range shellVars(m[2]) {
				if dl == nil {
					dl = sc.vars[v]
				}
			}
			if dl != nil {
				sc.outputs[strings.ToLower(s.Step.ID.Value)+"."+strings.ToLower(m[1])] = dl
			}
		}
	}
}

// expandsOutput reports a run: or github-script step whose script expands
// a step output that holds an artifact's content.
func (sc *artifactScan) expandsOutput(s *RepoStep) bool {
	if len(sc.outputs) == 0 {
		return false
	}
	script := s.Run()
	if script == nil && s.Is("actions/github-script") {
		script = s.Input("script")
	}
	if script == nil {
		return false
	}
	spans, _ := exprSpans(script.Value)
	for _, sp := range spans {
		var dl *artifactDownload
		var ref string
		walkValueExpr(sp.node, func(p []string) {
			if len(p) == 4 && strings.EqualFold(p[0], "steps") && strings.EqualFold(p[2], "outputs") && dl == nil {
				ref = strings.Join(p, ".")
				dl = sc.outputs[strings.ToLower(p[1]+"."+p[3])]
			}
		})
		if dl != nil {
			sc.report(sc.r.find(s.File(), script, sp.src), dl, fmt.Sprintf(
				"pastes ${{ %s }}, which holds the artifact's content, into the script before it runs: a quote or $(...) in it runs as code", ref))
			return true
		}
	}
	return false
}
