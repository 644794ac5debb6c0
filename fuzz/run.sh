#!/usr/bin/env bash
# Coverage-guided fuzzing of Inetkit's parsers: AFL++ (Debian's afl++) drives the SharpFuzz harness in
# fuzz/Inetkit.Fuzz, one target at a time, each for a bounded time. Not run by CI; see fuzz/README.md.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (defaults: 60 seconds, every target)
#
# Exit status: 0 no crash, 1 a crash (its inputs copied to fuzz/crashes/TARGET/), 2 the fuzzer could not run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi
all=(port target scope quotes shard address daytime-format services banner chargen cli)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  if [ ! -d "$here/corpus/$t" ]; then
    echo "run.sh: unknown target '$t' (known: ${all[*]})" >&2
    exit 2
  fi
done

out="$here/out"
bin="$out/bin"
tools="$here/.tools"

if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "run.sh: installing afl++"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "run.sh: installing SharpFuzz.CommandLine 2.3.0 into $tools"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# A fresh copy each run: sharpfuzz rewrites the assemblies in place and refuses one already instrumented.
echo "run.sh: building the harness (Release) and instrumenting Inetkit.Core.dll and inetkit.dll"
rm -rf "$bin"
dotnet publish "$here/Inetkit.Fuzz/Inetkit.Fuzz.csproj" -c Release -o "$bin" -nologo -v quiet
for assembly in Inetkit.Core.dll inetkit.dll; do
  "$tools/sharpfuzz" "$bin/$assembly" >/dev/null
done

# What afl-fuzz needs in a container: no CPU governor or core_pattern checks, no pinning to a core (another
# process may hold it), a harness that is "dotnet" rather than an instrumented ELF, and no status screen.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
  AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_NO_CRASH_README=1
# The runtime's diagnostics IPC socket stays closed: the harness opens no socket of any kind.
export DOTNET_EnableDiagnostics=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The cli target writes its input to a response file here, and any @NAME inside is looked up here: an empty folder.
work="$out/tmp"
mkdir -p "$work"
export TMPDIR="$work"

stat() { grep -E "^$2 +:" "$1" 2>/dev/null | head -n 1 | sed -E 's/^[^:]+: *//'; }

rows=()
crashed=0
failed=0
for t in "${targets[@]}"; do
  rm -rf "${out:?}/$t"
  dict=()
  [ -f "$here/dict/$t.dict" ] && dict=(-x "$here/dict/$t.dict")
  echo "run.sh: fuzzing '$t' for $seconds s (log: $out/$t.log)"
  # -V bounds the fuzzing; timeout bounds everything else too (start-up, calibration) should afl-fuzz stall.
  # -t 2000: a parse that takes two seconds is a hang worth keeping; -m none: the .NET runtime reserves far more
  # address space than afl-fuzz's default limit.
  (cd "$work" && timeout --kill-after=10 $((seconds + 120)) \
    afl-fuzz -i "$here/corpus/$t" -o "$out/$t" -V "$seconds" -t 2000 -m none "${dict[@]}" \
    -- dotnet "$bin/Inetkit.Fuzz.dll" "$t" >"$out/$t.log" 2>&1) || true
  rm -f "$work"/*

  stats="$out/$t/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "run.sh: afl-fuzz did not run '$t'; the end of its log:" >&2
    tail -n 20 "$out/$t.log" >&2
    rows+=("$t - - - - - (did not run)")
    failed=1
    continue
  fi
  # AFL++ 4 names; older releases called them paths_total, unique_crashes and unique_hangs.
  corpus=$(stat "$stats" corpus_count); corpus=${corpus:-$(stat "$stats" paths_total)}
  crashes=$(stat "$stats" saved_crashes); crashes=${crashes:-$(stat "$stats" unique_crashes)}
  hangs=$(stat "$stats" saved_hangs); hangs=${hangs:-$(stat "$stats" unique_hangs)}
  ran=$(stat "$stats" run_time); ran=${ran:-$(( $(stat "$stats" last_update) - $(stat "$stats" start_time) ))}

  # A crash counts once it replays outside afl-fuzz (the harness then runs the input once, from stdin). SharpFuzz
  # reports any death of its child process as a crash, and a child has been seen to die once, unreproducibly.
  replayed=0
  for kind in crashes hangs; do
    for input in "$out/$t/default/$kind"/id:*; do
      [ -e "$input" ] || continue
      if [ "$kind" = crashes ] && timeout 60 dotnet "$bin/Inetkit.Fuzz.dll" "$t" <"$input" >/dev/null 2>&1; then
        echo "run.sh: $t: $(basename "$input") does not crash when replayed; left in $out/$t" >&2
        continue
      fi
      [ "$kind" = crashes ] && replayed=$((replayed + 1))
      mkdir -p "$here/$kind/$t"
      # Colons and commas out of the name, so the file can be committed and checked out anywhere.
      cp "$input" "$here/$kind/$t/$(basename "$input" | tr ':,' '_.' | cut -c1-60)"
    done
  done
  rows+=("$t $ran $(stat "$stats" execs_done) $corpus $replayed/${crashes:-0} $hangs")
  [ $replayed -gt 0 ] && crashed=1
done

echo
# crashes: replayed / saved by afl-fuzz.
printf '%-15s %8s %12s %8s %8s %6s\n' target seconds execs_done corpus crashes hangs
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086 # each row is words by design
  printf '%-15s %8s %12s %8s %8s %6s %s\n' $row
done
[ $crashed -eq 1 ] && { echo "crash inputs: $here/crashes/"; exit 1; }
[ $failed -eq 1 ] && exit 2
exit 0
