FROM ruby:3.0.1-alpine3.13 AS builder
RUN apk add --no-cache build-base git yarn
COPY Gemfile Gemfile.lock ./
RUN bundle install \
      && rm -rf $BUNDLE_PATH/ruby/$RUBY_VERSION/cache/*
COPY package.json yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --production --frozen-lockfile

FROM ruby:3.0.1 AS main
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/*
