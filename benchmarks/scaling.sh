#!/usr/bin/env bash
# scaling.sh — how throughput, memory and per-operation cost grow with the data (in process).
#
# usage: benchmarks/scaling.sh                  (from the repository root, after building)
#
# Runs build/benchmarks/scaling once per size (a fresh process each, so that freed memory does not
# hide a later size's cost), writes the figures to docs/bench/*.tsv and renders with gnuplot:
#   docs/bench-scaling-keyspace.png   GET/SET ops per CPU-second and bytes per key vs keys
#   docs/bench-complexity.png         ns per call of KEYS, SCAN (COUNT 100), ZRANGE (10), ZRANK, GET
#                                     vs collection size, log-log: O(N) rises with slope 1, O(log N)
#                                     and O(1) stay flat
# Environment: SIZES="10000 100000 1000000 10000000" (keyspace sizes; 10M keys need about 1.5 GB
# of RAM: drop it on a small machine), OP_SIZES="1000 10000 100000 1000000" (keyspace and sorted
# set sizes for the per-call costs), OPS=1000000 (random GET/SET per keyspace size), CALLS=100000
# (calls per ZRANGE/ZRANK/GET and size), PLOT_ONLY=1 (only render the charts from the TSV files).
# About 1.5 minutes with the defaults on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/benchmarks/scaling}
SIZES=${SIZES:-10000 100000 1000000 10000000}
OP_SIZES=${OP_SIZES:-1000 10000 100000 1000000}
OPS=${OPS:-1000000}
CALLS=${CALLS:-100000}
OUT=${OUT:-docs/bench}
[[ -x $BIN ]] || { echo "missing $BIN: cmake --build build" >&2; exit 1; }
mkdir -p "$OUT"

if [[ ${PLOT_ONLY:-0} != 1 ]]; then
  printf 'keys\tload_ops_s\tget_ops_s\tset_ops_s\trss_bytes_per_key\tused_bytes_per_key\n' >"$OUT/keyspace.tsv"
  for n in $SIZES; do "$BIN" keyspace "$n" "$OPS" | tee -a "$OUT/keyspace.tsv"; done
  printf 'op\tn\tns_per_call\tns_per_element\n' >"$OUT/complexity.tsv"
  for n in $OP_SIZES; do "$BIN" ops "$n" "$CALLS" | tee -a "$OUT/complexity.tsv"; done
fi

if ! command -v gnuplot >/dev/null; then
  echo "gnuplot not found (apt-get install gnuplot-nox): figures are in $OUT/*.tsv, charts not rendered" >&2
  exit 0
fi
gnuplot <<GP
set terminal pngcairo size 900,520 font "sans,11"
set datafile separator "\t"
set key autotitle columnhead
set grid
set logscale x 10
set format x "10^{%L}"
set autoscale xfix
set offsets graph 0.04, graph 0.04, 0, 0

set output "docs/bench-scaling-keyspace.png"
set title "microredis in process: throughput and memory vs keys (key:%07d -> 16 B)"
set xlabel "keys in the database"
set ylabel "million ops per CPU-second (feed, depth 32)"
set y2label "bytes per key"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
plot "$OUT/keyspace.tsv" using 1:(\$3/1e6) with linespoints lw 2 title "GET (hits)", \
     "" using 1:(\$4/1e6) with linespoints lw 2 title "SET", \
     "" using 1:5 axes x1y2 with linespoints lw 2 dt 2 title "RSS bytes/key", \
     "" using 1:6 axes x1y2 with linespoints lw 2 dt 3 title "used memory bytes/key (INFO)"

set output "docs/bench-complexity.png"
set title "microredis in process: cost per call vs collection size (log-log)"
set xlabel "keys in the database / members in the sorted set"
set ylabel "ns per call"
unset y2label
unset y2tics
set ytics mirror
set logscale y 10
set yrange [*:*]
set format y "10^{%L}"
set key top left
set key noautotitle
title(op) = op eq "KEYS" ? "KEYS * (O(N))" : op eq "SCAN" ? "SCAN COUNT 100 (O(1) per call)" : \
            op eq "ZRANGE" ? "ZRANGE of 10 at a random rank (O(log N + 10))" : op eq "ZRANK" ? "ZRANK (O(log N))" : "GET (O(1))"
plot for [op in "KEYS SCAN ZRANGE ZRANK GET"] "< awk -F'\t' '\$1 == \"".op."\"' $OUT/complexity.tsv" \
     using 2:3 with linespoints lw 2 title title(op)
GP
echo "charts: docs/bench-scaling-keyspace.png docs/bench-complexity.png"
