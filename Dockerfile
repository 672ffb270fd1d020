# gantry's own image, ghcr.io/gantry-ci/gantry. The release workflow builds
# it with `gantry push`, one cache entry per stage: a code change rebuilds
# compile and main, and reuses modules.
#
# BINARY_FROM picks where the binary comes from:
#   compile   built from this source (the default)
#   prebuilt  gantry-linux from the build context, such as a binary from
#             scripts/release; nothing is pulled (the local test uses it)

ARG GO_IMAGE=golang:1.26.8-bookworm
ARG BINARY_FROM=compile

# == modules: the module downloads; re-runs only when go.mod or go.sum change
FROM ${GO_IMAGE} AS modules
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN go mod download

# == compile: gantry, built as scripts/release builds it (grpcnotrace: gRPC's
# golang.org/x/net/trace brings html/template, which turns off the linker's
# dead-code elimination of methods)
FROM modules AS compile
ARG VERSION=dev
COPY . .
RUN go build -trimpath -buildvcs=false -tags grpcnotrace \
      -ldflags "-s -w -buildid= -X github.com/gantry-ci/gantry/lint.version=${VERSION}" \
      -o /out/gantry ./cmd/gantry

# == prebuilt: a binary built elsewhere
FROM scratch AS prebuilt
COPY gantry-linux /out/gantry

# == binary: the stage BINARY_FROM names
FROM ${BINARY_FROM} AS binary

# == main: gantry alone, as user 65534
FROM scratch AS main
COPY LICENSE /
COPY --from=binary /out/gantry /gantry
USER 65534:65534
ENTRYPOINT ["/gantry"]
