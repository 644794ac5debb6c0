#!/usr/bin/env bash
# A full connect scan of 127.0.0.1 (-p-, all 65,535 ports), side by side, round after round:
#   inetkit scan 127.0.0.1 -p-        (Release build)
#   nmap -sT -p- -T4 -n 127.0.0.1     (the issue's yardstick; target: inetkit <= 0.5 x nmap)
#   nmap -sT -p- -T5 --min-rate 10000 -n 127.0.0.1   (nmap's fastest connect scan)
#   loadgen scan 127.0.0.1            (a minimal C epoll connect scanner: the kernel's limit for that method)
# Every tool must find the same open ports; the script says so, and prints medians of wall time (exec to exit).
# With SCAN=syn (as root), the SYN scan instead: inetkit scan -sS against nmap -sS, -T4 and -T5 (no loadgen: it
# only connects). Loopback only. Usage: [SCAN=syn] bench/scan-vs-nmap.sh [ROUNDS]   (INETKIT_BENCH: the load generator's directory;
# INETKIT=PATH: an inetkit built elsewhere, a Native AOT one say, instead of the Release build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-5}
SCAN=${SCAN:-connect}
case $SCAN in
  connect) FLAG=-sT ;;
  syn) FLAG=-sS; [ "$(id -u)" = 0 ] || { echo "SCAN=syn needs root (raw sockets, for nmap and inetkit alike)" >&2; exit 1; } ;;
  *) echo "SCAN must be connect or syn" >&2; exit 1 ;;
esac
BENCH=${INETKIT_BENCH:-$ROOT/../shared/bench}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v nmap >/dev/null || { echo "nmap is not installed (apt-get install nmap)" >&2; exit 1; }
if [ -n "${INETKIT:-}" ]; then INETKIT=$(realpath "$INETKIT")
else
  echo "building inetkit (Release)..." >&2
  dotnet build -c Release "$ROOT/src/Inetkit.Cli" -o "$WORK/inetkit" >/dev/null
  INETKIT="$WORK/inetkit/inetkit"
fi
LOADGEN=""
if [ "$SCAN" = syn ]; then :
elif [ -x "$BENCH/loadgen" ]; then LOADGEN="$BENCH/loadgen"
elif [ -f "$BENCH/build.sh" ]; then "$BENCH/build.sh" "$WORK/bench" >/dev/null && LOADGEN="$WORK/bench/loadgen"
else echo "no load generator: neither INETKIT_BENCH nor ../shared/bench holds loadgen or build.sh; its column is skipped" >&2
fi

# Something to find: inetkit's own six services over TCP at the unprivileged ports (10007, 10009, ...).
"$INETKIT" serve --tcp >"$WORK/serve.log" 2>&1 &
for _ in $(seq 50); do grep -q "127.0.0.1:10037" "$WORK/serve.log" 2>/dev/null && break; sleep 0.1; done
grep -q "127.0.0.1:10037" "$WORK/serve.log" || { echo "inetkit serve did not start: $(cat "$WORK/serve.log")" >&2; exit 1; }

now() { date +%s.%N; }
run() { # name, then the command; records seconds and the open ports it reported
  local name=$1; shift
  local t0 t1; t0=$(now); "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; t1=$(now)
  echo "$t1 - $t0" | bc -l >>"$WORK/$name.times"
}
open_ports() { # name -> sorted open ports, one line
  case $1 in
    inetkit) awk -F, 'NR>1 && $5=="open" {print $4}' "$WORK/inetkit.out" ;;
    nmap-T4|nmap-T5) grep -oE '[0-9]+/open' "$WORK/$1.out" | cut -d/ -f1 ;;
    loadgen) grep -oE '"open":\[[0-9,]*\]' "$WORK/loadgen.out" | grep -oE '[0-9]+' ;;
  esac | sort -n | tr '\n' ' '
}

for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  run inetkit "$INETKIT" scan 127.0.0.1 $FLAG -p- --format csv
  run nmap-T4 nmap $FLAG -p- -T4 -n -oG - 127.0.0.1
  run nmap-T5 nmap $FLAG -p- -T5 --min-rate 10000 -n -oG - 127.0.0.1
  [ -n "$LOADGEN" ] && run loadgen "$LOADGEN" scan 127.0.0.1 --ports 1-65535 --inflight 256 --timeout-ms 1000
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
T4=$(median "$WORK/nmap-T4.times")
REF=$(open_ports inetkit)
printf '%-10s %9s %9s %9s  %s\n' tool median_s min_s max_s "ratio to nmap -T4, open ports"
for name in inetkit nmap-T4 nmap-T5 loadgen; do
  [ -f "$WORK/$name.times" ] || continue
  m=$(median "$WORK/$name.times")
  lo=$(sort -n "$WORK/$name.times" | head -1); hi=$(sort -n "$WORK/$name.times" | tail -1)
  same=$([ "$(open_ports $name)" = "$REF" ] && echo "same open ports" || echo "DIFFERENT open ports: $(open_ports $name)")
  printf '%-10s %9.3f %9.3f %9.3f  %.2f, %s\n' "$name" "$m" "$lo" "$hi" "$(echo "$m / $T4" | bc -l)" "$same"
done
echo "open ports: $REF"
