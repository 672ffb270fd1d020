FROM ruby:3.0.1-alpine3.13 AS base
WORKDIR /app

FROM base AS npm
COPY package.json yarn.lock ./
RUN yarn install --production --frozen-lockfile && yarn cache clean

FROM base AS main
RUN apk add --no-cache \
      build-base \
      postgresql-dev \
      tzdata \
      git \
      yarn
COPY . .
COPY --from=npm /app/node_modules node_modules
