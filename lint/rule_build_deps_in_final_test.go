package lint

import "testing"

func TestBuildDepsInFinal(t *testing.T) {
	runDockerfileCases(t, "build-deps-in-final", []dockerfileCase{
		{name: "compilers, git and yarn in the final stage", src: `FROM ruby:3.3-alpine AS builder
RUN apk add --no-cache build-base
FROM ruby:3.3-alpine AS main
RUN apk add --no-cache \
      tzdata \
      build-base git yarn
`, want: []string{"6:7: the final stage main installs build-base, git, yarn, needed only to build"}},
		{name: "apt-get with versions", src: "FROM debian:12 AS b\nFROM debian:12\nRUN apt-get install -y gcc=4:12.2.0-3 curl\n", want: []string{"3:24: the final stage stage-1 installs gcc"}},
		{name: "node_modules from a stage", src: `FROM node:20 AS npm
RUN yarn install
FROM ruby:3.3 AS main
COPY --from=npm /app/node_modules node_modules
`, want: []string{"4:17: the final stage main copies node_modules from npm"}},

		{name: "seed Dockerfile's main stage", src: `FROM ruby:3.0.1-alpine3.13 AS base
FROM base AS builder
RUN apk update && apk add --no-cache --update build-base postgresql-dev tzdata git yarn shared-mime-info
FROM base AS main
RUN apk update && apk add --no-cache --update postgresql-dev tzdata nodejs shared-mime-info
COPY --from=builder /app/public/packs public/packs
`},
		{name: "single-stage Dockerfile", src: "FROM ruby:3.3\nRUN apt-get install -y build-essential git\n"},
		{name: "removed again in the same RUN", src: `FROM alpine AS b
FROM ruby:3.3-alpine
RUN apk add --no-cache --virtual .build-deps build-base git \
 && bundle install \
 && apk del .build-deps
RUN apt-get install -y make && make && apt-get purge -y make
`},
		{name: "build tools in a build stage", src: "FROM alpine AS builder\nRUN apk add --no-cache build-base git\nFROM alpine\nCOPY --from=builder /out /out\n"},
		{name: "names inside other words", src: "FROM alpine AS b\nFROM alpine\nRUN apk add --no-cache git-lfs-docs gitea makedepend\n"},
	})
}
