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
