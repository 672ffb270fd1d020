# A Rails image that also runs a node streaming server (mastodon): it copies
# a node runtime into the final stage, so node_modules is used at run time.
FROM node:20-bookworm-slim AS node

FROM ruby:3.3-slim-bookworm AS build
WORKDIR /opt/app
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY . .
RUN bundle install && corepack enable && yarn install --immutable \
 && SECRET_KEY_BASE_DUMMY=1 bin/rails assets:precompile

FROM ruby:3.3-slim-bookworm
WORKDIR /opt/app
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/app /opt/app
COPY --from=build /opt/app/node_modules /opt/app/node_modules
EXPOSE 3000 4000
CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]
