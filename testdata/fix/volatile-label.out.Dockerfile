FROM node:22 AS build
RUN npm ci
RUN npm run build
ARG GIT_SHA
LABEL org.opencontainers.image.revision=$GIT_SHA

FROM nginx:1.27
RUN apt-get update && apt-get install -y curl
ARG BUILD_NUMBER
RUN echo "build $BUILD_NUMBER" > /build.txt
COPY --from=build /app/dist /usr/share/nginx/html
