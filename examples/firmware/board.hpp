// What the firmware needs from QEMU's mps2-an386 board besides the UART: semihosting (console,
// command line), the SysTick timer as the engine's clock, and the stack's high-water mark.
#pragma once

#include <cstddef>
#include <cstdint>

#include "microredis/clock.hpp"

extern "C" {
std::size_t stack_high_water(void);  // startup.c
std::size_t stack_size(void);
}

namespace firmware {

// The board's processor clock (QEMU's mps2-an386 SYSCLK).
constexpr std::uint32_t kCpuHz = 25'000'000;

// printf-style output to the semihosting console (QEMU's stdout), unbuffered. Lines longer than
// 255 bytes are cut. The image links no stdio streams (FILE, buffers, malloc) for it: the text is
// formatted by vsnprintf, which the engine's own snprintf calls bring anyway.
void print(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The command line QEMU passes through semihosting (-append, or -semihosting-config arg=...):
// "<kernel> <args>". Empty when there is none.
std::size_t semihosting_cmdline(char* buf, std::size_t cap);

// Starts SysTick at 1 kHz from the processor clock.
void systick_start();
// Milliseconds since systick_start().
std::uint32_t systick_ms();
// Waits for an interrupt (the next SysTick at the latest): the idle loop's nap.
inline void wait_for_interrupt() { __asm__ volatile("wfi"); }

// The engine's clock in serve mode: SysTick milliseconds plus the sub-millisecond count of the
// timer, on top of an epoch (no RTC on the board: a fixed start date, or one set by the host).
class SysTickClock final : public microredis::Clock {
 public:
  explicit SysTickClock(std::int64_t epoch_us) : epoch_us_(epoch_us) {}
  std::int64_t now_us() const override;

 private:
  std::int64_t epoch_us_;
};

}  // namespace firmware
