#!/usr/bin/env bash
# Builds the firmware image: build_firmware.sh <build dir> [cmake -D options...]
# (e.g. -DMICROREDIS_WITH_HASHES=OFF). Prints the image's path on the last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$1"
shift
cmake -S "$root/examples/firmware" -B "$bin" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi.cmake" "$@" >/dev/null
cmake --build "$bin" -j2 >&2
echo "$bin/microredis-fw.elf"
