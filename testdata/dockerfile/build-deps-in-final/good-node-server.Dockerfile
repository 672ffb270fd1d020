# A node server (outline, hedgedoc): it needs node_modules at run time.
FROM node:20-alpine AS deps
WORKDIR /opt/app
COPY package.json yarn.lock ./
RUN yarn install --production --frozen-lockfile && yarn cache clean

FROM node:20-alpine AS build
WORKDIR /opt/app
COPY --from=deps /opt/app/node_modules ./node_modules
COPY . .
RUN yarn build

FROM node:20-alpine AS runner
WORKDIR /opt/app
COPY --from=build /opt/app/build ./build
COPY --from=deps /opt/app/node_modules ./node_modules
USER node
CMD ["node", "build/server/index.js"]
