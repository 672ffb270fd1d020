# The SHA is declared first "so that every stage can use it": every RUN
# below re-runs on every commit.
FROM ruby:3.0.1-alpine3.13 AS main
ARG SHA
ENV SHA=${SHA}
WORKDIR /app
RUN apk add --no-cache tzdata nodejs
COPY Gemfile Gemfile.lock ./
RUN bundle install && rm -rf vendor/bundle/ruby/*/cache
COPY . .
CMD ["bin/rails", "server"]
