package lint

import "testing"

func TestCopyBeforeInstall(t *testing.T) {
	runDockerfileCases(t, "copy-before-install", []dockerfileCase{
		{name: "COPY . . before bundle install", src: `FROM ruby:3.3 AS bundle
WORKDIR /app
COPY . .
RUN bundle install
`, want: []string{"3:1: COPY . copies the whole build context before `bundle install` on line 4"}},
		{name: "COPY ./ /app before yarn install", src: "FROM node:20\nCOPY ./ /app\nRUN cd /app && yarn install --frozen-lockfile\n",
			want: []string{"2:1: COPY ./ copies the whole build context before `yarn install` on line 3: any source change re-runs the install; copy only package.json yarn.lock first"}},
		{name: "ADD . before npm ci", src: "FROM node:20\nADD . /srv\nRUN npm ci\n", want: []string{"2:1: ADD . copies the whole build context before `npm ci`"}},
		{name: "install in a stage built FROM it", src: `FROM node:20 AS src
COPY . .
FROM src AS deps
RUN pnpm install --frozen-lockfile
`, want: []string{"2:1: COPY . copies the whole build context before `pnpm install` on line 4 of stage deps"}},
		{name: "pip install -r", src: "FROM python:3.12\nCOPY . /app\nRUN pip install -r /app/requirements.txt\n", want: []string{"2:1: COPY ."}},

		{name: "an offline install without an earlier fetch", src: `FROM node:20
COPY . .
RUN pnpm install --offline --frozen-lockfile
`, want: []string{"2:1: COPY . copies the whole build context before `pnpm install` on line 3"}},
		{name: "bundle install --local with no earlier bundle install", src: `FROM ruby:3.3
COPY . .
RUN bundle install --local
`, want: []string{"2:1: COPY . copies the whole build context before `bundle install` on line 3"}},
		{name: "npm ci --prefer-offline still fetches what is missing", src: `FROM node:20
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm ci --prefer-offline
`, want: []string{"4:1: COPY . copies the whole build context before `npm ci` on line 5"}},
		{name: "an earlier fetch of another package manager", src: `FROM ruby:3.3
COPY Gemfile Gemfile.lock ./
RUN bundle install
COPY . .
RUN yarn install --offline
`, want: []string{"4:1: COPY . copies the whole build context before `yarn install` on line 5"}},
		{name: "a fetch after the whole-context COPY", src: `FROM node:20
COPY . .
RUN pnpm fetch
RUN pnpm install --offline
`, want: []string{"2:1: COPY . copies the whole build context before `pnpm install` on line 4"}},
		{name: "an offline install beside an online one", src: `FROM node:20
COPY pnpm-lock.yaml ./
RUN pnpm fetch --prod
COPY . .
RUN pnpm install --offline --prod && cd admin && pnpm install
`, want: []string{"4:1: COPY . copies the whole build context before `pnpm install` on line 5"}},

		{name: "pnpm fetch, then an offline install (pnpm's Docker recipe)", src: `FROM node:20-slim AS build
WORKDIR /app
COPY pnpm-lock.yaml ./
RUN pnpm fetch --prod
COPY . .
RUN pnpm install -r --offline --prod
RUN pnpm run build
`},
		{name: "a second bundle install --local after a cached one", src: `FROM ruby:3.3-slim AS build
COPY Gemfile Gemfile.lock ./
COPY engines/billing/billing.gemspec engines/billing/
RUN bundle install
COPY . .
RUN bundle install --local
`},
		{name: "the fetch in a base stage", src: `FROM node:20 AS deps
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
FROM deps AS build
COPY . .
RUN yarn install --offline --frozen-lockfile && yarn build
`},
		{name: "npm ci --offline after npm ci", src: `FROM node:20
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm ci --offline
`},
		{name: "lockfiles first, as in the seed Dockerfile", src: `FROM ruby:3.3 AS bundle
COPY Gemfile Gemfile.lock ./
RUN bundle install
COPY . .
RUN bin/rails assets:precompile
`},
		{name: "COPY . . after the install", src: "FROM node:20\nCOPY package.json yarn.lock ./\nRUN yarn install\nCOPY . .\n"},
		{name: "a subdirectory is not the whole context", src: "FROM node:20\nCOPY app/ ./app/\nRUN npm ci\n"},
		{name: "COPY --from another stage", src: "FROM node:20 AS a\nRUN echo\nFROM node:20\nCOPY --from=a . .\nRUN npm ci\n"},
		{name: "global tool install", src: "FROM node:20\nCOPY . .\nRUN npm install -g pm2\nRUN pip install gunicorn\n"},
		{name: "other commands after COPY", src: "FROM ruby:3.3\nCOPY . .\nRUN bin/rails assets:precompile\n"},
		{name: "sibling stage does not inherit", src: "FROM ruby:3.3 AS base\nFROM base AS code\nCOPY . .\nFROM base AS bundle\nRUN bundle install\n"},
	})
}
