#!/usr/bin/env bash
# vs_redis.sh — microredis-server and redis-server side by side, in one run, on loopback.
#
# usage: benchmarks/vs_redis.sh [ROUNDS]          (from the repository root, after building)
#
# Starts build/examples/server/microredis-server and Debian's redis-server 7.0 (persistence off)
# on free 127.0.0.1 ports, pins both servers to CPU 0 and redis-benchmark to CPU 1, and for every
# test and pipeline depth runs redis-benchmark against microredis then redis, ROUNDS times
# (default 3): 50 clients, 100k random keys (-r), 16-byte values (-d). Prints per test and depth:
# median ops/s of each, the median of the per-round ratios microredis/redis, each server's CPU
# time per request (utime+stime from /proc/PID/stat over the run, divided by the requests), p50
# and p99 latency from redis-benchmark's CSV, and finally each server's peak RSS (VmHWM).
# About 5 minutes with the defaults on a 2-core machine.
#
# Environment:
#   TESTS="set get incr lpush rpop sadd hset zadd lrange_100 mset"   PIPELINES="1 32"
#   CLIENTS=50 KEYSPACE=100000 DATASIZE=16   N_SCALE=1 (multiplies every -n)
#   SERVER=build/examples/server/microredis-server   REDIS_SERVER=redis-server
#   SERVER_CPU=0 CLIENT_CPU=1   RAW=file (keep the per-run rows, tab-separated)
#   PORT_M PORT_R (fixed ports for microredis and redis instead of free ones)
# LRANGE_100 is run as the custom command "LRANGE bench:list 0 99" on a list of 100 16-byte
# elements filled before the run: redis-benchmark's own lrange_100 test first runs an LPUSH phase
# inside the same measurement, which would mix LPUSH's CPU into LRANGE's.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer" >&2; exit 2; }
TESTS=${TESTS:-set get incr lpush rpop sadd hset zadd lrange_100 mset}
PIPELINES=${PIPELINES:-1 32}
CLIENTS=${CLIENTS:-50}; KEYSPACE=${KEYSPACE:-100000}; DATASIZE=${DATASIZE:-16}; N_SCALE=${N_SCALE:-1}
SERVER=${SERVER:-build/examples/server/microredis-server}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
SERVER_CPU=${SERVER_CPU:-0}; CLIENT_CPU=${CLIENT_CPU:-1}

for tool in "$SERVER" "$REDIS_SERVER" redis-cli redis-benchmark taskset python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (build the project; apt-get install redis-server redis-tools)" >&2; exit 1; }
done

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ping() { # port
  for _ in $(seq 1 200); do
    [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not answer PING" >&2; exit 1
}
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }  # utime+stime, after "(comm) "
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

PORT_M=${PORT_M:-$(free_port)}; PORT_R=${PORT_R:-$(free_port)}
while [[ $PORT_R == "$PORT_M" ]]; do PORT_R=$(free_port); done
taskset -c "$SERVER_CPU" "$SERVER" --port "$PORT_M" --bind 127.0.0.1 >"$WORK/microredis.log" 2>&1 &
PIDS+=($!); PID_M=$!
mkdir -p "$WORK/redis"
taskset -c "$SERVER_CPU" "$REDIS_SERVER" --port "$PORT_R" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK/redis" >"$WORK/redis.log" 2>&1 &
PIDS+=($!); PID_R=$!
wait_ping "$PORT_M"; wait_ping "$PORT_R"

HZ=$(getconf CLK_TCK)
VALUE=$(printf '%*s' "$DATASIZE" '' | tr ' ' x)
for port in "$PORT_M" "$PORT_R"; do
  redis-cli -p "$port" del bench:list >/dev/null
  for _ in $(seq 1 100); do echo "RPUSH bench:list $VALUE"; done | redis-cli -p "$port" >/dev/null
done

# -n per test and depth: about 1-3 s per run against redis-server on a 2-core machine.
requests() { # test depth
  local n
  if [[ $2 == 1 ]]; then
    case $1 in lrange_100) n=50000 ;; mset) n=60000 ;; *) n=100000 ;; esac
  else
    case $1 in lrange_100) n=100000 ;; mset) n=150000 ;; zadd) n=400000 ;; *) n=1000000 ;; esac
  fi
  awk -v n="$n" -v s="$N_SCALE" 'BEGIN { printf "%d\n", n * s }'
}

RAW=${RAW:-$WORK/runs.tsv}
printf 'server\ttest\tdepth\tround\trequests\tops\tp50_ms\tp99_ms\tcpu_us_per_req\n' >"$RAW"
run() { # label port pid test depth round
  local label=$1 port=$2 pid=$3 t=$4 p=$5 r=$6 n csv c0 c1 line
  n=$(requests "$t" "$p")
  local args=(-h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$n" -r "$KEYSPACE" -d "$DATASIZE" -P "$p" --csv)
  if [[ $t == lrange_100 ]]; then args+=(LRANGE bench:list 0 99); else args+=(-t "$t"); fi
  c0=$(cpu_ticks "$pid")
  csv=$(taskset -c "$CLIENT_CPU" redis-benchmark "${args[@]}" 2>/dev/null)
  c1=$(cpu_ticks "$pid")
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  line=$(printf '%s\n' "$csv" | awk -F'","' 'NR == 2 { print $2, $5, $7 }')
  [[ -n $line ]] || { echo "redis-benchmark gave no result for $label $t -P $p" >&2; exit 1; }
  read -r ops p50 p99 <<<"$line"
  awk -v OFS='\t' -v l="$label" -v t="$t" -v p="$p" -v r="$r" -v n="$n" -v ops="$ops" -v p50="$p50" -v p99="$p99" \
      -v dc=$((c1 - c0)) -v hz="$HZ" 'BEGIN { print l, t, p, r, n, ops, p50, p99, dc * 1e6 / hz / n }' >>"$RAW"
}

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(nproc) CPUs, $(uname -r)"
echo "# microredis-server $("$SERVER" --version 2>/dev/null | head -1 || true) vs $("$REDIS_SERVER" --version | awk '{ print $3 }')"
echo "# $CLIENTS clients, -r $KEYSPACE, -d $DATASIZE, $ROUNDS rounds alternating microredis/redis; servers on CPU $SERVER_CPU, client on CPU $CLIENT_CPU"
start=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
  for t in $TESTS; do
    for p in $PIPELINES; do
      run microredis "$PORT_M" "$PID_M" "$t" "$p" "$r"
      run redis "$PORT_R" "$PID_R" "$t" "$p" "$r"
    done
  done
  echo "# round $r done after $(( $(date +%s) - start )) s" >&2
done
HWM_M=$(hwm_kb "$PID_M"); HWM_R=$(hwm_kb "$PID_R")

python3 - "$RAW" "$HWM_M" "$HWM_R" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
by = {}
for r in rows:
    by.setdefault((r['test'], int(r['depth'])), {}).setdefault(r['server'], {})[int(r['round'])] = r
med = statistics.median
print('| test | depth | ops/s ratio | CPU/req ratio | microredis ops/s | redis ops/s | CPU us/req microredis | CPU us/req redis | p50 ms m / r | p99 ms m / r |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
order = []
for r in rows:
    k = (r['test'], int(r['depth']))
    if k not in order: order.append(k)
order.sort(key=lambda k: k[1])
for k in order:
    m, d = by[k]['microredis'], by[k]['redis']
    rounds = sorted(set(m) & set(d))
    f = lambda s, col: med(float(s[i][col]) for i in rounds)
    ratio = med(float(m[i]['ops']) / float(d[i]['ops']) for i in rounds)
    cpu_ratio = med(float(m[i]['cpu_us_per_req']) / max(float(d[i]['cpu_us_per_req']), 1e-9) for i in rounds)
    print(f"| {k[0].upper()} | {k[1]} | {ratio:.2f} | {cpu_ratio:.2f} | {f(m,'ops'):,.0f} | {f(d,'ops'):,.0f} | "
          f"{f(m,'cpu_us_per_req'):.2f} | {f(d,'cpu_us_per_req'):.2f} | "
          f"{f(m,'p50_ms'):.3f} / {f(d,'p50_ms'):.3f} | {f(m,'p99_ms'):.3f} / {f(d,'p99_ms'):.3f} |")
hm, hr = int(sys.argv[2]), int(sys.argv[3])
print(f"\npeak RSS (VmHWM): microredis {hm/1024:.1f} MB, redis {hr/1024:.1f} MB, ratio {hm/hr:.2f}")
PY
