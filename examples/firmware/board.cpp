#include "board.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace firmware {

namespace {

int semihost(int op, void* arg) {
  register int r0 __asm__("r0") = op;
  register void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

struct SysTickRegs {
  volatile std::uint32_t ctrl;  // 0xE000E010
  volatile std::uint32_t load;
  volatile std::uint32_t val;
  volatile std::uint32_t calib;
};
SysTickRegs& systick() { return *reinterpret_cast<SysTickRegs*>(0xE000E010u); }

constexpr std::uint32_t kTicksPerMs = kCpuHz / 1000;
volatile std::uint32_t g_ms = 0;  // advanced by the SysTick interrupt

}  // namespace

void print(const char* format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n <= 0) return;
  // The console as a file: ":tt" opened for writing is QEMU's stdout (SYS_WRITE0 writes to its
  // stderr).
  static int console = -1;
  if (console < 0) {
    struct {
      const char* name;
      int mode;
      int len;
    } open_block = {":tt", 4 /* "w" */, 3};
    console = semihost(0x01 /* SYS_OPEN */, &open_block);
    if (console < 0) return;
  }
  struct {
    int handle;
    const char* data;
    int len;
  } write_block = {console, line, n < static_cast<int>(sizeof line) ? n : static_cast<int>(sizeof line) - 1};
  semihost(0x05 /* SYS_WRITE */, &write_block);
}

std::size_t semihosting_cmdline(char* buf, std::size_t cap) {
  if (cap == 0) return 0;
  struct {
    char* buf;
    int len;
  } block = {buf, static_cast<int>(cap)};
  if (semihost(0x15 /* SYS_GET_CMDLINE */, &block) != 0) {
    buf[0] = 0;
    return 0;
  }
  buf[cap - 1] = 0;
  return std::strlen(buf);
}

void systick_start() {
  systick().load = kTicksPerMs - 1;
  systick().val = 0;
  systick().ctrl = 0x7;  // processor clock, interrupt, enable
}

std::uint32_t systick_ms() { return g_ms; }

std::int64_t SysTickClock::now_us() const {
  // The interrupt may land between the two reads: read the count until it holds still.
  std::uint32_t ms, val;
  do {
    ms = g_ms;
    val = systick().val;
  } while (ms != g_ms);
  const std::uint32_t sub_us = (kTicksPerMs - 1 - val) / (kCpuHz / 1'000'000);
  return epoch_us_ + static_cast<std::int64_t>(ms) * 1000 + sub_us;
}

}  // namespace firmware

extern "C" void systick_handler(void) { firmware::g_ms = firmware::g_ms + 1; }
