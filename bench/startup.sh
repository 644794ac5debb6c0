#!/usr/bin/env bash
# Start-up of the installed tool: from exec to the first line `inetkit serve echo --port 0 --tcp --bind 127.0.0.1 --once`
# prints (its listening line), for the package `dotnet tool install` picks here (Native AOT on linux-x64) and for the
# framework-dependent one every other platform gets (JIT). Each is installed into a temporary tool path, with NuGet's
# cache and the CLI's home there too; one run of each first, not counted, warms the page cache; then RUNS runs each,
# every one ended by a real exchange (a byte echoed), and the median, minimum and maximum in milliseconds.
#
# Usage: bench/startup.sh [RUNS] [PACKAGES]   (RUNS: 10; PACKAGES: build/pack-tool.sh's output, artifacts/packages)
# The framework-dependent package is packed here (build/pack-tool.sh --rid any, under a minute); the native one must be
# in PACKAGES already. Run it on a quiet machine: a build beside it shows up in every figure.
set -euo pipefail
export LC_ALL=C  # EPOCHREALTIME with a '.' decimal separator
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
packages=$(cd "${2:-$root/artifacts/packages}" && pwd)
[ -f "$packages/Inetkit.Tool.linux-x64.1.0.0.nupkg" ] || { echo "startup: no native package in $packages; run build/pack-tool.sh first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" DOTNET_CLI_HOME="$work/home" NUGET_PACKAGES="$work/nuget" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
mkdir -p "$HOME"

"$root/build/pack-tool.sh" --rid any "$work/any" >/dev/null
dotnet tool install Inetkit.Tool --tool-path "$work/native" --source "$packages" >/dev/null
dotnet tool install Inetkit.Tool --tool-path "$work/jit" --source "$work/any" >/dev/null

# Milliseconds from exec to the first line on stdout; then one byte echoed over the port it names, and the exit (--once).
once() {
  local start end line port reply
  start=$EPOCHREALTIME
  exec 3< <(exec "$1" serve echo --port 0 --tcp --bind 127.0.0.1 --once 2>/dev/null)
  local pid=$!
  read -r line <&3
  end=$EPOCHREALTIME
  port=${line##*:}
  exec 4<>"/dev/tcp/127.0.0.1/$port"
  printf x >&4
  read -r -n 1 reply <&4
  exec 4<&- 3<&-
  wait "$pid"
  [ "$reply" = x ] || { echo "startup: $1 did not echo" >&2; exit 1; }
  echo "scale=2; (${end/./} - ${start/./}) / 1000" | bc
}

for kind in native jit; do
  command="$work/$kind/inetkit"
  case "$kind" in
    native) file -L "$command" | grep -q ELF && [ -z "$(find -L "$(dirname "$(readlink -f "$command")")" -name '*.dll')" ] \
              || { echo "startup: $command is not the native binary" >&2; exit 1; } ;;
    jit) [ -n "$(find "$work/jit/.store" -name inetkit.dll)" ] || { echo "startup: $command is not the JIT one" >&2; exit 1; } ;;
  esac
  once "$command" >/dev/null
  figures=()
  for _ in $(seq "$runs"); do
    figures+=("$(once "$command")")
  done
  sorted=$(printf '%s\n' "${figures[@]}" | sort -n)
  median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  printf '%-6s  median %6.2f ms  min %6.2f  max %6.2f  (%s runs: %s)\n' "$kind" "$median" "$(echo "$sorted" | head -1)" \
    "$(echo "$sorted" | tail -1)" "$runs" "${figures[*]}"
done
