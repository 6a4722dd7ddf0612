// Footprint mode: the memory figures benchmarks/footprint puts in its table, measured on the arena
// (what the engine really takes from the budget, block rounding included) and on the engine's own
// accounting (Memory::used, what INFO's used_memory reports).
//   FOOTPRINT arena_capacity <bytes>
//   FOOTPRINT idle_arena <bytes>          engine constructed, no session
//   FOOTPRINT session_fresh <bytes>       a session just opened (no buffer allocated yet)
//   FOOTPRINT session_after_ping <bytes>  the same after one PING round trip (the buffers it keeps)
//   FOOTPRINT keys <n>
//   FOOTPRINT per_key_arena_x100 <bytes*100>  arena bytes per small string key (key:%07d -> 16 bytes)
//   FOOTPRINT per_key_overhead_x100 <bytes*100>  the same minus the key and value bytes
//   FOOTPRINT stack_peak <bytes>          deepest stack use while measuring
#include <cstdio>
#include <cstring>

#include "board.hpp"
#include "microredis/engine.hpp"
#include "modes.hpp"

#ifndef FIRMWARE_FOOTPRINT_KEYS
#define FIRMWARE_FOOTPRINT_KEYS 2000
#endif

namespace firmware {

namespace {

// %ld, not %lld: newlib-nano's printf has no long long (and every figure fits in 32 bits).
void report(const char* name, long long value) { firmware::print("FOOTPRINT %s %ld\n", name, static_cast<long>(value)); }

}  // namespace

int run_footprint(Arena& arena) {
  microredis::ManualClock clock;
  microredis::EngineOptions options;
  options.clock = &clock;
  options.allocator = arena.hooks();
  options.seed = 1;
  const std::size_t before_engine = arena.used();
  microredis::Engine engine(options);
  report("arena_capacity", static_cast<long long>(arena.capacity()));
  report("idle_arena", static_cast<long long>(arena.used() - before_engine));
  report("idle_engine_accounting", static_cast<long long>(engine.memory().used()));
  report("sizeof_engine", static_cast<long long>(sizeof(microredis::Engine)));

  // A connection: the session object, then what its buffers keep after a command.
  std::size_t before = arena.used();
  microredis::Session* s = engine.open_session();
  if (s == nullptr) return 1;
  report("sizeof_session", static_cast<long long>(sizeof(microredis::Session)));
  report("session_fresh", static_cast<long long>(arena.used() - before));
  static const char kPing[] = "*1\r\n$4\r\nPING\r\n";
  s->feed(kPing, sizeof kPing - 1);
  s->consume_output(s->pending_output().size());
  report("session_after_ping", static_cast<long long>(arena.used() - before));

  // Small string keys, SET through that session as a client would (RESP in, "+OK" out; no
  // Engine::execute, whose Reply values live on the C++ heap, not in the arena).
  const int n = FIRMWARE_FOOTPRINT_KEYS;
  char command[96];
  before = arena.used();
  const std::size_t before_accounting = engine.memory().used();
  for (int i = 0; i < n; ++i) {
    int len = std::snprintf(command, sizeof command, "*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n$16\r\n0123456789abcdef\r\n", i);
    s->feed(command, static_cast<std::size_t>(len));
    std::string_view out = s->pending_output();
    if (out != "+OK\r\n") {
      firmware::print("SET key:%07d failed after %d keys: %.*s\n", i, i, static_cast<int>(out.size()), out.data());
      return 1;
    }
    s->consume_output(out.size());
  }
  const long long delta = static_cast<long long>(arena.used() - before);
  const long long delta_accounting = static_cast<long long>(engine.memory().used() - before_accounting);
  const long long payload = 11 + 16;  // "key:0000000" and the value
  report("keys", n);
  report("per_key_arena_x100", delta * 100 / n);
  report("per_key_accounting_x100", delta_accounting * 100 / n);
  report("per_key_overhead_x100", delta * 100 / n - payload * 100);
  report("arena_peak", static_cast<long long>(arena.peak()));
  engine.close_session(s);
  report("stack_peak", static_cast<long long>(stack_high_water()));
  firmware::print("FOOTPRINT done\n");
  return 0;
}

}  // namespace firmware
