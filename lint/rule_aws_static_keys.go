package lint

// awsStaticKeysRule flags aws-actions/configure-aws-credentials steps that
// authenticate with long-lived IAM access keys instead of OIDC.
//
// It is a per-step check of workflows, scanned as each is linted, and of
// composite actions in the repository pass.
var awsStaticKeysRule = &Rule{
	ID: "aws-static-keys", Source: SourceGantry, Target: TargetRepository, Severity: SeverityWarning,
	Summary:         "aws-actions/configure-aws-credentials with long-lived access keys instead of OIDC role-to-assume",
	ScanWorkflow:    scanEach(awsStaticKeysIn),
	CheckRepository: checkAWSStaticKeys,
}

func checkAWSStaticKeys(r *Repository, _ any) []Finding {
	out := unscanned(r, awsStaticKeysIn)
	for _, f := range r.Actions {
		for _, st := range compositeSteps(f) {
			if st.action != "aws-actions/configure-aws-credentials" {
				continue
			}
			if k := MappingKey(st.with, "aws-access-key-id"); k != nil {
				out = append(out, finding(f, Position{k.Line, k.Column},
					"aws-actions/configure-aws-credentials authenticates with a long-lived IAM access key; "+
						"a leaked key works until someone revokes it: use OIDC instead (role-to-assume with permissions: id-token: write)"))
			}
		}
	}
	return out
}

// awsStaticKeysIn checks the configure-aws-credentials steps of a workflow.
func awsStaticKeysIn(_ *Repository, w *RepoWorkflow) []Finding {
	var out []Finding
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if !s.Is("aws-actions/configure-aws-credentials") {
				continue
			}
			key := s.InputKey("aws-access-key-id")
			if key == nil {
				continue
			}
			msg := "aws-actions/configure-aws-credentials authenticates with a long-lived IAM access key; " +
				"a leaked key works until someone revokes it: use OIDC instead (role-to-assume with permissions: id-token: write)"
			if s.Input("role-to-assume") != nil {
				msg = "aws-actions/configure-aws-credentials assumes its role with a long-lived IAM access key; " +
					"drop aws-access-key-id and aws-secret-access-key and let OIDC assume the role (permissions: id-token: write)"
			}
			out = append(out, finding(w.File, at(key), msg))
		}
	}
	return out
}
