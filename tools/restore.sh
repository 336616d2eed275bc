#!/usr/bin/env bash
# Restores the solution. When the feed lacks packages (a partial NuGet mirror), says in one line which ones and how
# to add a folder of .nupkg files as an extra source (LOCAL_PACKAGES), instead of a page of NU1101 errors.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .local
if dotnet restore Samples.sln --nologo -v quiet > .local/restore.log 2>&1; then
  exit 0
fi
missing=$(grep -oE "NU110[12]: Unable to find package [A-Za-z0-9._-]+" .local/restore.log | awk '{sub(/\.$/, "", $NF); print $NF}' | sort -u | paste -sd, - | sed 's/,/, /g')
if [[ -n $missing ]]; then
  echo "NuGet restore: the feed lacks ${missing}; set LOCAL_PACKAGES to a folder of those .nupkg files (make test LOCAL_PACKAGES=/path/to/folder) or add it as a source (dotnet nuget add source /path/to/folder)." >&2
else
  echo "NuGet restore failed; see .local/restore.log:" >&2
  grep -E "error" .local/restore.log | sort -u | head -20 >&2
fi
exit 1
