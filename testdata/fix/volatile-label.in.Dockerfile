FROM node:22 AS build
ARG GIT_SHA
RUN npm ci
RUN npm run build
LABEL org.opencontainers.image.revision=$GIT_SHA

FROM nginx:1.27
ARG BUILD_NUMBER
RUN apt-get update && apt-get install -y curl
RUN echo "build $BUILD_NUMBER" > /build.txt
COPY --from=build /app/dist /usr/share/nginx/html
