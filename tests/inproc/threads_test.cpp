// SharedClient from several threads: every thread's writes arrive, pub/sub handlers run under the
// lock, and, in the MICROREDIS_TSAN build, ThreadSanitizer sees no data race.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "microredis/inproc.hpp"

using namespace microredis;

TEST_CASE("SharedClient serves several threads") {
  ManualClock clock;
  EngineOptions options;
  options.clock = &clock;
  options.seed = 7;
  Engine engine(options);
  inproc::SharedClient shared(engine);

  std::size_t delivered = 0;  // written by handlers, which run under the client's lock
  REQUIRE(shared.with([&](inproc::Client& c) {
    return c.subscribe("news", [&](const inproc::Message&) { ++delivered; }).ok();
  }));

  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "key:" + std::to_string(t);
      for (int i = 0; i < kRounds; ++i) {
        if (!shared.incr("counter")) ++failures;
        if (!shared.set(own, std::to_string(i))) ++failures;
        auto v = shared.get(own);
        if (!v || !*v || **v != std::to_string(i)) ++failures;
        if (i % 50 == 0) {
          if (!shared.publish("news", own)) ++failures;
          shared.tick();
          (void)shared.command({"HSET", "h", own, std::to_string(i)});
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(*shared.get("counter") == std::optional<std::string>(std::to_string(kThreads * kRounds)));
  CHECK(shared.with([&](inproc::Client&) { return delivered; }) == kThreads * (kRounds / 50));
  CHECK(shared.command({"HLEN", "h"}).integer == kThreads);
}
