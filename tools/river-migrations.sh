#!/usr/bin/env bash
# Copies River's schema migrations (riverpgxv5, line "main") into our golang-migrate sequence as
# migrations/0000NN_river_*.sql (schema template markers removed), so one tool, one advisory lock and one template database carry both.
# Run after upgrading github.com/riverqueue/river; then add the new files' numbers before ours if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
src="$(go list -m -f '{{.Dir}}' github.com/riverqueue/river/riverdriver/riverpgxv5)/migration/main"
for f in "$src"/*.sql; do
  base=$(basename "$f")              # 003_river_job_tags_non_null.up.sql
  n=${base%%_*}                      # 003
  rest=${base#*_}                    # river_job_tags_non_null.up.sql
  printf -v num '%06d' "$((10#$n))"
  # River fills "/* TEMPLATE: schema */" with a schema prefix at run time; we use the default
  # search_path, so the marker becomes nothing (it also sits inside string literals, e.g. to_regclass).
  sed 's|/\* TEMPLATE: schema \*/||g' "$f" > "migrations/${num}_river_${rest}"
  chmod 644 "migrations/${num}_river_${rest}"
done
