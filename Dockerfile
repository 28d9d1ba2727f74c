# syntax=docker/dockerfile:1
# Storefront images. `docker build .` gives the runtime image (server + simulator, static, non-root);
# the keygen stage is only for docker-compose.yml, which uses it to create a dev JWT key in a volume.

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/server ./cmd/server && \
    go build -ldflags="-s -w" -o /out/bss-sim ./cmd/bss-sim

# One-shot: writes an Ed25519 key into /keys unless one is there, readable only by the runtime user,
# and hands the uploaded-files volume (/files, when mounted) to that user.
# Keys are made where they are used, never baked into an image.
FROM debian:bookworm-slim AS keygen
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/bin/sh", "-ec", "\
  if [ ! -s /keys/jwt-ed25519.pem ]; then umask 077; openssl genpkey -algorithm ed25519 -out /keys/jwt-ed25519.pem; fi; \
  chown 65532:65532 /keys/jwt-ed25519.pem; chmod 400 /keys/jwt-ed25519.pem; \
  if [ -d /files ]; then chown 65532:65532 /files; chmod 750 /files; fi"]

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
COPY --from=build /out/bss-sim /bss-sim
# Inside a container the public listener must leave loopback; the admin listener (metrics, pprof)
# stays on loopback unless the operator publishes it deliberately.
ENV HTTP_ADDR=0.0.0.0:8080 ADMIN_ADDR=127.0.0.1:9090
USER nonroot:nonroot
EXPOSE 8080 9090
ENTRYPOINT ["/server"]
