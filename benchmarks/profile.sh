#!/usr/bin/env bash
# profile.sh — where microredis-server spends its CPU under redis-benchmark (perf, loopback).
#
# usage: benchmarks/profile.sh [TESTS] [DEPTH]     default: "set,get" 32
#
# Starts build/examples/server/microredis-server on a free 127.0.0.1 port (CPU 0), records it with
# `perf record -g` while redis-benchmark (CPU 1; 50 clients, -r 100000, -d 16) runs the tests at
# the given pipeline depth, and prints the top 25 symbols by self time and the top 25 by time
# including children. Build with -DCMAKE_BUILD_TYPE=RelWithDebInfo for call graphs with lines.
# Needs perf (apt-get install linux-perf). REQUESTS=2000000 sets -n per test; PERF_DATA=file keeps
# the recording (then: perf annotate -i file SYMBOL). PORT=N uses port N instead of a free one.
set -euo pipefail
cd "$(dirname "$0")/.."
TESTS=${1:-set,get}; DEPTH=${2:-32}; REQUESTS=${REQUESTS:-2000000}
SERVER=${SERVER:-build/examples/server/microredis-server}
for tool in "$SERVER" perf redis-benchmark redis-cli taskset python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
WORK=$(mktemp -d)
PID=
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
taskset -c 0 "$SERVER" --port "$PORT" --bind 127.0.0.1 >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do [[ $(redis-cli -p "$PORT" ping 2>/dev/null) == PONG ]] && break; sleep 0.05; done
DATA=${PERF_DATA:-$WORK/perf.data}
perf record -q -g -p "$PID" -o "$DATA" 2>"$WORK/perf.err" &
PERF=$!
sleep 0.5
taskset -c 1 redis-benchmark -h 127.0.0.1 -p "$PORT" -c 50 -n "$REQUESTS" -r 100000 -d 16 -P "$DEPTH" -t "$TESTS" -q | tr '\r' '\n' | grep 'requests per second'
kill -INT "$PERF"; wait "$PERF" || true
echo "## self time (top 25)"
perf report -i "$DATA" --no-children --sort symbol -g none --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25
echo "## including children (top 25)"
perf report -i "$DATA" --children --sort symbol -g none --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25
