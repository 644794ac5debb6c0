#!/usr/bin/env bash
# Issue #13's relay speed: loadgen's tcp-echo 64x32 and udp-echo 4x64 w32 against inetkit serve reached directly,
# through `inetkit proxy` (no impairment), through socat's relay, and through the least relays written in C
# (bench/relays: what any relay costs on this machine), side by side in one run. Loopback only.
# Usage: bench/proxy-vs-socat.sh [DURATION] [ROUNDS]   (INETKIT=PATH: a proxy built elsewhere, serve stays this one)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5}; ROUNDS=${2:-3}
BENCH=${INETKIT_BENCH:-../shared/bench}
OUT=$(mktemp -d)
# socat's fork children outlive their parent: they are ended by their listening port's command line.
cleanup() { set +e; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; [ -n "${T:-}" ] && pkill -f "socat TCP-LISTEN:$T,"; [ -n "${U:-}" ] && pkill -f "socat UDP-LISTEN:$U,"; rm -rf "$OUT"; }
trap cleanup EXIT
bash "$BENCH/build.sh" "$OUT/bin" >/dev/null
LOADGEN="$OUT/bin/loadgen"
command -v socat >/dev/null || { echo "socat is not installed (apt-get install socat)"; exit 1; }
dotnet build -c Release src/Inetkit.Cli -o "$OUT/ink" >/dev/null
INK="$OUT/ink/inetkit"
PROXY=${INETKIT:-$INK}
cc -O2 -o "$OUT/tcp_relay" bench/relays/tcp_relay.c
cc -O2 -o "$OUT/udp_relay" bench/relays/udp_relay.c
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
S=$(free_port); P=$(free_port); T=$(free_port); U=$(free_port); C=$(free_port); B=$(free_port)
"$INK" serve echo --bind 127.0.0.1 --port "$S" > /dev/null 2>&1 &
"$PROXY" proxy --to "127.0.0.1:$S" --listen "127.0.0.1:$P" > /dev/null 2>&1 &
"$OUT/tcp_relay" "$C" "$S" &
"$OUT/udp_relay" "$C" "$S" &
BATCH=1 "$OUT/udp_relay" "$B" "$S" &
socat "TCP-LISTEN:$T,fork,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$S" &
socat "UDP-LISTEN:$U,fork,reuseaddr,bind=127.0.0.1" "UDP:127.0.0.1:$S" &
sleep 1.5
field() { python3 -c "import json,sys; t=sys.stdin.read().strip(); print(json.loads(t.splitlines()[-1])['$1'] if t else 'no result (timed out)')"; }
# socat's UDP-LISTEN,fork serves one peer per child and left loadgen's four sockets waiting: every run is bounded.
run() { timeout $((DURATION * 3 + 5)) "$LOADGEN" "$@" --duration "$DURATION" --quiet || true; }
for r in $(seq "$ROUNDS"); do
  for target in "direct $S" "proxy $P" "socat $T" "c-relay $C"; do
    set -- $target
    m=$(run tcp-echo 127.0.0.1 "$2" --conns 64 --size 32 --depth 1 | field msgs_per_s)
    echo "round $r tcp-echo 64x32 $1: $m msgs/s"
  done
  for target in "direct $S" "proxy $P" "socat $U" "c-relay $C" "c-relay-mmsg $B"; do
    set -- $target
    m=$(run udp-echo 127.0.0.1 "$2" --socks 4 --size 64 --window 32 | field pps)
    echo "round $r udp-echo 4x64 w32 $1: $m datagrams/s"
  done
done
