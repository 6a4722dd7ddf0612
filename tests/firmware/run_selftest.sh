#!/usr/bin/env bash
# Runs the firmware's self-test under QEMU (mps2-an386): run_selftest.sh <microredis-fw.elf>
# The image prints PASS/FAIL per command group over semihosting; its exit status is QEMU's.
set -uo pipefail
elf="$1"
timeout 90 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial null \
  -semihosting-config enable=on,target=native -kernel "$elf" -append selftest
status=$?
if [ "$status" = 124 ]; then echo "firmware self-test timed out"; fi
exit "$status"
