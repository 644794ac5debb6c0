#!/usr/bin/env bash
# Packs the inetkit command (src/Inetkit.Cli, package Inetkit.Tool) as .NET 10's RID-specific tool, into OUT:
#   Inetkit.Tool              the pointer: the RIDs below and no code; what `dotnet tool install` and `dnx` are given
#   Inetkit.Tool.linux-x64    Native AOT
#   Inetkit.Tool.linux-arm64  Native AOT, cross-compiled here (clang, and Debian's gcc-aarch64-linux-gnu for its libc and linker)
#   Inetkit.Tool.any          framework-dependent (needs the .NET 10 runtime): what every other platform installs
# Native AOT cannot cross operating systems, so there is no Windows or macOS native package; those get "any".
#
# Usage: build/pack-tool.sh [--rid RID]... [OUT]   (OUT: artifacts/packages; RIDs: the project's ToolPackageRuntimeIdentifiers)
# then:  dotnet tool install -g Inetkit.Tool --add-source OUT
# --rid packs only the RIDs named, and the pointer then lists only those, so it never names a package that is not in OUT.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/src/Inetkit.Cli/Inetkit.Cli.csproj"

rids=()
out=
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) rids+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "pack-tool: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
out=$(mkdir -p "${out:-$root/artifacts/packages}" && cd "${out:-$root/artifacts/packages}" && pwd)
if [ ${#rids[@]} -eq 0 ]; then
  listed=$(dotnet msbuild "$project" -getProperty:ToolPackageRuntimeIdentifiers)
  IFS=';' read -r -a all <<< "$listed"
  [ ${#all[@]} -gt 0 ] || { echo "pack-tool: $project lists no ToolPackageRuntimeIdentifiers" >&2; exit 1; }
  # Unasked, a cross-compiled RID whose toolchain this machine lacks is left out (and so not listed), with a note:
  # the one-command install must work on a machine that has only the SDK and clang.
  for rid in "${all[@]}"; do
    if [ "$rid" = linux-arm64 ] && ! { command -v aarch64-linux-gnu-ld.bfd >/dev/null 2>&1 && [ -f /usr/aarch64-linux-gnu/lib/libc.so ]; }; then
      echo "pack-tool: leaving out linux-arm64 (its toolchain is missing: apt-get install gcc-aarch64-linux-gnu to pack it)" >&2
      continue
    fi
    rids+=("$rid")
  done
fi

# What Native AOT links with, checked before minutes of compiling: clang (or gcc) for the host; for linux-arm64, clang
# with Debian's aarch64 binutils and libc. zlib is not needed: .NET 10's runtime pack brings its own libz.a.
for rid in "${rids[@]}"; do
  case "$rid" in
    any) ;;
    linux-x64)
      command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 \
        || { echo "pack-tool: linux-x64 needs clang (apt-get install clang)" >&2; exit 1; } ;;
    linux-arm64)
      { command -v clang >/dev/null 2>&1 && command -v aarch64-linux-gnu-ld.bfd >/dev/null 2>&1 && [ -f /usr/aarch64-linux-gnu/lib/libc.so ]; } \
        || { echo "pack-tool: linux-arm64 needs clang and the aarch64 toolchain (apt-get install clang gcc-aarch64-linux-gnu), or leave it out: --rid linux-x64 --rid any" >&2; exit 1; } ;;
    *) echo "pack-tool: $rid is not a RID this script packs (linux-x64, linux-arm64, any)" >&2; exit 2 ;;
  esac
done

# Every invocation gets the same list, so the pointer names exactly the packages made here (quoted, so that MSBuild takes
# the ';' as part of the value: escaped as %3B it would stay one RID "a;b").
list=$(IFS=';'; echo "${rids[*]}")
# A tool package takes everything in the publish directory, so each pack publishes into a fresh one of its own: nothing
# left there by an earlier publish (a symbol file, another build's binary) can end up in a package.
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
pack() {
  local dir="$publish/${1:-pointer}"
  dotnet pack "$project" -c Release -o "$out" -nologo "-p:ToolPackageRuntimeIdentifiers=\"$list\"" -p:PublishDir="$dir/" \
    ${1:+-r "$1"}
}

rm -f "$out"/Inetkit.Tool.*nupkg
# One at a time: each native compilation wants every CPU, and they share obj/.
for rid in "${rids[@]}"; do
  echo "pack-tool: Inetkit.Tool.$rid"
  pack "$rid"
done
echo "pack-tool: Inetkit.Tool (the pointer: $list)"
pack
echo "pack-tool: done; install with: dotnet tool install -g Inetkit.Tool --add-source $out"
