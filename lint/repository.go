package lint

// Repository is the model of a whole repository that repository rules check.
//
// Placeholder: the repository-rules issue replaces this file.
type Repository struct{}

// runRepositoryRules builds the repository model from the linted files and
// runs the repository rules on it.
func (l *Linter) runRepositoryRules(files []*File) []Finding { return nil }
