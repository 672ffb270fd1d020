FROM ruby:3.0.1-alpine3.13 AS base
WORKDIR /app
ENV RAILS_ENV production

FROM base AS assets
COPY . .
RUN bin/rails assets:precompile

FROM base AS main
ENV SECRET_KEY_BASE=a7f3c9e1b5d2804f6e9a1c3b5d7f9e2a4c6b8d0f1e3a5c7b9d2f4e6a8c0b1d3f5
COPY --from=assets /app/public/packs public/packs
