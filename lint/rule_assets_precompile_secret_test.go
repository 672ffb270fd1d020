package lint

import "testing"

func TestAssetsPrecompileSecret(t *testing.T) {
	runDockerfileCases(t, "assets-precompile-secret", []dockerfileCase{
		{name: "production without a secret", src: `FROM ruby:3.3 AS base
ENV RAILS_ENV=production
FROM base AS assets
COPY . .
RUN bin/rails assets:precompile
`, want: []string{"5:15: `assets:precompile` runs with RAILS_ENV=production but without SECRET_KEY_BASE"}},
		{name: "RAILS_ENV inline", src: "FROM ruby:3.3\nRUN RAILS_ENV=staging bundle exec rake assets:precompile\n", want: []string{"2:40: `assets:precompile` runs with RAILS_ENV=staging"}},
		{name: "ARG default production", src: "FROM ruby:3.3\nARG RAILS_ENV=production\nRUN bin/rails assets:precompile\n", want: []string{"3:15: "}},
		{name: "real-looking secret inline", src: "FROM ruby:3.3\nRUN SECRET_KEY_BASE=8f14e45fceea167a5a36dedd4bea2543e4da3b7fbbce2345d7772b0674a318d5 bin/rails assets:precompile\n",
			want: []string{"2:5: SECRET_KEY_BASE has a real-looking value in a RUN command"}},
		{name: "real-looking secret in ENV", src: "FROM ruby:3.3\nENV RAILS_ENV=production \\\n    SECRET_KEY_BASE=8f14e45fceea167a5a36dedd4bea2543e4da3b7fbbce2345\nRUN bin/rails assets:precompile\n",
			want: []string{"3:5: ENV SECRET_KEY_BASE has a real-looking value: it is stored in the image config"}},
		{name: "master key in an ARG default", src: "FROM ruby:3.3\nARG RAILS_MASTER_KEY=0123456789abcdef0123456789abcdef\n", want: []string{"2:5: ARG RAILS_MASTER_KEY has a real-looking value"}},

		{name: "seed Dockerfile's dummy secret", src: `FROM ruby:3.0.1-alpine3.13 AS base
ENV RAILS_ENV production
FROM base AS assets
RUN SECRET_KEY_BASE=dummy bin/rails assets:precompile \
      && rm -rf tmp/cache/*
`},
		{name: "the app's own secret variable on the command line", src: "FROM ruby:2.7\nENV RAILS_ENV=production\nRUN APP_SECRET_TOKEN=dummy bundle exec rails assets:precompile\n"},
		{name: "the app's own secret variable set by ENV", src: "FROM ruby:2.7\nENV RAILS_ENV=production DEVISE_SECRET_KEY=precompile-only\nRUN bundle exec rake assets:precompile\n"},
		{name: "a token that is not a secret of the app", src: "FROM ruby:3.3\nENV RAILS_ENV=production\nRUN NPM_TOKEN=x GITHUB_TOKEN=y bin/rails assets:precompile\n", want: []string{"3:42: `assets:precompile` runs with RAILS_ENV=production"}},
		{name: "Rails 7.1 dummy", src: "FROM ruby:3.3\nENV RAILS_ENV=production\nRUN SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile\n"},
		{name: "dummy set by ENV earlier", src: "FROM ruby:3.3 AS base\nENV RAILS_ENV=production SECRET_KEY_BASE_DUMMY=1\nFROM base\nRUN bin/rails assets:precompile\n"},
		{name: "secret mount", src: "FROM ruby:3.3\nENV RAILS_ENV=production\nRUN --mount=type=secret,id=master_key,env=RAILS_MASTER_KEY bin/rails assets:precompile\n"},
		{name: "no RAILS_ENV: development boots without a secret", src: "FROM ruby:3.3\nRUN bin/rails assets:precompile\n"},
		{name: "RAILS_ENV from a build argument", src: "FROM ruby:3.3\nARG RAILS_ENV\nRUN bin/rails assets:precompile\n"},
		{name: "placeholder values", src: "FROM ruby:3.3\nENV SECRET_KEY_BASE=placeholder-for-asset-precompilation-only\nRUN SECRET_KEY_BASE=$(cat /run/secrets/skb) bin/rails assets:precompile\n"},
		{name: "ARG without a value is BuildKit's SecretsUsedInArgOrEnv", src: "FROM ruby:3.3\nARG SECRET_KEY_BASE\nENV RAILS_ENV=production\nRUN bin/rails assets:precompile\n"},
	})
}

// TestAssetsPrecompileSecretSeverity checks that a precompile without a
// secret is a warning (the app's config decides what it needs to boot) and
// a real-looking secret in the image an error.
func TestAssetsPrecompileSecretSeverity(t *testing.T) {
	src := "FROM ruby:3.3\nENV RAILS_ENV=production\nRUN bin/rails assets:precompile\nENV SECRET_KEY_BASE=8f14e45fceea167a5a36dedd4bea2543e4da3b7fbbce2345\n"
	fs := lintDockerfileWith(t, func(r *Rule) bool { return r.ID == "assets-precompile-secret" }, src, nil, "")
	if len(fs) != 2 || fs[0].Severity != SeverityWarning || fs[1].Severity != SeverityError {
		t.Fatalf("want a warning and an error, have:\n%s", findingsText(fs))
	}
}
