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
`, want: []string{"4:17: the final stage main copies node_modules from npm, but nothing in it runs node"}},
		{name: "node_modules in a Rails image that precompiled its assets", src: `FROM node:20 AS npm
RUN yarn install --frozen-lockfile
FROM ruby:3.3 AS assets
COPY --from=npm /app/node_modules node_modules
RUN bin/rails assets:precompile
FROM ruby:3.3-slim AS main
COPY --from=assets /app/public public
COPY --from=npm /app/node_modules ./node_modules
CMD ["bin/rails", "server", "-b", "0.0.0.0"]
`, want: []string{"8:17: the final stage main copies node_modules from npm"}},
		{name: "a node server: CMD runs node", src: `FROM node:20 AS deps
RUN yarn install --production
FROM gcr.io/distroless/cc AS main
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=deps /app/node_modules /app/node_modules
CMD ["node", "build/server/index.js"]
`},
		{name: "a node server: node base image and yarn start", src: `FROM node:20-alpine AS build
RUN yarn install && yarn build
FROM node:20-alpine AS runner
COPY --from=build /app/node_modules ./node_modules
CMD yarn start
`},
		{name: "a node server through a base stage", src: `FROM node:20-slim AS base
FROM base AS deps
RUN npm ci
FROM base
COPY --from=deps /app/node_modules node_modules
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "npm run migrate && ./node_modules/.bin/next start"]
`},
		{name: "a Rails image that also runs a node streaming server", src: `FROM node:20-bookworm-slim AS node
FROM ruby:3.3-slim AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN yarn install && bin/rails assets:precompile
FROM ruby:3.3-slim
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
COPY --from=build /app/node_modules /app/node_modules
COPY --from=build /app/public /app/public
`},
		{name: "the seed's Rails image: nodejs for ExecJS, assets precompiled", src: `FROM ruby:3.0.1-alpine3.13 AS base
FROM base AS npm
RUN yarn install --production --frozen-lockfile
FROM base AS assets
COPY --from=npm /app/node_modules node_modules
RUN SECRET_KEY_BASE=dummy bin/rails assets:precompile
FROM base AS main
RUN apk add --no-cache postgresql-dev tzdata nodejs
COPY --from=npm /app/node_modules node_modules
COPY --from=assets /app/public/packs public/packs
CMD bin/rails server --port $PORT
`, want: []string{"9:17: the final stage main copies node_modules from npm"}},
		{name: "a final stage that installs nodejs", src: `FROM node:20 AS npm
RUN npm ci
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends nodejs
COPY --from=npm /app/node_modules /app/node_modules
CMD ["/app/bin/start"]
`},

		{name: "node_modules copied, then a RUN that does not use node", src: `FROM node:20 AS npm
RUN yarn install --frozen-lockfile
FROM ruby:3.3-slim
COPY --from=npm /app/node_modules node_modules
RUN mkdir -p tmp log && bundle exec bootsnap precompile app/
RUN echo "yarn is not run here" > /dev/null
CMD ["bin/rails", "server"]
`, want: []string{"4:17: the final stage stage-1 copies node_modules from npm"}},
		{name: "node_modules copied before the final stage precompiles its assets", src: `FROM node:20 AS yarn-installer
RUN yarn install --frozen-lockfile
FROM ruby:3.3-slim
COPY . /app
COPY --link --from=yarn-installer /app/node_modules /app/node_modules
USER app
RUN set -eux; \
    OTP_SECRET=placeholder SECRET_KEY_BASE=placeholder rails assets:precompile; \
    rm -rf tmp/*
ENTRYPOINT ["/usr/bin/tini", "--"]
`},
		{name: "node_modules copied, then a bundler runs in the final stage", src: `FROM node:20 AS npm
RUN npm ci
FROM ruby:3.3-slim
COPY --from=npm /app/node_modules ./node_modules
RUN ./node_modules/.bin/esbuild app/javascript/*.* --bundle --outdir=app/assets/builds
`},
		{name: "node_modules copied, then yarn builds in the final stage", src: `FROM node:20 AS npm
RUN npm ci
FROM ruby:3.3-slim
COPY --from=npm /app/node_modules ./node_modules
RUN yarn build && yarn build:css
`},
		{name: "node_modules copied, then vite builds in the final stage", src: `FROM node:20 AS npm
RUN npm ci
FROM ruby:3.3-slim
COPY --from=npm /app/node_modules ./node_modules
RUN bin/vite build
`},
		{name: "a RUN before the copy does not count", src: `FROM node:20 AS npm
RUN npm ci
FROM ruby:3.3-slim
RUN bin/rails assets:precompile
COPY --from=npm /app/node_modules ./node_modules
`, want: []string{"5:17: the final stage stage-1 copies node_modules from npm"}},
		{name: "a last stage named development is not the shipped image", src: `FROM ruby:3.3-slim AS base
FROM base AS production
COPY --from=base /usr/local/bundle /usr/local/bundle
FROM base AS development
RUN apt-get update && apt-get install -y --no-install-recommends build-essential git libpq-dev
COPY --from=npm /app/node_modules node_modules
`},
		{name: "a last stage named test, in any case", src: "FROM ruby:3.3 AS base\nFROM base AS Test\nRUN apt-get install -y build-essential git\n"},
		{name: "a last stage named dev", src: "FROM ruby:3.3 AS base\nFROM base AS dev\nRUN apt-get install -y build-essential git\n"},
		{name: "a last stage whose name only contains dev or test", src: `FROM ruby:3.3-slim AS base
FROM base AS devise-app
RUN apt-get install -y build-essential
FROM base AS latest
RUN apt-get install -y git
`, want: []string{"5:24: the final stage latest installs git"}},
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
