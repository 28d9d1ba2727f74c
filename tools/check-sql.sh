#!/usr/bin/env bash
# make check-sql: the committed sqlc output (internal/store/internal/db) is what sqlc generates from
# sqlc.yaml, migrations/ and internal/store (queries, extra schema) as they are now.
#
# sqlc runs on a copy of those inputs in a temporary directory, so the working tree is never
# modified, whether the check passes or fails. The copy's output directory starts empty, so a stale
# file left behind by a deleted query file is caught too.
set -euo pipefail

cd "$(dirname "$0")/.."
out=internal/store/internal/db

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/internal"
cp sqlc.yaml "$tmp/"
cp -R migrations "$tmp/"
cp -R internal/store "$tmp/internal/"
rm -rf "${tmp:?}/$out"

./tools/sqlc.sh generate -f "$tmp/sqlc.yaml"

if ! diff -r -u "$out" "$tmp/$out" >"$tmp/diff"; then
	cat "$tmp/diff"
	echo "$out is stale: run make generate-sql and commit" >&2
	exit 1
fi
