package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rhysd/actionlint"

	"github.com/gantry-ci/gantry/config"
	"github.com/gantry-ci/gantry/internal/gcstart"
	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/internal/parallel"
)

// FileKind is what a file is to gantry.
type FileKind string

const (
	// KindWorkflow is a workflow under .github/workflows.
	KindWorkflow FileKind = "workflow"
	// KindAction is an action metadata file (action.yml).
	KindAction FileKind = "action"
	// KindDockerfile is a Dockerfile.
	KindDockerfile FileKind = "dockerfile"
	// KindDependabot is .github/dependabot.yml, read by repository rules.
	KindDependabot FileKind = "dependabot"
)

// DefaultMaxFileSize is the largest file gantry lints unless told otherwise.
const DefaultMaxFileSize = 10 << 20

// Options configures a Linter.
type Options struct {
	// WorkDir is the directory paths are relative to; empty means the process's.
	WorkDir string
	// ConfigPath is an explicit config file (--config); it applies to every file.
	ConfigPath string
	// Config, when set, is used for every file instead of reading a config.
	Config *config.Config
	// Shellcheck is the shellcheck executable; empty disables the integration.
	Shellcheck string
	// Pyflakes is the pyflakes executable; empty disables the integration.
	Pyflakes string
	// MaxFileSize is the largest file linted, in bytes; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// Jobs is how many files are linted at once; 0 means one per CPU.
	Jobs int
	// SizeHeap prepares the heap for the run from the size of its files:
	// the run skips the garbage collections of its first megabytes, up to
	// a heap it reaches anyway, on Linux the heap grows onto huge pages,
	// and a run over megabytes of files holds the process's memory to a
	// budget for their size until ReleaseHeap (see heapPerSourceByte,
	// heapRangePerSourceByte and heapBudgetPerSourceByte). It changes
	// GOGC, the memory limit and the memory mappings of the whole process,
	// so the gantry command sets it and a program that embeds the linter
	// need not.
	SizeHeap bool
	// DropTrees lets a workflow's syntax tree go once the workflow is
	// linted and the repository rules have scanned it (Rule.ScanWorkflow),
	// so that a run's memory does not grow with every tree it parses, and
	// keeps its text compressed. Result.Files then hold no Workflow and no
	// Src for those workflows (Report.Source has the text). Fixing needs
	// the trees: Fix, FixSource and Run with fixes keep them whatever this
	// says, and AttachFixes fails on a result whose trees are gone.
	DropTrees bool
	// DropText, with DropTrees, lets the text of those workflows go too,
	// rather than keeping it compressed, for a report that quotes no text
	// (JSON, GitHub's annotations): Report.Source and Report.Lines then
	// have nothing for them. A workflow with an inline suppression keeps its
	// text. Fixing keeps it as it keeps the trees.
	DropText bool
	// RuleFilter, when set, limits the run to the rules it accepts (tests use
	// it to run only actionlint's checks, or only one rule).
	RuleFilter func(*Rule) bool
	// ProjectRoot, when set, is the repository root for every file.
	ProjectRoot string
	// wholeWorkflows scans no workflow: the repository rules check every
	// workflow whole once all files are linted (tests compare the scans
	// with it).
	wholeWorkflows bool
	// rawActionlint turns gantry's corrections of actionlint's output off
	// (parity tests compare the raw output with actionlint's test suite).
	rawActionlint bool
	// recordCorrections keeps a record of every correction applied, in
	// File.corrections (parity tests replay them); off, a run keeps none.
	recordCorrections bool
}

// File is one linted file with what gantry parsed from it. Repository rules
// and other commands reuse the parsed forms instead of parsing again.
type File struct {
	// Path is the display path: relative to the working directory when
	// possible, with forward slashes.
	Path string
	// AbsPath is the absolute path ("" for stdin).
	AbsPath string
	// Root is the absolute path of the repository the file belongs to.
	Root string
	// RelPath is the slash path relative to Root.
	RelPath string
	// Kind is what the file is.
	Kind FileKind
	// Src is the file's content. With Options.DropTrees, the run keeps the
	// text of the workflows whose Workflow it let go compressed, and Src is
	// nil (unless the file holds a gantry-ignore comment): Report.Source
	// returns it.
	Src []byte
	// Explicit is true for files named on the command line.
	Explicit bool
	// Workflow is the parsed workflow (workflows only; nil if it did not parse).
	Workflow *actionlint.Workflow
	// YAML is the parsed document of YAML files other than workflows.
	YAML *YAMLDoc
	// Dockerfile is the parsed Dockerfile (Dockerfiles only).
	Dockerfile *Dockerfile
	// Findings are this file's findings after config and suppressions.
	Findings []Finding
	// Invalid is set when the file could not be read or parsed at all.
	Invalid bool
	// link is, for a workflow that GitHub never runs, the symbolic link
	// that hides it: the file itself, or .github or .github/workflows
	// (rule workflow-symlink); the file is not read
	link string
	// raw are the file's own findings before repository rules, the config
	// and suppressions (see assemble).
	raw []Finding
	// corrections records what gantry changed in actionlint's findings
	// (with Options.recordCorrections), and prepared what it changed in
	// the workflow actionlint checked.
	corrections []appliedCorrection
	prepared    map[*Correction]int
	// jobKinds remembers what the workflow's jobs do, for the repository
	// rules (nil for workflows that were not linted).
	jobKinds *jobKindMemo
	// model is the workflow's repository model, built as it was linted
	// when repository rules run; early are the findings ScanWorkflow made
	// in it (see scanWorkflow).
	model *RepoWorkflow
	early []Finding
	// size is the file's size when it was found, before it is read (0 when
	// unknown); reading starts with a buffer of that size and grows it if
	// the file grew.
	size int64
	// mode is the file's type when it was found: a path argument may name
	// a named pipe or a device, which is not read (discovery takes regular
	// files only)
	mode fs.FileMode
	// packed is the file's text, compressed, when the run let Src go
	// (releaseSource).
	packed []byte

	cfg *config.Config
}

// Result is the outcome of a lint run.
type Result struct {
	// Findings are every finding, sorted by file, line and column.
	Findings []Finding
	// Files are the files linted, sorted by path.
	Files []*File
	// InternalErrors counts files whose linting crashed (reported as internal-error).
	InternalErrors int
}

// Linter lints files. It is safe to reuse for several runs, not concurrently.
type Linter struct {
	opts Options
	// fixing is set while Fix, FixSource or Run with fixes lints: fixing
	// reads the syntax trees after the run, so none is dropped then.
	fixing   bool
	workDir  string
	mu       sync.Mutex
	configs  map[string]*config.Config
	projects map[string]*actionlint.Project
	roots    map[string]string
	// liftHeapCap lifts the memory limit of the first SizeHeap run
	// (ReleaseHeap).
	liftHeapCap func()
	// ext are the external linters, resolved when a worker first needs
	// them (externalLinters)
	extOnce sync.Once
	ext     *externalLinters
}

// ReleaseHeap lifts the limit on the process's memory that a run with
// Options.SizeHeap set, which holds through the report; the gantry command
// calls it once it has reported. It does nothing otherwise.
func (l *Linter) ReleaseHeap() {
	if l.liftHeapCap != nil {
		l.liftHeapCap()
	}
}

// New creates a Linter. It fails when an explicit config is invalid.
func New(opts Options) (*Linter, error) {
	if opts.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts.WorkDir = wd
	}
	wd, err := filepath.Abs(opts.WorkDir)
	if err != nil {
		return nil, err
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	l := &Linter{opts: opts, workDir: wd, configs: map[string]*config.Config{}, projects: map[string]*actionlint.Project{}, roots: map[string]string{}}
	if opts.Config == nil && opts.ConfigPath != "" {
		c, err := config.Load(opts.ConfigPath, KnownRules())
		if err != nil {
			return nil, err
		}
		l.opts.Config = c
	}
	return l, nil
}

// FindRoot returns the repository root around dir: the nearest ancestor
// (or dir itself) that holds a .git entry or a .github directory, or dir.
func FindRoot(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	if r, ok := markedRoot(d); ok {
		return r
	}
	return d
}

// markedRoot returns the nearest ancestor of the absolute path dir (or dir
// itself) that holds a .git entry or a .github directory; false when there
// is none.
func markedRoot(dir string) (string, bool) {
	return ancestorWith(dir, func(d string) bool {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		st, err := os.Stat(filepath.Join(d, ".github"))
		return err == nil && st.IsDir()
	})
}

// ancestorWith returns the nearest of dir (an absolute path) and its
// ancestors for which has is true; false when there is none.
func ancestorWith(dir string, has func(string) bool) (string, bool) {
	for cur := dir; ; {
		if has(cur) {
			return cur, true
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return "", false
		}
		cur = parent
	}
}

// configFor returns the config of the repository at root.
func (l *Linter) configFor(root string) (*config.Config, error) {
	if l.opts.Config != nil {
		return l.opts.Config, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.configs[root]; ok {
		return c, nil
	}
	c := &config.Config{Rules: map[string]*config.RuleConfig{}}
	p, err := config.Find(root)
	var ce *config.Error
	if errors.As(err, &ce) {
		return nil, &config.Error{File: l.displayPath(ce.File), Msg: ce.Msg}
	}
	if p != "" {
		b, err := config.ReadFile(p)
		if err != nil {
			return nil, &config.Error{File: l.displayPath(p), Msg: "cannot read config: " + describeOSError(err)}
		}
		if c, err = config.Parse(l.displayPath(p), b, KnownRules()); err != nil {
			return nil, err
		}
	}
	l.configs[root] = c
	return c, nil
}

func (l *Linter) project(root string) (*actionlint.Project, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.projects[root]; ok {
		return p, nil
	}
	p, err := actionlint.NewProject(root)
	if err != nil {
		return nil, &config.Error{File: l.displayPath(filepath.Join(root, ".github", "actionlint.yaml")), Msg: err.Error()}
	}
	l.projects[root] = p
	return p, nil
}

func (l *Linter) displayPath(abs string) string {
	if r, err := filepath.Rel(l.workDir, abs); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(abs)
}

// LintPaths lints the given files and directories; with none, it lints the
// repository around the working directory. The error is non-nil only for a
// bad config; problems with single files are findings.
func (l *Linter) LintPaths(ctx context.Context, paths []string) (*Result, error) {
	var files []*File
	var pre []Finding
	if len(paths) == 0 {
		root := l.rootFor(l.workDir)
		fs, bad, err := l.discover(root, root)
		if err != nil {
			return nil, err
		}
		files, pre = fs, bad
	}
	// the arguments are looked up on every worker (a pre-commit run names
	// every staged file), then taken in order
	args := make([]pathArg, len(paths))
	parallel.Each(len(paths), l.opts.Jobs, func(i int) { args[i] = l.lookUpPath(paths[i]) })
	for i, p := range paths {
		abs, st, err := args[i].abs, args[i].st, args[i].err
		if err != nil {
			pre = append(pre, l.fileProblem(abs, fmt.Sprintf("cannot read %s: %s", p, describeOSError(err))))
			continue
		}
		if st.IsDir() {
			root := l.rootFor(abs)
			fs, bad, err := l.discover(abs, root)
			if err != nil {
				return nil, err
			}
			files = append(files, fs...)
			pre = append(pre, bad...)
			continue
		}
		if args[i].problem != nil {
			pre = append(pre, *args[i].problem)
			continue
		}
		files = append(files, args[i].file)
	}
	return l.run(ctx, files, pre)
}

// pathArg is what LintPaths learns of one path argument before linting.
type pathArg struct {
	abs string
	st  os.FileInfo
	err error
	// file is the file to lint, or problem why it is not linted, for an
	// argument that is not a directory
	file    *File
	problem *Finding
}

// lookUpPath stats a path argument and, unless it is a directory, makes
// the file to lint of it.
func (l *Linter) lookUpPath(p string) pathArg {
	a := pathArg{abs: p}
	if !filepath.IsAbs(p) {
		a.abs = filepath.Join(l.workDir, p)
	}
	// Lstat, and Stat only for a link (its target's size and type): a
	// linked workflow is reported, not linted (workflow-symlink)
	a.st, a.err = os.Lstat(a.abs)
	linked := a.err == nil && a.st.Mode()&fs.ModeSymlink != 0
	if linked {
		lst := a.st
		if a.st, a.err = os.Stat(a.abs); a.err != nil {
			// a link that points nowhere: a linked workflow is reported as
			// one all the same, as discovery does; other links are not
			// readable files
			if f, _ := l.explicitFile(a.abs, true); f != nil && f.link != "" {
				a.st, a.err, a.file = lst, nil, f
				return a
			}
		}
	}
	if a.err == nil && !a.st.IsDir() {
		if a.file, a.problem = l.explicitFile(a.abs, linked); a.file != nil {
			a.file.size, a.file.mode = a.st.Size(), a.st.Mode()
		}
	}
	return a
}

// LintSource lints content that does not come from a file (stdin). The name
// decides the kind of file and is used in the output.
func (l *Linter) LintSource(ctx context.Context, name string, src []byte) (*Result, error) {
	abs := name
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(l.workDir, name)
	}
	if int64(len(src)) > l.opts.MaxFileSize {
		// Run reads one byte over the limit: the rest was never read
		return l.run(ctx, nil, []Finding{l.fileProblem(abs, fmt.Sprintf("input is over the %s limit (set --max-file-size to lint it)", humanBytes(l.opts.MaxFileSize)))})
	}
	root := l.rootFor(filepath.Dir(abs))
	kind, ok := kindOf(abs, root, true)
	if !ok {
		if kind = SniffKind(src); kind == "" {
			return nil, fmt.Errorf("cannot tell what %s is: it reads neither as a workflow, an action.yml nor a Dockerfile; name it with --stdin-filename", name)
		}
	}
	f := &File{Path: filepath.ToSlash(name), Root: root, RelPath: relSlash(root, abs), Kind: kind, Src: src, Explicit: true}
	return l.run(ctx, []*File{f}, nil)
}

// sniffYAML tells a workflow (on: or jobs:) from an action.yml (runs:) by
// its top-level keys.
var sniffYAML = lazyre.New(`(?m)^(?:(on|"on"|'on'|jobs)|(runs)):`)

// SniffKind decides what content without a telling name is: a Dockerfile
// when its first instruction is FROM or ARG (or it starts with a parser
// directive such as # syntax=), a workflow or an action.yml by its
// top-level keys, else "".
func SniffKind(src []byte) FileKind {
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			d := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(line, "#")))
			if strings.HasPrefix(d, "syntax=") || strings.HasPrefix(d, "escape=") || strings.HasPrefix(d, "check=") {
				return KindDockerfile
			}
			continue
		}
		word, _, _ := strings.Cut(line, " ")
		if w := strings.ToUpper(word); w == "FROM" || w == "ARG" {
			return KindDockerfile
		}
		break
	}
	if m := sniffYAML.FindSubmatch(src); m != nil {
		if m[2] != nil {
			return KindAction
		}
		return KindWorkflow
	}
	return ""
}

// FindLinters returns the paths of shellcheck and pyflakes (or pyflakes3)
// on PATH, or "" for those not found or turned off.
func FindLinters(noShellcheck, noPyflakes bool) (shellcheck, pyflakes string) {
	if !noShellcheck {
		shellcheck, _ = exec.LookPath("shellcheck")
	}
	for _, name := range []string{"pyflakes", "pyflakes3"} {
		if p, err := exec.LookPath(name); err == nil && !noPyflakes && pyflakes == "" {
			pyflakes = p
		}
	}
	return shellcheck, pyflakes
}

func (l *Linter) rootFor(dir string) string {
	if l.opts.ProjectRoot != "" {
		r, _ := filepath.Abs(l.opts.ProjectRoot)
		return r
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.roots[dir]; ok {
		return r
	}
	r := FindRoot(dir)
	l.roots[dir] = r
	return r
}

func relSlash(root, abs string) string {
	r, err := filepath.Rel(root, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(r)
}

// IsDockerfileName reports whether a base name is a Dockerfile:
// Dockerfile, *.Dockerfile, Dockerfile.* (but not Dockerfile.dockerignore).
func IsDockerfileName(base string) bool {
	if strings.HasSuffix(base, ".dockerignore") {
		return false
	}
	return base == "Dockerfile" || base == "dockerfile" || strings.HasSuffix(base, ".Dockerfile") ||
		strings.HasSuffix(base, ".dockerfile") || strings.HasPrefix(base, "Dockerfile.")
}

func isYAML(base string) bool {
	return strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")
}

// kindOf decides what a file is from its path. Explicit files that are YAML
// but nothing else are workflows, as with actionlint.
func kindOf(abs, root string, explicit bool) (FileKind, bool) {
	base := filepath.Base(abs)
	rel := relSlash(root, abs)
	switch {
	case IsDockerfileName(base):
		return KindDockerfile, true
	case !isYAML(base):
		return "", false
	case strings.Contains("/"+rel, "/.github/workflows/"):
		if explicit || path_Dir(rel) == ".github/workflows" {
			return KindWorkflow, true
		}
		return "", false
	case base == "action.yml" || base == "action.yaml":
		return KindAction, true
	case rel == ".github/dependabot.yml" || rel == ".github/dependabot.yaml":
		return KindDependabot, true
	case explicit:
		return KindWorkflow, true
	}
	return "", false
}

func path_Dir(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return "."
}

// explicitFile makes the file to lint of a path argument; linked is true
// when the path is a symbolic link.
func (l *Linter) explicitFile(abs string, linked bool) (*File, *Finding) {
	root := l.rootFor(filepath.Dir(abs))
	kind, ok := kindOf(abs, root, true)
	if !ok {
		f := l.fileProblem(abs, fmt.Sprintf("cannot tell what %s is: gantry lints workflows (*.yml), action.yml and Dockerfiles", filepath.Base(abs)))
		f.Severity = SeverityWarning
		return nil, &f
	}
	return &File{Path: l.displayPath(abs), AbsPath: abs, Root: root, RelPath: relSlash(root, abs), Kind: kind, Explicit: true,
		link: explicitWorkflowLink(abs, root, kind, linked)}, nil
}

// skipDirs are never walked into.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, ".bundle": true}

// discover walks dir (inside the repository at root) for files gantry lints.
// Workflows count only in root/.github/workflows, as GitHub reads them.
func (l *Linter) discover(dir, root string) ([]*File, []Finding, error) {
	cfg, err := l.configFor(root)
	if err != nil {
		return nil, nil, err
	}
	var files []*File
	var bad []Finding
	// a walk that starts inside a linked .github finds the workflows
	// GitHub does not see
	folderLink := linkedWorkflowFolder(root)
	// WalkDir does not follow a link it starts at: a folder named through
	// one (or a working directory reached through one, as a shell's cd
	// keeps it) is walked through a trailing separator, which resolves
	// the link; links inside it are not followed, as below
	walkRoot := dir
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		walkRoot = dir + string(filepath.Separator)
	}
	err = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			bad = append(bad, l.fileProblem(p, fmt.Sprintf("cannot read %s: %s", l.displayPath(p), describeOSError(err))))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel := relSlash(root, p)
		if d.IsDir() {
			if p != walkRoot && (skipDirs[d.Name()] || cfg.Ignored(rel, "", false)) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// GitHub does not follow a link among the workflows; other
			// links are not walked, as before
			if link := workflowLink(p, root); link != "" && !cfg.Ignored(rel, "", false) {
				files = append(files, &File{Path: l.displayPath(p), AbsPath: p, Root: root, RelPath: rel, Kind: KindWorkflow, link: link})
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		kind, ok := kindOf(p, root, false)
		if !ok || cfg.Ignored(rel, "", false) {
			return nil
		}
		f := &File{Path: l.displayPath(p), AbsPath: p, Root: root, RelPath: rel, Kind: kind}
		if kind == KindWorkflow {
			f.link = folderLink
		}
		if info, err := d.Info(); err == nil {
			f.size = info.Size()
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return files, bad, nil
}

func describeOSError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

func (l *Linter) fileProblem(abs, msg string) Finding {
	return Finding{RuleID: invalidFileRule.ID, Severity: invalidFileRule.Severity, File: l.displayPath(abs), Line: 0, Column: 0,
		Message: msg, DocsURL: invalidFileRule.DocsURL()}
}

// run lints the files concurrently and collects the results in order.
func (l *Linter) run(ctx context.Context, files []*File, pre []Finding) (*Result, error) {
	files = dedupFiles(files)
	// Resolve configs and projects up front, in one goroutine.
	for _, f := range files {
		cfg, err := l.configFor(f.Root)
		if err != nil {
			return nil, err
		}
		f.cfg = cfg
		if f.Kind == KindWorkflow {
			if _, err := l.project(f.Root); err != nil {
				return nil, err
			}
		}
	}
	if l.opts.SizeHeap {
		// HugePages collects twice; Start then reads the heap it left.
		// Cap comes last: HugePages does nothing under a memory limit.
		n := sourceBytes(files, l.opts.MaxFileSize)
		gcstart.HugePages(n * heapRangePerSourceByte)
		defer gcstart.Start(n * heapPerSourceByte)()
		if l.liftHeapCap == nil {
			l.liftHeapCap = gcstart.Cap(uint64(float64(n) * heapBudgetPerSourceByte))
		}
	}
	res := &Result{Files: files}
	jobs := make(chan *File)
	var wg sync.WaitGroup
	var internal sync.Mutex
	for range min(l.opts.Jobs, max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := l.newWorker()
			for f := range jobs {
				if l.lintFile(ctx, w, f) {
					internal.Lock()
					res.InternalErrors++
					internal.Unlock()
				}
			}
		}()
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	for _, f := range files {
		f.raw, f.Findings = f.Findings, nil // assemble copies raw
	}
	return l.assemble(res, pre), nil
}

// dropsTrees reports whether the run lets the syntax trees of scanned
// workflows go (Options.DropTrees, unless the run is fixing).
func (l *Linter) dropsTrees() bool { return l.opts.DropTrees && !l.fixing }

// heapPerSourceByte is the heap a run reaches, at least, for each byte of
// the files it lints: every file's findings and text live until the report
// (with Options.DropTrees, most workflows' text compressed), and each
// workflow's syntax tree until the repository rules have scanned it (with
// Options.DropTrees most go then), about 4 bytes per byte of YAML at the
// end on the real-world workflows; and the collector lets the heap grow to
// about twice what is live (a 3.8 MB corpus peaks at 29-32 MB, 8 bytes
// per byte). It is the run's first heap goal (gcstart.Start): one the run
// reaches anyway, so that skipping the collections below it does not raise
// the peak.
const heapPerSourceByte = 8

// heapBudgetPerSourceByte is the memory, per byte of the files, that a
// run may take over what the process holds when the workers start
// (gcstart.Cap): about 24 MiB for the 3.8 MB of real-world workflows, over
// the 10 MB the process held. At the default GOGC the heap grew to 29-32
// MB there, twice the 12-15 MB its collections found live (what the
// workers allocate while the collector marks counts as live); under the
// limit it stays near 22 MB, for about 20% more CPU time. That is the
// trade issue 17 asks for: peak memory at most 2x actionlint's. Budgets
// of 6, 6.5, 7 and 8 bytes per byte gave 1.87x, 1.92x, 2.01x and 2.16x
// actionlint's peak RSS on those workflows, at 1.08x, 1.02x, 0.98x and
// 0.92x its wall time (text output, 7 alternating runs of each); three
// runs of scripts/bench-lint gave 1.92x at 1.08-1.11x for 6.5.
const heapBudgetPerSourceByte = 6.5

// heapRangePerSourceByte is the address range, per byte of the files, that
// the run's heap is advised to grow onto huge pages over
// (gcstart.HugePages): well over the 8-9 bytes per byte the heap peaks at,
// since it spreads over more than it holds between collections. On the
// real-world workflows 24-36 of the 37-43 MiB the heap's pages take land on
// huge pages, and a run takes 3,400-3,900 page faults instead of about
// 11,500. Pages of the range the heap never reaches are never written and
// cost no memory.
const heapRangePerSourceByte = 24

// sourceBytes is the size of the files a run lints, which the heap it
// reaches grows with. A file over the size limit is not read, and counts
// for no more than the limit.
func sourceBytes(files []*File, maxFileSize int64) uint64 {
	var n int64
	for _, f := range files {
		n += min(max(f.size, int64(len(f.Src))), maxFileSize)
	}
	return uint64(n)
}

// assemble runs the repository rules over the linted files of res and
// applies the config and suppressions to each file's raw findings (f.raw).
// Fixing calls it again after re-linting only the files it changed.
func (l *Linter) assemble(res *Result, pre []Finding) *Result {
	files := res.Files
	// each file's findings start as its raw ones, which fixing assembles
	// again from: a file's own findings are appended to a copy
	for _, f := range files {
		f.Findings = f.raw[:len(f.raw):len(f.raw)]
	}
	if repoFindings := l.runRepositoryRules(files); len(repoFindings) > 0 {
		pre = addFindings(files, repoFindings, pre)
	}
	// each file's findings are finished on their own, on every worker;
	// without fixing no second assemble reads the raw findings, which
	// finish may then filter in place
	inPlace := l.dropsTrees()
	parallel.Each(len(files), l.opts.Jobs, func(i int) { files[i].Findings = l.finish(files[i], files[i].Findings, inPlace) })
	res.Findings = l.concatFindings(files, pre)
	// files come sorted by path and each file's findings sorted (finish):
	// only findings outside the files (pre) need a sort, which is rare
	if !slices.IsSortedFunc(res.Findings, compareFindingValues) {
		slices.SortStableFunc(res.Findings, compareFindingValues)
	} else {
		// one copy of the findings: each file's are a part of the run's
		k := 0
		for _, f := range files {
			m := len(f.Findings)
			f.Findings = res.Findings[k : k+m : k+m]
			k += m
		}
	}
	if l.dropsTrees() {
		// without fixing, no second assemble reads the raw findings, and
		// the early ones are among the findings now
		for _, f := range files {
			f.raw, f.early = nil, nil
		}
	}
	return res
}

// addFindings appends each finding to the findings of its file and
// returns pre with those of no file.
func addFindings(files []*File, fds, pre []Finding) []Finding {
	byPath := make(map[string]*File, len(files))
	for _, f := range files {
		byPath[f.Path] = f
	}
	for _, fd := range fds {
		if f := byPath[fd.File]; f != nil {
			f.Findings = append(f.Findings, fd)
		} else {
			pre = append(pre, fd)
		}
	}
	return pre
}

func dedupFiles(files []*File) []*File {
	seen := map[string]bool{}
	out := files[:0]
	for _, f := range files {
		key := f.AbsPath
		if key == "" {
			key = "\x00" + f.Path
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b *File) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// lintFile reads and lints one file, storing raw findings in f.Findings.
// It reports whether linting crashed.
func (l *Linter) lintFile(ctx context.Context, w *worker, f *File) (crashed bool) {
	defer func() {
		if r := recover(); r != nil {
			crashed = true
			f.Invalid = true
			stack := string(debug.Stack())
			f.Findings = append(f.Findings, Finding{RuleID: internalErrorRule.ID, Line: 1, Column: 1,
				Message: fmt.Sprintf("internal error while linting this file: %v; please report it with the file: %s", r, firstFrames(stack))})
		}
	}()
	f.model, f.early = nil, nil
	if f.link != "" {
		f.Invalid = true
		f.Findings = append(f.Findings, workflowLinkFinding(f))
		return false
	}
	if f.Src == nil && f.AbsPath != "" {
		src, problem := l.readFile(f.AbsPath, f.size, f.mode)
		if problem != "" {
			f.Invalid = true
			f.Findings = append(f.Findings, Finding{RuleID: invalidFileRule.ID, Line: 0, Column: 0, Message: problem})
			return false
		}
		f.Src = src
	}
	if line, col, ok := binaryAt(f.Src); ok {
		f.Invalid = true
		f.Findings = append(f.Findings, Finding{RuleID: invalidFileRule.ID, Line: line, Column: col,
			Message: "file is not text: it contains a NUL byte or invalid UTF-8 here"})
		return false
	}
	switch f.Kind {
	case KindWorkflow:
		f.Findings = append(f.Findings, l.lintWorkflow(w, f)...)
		l.scanWorkflow(w, f)
	case KindAction:
		f.Findings = append(f.Findings, l.lintAction(f)...)
	case KindDockerfile:
		f.Findings = append(f.Findings, l.lintDockerfile(f)...)
	case KindDependabot:
		f.Findings = append(f.Findings, l.parseYAMLFile(f)...)
	}
	w.messages.intern(f.Findings)
	w.messages.intern(f.early)
	return false
}

func firstFrames(stack string) string {
	lines := strings.Split(stack, "\n")
	var out []string
	for i := 0; i+1 < len(lines) && len(out) < 3; i++ {
		if strings.Contains(lines[i], "gantry-ci/gantry/lint.") && !strings.Contains(lines[i], "lintFile") {
			out = append(out, strings.TrimSpace(lines[i+1]))
		}
	}
	return strings.Join(out, " <- ")
}

func (l *Linter) readFile(abs string, size int64, mode fs.FileMode) ([]byte, string) {
	if err := config.NotRegularFile(mode); err != nil {
		return nil, err.Error() + ": gantry lints files; pass other input on stdin (-, with --stdin-filename)"
	}
	fh, err := os.Open(abs)
	if err != nil {
		return nil, "cannot read file: " + describeOSError(err)
	}
	defer fh.Close()
	tooBig := func(size int64) string {
		return fmt.Sprintf("file is %s, over the %s limit (set --max-file-size to lint it)", humanBytes(size), humanBytes(l.opts.MaxFileSize))
	}
	// size was found with the file (0 when unknown or empty); the file may
	// have changed since, so a size over the limit is asked of the open file
	if size <= 0 || size > l.opts.MaxFileSize {
		st, err := fh.Stat()
		if err != nil {
			return nil, "cannot read file: " + describeOSError(err)
		}
		size = st.Size()
	}
	if size > l.opts.MaxFileSize {
		return nil, tooBig(size)
	}
	// read into a buffer of the stated size (bytes.Buffer.ReadFrom would
	// double it to keep 512 bytes free), growing only if the file grew;
	// every file's content lives until the repository rules are done
	src, err := readAtMost(fh, size, l.opts.MaxFileSize)
	if err != nil {
		return nil, "cannot read file: " + describeOSError(err)
	}
	if int64(len(src)) > l.opts.MaxFileSize {
		// the file grew: say to what size, as a stat when opened would have
		if st, err := fh.Stat(); err == nil && st.Size() > l.opts.MaxFileSize {
			return nil, tooBig(st.Size())
		}
		return nil, fmt.Sprintf("file is over the %s limit (set --max-file-size to lint it)", humanBytes(l.opts.MaxFileSize))
	}
	return src, ""
}

// readAtMost reads r to its end into a buffer sized for size bytes, and
// stops once it holds more than limit bytes.
func readAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	buf := make([]byte, 0, max(size, 0)+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// binaryAt returns the position of the first NUL byte or invalid UTF-8 sequence.
func binaryAt(src []byte) (line, col int, ok bool) {
	if bytes.IndexByte(src, 0) < 0 && utf8.Valid(src) {
		return 0, 0, false
	}
	line, col = 1, 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == 0 || (r == utf8.RuneError && size <= 1) {
			return line, col, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col += size
		}
		i += size
	}
	return line, col, true
}

// concatFindings returns the findings of the files, in order, then pre:
// one slice, which the workers fill, each file's part at its place.
func (l *Linter) concatFindings(files []*File, pre []Finding) []Finding {
	at := make([]int, len(files)+1) // where each file's findings start
	for i, f := range files {
		at[i+1] = at[i] + len(f.Findings)
	}
	n := at[len(files)]
	out := make([]Finding, n+len(pre))
	parallel.Each(len(files), l.opts.Jobs, func(i int) { copy(out[at[i]:at[i+1]], files[i].Findings) })
	copy(out[n:], pre)
	return out
}

// finish applies the config (enabled rules, severities, path ignores),
// inline suppressions and docs links to one file's raw findings. With
// inPlace, it keeps them in raw's array, which the caller then gives up.
func (l *Linter) finish(f *File, raw []Finding, inPlace bool) []Finding {
	cfg := f.cfg
	var out []Finding
	if inPlace {
		out = raw[:0]
	} else {
		out = make([]Finding, 0, len(raw))
	}
	var last ruleVerdict // of the previous finding's rule, which the next often shares
	for _, fd := range raw {
		if fd.RuleID != last.id || last.rule == nil {
			last = l.verdict(f, fd.RuleID)
		}
		if !last.keep {
			continue
		}
		if fd.Severity == 0 || last.configured {
			fd.Severity = last.severity
		}
		if fd.DocsURL == "" {
			fd.DocsURL = last.rule.DocsURL()
		}
		fd.File = f.Path
		out = append(out, fd)
	}
	if !f.Invalid || len(f.Src) > 0 {
		sups := ParseSuppressions(f.Src)
		out = applySuppressions(out, sups, func(id string) bool {
			r, ok := LookupRule(id)
			return ok && l.ruleRuns(cfg, r)
		})
		for i := range out {
			if out[i].RuleID == unusedIgnoreRule.ID && out[i].File == "" {
				out[i].File = f.Path
				out[i].Severity = ruleSeverity(cfg, unusedIgnoreRule)
				out[i].DocsURL = unusedIgnoreRule.DocsURL()
			}
		}
		if !l.ruleRuns(cfg, unusedIgnoreRule) || cfg.Ignored(f.RelPath, unusedIgnoreRule.ID, f.Explicit) {
			out = slices.DeleteFunc(out, func(fd Finding) bool { return fd.RuleID == unusedIgnoreRule.ID })
		}
	}
	slices.SortStableFunc(out, compareFindingValues)
	return out
}

// ruleVerdict is what finish does with the findings of one rule in a file.
type ruleVerdict struct {
	id   string
	rule *Rule
	// keep is whether the rule runs and the file is not ignored for it
	keep bool
	// configured is whether the config sets the rule's severity, which
	// then replaces the finding's
	configured bool
	severity   Severity
}

// verdict works out what finish does with the findings of rule id in f. A
// rule it does not know is one of actionlint's, an error.
func (l *Linter) verdict(f *File, id string) ruleVerdict {
	cfg := f.cfg
	rule, ok := LookupRule(id)
	if !ok {
		rule = &Rule{ID: id, Source: SourceActionlint, Severity: SeverityError}
	}
	v := ruleVerdict{id: id, rule: rule}
	v.keep = l.ruleRuns(cfg, rule) && !cfg.Ignored(f.RelPath, rule.ID, f.Explicit)
	v.configured = cfg != nil && cfg.Rules[rule.ID] != nil && cfg.Rules[rule.ID].Severity != ""
	v.severity = ruleSeverity(cfg, rule)
	return v
}

// ruleRuns reports whether a rule is enabled by the config and the filter.
func (l *Linter) ruleRuns(cfg *config.Config, r *Rule) bool {
	if l.opts.RuleFilter != nil && !l.opts.RuleFilter(r) {
		return false
	}
	return ruleEnabled(cfg, r)
}
