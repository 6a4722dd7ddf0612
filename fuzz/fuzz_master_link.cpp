// Fuzzes the replica side of replication: the bytes a master sends (handshake replies, the RDB
// payload in both framings, the command stream) fed in random pieces to a master link session,
// with ticks of the manual clock in between (ACKs, repl-timeout, reconnections). Invariants: no
// crash or undefined behaviour, the engine's memory accounting matches the allocator, nothing
// outlives the engine, and a client of the replica keeps getting whole replies.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "microredis/microredis.hpp"
#include "fuzz_support.hpp"

const char* const kFuzzTarget = "fuzz_master_link";

namespace {

using fuzz_support::BudgetAlloc;
using fuzz_support::fail;
using fuzz_support::options;

bool whole_replies(std::string_view out) {
  while (!out.empty()) {
    microredis::Reply r;
    std::size_t n = microredis::parse_reply(out, r);
    if (n == 0) return false;
    out.remove_prefix(n);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  BudgetAlloc alloc;
  microredis::ManualClock clock;
  {
    microredis::Engine engine(options(clock, alloc));
    int wanted = 0;
    engine.set_master_link_listener([](void* ctx) { ++*static_cast<int*>(ctx); }, &wanted);
    microredis::Session* client = engine.open_session();
    if (client == nullptr) fail("cannot open a session");
    client->feed("*3\r\n$9\r\nREPLICAOF\r\n$9\r\n127.0.0.1\r\n$4\r\n6379\r\n");
    std::string out(client->pending_output());
    client->consume_output(out.size());
    if (out != "+OK\r\n" && alloc.refusals == 0) fail("REPLICAOF failed", out);
    microredis::Session* link = nullptr;
    while (fdp.remaining_bytes() > 0) {
      if (link == nullptr) {
        microredis::MasterLinkRequest req;
        if (!engine.wanted_master_link(req)) {
          clock.advance_ms(1000);
          (void)engine.tick();
          if (!engine.wanted_master_link(req)) break;  // out of memory
        }
        engine.master_link_connecting(req.generation);
        link = engine.attach_master_link(req.generation);
        if (link == nullptr) break;
      }
      const std::size_t len = fdp.ConsumeIntegralInRange<std::size_t>(1, 400);
      const std::uint8_t mode = fdp.ConsumeIntegral<std::uint8_t>();
      const std::string piece = fdp.ConsumeBytesAsString(len);
      link->feed(piece);
      link->consume_output(link->pending_output().size());  // the handshake, ACKs: to the master
      if ((mode & 0x80) != 0) {
        clock.advance_ms((mode & 0x3f) * 100);
        (void)engine.tick();
      }
      if (link->want_close() || (mode & 0x7f) == 0x7f) {  // dropped by the engine, or by the network
        engine.close_session(link);
        link = nullptr;
      }
      // A client of the replica is served whole replies whatever the link does.
      client->feed("*1\r\n$4\r\nROLE\r\n*2\r\n$6\r\nDBSIZE\r\n");
      client->feed("*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n");
      out.assign(client->pending_output());
      client->consume_output(out.size());
      if (!client->want_close() && !whole_replies(out)) fail("a client of the replica got a partial reply", out);
    }
    if (alloc.live_bytes != engine.memory().used()) fail("memory accounting differs from the allocator");
    if (link != nullptr) engine.close_session(link);
    engine.close_session(client);
  }
  if (alloc.live_blocks != 0 || alloc.live_bytes != 0) fail("memory outlived the engine");
  return 0;
}
