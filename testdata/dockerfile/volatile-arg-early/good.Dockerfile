FROM golang:1.22-alpine AS worker
COPY . .
RUN go mod download
# the only RUN after it needs the version: nothing to move
ARG VERSION
RUN go build -ldflags "-X main.version=$VERSION" -o /worker ./cmd/worker

FROM alpine:3.20 AS audit
# gantry-ignore: volatile-arg-early -- audited builds re-run every step on purpose
ARG BUILD_NUMBER
RUN apk add --no-cache ca-certificates

FROM ruby:3.0.1-alpine3.13 AS main
WORKDIR /app
RUN apk add --no-cache tzdata nodejs
COPY Gemfile Gemfile.lock ./
RUN bundle install && rm -rf vendor/bundle/ruby/*/cache
COPY . .
COPY --from=worker /worker /usr/local/bin/worker
# late: only the layers below see a new value
ARG SHA
ENV SHA=${SHA}
RUN echo "$SHA" > REVISION
CMD ["bin/rails", "server"]
