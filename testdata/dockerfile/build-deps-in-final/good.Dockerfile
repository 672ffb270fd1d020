FROM ruby:3.0.1-alpine3.13 AS base
WORKDIR /app

FROM base AS builder
RUN apk add --no-cache build-base postgresql-dev tzdata git yarn

FROM builder AS assets
COPY . .
RUN SECRET_KEY_BASE=dummy bin/rails assets:precompile

FROM base AS main
RUN apk add --no-cache postgresql-dev tzdata nodejs shared-mime-info \
 && apk add --no-cache --virtual .gem-build build-base \
 && gem install nokogiri \
 && apk del .gem-build
COPY . .
COPY --from=assets /app/public/packs public/packs
