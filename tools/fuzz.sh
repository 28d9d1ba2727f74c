#!/usr/bin/env bash
# make fuzz: every fuzz target in the module, one after another, for FUZZTIME each (default 10s).
# New crashers land in the package's testdata/fuzz/<Name>/ and then run as seeds in `make test`.
set -euo pipefail

cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}

# Packages whose tests mention a fuzz target; `go test -list` then gives the exact names, so a
# commented-out or build-tagged-away function is not run.
mapfile -t dirs < <(grep -rl --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.data \
	-E '^func Fuzz[A-Z0-9_]' . | xargs -r -n1 dirname | sort -u)

if [[ ${#dirs[@]} -eq 0 ]]; then
	echo "fuzz: no fuzz targets found"
	exit 0
fi

passed=0
failed=()
for dir in "${dirs[@]}"; do
	mapfile -t names < <(go test -list '^Fuzz' "$dir" | grep -E '^Fuzz')
	for name in "${names[@]}"; do
		echo "==> $dir $name ($FUZZTIME)"
		if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$dir"; then
			passed=$((passed + 1))
		else
			failed+=("$dir $name")
		fi
	done
done

echo "fuzz: ${passed} passed, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
	printf '  failed: %s\n' "${failed[@]}"
	exit 1
fi
