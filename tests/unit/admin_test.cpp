// Server administration commands: SHUTDOWN SAVE BGSAVE SLOWLOG LATENCY ROLE WAIT LOLWUT (suite
// "server", in a file of its own). Replies were compared with redis-server 7.0.15.
#include <algorithm>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/session.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

std::string raw_reply(Harness& h, int proto, std::initializer_list<std::string_view> args) {
  Session* s = h.engine.open_session();
  s->set_protocol(proto);
  s->feed(multibulk(args));
  std::string out = take_output(*s);
  h.engine.close_session(s);
  return out;
}

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("SHUTDOWN records a request; bad combinations are syntax errors") {
    Harness h;
    int calls = 0;
    h.engine.set_shutdown_listener([](void* n) { ++*static_cast<int*>(n); }, &calls);
    CHECK(h.run({"SHUTDOWN", "ABORT"}) == error("ERR No shutdown in progress."));
    CHECK(h.run({"SHUTDOWN", "NOSAVE", "SAVE"}) == error(Status::syntax));
    CHECK(h.run({"SHUTDOWN", "ABORT", "NOW"}) == error(Status::syntax));
    CHECK(h.run({"SHUTDOWN", "LATER"}) == error(Status::syntax));
    // Nothing can be saved: an explicit SAVE fails as Redis's failed save does, unless FORCE.
    CHECK(h.run({"SHUTDOWN", "SAVE"}) == error("ERR Errors trying to SHUTDOWN. Check logs."));
    CHECK_FALSE(h.engine.shutdown_requested());
    CHECK(calls == 0);
    SUBCASE("plain") { CHECK(raw_reply(h, 2, {"SHUTDOWN"}).empty()); }
    SUBCASE("NOSAVE NOW FORCE") { CHECK(raw_reply(h, 2, {"shutdown", "nosave", "now", "force"}).empty()); }
    SUBCASE("SAVE FORCE") { CHECK(raw_reply(h, 2, {"SHUTDOWN", "SAVE", "FORCE"}).empty()); }
    CHECK(h.engine.shutdown_requested());
    CHECK(calls == 1);
    h.engine.set_shutdown_listener(nullptr, nullptr);
  }

  TEST_CASE("SHUTDOWN is refused inside MULTI") {
    Harness h;
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SHUTDOWN"}) == error(Status::not_in_multi));
    CHECK_FALSE(h.engine.shutdown_requested());
  }

  TEST_CASE("SAVE and BGSAVE say there is no persistence") {
    Harness h;
    CHECK(h.run({"SAVE"}) == error("ERR SAVE is not supported: microredis has no persistence"));
    CHECK(h.run({"BGSAVE"}) == error("ERR BGSAVE is not supported: microredis has no persistence"));
    CHECK(h.run({"BGSAVE", "SCHEDULE"}) == error("ERR BGSAVE is not supported: microredis has no persistence"));
    CHECK(h.run({"BGSAVE", "NOW"}) == error(Status::syntax));
  }

  TEST_CASE("SLOWLOG logs, truncates, redacts and trims") {
    Harness h;
    CHECK(h.run({"SLOWLOG", "LEN"}) == integer(0));
    CHECK(h.run({"CONFIG", "SET", "slowlog-log-slower-than", "0"}) == ok());
    CHECK(h.run({"SLOWLOG", "RESET"}) == ok());
    CHECK(h.run({"SET", "k", std::string(130, 'A')}) == ok());
    CHECK(h.run({"AUTH", "user", "pass"}).type == microredis::Reply::Type::error);
    const microredis::Reply log = h.run({"SLOWLOG", "GET"});
    REQUIRE(log.size() == 3);  // AUTH, SET, SLOWLOG RESET: newest first
    CHECK(log[0][3] == bulks({"AUTH", "(redacted)", "(redacted)"}));
    CHECK(log[1][3] == bulks({"SET", "k", std::string(128, 'A') + "... (2 more bytes)"}));
    CHECK(log[1][0] == integer(2));
    CHECK(log[1][1] == integer(h.clock.now_ms() / 1000));
    CHECK(log[1][2] == integer(0));  // the manual clock did not move
    CHECK(log[2][3] == bulks({"SLOWLOG", "RESET"}));

    std::vector<std::string> many{"SADD", "s"};
    for (int i = 0; i < 40; ++i) many.push_back(std::to_string(i));
    CHECK(h.run(many) == integer(40));
    const microredis::Reply last = h.run({"SLOWLOG", "GET", "1"});
    REQUIRE(last.size() == 1);
    REQUIRE(last[0][3].size() == 32);
    CHECK(last[0][3][31] == bulk("... (11 more arguments)"));

    CHECK(h.run({"CONFIG", "SET", "slowlog-max-len", "2"}) == ok());
    CHECK(h.run({"PING"}) == simple("PONG"));
    CHECK(h.run({"SLOWLOG", "LEN"}) == integer(2));
    CHECK(h.run({"SLOWLOG", "GET", "-1"}).size() == 2);
    CHECK(h.run({"SLOWLOG", "GET", "0"}) == array({}));
    CHECK(h.run({"SLOWLOG", "GET", "-2"}) == error("ERR count should be greater than or equal to -1"));
    CHECK(h.run({"SLOWLOG", "GET", "1", "2"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP."));
    CHECK(h.run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}) == ok());
    CHECK(h.run({"SLOWLOG", "RESET"}) == ok());
    CHECK(h.run({"PING"}) == simple("PONG"));
    CHECK(h.run({"SLOWLOG", "LEN"}) == integer(0));
    CHECK(h.engine.slowlog().bytes() == 0);  // RESET frees the entries and the list itself
  }

  TEST_CASE("SLOWLOG measures DEBUG SLEEP for its whole sleep, not EXEC") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "slowlog-log-slower-than", "100000"}) == ok());
    CHECK(h.run({"DEBUG", "SLEEP", "0"}) == ok());
    CHECK(h.run({"SLOWLOG", "LEN"}) == integer(0));
    Session* s = h.engine.open_session();
    s->feed(multibulk({"DEBUG", "SLEEP", "0.2"}));
    const microredis::Reply log = h.run({"SLOWLOG", "GET"});
    REQUIRE(log.size() == 1);
    CHECK(log[0][2] == integer(200000));
    CHECK(log[0][3] == bulks({"DEBUG", "SLEEP", "0.2"}));
    h.engine.close_session(s);
  }

  TEST_CASE("LATENCY: events over the threshold, histograms per command") {
    Harness h;
    CHECK(h.run({"LATENCY", "LATEST"}) == array({}));
    CHECK(h.run({"LATENCY", "HISTORY", "command"}) == array({}));
    CHECK(h.run({"LATENCY", "RESET"}) == integer(0));
    CHECK(h.run({"LATENCY", "DOCTOR"}) ==
          bulk("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
               "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a "
               "deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"));
    CHECK(h.run({"CONFIG", "SET", "latency-monitor-threshold", "100"}) == ok());
    CHECK(h.run({"LATENCY", "DOCTOR"}) ==
          bulk("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
               "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"));
    Session* s = h.engine.open_session();
    s->feed(multibulk({"DEBUG", "SLEEP", "0.3"}));
    const std::int64_t t = h.clock.now_ms() / 1000;
    CHECK(h.run({"LATENCY", "LATEST"}) == array({array({bulk("command"), integer(t), integer(300), integer(300)})}));
    CHECK(h.run({"LATENCY", "HISTORY", "command"}) == array({array({integer(t), integer(300)})}));
    CHECK(h.run({"LATENCY", "RESET", "command", "nope"}) == integer(1));
    CHECK(h.run({"LATENCY", "LATEST"}) == array({}));
    h.engine.close_session(s);

    CHECK(h.run({"CONFIG", "RESETSTAT"}) == ok());
    CHECK(h.run({"SET", "a", "b"}) == ok());
    CHECK(h.run({"SET", "c", "d"}) == ok());
    CHECK(h.run({"LATENCY", "HISTOGRAM", "set", "nosuchcommand"}) ==
          array({bulk("set"), array({bulk("calls"), integer(2), bulk("histogram_usec"), array({integer(1), integer(2)})})}));
    CHECK(h.run({"CLIENT", "ID"}).type == microredis::Reply::Type::integer);
    const microredis::Reply client = h.run({"LATENCY", "HISTOGRAM", "client"});
    REQUIRE(client.size() == 2);
    CHECK(client[0] == bulk("client|id"));
    CHECK(raw_reply(h, 3, {"LATENCY", "HISTOGRAM", "get"}) == "%0\r\n");
  }

  TEST_CASE("LATENCY: the active expiry cycle and eviction are events of their own") {
    const auto h_exists = [](microredis::Engine& e, std::string_view key) { return e.db(0).find_raw(key) != nullptr; };
    // A clock that moves 30 ms at every read: any timed work takes at least that long.
    struct SlowClock final : microredis::Clock {
      mutable std::int64_t now = 1'700'000'000'000'000;
      std::int64_t now_us() const override { return now += 30'000; }
    } slow;
    microredis::EngineOptions o = Harness::options(slow, 42);
    microredis::Engine engine(o);
    microredis::Session* s = engine.open_session();
    const auto names = [&] {
      std::vector<std::string> v;
      s->feed(multibulk({"LATENCY", "LATEST"}));
      const std::vector<Reply> replies = drain(*s);
      for (const Reply& event : replies.at(0).elements) v.push_back(event.elements[0].str);
      std::sort(v.begin(), v.end());
      return v;
    };
    CHECK(wire(*s, {"SET", "k", "v", "PX", "10"}) == "+OK\r\n");
    (void)engine.tick();
    CHECK(names().empty());  // the monitor is off: nothing timed, nothing recorded
    CHECK(wire(*s, {"CONFIG", "SET", "latency-monitor-threshold", "20"}) == "+OK\r\n");
    CHECK(wire(*s, {"SET", "k2", "v", "PX", "10"}) == "+OK\r\n");
    (void)engine.tick();
    CHECK(names() == std::vector<std::string>{"command", "expire-cycle"});
    CHECK(wire(*s, {"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}) == "+OK\r\n");
    CHECK(wire(*s, {"SET", "big", std::string(100000, 'x')}) == "+OK\r\n");
    CHECK(wire(*s, {"CONFIG", "SET", "maxmemory", "50000"}) == "+OK\r\n");
    (void)wire(*s, {"SET", "small", "x"});  // evicts "big" (CONFIG SET may already have)
    CHECK_FALSE(h_exists(engine, "big"));
    CHECK(names() == std::vector<std::string>{"command", "eviction-cycle", "eviction-del", "expire-cycle"});
    engine.close_session(s);
  }
  TEST_CASE("latency-tracking no frees the per-command histograms; yes brings them back empty") {
    Harness h;
    CHECK(h.run({"CONFIG", "GET", "latency-tracking"}) == bulks({"latency-tracking", "yes"}));
    CHECK(h.engine.latency_histograms().count() >= 1);  // CONFIG GET's own
    CHECK(h.run({"SET", "a", "b"}) == ok());
    const std::size_t with = h.engine.memory().used();
    CHECK(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    CHECK(h.engine.latency_histograms().count() == 0);
    CHECK(h.engine.memory().used() + 2 * sizeof(microredis::LatencyHistograms::Histogram) <= with);
    CHECK(h.run({"CONFIG", "GET", "latency-tracking"}) == bulks({"latency-tracking", "no"}));
    CHECK(h.run({"SET", "a", "b"}) == ok());
    CHECK(h.run({"LATENCY", "HISTOGRAM", "set"}) == array({}));
    CHECK(h.run({"CONFIG", "SET", "latency-tracking", "maybe"}).is_error());
    CHECK(h.run({"CONFIG", "SET", "latency-tracking", "yes"}) == ok());
    CHECK(h.run({"LATENCY", "HISTOGRAM", "set"}) == array({}));
    CHECK(h.run({"SET", "a", "b"}) == ok());
    CHECK(h.run({"LATENCY", "HISTOGRAM", "set"}).size() == 2);
  }

  TEST_CASE("command counters are created on a command's first call or refusal") {
    microredis::Engine e;
    const auto get = e.commands().find_full("get").id;
    const auto set = e.commands().find_full("set").id;
    CHECK(e.command_stats(get).calls == 0);
    const std::size_t before = e.memory().used();
    (void)e.execute({"GET", "k"});
    CHECK(e.command_stats(get).calls == 1);
    const std::size_t after_one = e.memory().used();
    CHECK(after_one > before);
    // Far less than counters for every command id would take (the GET histogram included).
    CHECK(after_one - before < e.commands().id_count() * sizeof(microredis::CommandStats) / 4);
    (void)e.execute({"GET", "k"});
    CHECK(e.memory().used() == after_one);  // later calls allocate nothing
    CHECK(e.command_stats(get).calls == 2);
    CHECK(e.execute({"SET", "k"}).is_error());  // a refusal counts too
    CHECK(e.command_stats(set).calls == 0);
    CHECK(e.command_stats(set).rejected_calls == 1);
    (void)e.execute({"CONFIG", "RESETSTAT"});
    CHECK(e.command_stats(get).calls == 0);
    CHECK(e.command_stats(set).rejected_calls == 0);
  }
  TEST_CASE("latency histograms are created on a command's first call: an idle engine holds none") {
    microredis::Engine idle;
    const std::size_t at_idle = idle.memory().used();
    CHECK(idle.latency_histograms().count() == 0);
    CHECK(idle.latency_histograms().find(idle.commands().find_full("get").id) == nullptr);
    // Every command id's histogram would be far bigger than what the idle engine holds in all
    // beside its command statistics.
    const std::size_t all = idle.commands().id_count() * sizeof(microredis::LatencyHistograms::Histogram);
    CHECK(all > 20000);
    (void)idle.execute({"GET", "k"});
    CHECK(idle.latency_histograms().count() == 1);
    const auto* get = idle.latency_histograms().find(idle.commands().find_full("get").id);
    REQUIRE(get != nullptr);
    CHECK(get->calls == 1);
    CHECK(idle.latency_histograms().find(idle.commands().find_full("set").id) == nullptr);
    const std::size_t after_one = idle.memory().used();
    CHECK(after_one > at_idle);
    CHECK(after_one - at_idle < all / 8);
    (void)idle.execute({"GET", "k"});
    CHECK(idle.memory().used() == after_one);  // later calls allocate nothing
    CHECK(get->calls == 2);
    (void)idle.execute({"CONFIG", "RESETSTAT"});
    CHECK(idle.latency_histograms().count() == 1);  // RESETSTAT's own call, recorded after it ran
    CHECK(idle.latency_histograms().find(idle.commands().find_full("get").id) == nullptr);
  }

  TEST_CASE("ROLE WAIT LOLWUT") {
    Harness h;
    CHECK(h.run({"ROLE"}) == array({bulk("master"), integer(0), array({})}));
    CHECK(h.run({"WAIT", "0", "0"}) == integer(0));
    CHECK(h.run({"WAIT", "1", "10"}) == integer(0));
    CHECK(h.run({"WAIT", "x", "0"}) == error(Status::not_integer));
    CHECK(h.run({"WAIT", "0", "x"}) == error("ERR timeout is not an integer or out of range"));
    CHECK(h.run({"WAIT", "0", "-1"}) == error("ERR timeout is negative"));
    CHECK(h.run({"LOLWUT"}) == bulk("Redis ver. 7.0.15\n"));
    CHECK(h.run({"LOLWUT", "VERSION", "7"}) == bulk("Redis ver. 7.0.15\n"));
    CHECK(h.run({"LOLWUT", "VERSION", "x"}) == error(Status::not_integer));
    CHECK(h.run({"LOLWUT", "VERSION", "5"}) == error("ERR LOLWUT VERSION 5 artwork is not built into microredis"));
    CHECK(raw_reply(h, 3, {"LOLWUT"}) == "=22\r\ntxt:Redis ver. 7.0.15\n\r\n");
  }
}
