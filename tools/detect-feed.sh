#!/usr/bin/env bash
# Prints 1 when the NuGet feed lacks the Lambda/Powertools/Testcontainers packages (a partial mirror),
# 0 when it has them. It restores the full build once and remembers the answer in .local/.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.local/restricted-feed
if [[ -s $cache ]]; then cat "$cache"; exit 0; fi
mkdir -p .local
if dotnet restore Samples.sln -p:RestrictedFeed=false > .local/feed-probe.log 2>&1; then
  echo 0 > "$cache"
elif grep -qE "NU110[12].*(Amazon\.Lambda|AWS\.Lambda\.Powertools|AWSSDK\.ApiGatewayManagementApi|Testcontainers|Docker\.DotNet)" .local/feed-probe.log; then
  echo 1 > "$cache"
else
  echo "NuGet restore failed for a reason other than the known missing packages; see .local/feed-probe.log:" >&2
  grep -E "error" .local/feed-probe.log | sort -u | head -20 >&2
  exit 1
fi
cat "$cache"
