FROM ruby:3.3-slim AS base
FROM base AS bundle
RUN bundle install
FROM base AS main
COPY --from=bundle /usr/local/bundle /usr/local/bundle
