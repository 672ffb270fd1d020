FROM ruby:3.0.1-alpine3.13 AS base
WORKDIR /app
ENV RAILS_ENV production

FROM base AS assets
COPY . .
# Set a dummy value to avoid errors when building docker image.
# refs: https://github.com/rails/rails/issues/32947
RUN SECRET_KEY_BASE=dummy bin/rails assets:precompile \
      && rm -rf tmp/cache/*

FROM base AS main
COPY --from=assets /app/public/packs public/packs
CMD ["bin/rails", "server"]
