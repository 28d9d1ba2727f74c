# Storefront. Two commands matter: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
TOOL  := $(GO) tool -modfile=tools/go.mod

.PHONY: run test lint vet staticcheck spec-lint generate check-generated bench fuzz build tidy

## run: start Storefront on an embedded default (local Postgres, in-process simulator, dev admin and keys)
run:
	@./tools/dev/run.sh

## test: the whole suite against real Postgres (TEST_DATABASE_URL, else 127.0.0.1:5432, else testcontainers)
test:
	$(GO) test -race -count=1 ./...

## lint: go vet, staticcheck, generated code current, Spectral (OWASP) on the spec
lint: vet staticcheck check-generated spec-lint

vet:
	$(GO) vet ./...

staticcheck:
	$(TOOL) staticcheck ./...

spec-lint:
	npx --no-install spectral lint --fail-severity=error api/openapi.yaml

## generate: server code from api/openapi.yaml (committed)
generate:
	$(TOOL) oapi-codegen -config api/oapi-codegen.yaml api/openapi.yaml

check-generated:
	@tmp=$$(mktemp -d) && cp internal/http/api/api.gen.go $$tmp/ && $(MAKE) -s generate && \
	  if ! cmp -s internal/http/api/api.gen.go $$tmp/api.gen.go; then \
	    echo "internal/http/api/api.gen.go is stale: run make generate and commit"; cp $$tmp/api.gen.go internal/http/api/api.gen.go; rm -rf $$tmp; exit 1; fi; rm -rf $$tmp

## bench: GET /v1/me under 64 clients vs a minimal handler doing the same SELECT (wrk)
bench:
	@./tools/bench/run.sh

## fuzz: run every fuzz target briefly (seeds are committed under testdata/fuzz)
fuzz:
	@./tools/fuzz.sh

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/ ./cmd/...
