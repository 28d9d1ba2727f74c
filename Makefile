# Storefront. Two commands matter: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
TOOL  := $(GO) tool -modfile=tools/go.mod

.PHONY: run test lint vet staticcheck spec-lint generate generate-api generate-sql check-generated check-sql bench fuzz build

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
	@test -x node_modules/.bin/spectral || { echo "spec-lint: Spectral is not installed: run npm ci"; exit 1; }
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=error api/openapi.yaml

## generate: server code from api/openapi.yaml and store code from internal/store/queries (both committed)
generate: generate-api generate-sql

generate-api:
	$(TOOL) oapi-codegen -config api/oapi-codegen.yaml api/openapi.yaml

# sqlc links libpg_query (cgo): the first build takes a few minutes, later runs are instant.
generate-sql:
	$(TOOL) sqlc generate

# check-generated: the API code is current (CI). sqlc output is checked by `make check-sql` (slow first build).
check-generated:
	@tmp=$$(mktemp -d) && cp internal/http/api/api.gen.go $$tmp/ && $(MAKE) -s generate-api && \
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

check-sql:
	@$(MAKE) -s generate-sql && git diff --exit-code -- internal/store/internal/db || (echo "sqlc output is stale: run make generate-sql and commit"; exit 1)
