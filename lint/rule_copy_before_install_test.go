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
