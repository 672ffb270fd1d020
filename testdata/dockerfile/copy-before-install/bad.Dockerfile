FROM ruby:3.0.1-alpine3.13 AS base
WORKDIR /app

FROM base AS bundle
COPY . .
RUN bundle install

FROM node:14-alpine AS npm
WORKDIR /app
ADD . /app
RUN yarn install --frozen-lockfile && yarn cache clean
