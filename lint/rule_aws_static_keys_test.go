package lint

import "testing"

func TestAWSStaticKeys(t *testing.T) {
	runRepoCases(t, "aws-static-keys", []repoCase{
		{
			name: "access keys",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          aws-region: us-east-1\n")},
			want: []string{".github/workflows/a.yml:8:11: aws-actions/configure-aws-credentials authenticates with a long-lived IAM access key"},
		},
		{
			name: "access keys to assume a role",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/x\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n")},
			want: []string{".github/workflows/a.yml:9:11: aws-actions/configure-aws-credentials assumes its role with a long-lived IAM access key"},
		},
		{
			name:  "in a composite action",
			files: map[string]string{"deploy/action.yml": "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - uses: aws-actions/configure-aws-credentials@v6\n      with:\n        aws-access-key-id: ${{ inputs.key }}\n"},
			want:  []string{"deploy/action.yml:8:9: aws-actions/configure-aws-credentials authenticates with a long-lived IAM access key"},
		},
		{
			name: "OIDC",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - uses: aws-actions/configure-aws-credentials@v6\n        with:\n          role-to-assume: arn:aws:iam::123456789012:role/x\n          aws-region: us-east-1\n")},
		},
		{
			name: "keys in env for another tool",
			files: map[string]string{".github/workflows/a.yml": job("push",
				"      - run: aws s3 ls\n        env:\n          AWS_ACCESS_KEY_ID: ${{ secrets.MINIO_KEY }}\n")},
		},
	})
}
