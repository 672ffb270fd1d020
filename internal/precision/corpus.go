package precision

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// DatasetZip is the corpus path of actionlint's real-world dataset.
const DatasetZip = "actionlint/realworld/dataset.zip"

// datasetDir is where Layout writes the dataset's workflows, one
// repository per owner_repo; workflowsInfix joins repository and file in a
// dataset member's flat name.
const (
	datasetDir     = "realworld"
	workflowsInfix = "_.github_workflows_"
)

// Member is one workflow of the real-world dataset: its flat name
// (owner_repo_.github_workflows_file.yml) and content.
type Member struct {
	Name string
	Src  []byte
}

// ReadDataset reads the YAML members of a dataset zip, sorted by name.
func ReadDataset(zipPath string) ([]Member, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var out []Member
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !isYAML(zf.Name) {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 1<<22))
		rc.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, Member{Name: path.Base(zf.Name), Src: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
}

// Layout writes the corpus that the suite lints under dst and returns the
// files to lint, relative to dst with forward slashes:
//
//   - each dataset workflow at realworld/<owner_repo>/.github/workflows/<file>,
//     so that the workflows of one repository form one repository;
//   - zizmor's fixtures (without the deliberately invalid ones) at zizmor/,
//     each top-level folder a repository (an empty .git marks it); the
//     files linted are action.yml files and YAML files with a top-level jobs:.
//
// CorpusFile maps the paths back to the corpus.
func Layout(dst, corpusDir string, dataset []Member) ([]string, error) {
	var files []string
	for _, m := range dataset {
		repo, file, ok := strings.Cut(m.Name, workflowsInfix)
		if !ok || repo == "" || file == "" {
			return nil, fmt.Errorf("%s: dataset member is not named owner_repo%sfile", m.Name, workflowsInfix)
		}
		rel := path.Join(datasetDir, repo, ".github/workflows", file)
		if err := writeFile(filepath.Join(dst, filepath.FromSlash(rel)), m.Src); err != nil {
			return nil, err
		}
		files = append(files, rel)
	}
	zfiles, err := layoutZizmor(dst, corpusDir)
	if err != nil {
		return nil, err
	}
	files = append(files, zfiles...)
	sort.Strings(files)
	return files, nil
}

func layoutZizmor(dst, corpusDir string) ([]string, error) {
	src := filepath.Join(corpusDir, "zizmor")
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(corpusDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "zizmor/invalid" {
				return filepath.SkipDir
			}
			if rel == "zizmor" || path.Dir(rel) == "zizmor" {
				return writeFile(filepath.Join(dst, filepath.FromSlash(rel), ".git"), nil)
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dst, filepath.FromSlash(rel)), b); err != nil {
			return err
		}
		if base := path.Base(rel); base == "action.yml" || base == "action.yaml" || (isYAML(base) && hasTopLevelJobs(b)) {
			files = append(files, rel)
		}
		return nil
	})
	return files, err
}

func hasTopLevelJobs(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<22)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "jobs:") {
			return true
		}
	}
	return false
}

func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// CorpusFile maps a path written by Layout (relative to its dst, forward
// slashes) to the file in the corpus: dataset workflows become
// "actionlint/realworld/dataset.zip#<member>", zizmor's stay as they are.
func CorpusFile(rel string) string {
	if rest, ok := strings.CutPrefix(rel, datasetDir+"/"); ok {
		if repo, file, ok := strings.Cut(rest, "/.github/workflows/"); ok && !strings.Contains(file, "/") {
			return DatasetZip + "#" + repo + workflowsInfix + file
		}
	}
	return rel
}

// LayoutPath is the inverse of CorpusFile.
func LayoutPath(corpusFile string) string {
	if member, ok := strings.CutPrefix(corpusFile, DatasetZip+"#"); ok {
		if repo, file, ok := strings.Cut(member, workflowsInfix); ok {
			return path.Join(datasetDir, repo, ".github/workflows", file)
		}
	}
	return corpusFile
}

// TrimDir removes the directory Layout wrote to from a message (such as
// "could not read .../x.yml"), so that messages do not change from run to run.
func TrimDir(msg, dir string) string {
	return strings.ReplaceAll(msg, filepath.ToSlash(dir)+"/", "")
}
