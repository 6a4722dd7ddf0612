#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + coverage) and runs each for a bounded time.
#
#   fuzz/run.sh [seconds-per-target] [target...]     default: 60, fuzz_session fuzz_reply fuzz_rdb fuzz_master_link
#
# Environment: BUILD_DIR (default build-fuzz in the checkout, so that a stale build tree of another
# checkout is never reused), JOBS (build parallelism, default 2),
# CORPUS_DIR (where new inputs are kept; default $BUILD_DIR/corpus; the seeds in fuzz/corpus are
# read, never written), CXX (default clang++). A crash leaves its input in
# $BUILD_DIR/artifacts/<target>/ and makes the script fail; reproduce it with
#   $BUILD_DIR/fuzz/fuzz_session <artifact>
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_session fuzz_reply fuzz_rdb fuzz_master_link)
build=${BUILD_DIR:-$root/build-fuzz}
corpora=${CORPUS_DIR:-$build/corpus}

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMICROREDIS_BUILD_FUZZERS=ON -DMICROREDIS_BUILD_TESTS=OFF -DMICROREDIS_BUILD_EXAMPLES=OFF \
  -DMICROREDIS_BUILD_BENCHMARKS=OFF -DMICROREDIS_BUILD_POSIX=OFF -DMICROREDIS_INSTALL=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}"

for target in "${targets[@]}"; do
  name=${target#fuzz_}
  mkdir -p "$corpora/$name" "$build/artifacts/$name"
  echo "== $target: ${seconds}s"
  "$build/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -dict="$here/$name.dict" -artifact_prefix="$build/artifacts/$name/" -print_final_stats=1 \
    "$corpora/$name" "$here/corpus/$name"
done
