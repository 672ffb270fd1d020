FROM ruby:3.3-slim
COPY . .
