package lint

import "testing"

func TestVolatileArgEarly(t *testing.T) {
	runDockerfileCases(t, "volatile-arg-early", []dockerfileCase{
		{name: "ARG SHA before bundle install", src: `FROM ruby:3.3-alpine AS main
WORKDIR /app
ARG SHA
COPY Gemfile Gemfile.lock ./
RUN bundle install
`, want: []string{"3:1: ARG SHA changes on every build but comes before the RUN on line 5"}},
		{name: "an ARG and the ENV that copies it: one finding, at the ARG", src: `FROM ruby:3.3 AS main
  ARG GIT_SHA
  ENV GIT_SHA=${GIT_SHA} PORT=3000
RUN apt-get update && apt-get install -y nodejs
`, want: []string{"2:3: ARG GIT_SHA changes on every build but comes before the RUN on line 4"}},
		{name: "ENV from a volatile ARG under another name", src: `FROM alpine
ARG BUILD_NUMBER
RUN echo "$BUILD_NUMBER" > /build-number
ENV APP_BUILD=$BUILD_NUMBER
RUN apk add --no-cache curl
`, want: []string{"2:1: ARG BUILD_NUMBER changes on every build but comes before the RUN on line 5"}},
		{name: "an ENV that copies an ARG but is inherited: its own finding", src: `FROM ruby:3.3 AS base
ARG GIT_SHA
RUN apt-get update && apt-get install -y nodejs
ENV GIT_SHA=${GIT_SHA}
FROM base AS bundle
RUN bundle install
`, want: []string{"2:1: ARG GIT_SHA changes on every build but comes before the RUN on line 3", "4:1: ENV GIT_SHA changes on every build and is inherited by stage bundle"}},
		{name: "release names without a default", src: "FROM alpine\nARG VERSION\nARG APP_VERSION=\nRUN make\n", want: []string{"2:1: ARG VERSION", "3:1: ARG APP_VERSION"}},
		{name: "per-build names with a placeholder default", src: "FROM alpine\nARG GIT_SHA=unknown\nARG BUILD_DATE=now\nRUN make\n", want: []string{"2:1: ARG GIT_SHA", "3:1: ARG BUILD_DATE"}},
		{name: "a release name whose default is a variable", src: "FROM alpine\nARG VERSION=${GIT_SHA}\nRUN make\n", want: []string{"2:1: ARG VERSION"}},
		{name: "RUNs before the whole-context COPY still miss the cache", src: `FROM ruby:3.3-slim
ARG GIT_SHA
COPY Gemfile Gemfile.lock ./
RUN bundle install
COPY . .
RUN bin/rails assets:precompile
`, want: []string{"2:1: ARG GIT_SHA changes on every build but comes before the RUN on line 4"}},
		{name: "a COPY of a subdirectory is not the whole context", src: `FROM ruby:3.3-slim
COPY app/ app/
ARG GIT_SHA
RUN bin/rails assets:precompile
`, want: []string{"3:1: ARG GIT_SHA"}},
		{name: "suffix names", src: "FROM alpine\nARG APP_GIT_COMMIT\nRUN make\n", want: []string{"2:1: ARG APP_GIT_COMMIT"}},
		{name: "ENV inherited by a later stage", src: `FROM ruby:3.3 AS base
ARG SHA
ENV SHA=$SHA
FROM base AS bundle
RUN bundle install
`, want: []string{"3:1: ENV SHA changes on every build and is inherited by stage bundle, whose RUN on line 5"}},
		{name: "a release name listed in the options counts with a default", config: "rules:\n  volatile-arg-early:\n    options: {names: [VERSION]}\n",
			src: "FROM alpine\nARG VERSION=1.0\nRUN make\n", want: []string{"2:1: ARG VERSION"}},
		{name: "extra names from options", config: "rules:\n  volatile-arg-early:\n    options: {names: [DEPLOY_ID]}\n",
			src: "FROM alpine\nARG DEPLOY_ID\nRUN make\n", want: []string{"2:1: ARG DEPLOY_ID"}},

		{name: "at the end of the stage, as in the seed Dockerfile", src: `FROM ruby:3.0.1-alpine3.13 AS main
RUN apk add --no-cache tzdata
COPY . .
ARG SHA
ENV SHA ${SHA}
ENV PORT 3000
EXPOSE 3000
CMD ["bin/rails", "server"]
`},
		{name: "the only later RUN uses it", src: `FROM golang:1.22 AS build
COPY . .
RUN go mod download
ARG VERSION
RUN go build -ldflags "-X main.version=${VERSION}" ./cmd/app
`},
		{name: "pinned tool versions are not volatile", src: `FROM ruby:3.3
ARG NODE_VERSION=20.11.0
ARG BUNDLER_VERSION=2.5.6
ARG RUBY_DOWNLOAD_SHA256=abc
RUN gem install bundler -v $BUNDLER_VERSION && apt-get install -y nodejs
`},
		{name: "a release name with a literal default is a pinned version", src: `FROM debian:bookworm-slim
ARG VERSION=0.6.1
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN curl -fsSL https://example.com/dockerize-v${VERSION}.tar.gz | tar -xz -C /usr/local/bin
`},
		{name: "a release name with its default in a global ARG", src: `ARG APP_VERSION=2.1
FROM alpine
ARG APP_VERSION
ENV APP_VERSION=${APP_VERSION}
RUN apk add --no-cache curl
`},
		{name: "after the whole-context COPY", src: `FROM ruby:3.3-slim AS build
COPY Gemfile Gemfile.lock ./
RUN bundle install
COPY . .
ARG GIT_SHA
ENV GIT_SHA=${GIT_SHA}
RUN SECRET_KEY_BASE_DUMMY=1 bin/rails assets:precompile
`},
		{name: "the whole-context COPY in a base stage", src: `FROM ruby:3.3-slim AS src
COPY . /app
FROM src AS assets
ARG BUILD_NUMBER
RUN bin/rails assets:precompile
`},
		{name: "an inherited ENV after the whole-context COPY", src: `FROM ruby:3.3-slim AS base
ARG GIT_SHA
ENV GIT_SHA=${GIT_SHA}
COPY . .
FROM base AS assets
RUN bin/rails assets:precompile
`},
		{name: "literal ENV changes only with the Dockerfile", src: "FROM alpine\nENV VERSION=1.2.3\nRUN make\n"},
		{name: "only cheap steps after it", src: "FROM alpine\nARG SHA\nRUN mkdir -p /app && echo $SHA > /app/REVISION\nRUN ln -s /app /srv\n"},
		{name: "global ARG before FROM does not reach RUN", src: "ARG SHA\nFROM alpine\nRUN apk add --no-cache curl\n"},
		{name: "ARG in a parent is not inherited", src: "FROM alpine AS base\nARG SHA\nFROM base AS child\nRUN make\n"},
	})
}
