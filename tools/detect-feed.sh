#!/usr/bin/env bash
# Prints 1 when the NuGet feed lacks the Lambda/Powertools/Management API packages (a partial mirror), 0 when
# it has them. It restores the full build once, remembers the answer in .local/, and says so on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.local/restricted-feed
if [[ ! -s $cache ]]; then
  mkdir -p .local
  if dotnet restore Samples.slnx -p:RestrictedFeed=false > .local/feed-probe.log 2>&1; then
    echo 0 > "$cache"
  elif grep -qE "NU110[12].*(Amazon\.Lambda|AWS\.Lambda\.Powertools|AWSSDK\.ApiGatewayManagementApi|AWSSDK\.Lambda|AWSSDK\.CodeDeploy)" .local/feed-probe.log; then
    echo 1 > "$cache"
  else
    echo "NuGet restore failed for a reason other than the known missing packages; see .local/feed-probe.log:" >&2
    grep -E "error" .local/feed-probe.log | sort -u | head -20 >&2
    exit 1
  fi
fi
if [[ $(cat "$cache") == 1 ]]; then
  echo "NuGet feed lacks Amazon.Lambda.*/Powertools/ApiGatewayManagementApi: building restricted (RestrictedFeed=true, Lambda adapters left out; RESTRICTED_FEED=0|1 overrides)." >&2
fi
cat "$cache"
