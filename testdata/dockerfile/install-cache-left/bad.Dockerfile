FROM ruby:3.0.1-alpine3.13 AS builder
RUN apk update && apk add build-base git yarn
COPY Gemfile Gemfile.lock ./
RUN bundle install
COPY package.json yarn.lock ./
RUN yarn install --production --frozen-lockfile

FROM ruby:3.0.1 AS main
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5
COPY --from=builder /usr/local/bundle /usr/local/bundle
