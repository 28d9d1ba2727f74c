# Storefront. Two commands matter: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
TOOL  := $(GO) tool -modfile=tools/go.mod

.PHONY: run test lint vet staticcheck spec-lint check-refs generate generate-api generate-sql check-generated check-api check-sql bench fuzz build

## run: start Storefront on an embedded default (local Postgres, in-process simulator, dev admin and keys)
run:
	@./tools/dev/run.sh

## test: the whole suite against real Postgres (TEST_DATABASE_URL, else 127.0.0.1:5432, else testcontainers)
test:
	$(GO) test -race -count=1 ./...

## lint: go vet, staticcheck, generated code current (oapi-codegen, sqlc), Spectral (OWASP) on the spec,
## and no link or citation leaving the repository (check-refs)
lint: vet staticcheck check-generated spec-lint check-refs

vet:
	$(GO) vet ./...

staticcheck:
	$(TOOL) staticcheck ./...

spec-lint:
	@test -x node_modules/.bin/spectral || { echo "spec-lint: Spectral is not installed: run npm ci"; exit 1; }
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=error api/openapi.yaml

# check-refs: no link or citation leaves the repository, and every docs/*.md (and § of it) cited exists.
check-refs:
	@./tools/check-refs.sh

## generate: server code from api/openapi.yaml and store code from internal/store/queries (both committed)
generate: generate-api generate-sql

generate-api:
	$(TOOL) oapi-codegen -config api/oapi-codegen.yaml api/openapi.yaml

# sqlc links libpg_query (cgo): tools/sqlc.sh builds it once per version into the module cache
# (minutes on a cold machine), then every run reuses that binary.
generate-sql:
	./tools/sqlc.sh generate

# check-generated: the committed generated code is what the generators make of the current sources.
check-generated: check-api check-sql

check-api:
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

# check-sql: sqlc runs on a temporary copy of its inputs; the working tree is never modified.
check-sql:
	@./tools/check-sql.sh
