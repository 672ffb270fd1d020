package lint

// This file holds what rules share about the events that start a
// workflow: the privileged events, whose runs have the base repository's
// secrets although a pull request's author chooses part of what they do,
// and the workflows a workflow_run trigger follows.

// privilegedEvents are the events whose runs have the base repository's
// secrets and a write token while a pull request's author (a fork's, too)
// chooses what another run produced or what the run checks out.
// artifact-poisoning tries them in this order.
var privilegedEvents = []string{"workflow_run", "pull_request_target", "issue_comment"}

// workflowsNamed returns the repository's workflows whose name: is one of
// names (the workflows a workflow_run trigger follows), in the order of
// names, and the names that no workflow has.
func workflowsNamed(r *Repository, names []string) (found []*RepoWorkflow, missing []string) {
	for _, name := range names {
		n := len(found)
		for _, w := range r.Workflows {
			if w.Name == name {
				found = append(found, w)
			}
		}
		if len(found) == n {
			missing = append(missing, name)
		}
	}
	return found, missing
}
