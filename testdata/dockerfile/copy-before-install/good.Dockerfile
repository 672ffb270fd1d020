FROM ruby:3.0.1-alpine3.13 AS base
WORKDIR /app

FROM base AS bundle
COPY Gemfile Gemfile.lock ./
RUN bundle install

FROM node:14-alpine AS npm
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile && yarn cache clean

FROM base AS main
COPY . .
COPY --from=bundle /app/vendor/bundle vendor/bundle
RUN npm install -g pm2
