#!/usr/bin/env bash
# Adds up the TRX files of a `dotnet test` run into one closing line: "N passed, N failed, N skipped".
set -euo pipefail
dir=${1:-.local/test-results}
passed=0; failed=0; skipped=0; total=0
for trx in "$dir"/*.trx; do
  [[ -f $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$((total + $(get total))); passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
done
skipped=$((total - passed - failed))
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
