#include "harness.hpp"

using namespace mrtest;

TEST_SUITE("memory commands") {
  TEST_CASE("MEMORY USAGE counts the entry, the value outside it and the table slot") {
    Harness h;
    CHECK(h.run({"MEMORY", "USAGE", "missing"}) == nil());
    CHECK(h.run({"SET", "k", "v"}) == ok());
    const microredis::Entry* e = h.engine.db(0).find_raw("k");
    REQUIRE(e != nullptr);
    CHECK(h.run({"MEMORY", "USAGE", "k"}) ==
          integer(static_cast<std::int64_t>(e->alloc_size() + sizeof(void*) + 1)));
    // A raw string's buffer is counted too, so growing it shows.
    std::string big(1000, 'x');
    CHECK(h.run({"SET", "big", big}) == ok());
    CHECK(h.run({"MEMORY", "USAGE", "big"}).integer > 1000);
    CHECK(h.run({"MEMORY", "USAGE", "k", "SAMPLES", "0"}).type == Reply::Type::integer);
    CHECK(h.run({"MEMORY", "USAGE", "k", "SAMPLES", "-1"}) == error(Status::syntax));
    CHECK(h.run({"MEMORY", "USAGE", "k", "SAMPLES", "x"}) == error(Status::not_integer));
    CHECK(h.run({"MEMORY", "USAGE", "k", "FOO"}) == error(Status::syntax));
    CHECK(h.run({"HSET", "h", "f", "v"}) == integer(1));
    CHECK(h.run({"MEMORY", "USAGE", "h"}).integer > 0);
  }

  TEST_CASE("MEMORY STATS reports the engine's own accounting") {
    Harness h;
    CHECK(h.run({"SET", "a", "1"}) == ok());
    Reply r = h.run({"MEMORY", "STATS"});
    REQUIRE(r.type == Reply::Type::array);  // a map in RESP2 is a flat array
    auto value = [&](std::string_view name) -> Reply {
      for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
        if (r[i].str == name) return r[i + 1];
      }
      return nil();
    };
    // Measured while the reply was being written: at most what is in use now.
    CHECK(value("total.allocated").integer > 0);
    CHECK(value("total.allocated").integer <= static_cast<std::int64_t>(h.engine.memory().peak()));
    CHECK(value("startup.allocated").integer == static_cast<std::int64_t>(h.engine.startup_memory()));
    CHECK(value("keys.count") == integer(1));
    CHECK(h.run({"MEMORY", "DOCTOR"}).type == Reply::Type::bulk);
    CHECK(h.run({"MEMORY", "PURGE"}) == ok());
    CHECK(h.run({"MEMORY", "NOSUCH"}) == error("ERR unknown subcommand 'NOSUCH'. Try MEMORY HELP."));
    CHECK(h.run({"MEMORY", "HELP"}).size() == 14);  // header, 11 lines, HELP and its line
  }
}
