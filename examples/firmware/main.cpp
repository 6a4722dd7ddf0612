// microredis on a Cortex-M4 (QEMU mps2-an386): one engine inside a fixed memory budget.
//
//   qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native
//       -kernel microredis-fw.elf -append selftest            # PASS/FAIL per command group
//   ... -append footprint                                       # memory figures
//   ... -serial tcp:127.0.0.1:8100,server=on,wait=off -append serve   # redis-cli -p 8100
//
// Without an argument the mode is FIRMWARE_DEFAULT_MODE (a build option).
#include <cstring>

#include "arena.hpp"
#include "board.hpp"
#include "modes.hpp"

#ifndef FIRMWARE_DEFAULT_MODE
#define FIRMWARE_DEFAULT_MODE "selftest"
#endif
#ifndef FIRMWARE_ARENA_BYTES
#define FIRMWARE_ARENA_BYTES (256 * 1024)
#endif

namespace {

// The engine's whole memory budget.
alignas(8) char g_arena_memory[FIRMWARE_ARENA_BYTES];

// The last word of the semihosting command line (the first is the kernel's file name).
const char* mode_argument(char* buf, std::size_t cap) {
  std::size_t n = firmware::semihosting_cmdline(buf, cap);
  while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\n')) buf[--n] = 0;
  const char* last = std::strrchr(buf, ' ');
  return last != nullptr ? last + 1 : nullptr;
}

}  // namespace

int main() {
  char cmdline[128];
  const char* mode = mode_argument(cmdline, sizeof cmdline);
  if (mode == nullptr || *mode == 0) mode = FIRMWARE_DEFAULT_MODE;
  firmware::Arena arena(g_arena_memory, sizeof g_arena_memory);
#if FIRMWARE_WITH_SELFTEST
  if (std::strcmp(mode, "selftest") == 0) return firmware::run_selftest(arena);
#endif
  if (std::strcmp(mode, "footprint") == 0) return firmware::run_footprint(arena);
  if (std::strcmp(mode, "serve") == 0) return firmware::run_serve(arena);
  firmware::print("unknown mode '%s' (modes: selftest footprint serve)\n", mode);
  return 2;
}
