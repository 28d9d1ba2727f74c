#!/usr/bin/env bash
# tools/sqlc.sh ARGS...: runs sqlc at the version tools/go.mod pins, e.g. `tools/sqlc.sh generate`.
#
# sqlc links libpg_query through cgo, so building it takes minutes on a cold machine. The binary is
# built once per sqlc version (and GOOS/GOARCH) into $(go env GOMODCACHE)/cache/storefront-tools/ and
# reused from there, by every clone and worktree on the machine; later runs cost well under a second.
# Bumping sqlc in tools/go.mod changes the file name, so the next run builds the new version.
# STOREFRONT_TOOLS_CACHE overrides the directory.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}

version=$(awk '$1 == "github.com/sqlc-dev/sqlc" && $2 ~ /^v/ { print $2; exit }' tools/go.mod)
if [[ -z $version ]]; then
	echo "tools/sqlc.sh: tools/go.mod does not require github.com/sqlc-dev/sqlc" >&2
	exit 1
fi

dir=${STOREFRONT_TOOLS_CACHE:-$("$GO" env GOMODCACHE)/cache/storefront-tools}
bin="$dir/sqlc-$version-$("$GO" env GOOS)-$("$GO" env GOARCH)"

if [[ ! -x $bin ]]; then
	echo "sqlc $version is not built yet: building it once into $bin (cgo; minutes on a cold cache)" >&2
	mkdir -p "$dir"
	tmp=$(mktemp "$bin.tmp.XXXXXX")
	trap 'rm -f "$tmp"' EXIT
	start=$SECONDS
	"$GO" build -modfile=tools/go.mod -o "$tmp" github.com/sqlc-dev/sqlc/cmd/sqlc
	# Renaming is atomic: a concurrent run sees either no binary or a whole one.
	mv -f "$tmp" "$bin"
	trap - EXIT
	echo "sqlc $version built in $((SECONDS - start))s" >&2
fi

exec "$bin" "$@"
