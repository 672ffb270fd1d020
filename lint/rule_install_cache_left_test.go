package lint

import "testing"

func TestInstallCacheLeft(t *testing.T) {
	runDockerfileCases(t, "install-cache-left", []dockerfileCase{
		{name: "bundle install", src: "FROM ruby:3.3\nRUN bundle install\n", want: []string{"2:5: `bundle install` leaves the downloaded .gem files"}},
		{name: "yarn install on a continuation line", src: "FROM node:20\nRUN set -e; \\\n    yarn install --frozen-lockfile\n", want: []string{"3:5: `yarn install` leaves yarn's package cache"}},
		{name: "apk add", src: "FROM alpine\nRUN apk update && apk add curl\n", want: []string{"2:19: `apk add` without --no-cache"}},
		{name: "apt-get install", src: "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", want: []string{"2:23: `apt-get install` leaves the package lists"}},
		{name: "cleanup in a later RUN does not help", src: "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n",
			want: []string{"2:23: `apt-get install`"}},
		{name: "two problems in one RUN", src: "FROM ruby:3.3-alpine\nRUN apk add nodejs yarn && yarn install\n", want: []string{"2:5: `apk add`", "2:28: `yarn install`"}},

		{name: "the advice works with or without BUNDLE_PATH", src: "FROM ruby:3.3\nRUN bundle install\n",
			want: []string{"2:5: `bundle install` leaves the downloaded .gem files in the layer (BUNDLE_PATH/ruby/*/cache, or the gem directory's cache when BUNDLE_PATH is unset); remove them in the same RUN (`&& rm -rf ~/.bundle/ \"${BUNDLE_PATH}\"/ruby/*/cache \"$(gem env gemdir)\"/cache`) or use a cache mount"}},
		{name: "removing another cache is not the clean-up", src: `FROM ruby:3.3-alpine
RUN apk add --no-cache build-base && bundle install && rm -rf /var/cache/apk/*
RUN yarn install && rm -rf /var/cache/apt/* tmp/cache node_modules/.cache
RUN bundle install && rm -rf ~/.bundle/
`, want: []string{"2:38: `bundle install`", "3:5: `yarn install`", "4:5: `bundle install`"}},
		{name: "bundle with a bundler version", src: "FROM ruby:3.3\nRUN bundle _2.5.22_ install\nRUN bundle _${BUNDLER_VERSION}_ install && bundle exec bootsnap precompile --gemfile\n",
			want: []string{"2:5: `bundle install`", "3:5: `bundle install`"}},
		{name: "a throw-away stage: the cost is the exported build cache", src: `FROM ruby:3.3-slim AS base
FROM base AS build
RUN apt-get update && apt-get install -y build-essential
RUN yarn install --immutable
RUN bundle install
FROM base
COPY --from=build /usr/local/bundle /usr/local/bundle
COPY --from=build /rails /rails
`, want: []string{
			"3:23: `apt-get install` leaves the package lists in /var/lib/apt/lists (in stage build: the image does not ship them, but a mode=max build cache exports them); add",
			"4:5: `yarn install` leaves yarn's package cache (in stage build: the image does not ship it, but a mode=max build cache exports it); add",
			"5:5: `bundle install` leaves the downloaded .gem files in the layer"}},
		{name: "a cache dir copied into the image ships", src: `FROM node:20 AS build
RUN yarn install
FROM node:20-slim
COPY --from=build /usr/local/share/.cache /usr/local/share/.cache
`, want: []string{"2:5: `yarn install` leaves yarn's package cache in the layer"}},
		{name: "a stage built FROM the installing stage is the image", src: "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y curl\nFROM base\n",
			want: []string{"2:23: `apt-get install` leaves the package lists in /var/lib/apt/lists; add"}},
		{name: "the clean-ups of the gem cache", src: `FROM ruby:3.3
RUN bundle install && rm -rf ~/.bundle/ "${BUNDLE_PATH}"/ruby/*/cache "${BUNDLE_PATH}"/ruby/*/bundler/gems/*/.git
RUN bundle install && rm -rf /usr/local/bundle/cache
RUN bundle install && rm -rf "$(gem env gemdir)"/cache
RUN bundle _2.5.22_ install && rm -rf vendor/bundle/ruby/*/cache
RUN bundle install && rm -rf $GEM_HOME/cache/*.gem
`},
		{name: "the clean-ups of yarn's cache", src: `FROM node:20
RUN yarn install && rm -rf /usr/local/share/.cache/yarn
RUN yarn install && rm -rf ~/.cache
RUN yarn install && rm -rf "$(yarn cache dir)"
RUN yarn install && yarn cache clean --all
`},
		{name: "seed Dockerfile cleanups", src: `FROM ruby:3.0.1-alpine3.13
RUN apk update && apk add --no-cache --update build-base yarn
RUN bundle install \
      && rm -rf $BUNDLE_PATH/ruby/$RUBY_VERSION/cache/*
RUN yarn install --production --frozen-lockfile \
      && yarn cache clean
`},
		{name: "apt lists removed", src: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n"},
		{name: "cache mounts", src: `FROM ruby:3.3
RUN --mount=type=cache,target=/usr/local/bundle/cache bundle install
RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl
`},
		{name: "apk with --no-cache before add", src: "FROM alpine\nRUN apk --no-cache add curl\n"},
		{name: "yarn as a package name", src: "FROM alpine\nRUN apk add --no-cache yarn\n"},
		{name: "bundle install --no-cache", src: "FROM ruby:3.3\nRUN bundle install --no-cache\n"},
		{name: "words in an echo", src: "FROM alpine\nRUN echo run bundle-install later\n"},
	})
}
