package lint

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// workflowSymlinkRule flags a workflow that GitHub never runs because it,
// or the folder it is in, is a symbolic link: GitHub reads workflows from
// the repository's tree and does not follow links there.
var workflowSymlinkRule = &Rule{
	ID: "workflow-symlink", Source: SourceGantry, Target: TargetAny, Severity: SeverityError,
	Summary: "a workflow file, .github or .github/workflows that is a symbolic link, which GitHub does not follow, so the workflow never runs",
}

// workflowLink is the symbolic link that discovery met at abs, inside the
// repository at root, when it hides workflows from GitHub: a YAML file
// directly in .github/workflows, or the .github or .github/workflows folder
// itself when it holds workflows (a linked .github of issue templates hides
// nothing). It is the link's path from root, or "".
func workflowLink(abs, root string) string {
	switch rel := relSlash(root, abs); {
	case isWorkflowFolder(rel):
		ents, _ := os.ReadDir(filepath.Join(root, ".github", "workflows"))
		for _, e := range ents {
			if isYAML(e.Name()) {
				return rel
			}
		}
	case path_Dir(rel) == ".github/workflows" && isYAML(filepath.Base(abs)):
		return rel
	}
	return ""
}

// explicitWorkflowLink is workflowLink for a file named on the command
// line (a pre-commit hook names each staged file) and found to be of kind:
// linked is whether the path itself is a symbolic link. A workflow named
// through a linked .github or .github/workflows is hidden as well.
func explicitWorkflowLink(abs, root string, kind FileKind, linked bool) string {
	switch {
	case kind != KindWorkflow:
		return ""
	case linked:
		return workflowLink(abs, root)
	case path_Dir(relSlash(root, abs)) == ".github/workflows":
		return linkedWorkflowFolder(root)
	}
	return ""
}

// linkedWorkflowFolder is ".github" or ".github/workflows", whichever of
// the repository at root is a symbolic link, so that GitHub runs none of
// the workflows under it; or "".
func linkedWorkflowFolder(root string) string {
	for _, p := range []string{".github", ".github/workflows"} {
		if st, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p))); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return p
		}
	}
	return ""
}

// isWorkflowFolder reports whether a path from the repository's root is
// .github or .github/workflows.
func isWorkflowFolder(rel string) bool { return rel == ".github" || rel == ".github/workflows" }

// workflowLinkFinding is the finding for a file whose link (File.link)
// hides it: the workflow itself, or the folder it is in.
func workflowLinkFinding(f *File) Finding {
	msg := "this workflow is a symbolic link, which GitHub does not follow in .github/workflows: the workflow never runs, and GitHub reports it as an invalid workflow file (\"You have an error in your yaml syntax on line 1\"); commit the file itself, or keep one copy and call it as a reusable workflow (on: workflow_call)"
	if isWorkflowFolder(f.link) {
		msg = fmt.Sprintf("%s is a symbolic link, which GitHub does not follow: none of the workflows under it runs; commit the folder itself", f.link)
	}
	return Finding{RuleID: workflowSymlinkRule.ID, Line: 0, Column: 0, Message: msg}
}
