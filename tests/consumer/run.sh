#!/usr/bin/env bash
# Consumer tests: how other projects use microredis, each built from scratch under a fresh
# directory in /tmp (or WORK_DIR):
#   1. the library is configured as a top-level project, built and installed into a prefix; the
#      prefix is then moved, to prove the installed package is relocatable;
#   2. find_package/     find_package(microredis 0.1) from that prefix (library, POSIX adapter), and
#                        from a second prefix holding shared libraries;
#   3. header_only/      two translation units on microredis::header_only from that prefix, and
#                        again through add_subdirectory;
#   4. add_subdirectory/ the source tree vendored: library targets only, no tests or install;
#   5. no_exceptions/    the core library and a tiny program with -fno-exceptions -fno-rtti.
# Every program built is run. Environment: CXX (compiler, default c++), JOBS (default 2),
# WORK_DIR (default: a new mktemp directory, removed on success unless KEEP_WORK_DIR=1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${WORK_DIR:-$(mktemp -d /tmp/microredis-consumer.XXXXXX)}
jobs=${JOBS:-2}
cxx=${CXX:-c++}
mkdir -p "$work"
echo "consumer tests in $work (CXX=$cxx)"

configure() { cmake -DCMAKE_CXX_COMPILER="$cxx" "$@" >"$work/last-configure.log" 2>&1 || { cat "$work/last-configure.log"; return 1; }; }
build() { cmake --build "$1" -j "$jobs" "${@:2}" >"$work/last-build.log" 2>&1 || { cat "$work/last-build.log"; return 1; }; }
step() { echo "== $*"; }

step "build and install the library"
configure -S "$root" -B "$work/library" -DCMAKE_BUILD_TYPE=Release -DMICROREDIS_BUILD_TESTS=OFF \
  -DMICROREDIS_BUILD_EXAMPLES=OFF -DMICROREDIS_BUILD_BENCHMARKS=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix"
build "$work/library"
cmake --install "$work/library" >"$work/install.log"
# Nothing installed may point back into the source or build trees.
if grep -rlF -e "$root" -e "$work/library" "$work/prefix"; then
  echo "the installed files above refer to the source or build tree"
  exit 1
fi
mv "$work/prefix" "$work/moved-prefix"
prefix="$work/moved-prefix"

step "find_package"
configure -S "$here/find_package" -B "$work/find_package" -DCMAKE_PREFIX_PATH="$prefix"
build "$work/find_package"
"$work/find_package/consumer"
"$work/find_package/consumer_posix"

step "find_package (shared library)"
configure -S "$root" -B "$work/library_shared" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DMICROREDIS_BUILD_TESTS=OFF -DMICROREDIS_BUILD_EXAMPLES=OFF -DMICROREDIS_BUILD_BENCHMARKS=OFF \
  -DCMAKE_INSTALL_PREFIX="$work/prefix_shared"
build "$work/library_shared"
cmake --install "$work/library_shared" >"$work/install_shared.log"
configure -S "$here/find_package" -B "$work/find_package_shared" -DCMAKE_PREFIX_PATH="$work/prefix_shared"
build "$work/find_package_shared"
"$work/find_package_shared/consumer"
"$work/find_package_shared/consumer_posix"

step "header_only (installed)"
configure -S "$here/header_only" -B "$work/header_only" -DCMAKE_PREFIX_PATH="$prefix"
build "$work/header_only"
"$work/header_only/consumer"

step "header_only (add_subdirectory)"
configure -S "$here/header_only" -B "$work/header_only_sub" -DMICROREDIS_SOURCE_DIR="$root"
build "$work/header_only_sub" --target consumer
"$work/header_only_sub/consumer"

step "add_subdirectory"
configure -S "$here/add_subdirectory" -B "$work/add_subdirectory" -DMICROREDIS_SOURCE_DIR="$root" \
  -DCONSUMER_EXPECTED_BUILD_TYPE=
build "$work/add_subdirectory"
"$work/add_subdirectory/consumer"

step "no_exceptions"
configure -S "$here/no_exceptions" -B "$work/no_exceptions" -DMICROREDIS_SOURCE_DIR="$root" \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_CXX_FLAGS="-fno-exceptions -fno-rtti"
build "$work/no_exceptions"
"$work/no_exceptions/consumer"

echo "all consumer tests passed"
if [ -z "${WORK_DIR:-}" ] && [ -z "${KEEP_WORK_DIR:-}" ]; then rm -rf "$work"; fi
