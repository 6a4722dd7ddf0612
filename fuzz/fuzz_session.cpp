// libFuzzer target: arbitrary bytes, in arbitrary pieces, to one session of an engine while a
// second session of the same engine runs a fixed command sequence between the pieces.
//
// Checked on every input:
//  - nothing crashes and the sanitizers stay quiet;
//  - the peer session's replies are exactly the expected ones: malformed input on one connection
//    never disturbs another (unless the fuzzed connection legitimately acted on it: CLIENT KILL or
//    PAUSE, or memory ran out);
//  - a connection that is not being dropped only ever sends whole RESP replies;
//  - the fuzzed bytes fed whole to a fresh engine give the same output as fed in pieces (skipped when
//    the input uses commands whose replies describe buffers or time, which legitimately differ);
//  - the engine's memory accounting matches the allocator, and nothing outlives the engine.
//
// The input is read with FuzzedDataProvider: piece lengths and modes come from its end, the bytes
// from its front, so a plain RESP stream is a useful seed as it is.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "microredis/microredis.hpp"
#include "fuzz_support.hpp"

const char* const kFuzzTarget = "fuzz_session";

namespace {

using fuzz_support::BudgetAlloc;
using fuzz_support::fail;
using fuzz_support::options;

// The peer's commands: session-local ones whose replies nothing another client does may change.
// The cycle leaves the peer in the state it started in (RESP2, database 0).
constexpr std::string_view kPeerCommands[] = {
    "*1\r\n$4\r\nPING\r\n",
    "*2\r\n$4\r\nECHO\r\n$11\r\npeer\r\nbytes\r\n",
    "SELECT 3\r\n",
    "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n",
    "ECHO \"resp3 \\x41\"\r\n",
    "*3\r\n$4\r\nNOPE\r\n$1\r\na\r\n$0\r\n\r\n",
    "HELLO 2\r\n",
    "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n",
    "PING again\r\n",
};
constexpr std::size_t kPeerCount = sizeof kPeerCommands / sizeof kPeerCommands[0];

std::string take_output(microredis::Session* s, std::size_t chunk = SIZE_MAX) {
  std::string out;
  while (s->has_output()) {
    std::string_view p = s->pending_output();
    std::size_t n = p.size() < chunk ? p.size() : chunk;
    out.append(p.data(), n);
    s->consume_output(n);
  }
  return out;
}

// The peer's expected reply to each command of its cycle, from an engine nobody else uses.
const std::vector<std::string>& peer_expected() {
  static const std::vector<std::string> expected = [] {
    microredis::ManualClock clock;
    BudgetAlloc alloc;
    std::vector<std::string> v;
    {
      microredis::Engine engine(options(clock, alloc));
      microredis::Session* first = engine.open_session();  // ids as in the fuzzed engine
      microredis::Session* peer = engine.open_session();
      for (int cycle = 0; cycle < 2; ++cycle) {
        for (std::size_t i = 0; i < kPeerCount; ++i) {
          peer->feed(kPeerCommands[i]);
          std::string out = take_output(peer);
          if (cycle == 0) {
            v.push_back(out);
          } else if (out != v[i]) {
            fail("the peer cycle does not return the session to its first state", out);
          }
        }
      }
      engine.close_session(peer);
      engine.close_session(first);
    }
    return v;
  }();
  return expected;
}

// True when the whole output is a sequence of complete replies.
bool whole_replies(std::string_view out) {
  while (!out.empty()) {
    microredis::Reply r;
    std::size_t n = microredis::parse_reply(out, r);
    if (n == 0) return false;
    out.remove_prefix(n);
  }
  return true;
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (microredis::iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Commands whose replies report buffer sizes, memory or timing: the split of the input changes
// them legitimately, so an input that may run them is not held to split invariance. A replica
// (SYNC, PSYNC) also receives the peer session's writes, which the second run has no peer for.
bool may_introspect(std::string_view stream) {
  for (std::string_view word :
       {"info", "client", "memory", "debug", "object", "latency", "slowlog", "monitor", "sync"}) {
    if (contains_nocase(stream, word)) return true;
  }
  return false;
}

void feed(microredis::Session* s, std::string_view bytes, bool zero_copy) {
  if (!zero_copy) {
    s->feed(bytes);
    return;
  }
  // The POSIX adapter's path: read straight into the session's input buffer.
  while (!bytes.empty()) {
    std::size_t room = 0;
    char* p = s->input_space(bytes.size(), room);
    if (p == nullptr) return;
    std::size_t n = room < bytes.size() ? room : bytes.size();
    std::memcpy(p, bytes.data(), n);
    bytes.remove_prefix(n);
    s->commit_input(n);
  }
}

// Settings through which one client legitimately changes what another sees; the fuzzed client
// may set them, and the harness puts them back before the peer's turn.
void pin_shared_settings(microredis::Engine& e) {
  e.settings().output_limit_normal = microredis::OutputBufferLimit{};
  e.settings().timeout = 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string>& expected = peer_expected();
  FuzzedDataProvider fdp(data, size);
  std::string stream;  // every byte fed to the fuzzed session, in order
  std::string fuzzed_out;
  bool ticked = false;
  bool fuzzed_dropped = false;  // closed with output discarded (close_now)
  BudgetAlloc alloc;
  microredis::ManualClock clock;
  {
    microredis::Engine engine(options(clock, alloc));
    microredis::Session* fuzzed = engine.open_session();
    microredis::Session* peer = engine.open_session();
    if (fuzzed == nullptr || peer == nullptr) fail("cannot open sessions");
    bool peer_gone = false;
    std::size_t turn = 0;

    while (fdp.remaining_bytes() > 0) {
      std::size_t len = fdp.ConsumeIntegralInRange<std::size_t>(1, 300);
      std::uint8_t mode = fdp.ConsumeIntegral<std::uint8_t>();
      std::string piece = fdp.ConsumeBytesAsString(len);
      stream += piece;
      feed(fuzzed, piece, (mode & 1) != 0);
      // Drain some or all of the output in chunks of 1, 7, 64 or any size.
      static constexpr std::size_t kChunks[] = {1, 7, 64, SIZE_MAX};
      std::size_t chunk = kChunks[(mode >> 1) & 3];
      if (fuzzed->want_close() && fuzzed->has_output() && !fuzzed_dropped) fuzzed_dropped = true;
      if ((mode & 8) != 0 && !fuzzed_dropped) {
        std::string_view p = fuzzed->pending_output();
        std::size_t n = p.size() < chunk ? p.size() : chunk;
        fuzzed_out.append(p.data(), n);
        fuzzed->consume_output(n);
      } else if (!fuzzed_dropped) {
        fuzzed_out += take_output(fuzzed, chunk);
      }
      if ((mode & 0x80) != 0) {
        clock.advance_ms(mode & 0x3f);
        (void)engine.tick();
        ticked = true;
      }

      pin_shared_settings(engine);
      if (!peer_gone) {
        std::size_t i = turn++ % kPeerCount;
        peer->feed(kPeerCommands[i]);
        std::string got = take_output(peer);
        if (got != expected[i]) {
          bool killed = peer->want_close() && contains_nocase(stream, "kill");
          bool paused = peer->blocked() && contains_nocase(stream, "pause");
          bool starved = alloc.refusals > 0;
          if (!(killed || paused || starved)) fail("the peer session's reply changed", got);
          peer_gone = true;
        }
      }
    }

    if (!fuzzed_dropped && fuzzed->want_close() && fuzzed->has_output()) fuzzed_dropped = true;
    if (!fuzzed_dropped) {
      fuzzed_out += take_output(fuzzed);
      // A replica's output is an RDB payload and then the command stream, not replies.
      if (!fuzzed->replica() && !whole_replies(fuzzed_out)) {
        fail("a session that stays connected sent a partial reply", fuzzed_out);
      }
    }
    if (alloc.live_bytes != engine.memory().used()) fail("memory accounting differs from the allocator");
    engine.close_session(fuzzed);
    engine.close_session(peer);
  }
  if (alloc.live_blocks != 0 || alloc.live_bytes != 0) fail("memory outlived the engine");

  // The same bytes in one piece to a fresh engine without a peer give the same output.
  if (!ticked && !fuzzed_dropped && alloc.refusals == 0 && !may_introspect(stream)) {
    BudgetAlloc alloc2;
    microredis::ManualClock clock2;
    microredis::Engine engine(options(clock2, alloc2));
    microredis::Session* whole = engine.open_session();
    whole->feed(stream);
    std::string out = take_output(whole);
    if (out != fuzzed_out && alloc2.refusals == 0) fail("splitting the input changed the output", stream);
    engine.close_session(whole);
  }
  return 0;
}
