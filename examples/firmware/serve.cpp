// Serve mode: the engine on UART0, for redis-cli through QEMU's "-serial tcp:...".

#include "board.hpp"
#include "microredis/engine.hpp"
#include "microredis/serial/cmsdk_uart.hpp"
#include "microredis/serial/server.hpp"
#include "modes.hpp"

namespace firmware {

namespace {
// No RTC on the board: time starts at a fixed date (2024-01-01T00:00:00Z), so TTLs and TIME work
// relative to boot.
constexpr std::int64_t kBootEpochUs = 1'704'067'200'000'000;
constexpr std::uint32_t kBaud = 115200;
// Empty polls before the loop naps until the next interrupt (SysTick: at most 1 ms away).
constexpr std::uint32_t kIdlePollsBeforeNap = 1000;
}  // namespace

int run_serve(Arena& arena) {
  systick_start();
  SysTickClock clock(kBootEpochUs);
  microredis::EngineOptions options;
  options.clock = &clock;
  options.allocator = arena.hooks();
  options.seed = 0x6d6963726f726564ull;  // no entropy source on the board: a fixed seed
  microredis::Engine engine(options);

  microredis::serial::CmsdkUart uart;
  uart.init(kCpuHz, kBaud);
  microredis::serial::Server server(engine, uart);
  firmware::print("microredis serving on UART0 (%u B arena, %u B in use)\n", static_cast<unsigned>(arena.capacity()),
              static_cast<unsigned>(arena.used()));

  std::uint32_t idle = 0;
  for (;;) {
    if (server.poll()) {
      idle = 0;
    } else if (++idle >= kIdlePollsBeforeNap) {
      wait_for_interrupt();
    }
  }
}

}  // namespace firmware
