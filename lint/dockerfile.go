package lint

// Dockerfile is a parsed Dockerfile.
//
// Placeholder: the Dockerfile issue replaces this file with the real parser
// and rules (BuildKit's parser and linter).
type Dockerfile struct{}

// buildkitRules returns BuildKit's Dockerfile checks as gantry rules.
func buildkitRules() []*Rule { return nil }

// lintDockerfile parses a Dockerfile and runs the Dockerfile rules on it.
func (l *Linter) lintDockerfile(f *File) []Finding { return nil }
