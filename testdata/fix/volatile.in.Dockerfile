# syntax=docker/dockerfile:1
# The SHA is declared first "so that every stage can use it": every RUN
# below re-runs on every commit.
FROM ruby:3.3-alpine AS main
# the commit being built
ARG SHA
ENV SHA=${SHA}
WORKDIR /app
RUN apk add --no-cache tzdata nodejs
COPY Gemfile Gemfile.lock ./
RUN bundle install && \
    rm -rf vendor/bundle/ruby/*/cache
COPY . .
EXPOSE 3000
CMD ["bin/rails", "server"]
