#!/usr/bin/env bash
# Publishes functions with Native AOT, with the command `NativeAot=true sam build` runs: one `bootstrap` per project under
# OUTPUT/<Project>/ (PROJECT is its folder under services/, like Products or Chat/Chat.Fanout), and judges every warning of the publish. A warning is allowed only when it is a library's that
# services/Directory.Build.props names, with its reasons: an assembly in NativeAotLibraryWarnings (trim analysis runs
# with one warning per assembly, TrimmerSingleWarn, so it names the assembly) or, for warnings the AOT compiler gives
# per member, a namespace in NativeAotLibraryNamespaces. Packages taken from LOCAL_PACKAGES are rebuilds, not the
# released libraries: their warnings are listed apart and do not count. Any other warning is this repository's and
# fails the publish (our code is also held to zero by the trim and AOT analyzers in every build: IsAotCompatible).
# Usage: tools/publish-aot.sh OUTPUT CONFIGURATION PROJECT...
set -uo pipefail
cd "$(dirname "$0")/.."
output=$1 configuration=$2; shift 2
# in_namespaces MEMBER PREFIX...: is MEMBER in one of the namespaces?
in_namespaces() {
  local member=$1 prefix; shift
  for prefix in "$@"; do [[ $member == "$prefix".* ]] && return 0; done
  return 1
}
# rebuilt_package NAME: the LOCAL_PACKAGES package whose id NAME (an assembly, or a member's namespace) starts with.
rebuilt_package() {
  local name=$1 file id
  for file in "${LOCAL_PACKAGES:-/nonexistent}"/*.nupkg; do
    id=$(basename "$file" | sed -E 's/\.[0-9]+(\.[0-9]+)*\.nupkg$//')
    [[ -n $name && ( $name == "$id" || $name == "$id".* ) ]] && { echo "$id"; return; }
  done
}
rid=$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')
mkdir -p "$output"
failed=0
for path in "$@"; do
  project=$(basename "$path")
  properties=$(dotnet msbuild "services/$path" -getProperty:NativeAotLibraryWarnings -getProperty:NativeAotLibraryNamespaces \
    -p:NativeAot=true -p:Configuration="$configuration" 2>/dev/null)
  allowed=$(sed -nE 's/.*"NativeAotLibraryWarnings": "([^"]*)".*/\1/p' <<< "$properties" | tr ';' ' ')
  namespaces=$(sed -nE 's/.*"NativeAotLibraryNamespaces": "([^"]*)".*/\1/p' <<< "$properties" | tr ';' ' ')
  log="$output/$project.publish.log"
  echo "Native AOT: $project"
  # The command Amazon.Lambda.Tools runs for `NativeAot=true sam build` (LambdaDotNetCLIWrapper.GetPublishArguments, with
  # SAM's "--runtime"): NativeAot comes from the environment, as SAM passes it on, and no --self-contained is added
  # because each project declares SelfContained (services/Directory.Build.props). Only the last two properties are ours:
  # warnings judged one by one below.
  if ! NativeAot=true dotnet publish "services/$path" --output "$output/$project" --configuration "$configuration" \
      --framework net10.0 --runtime "$rid" /p:GenerateRuntimeConfigurationFiles=true \
      -p:TrimmerSingleWarn=true -p:TreatWarningsAsErrors=false --nologo > "$log" 2>&1; then
    grep -E "error|warning" "$log" | sed 's/ \[.*//' | sort -u >&2
    echo "  publish failed; see $log" >&2
    failed=1
    continue
  fi
  ours=() libraries=() rebuilt=()
  while IFS= read -r line; do
    assembly=$(sed -nE "s/.*Assembly '([^']+)' produced.*/\1/p" <<< "$line")
    code=$(grep -oE 'IL[0-9]{4}' <<< "$line" | head -1)
    member=$(sed -nE 's/.*warning IL[0-9]+: ([A-Za-z0-9_.]+)\..*/\1/p' <<< "$line")
    package=$(rebuilt_package "${assembly:-$member}")
    if [[ -n $assembly && " $allowed " == *" $assembly "* ]]; then
      libraries+=("$assembly ($code)")
    elif [[ -z $assembly && -n $member ]] && in_namespaces "$member" $namespaces; then
      libraries+=("${member%.*} ($code)")
    elif [[ -n $package ]]; then
      rebuilt+=("$package ($code)")
    else
      ours+=("$line")
    fi
  done < <(grep -E "(warning|error) [A-Z]+[0-9]+" "$log" | sed 's/ \[.*//' | sort -u)
  echo "  warnings from this repository: ${#ours[@]}"
  [[ ${#libraries[@]} -gt 0 ]] && echo "  named libraries (services/Directory.Build.props): $(printf '%s\n' "${libraries[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')"
  [[ ${#rebuilt[@]} -gt 0 ]] && echo "  rebuilt packages from LOCAL_PACKAGES, not the releases: $(printf '%s\n' "${rebuilt[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')"
  if [[ ${#ours[@]} -gt 0 ]]; then
    printf '  %s\n' "${ours[@]}" >&2
    failed=1
  fi
done
exit $failed
