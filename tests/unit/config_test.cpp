#include <map>
#include <string>

#include "harness.hpp"

using namespace mrtest;

namespace {

std::map<std::string, std::string> as_map(const Reply& r) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i + 1 < r.size(); i += 2) out[r[i].str] = r[i + 1].str;
  return out;
}

// Start-up configuration (redis.conf, command line) goes through the table directly.
bool startup_set(Harness& h, std::string_view name, std::string_view value, std::string* why = nullptr) {
  const microredis::ConfigSpec* spec = microredis::find_config(name);
  REQUIRE(spec != nullptr);
  microredis::ConfigError err;
  bool ok = spec->set(h.engine, value, err);
  if (why) *why = std::string(err.view());
  return ok;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("CONFIG GET names, aliases and patterns") {
    Harness h;
    CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == bulks({"maxmemory", "0"}));
    CHECK(h.run({"CONFIG", "GET", "nosuch"}) == array({}));
    // An alias answers under the name as asked, in any case.
    CHECK(h.run({"CONFIG", "GET", "hash-max-ziplist-entries"}) == bulks({"hash-max-ziplist-entries", "128"}));
    CHECK(h.run({"CONFIG", "GET", "HASH-MAX-ZIPLIST-ENTRIES"}) == bulks({"HASH-MAX-ZIPLIST-ENTRIES", "128"}));
    CHECK(h.run({"CONFIG", "GET", "Maxmemory"}) == bulks({"Maxmemory", "0"}));
    // A pattern lists names and aliases alike.
    auto m = as_map(h.run({"CONFIG", "GET", "hash-max-*"}));
    CHECK(m.size() == 4);
    CHECK(m["hash-max-listpack-entries"] == "128");
    CHECK(m["hash-max-ziplist-entries"] == "128");
    CHECK(m["hash-max-ziplist-value"] == "64");
    // Nothing twice, whatever matches it.
    Reply r = h.run({"CONFIG", "GET", "maxmemory", "maxmemory*", "MAXMEMORY", "maxmemory"});
    m = as_map(r);
    CHECK(r.size() == m.size() * 2);
    CHECK(m.count("maxmemory") == 1);
    CHECK(m.count("maxmemory-policy") == 1);
    CHECK(m.count("maxmemory-samples") == 1);
    // Every setting under "*", each once.
    std::size_t count = 0;
    const microredis::ConfigSpec* specs = microredis::config_specs(count);
    std::size_t aliases = 0;
    for (std::size_t i = 0; i < count; ++i) aliases += specs[i].alias.empty() ? 0 : 1;
    r = h.run({"CONFIG", "GET", "*"});
    CHECK(r.size() == 2 * (count + aliases));
    CHECK(as_map(r).size() == count + aliases);
    CHECK(h.run({"CONFIG", "GET"}) == error("ERR wrong number of arguments for 'config|get' command"));
  }

  TEST_CASE("CONFIG GET in RESP3 is a map") {
    Harness h;
    (void)h.run({"HELLO", "3"});
    Reply r = h.run({"CONFIG", "GET", "maxclients"});
    CHECK(r.type == Reply::Type::map);
    CHECK(r.size() == 2);
  }

  TEST_CASE("CONFIG SET validates in argument order, then sets all or nothing") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "maxmemory"}) == error("ERR wrong number of arguments for 'config|set' command"));
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "1", "hz"}) == error("ERR syntax error"));
    CHECK(h.run({"CONFIG", "SET", "nosuch", "1"}) ==
          error("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
    // The first problem wins.
    CHECK(h.run({"CONFIG", "SET", "daemonize", "no", "nosuch", "1"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"));
    CHECK(h.run({"CONFIG", "SET", "nosuch", "1", "daemonize", "no"}) ==
          error("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "10000001", "MAXMEMORY", "10000002"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"));
    CHECK(h.run({"CONFIG", "SET", "hash-max-listpack-entries", "1", "hash-max-ziplist-entries", "2"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - duplicate parameter"));
    // A refused value rolls back the values set before it; the error names the setting.
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "10000001", "maxclients", "0", "timeout", "5"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and "
                "1000000 inclusive"));
    CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == bulks({"maxmemory", "0"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "1mb", "hash-max-ziplist-entries", "7"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == bulks({"maxmemory", "1048576"}));
    CHECK(h.run({"CONFIG", "GET", "hash-max-listpack-entries"}) == bulks({"hash-max-listpack-entries", "7"}));
  }

  TEST_CASE("hz is clamped into 1..500 as Redis does") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "hz", "1000"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "hz"}) == bulks({"hz", "500"}));
    CHECK(h.run({"CONFIG", "SET", "hz", "0"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "hz"}) == bulks({"hz", "1"}));
    CHECK(h.run({"CONFIG", "SET", "hz", "-1"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 "
                "inclusive"));
    CHECK(h.run({"CONFIG", "SET", "hz", "abc"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"));
    CHECK(h.run({"CONFIG", "SET", "hz", "25"}) == ok());
    CHECK(h.engine.settings().hz == 25);
  }

  TEST_CASE("unixsocketperm is octal and immutable") {
    Harness h;
    CHECK(h.run({"CONFIG", "GET", "unixsocketperm"}) == bulks({"unixsocketperm", "0"}));
    CHECK(h.run({"CONFIG", "SET", "unixsocketperm", "700"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config"));
    CHECK(startup_set(h, "unixsocketperm", "700"));
    CHECK(h.engine.settings().unixsocketperm == 0700);
    CHECK(h.run({"CONFIG", "GET", "unixsocketperm"}) == bulks({"unixsocketperm", "700"}));
    CHECK(startup_set(h, "unixsocketperm", "0755"));
    CHECK(h.run({"CONFIG", "GET", "unixsocketperm"}) == bulks({"unixsocketperm", "755"}));
    std::string why;
    CHECK(!startup_set(h, "unixsocketperm", "789", &why));
    CHECK(why == "argument couldn't be parsed as an octal number");
    CHECK(!startup_set(h, "unixsocketperm", "1000", &why));
    CHECK(why == "argument must be between 0 and 777 inclusive");
    CHECK(h.engine.settings().unixsocketperm == 0755);
  }

  TEST_CASE("port and bind accept only their current value while serving") {
    Harness h;
    CHECK(startup_set(h, "port", "7000"));
    CHECK(h.run({"CONFIG", "SET", "port", "7000"}) == ok());
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "123", "port", "7001"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port: the "
                "listener cannot move while serving"));
    CHECK(h.run({"CONFIG", "GET", "port"}) == bulks({"port", "7000"}));
    CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == bulks({"maxmemory", "0"}));  // rolled back
    CHECK(h.run({"CONFIG", "SET", "port", "70000"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 "
                "inclusive"));
    CHECK(h.run({"CONFIG", "SET", "bind", ""}) == ok());
    CHECK(h.run({"CONFIG", "SET", "bind", "10.0.0.1"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses: "
                "the listener cannot move while serving"));
    CHECK(h.run({"CONFIG", "GET", "bind"}) == bulks({"bind", ""}));
  }

  TEST_CASE("loglevel and daemonize") {
    Harness h;
    CHECK(h.run({"CONFIG", "GET", "loglevel"}) == bulks({"loglevel", "notice"}));
    CHECK(h.run({"CONFIG", "SET", "loglevel", "WARNING"}) == ok());
    CHECK(h.engine.settings().loglevel == microredis::LogLevel::warning);
    CHECK(h.run({"CONFIG", "GET", "loglevel"}) == bulks({"loglevel", "warning"}));
    CHECK(h.run({"CONFIG", "SET", "loglevel", "loud"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the "
                "following: debug, verbose, notice, warning"));
    CHECK(h.run({"CONFIG", "GET", "daemonize"}) == bulks({"daemonize", "no"}));
    CHECK(h.run({"CONFIG", "SET", "daemonize", "yes"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"));
    CHECK(startup_set(h, "daemonize", "no"));
    std::string why;
    CHECK(!startup_set(h, "daemonize", "yes", &why));
    CHECK(why == "daemonizing is not supported by microredis");
  }

  TEST_CASE("every setting can be set to the value it shows") {
    // Redis's "CONFIG sanity" test: CONFIG SET of each CONFIG GET value changes nothing.
    Harness h;
    Reply all = h.run({"CONFIG", "GET", "*"});
    std::map<std::string, std::string> before = as_map(all);
    for (const auto& setting : before) {
      const std::string& name = setting.first;
      const std::string& value = setting.second;
      const microredis::ConfigSpec* spec = microredis::find_config(name);
      REQUIRE(spec != nullptr);
      if (spec->flag == microredis::ConfigFlag::immutable) continue;
      CHECK_MESSAGE(h.run({"CONFIG", "SET", name, value}) == ok(), name);
    }
    CHECK(as_map(h.run({"CONFIG", "GET", "*"})) == before);
  }
}

TEST_SUITE("config") {
  TEST_CASE("maxmemory-clients: bytes or a percentage of maxmemory") {
    Harness h;
    auto get = [&] { return h.run({"CONFIG", "GET", "maxmemory-clients"}); };
    auto failed = [](const std::string& why) {
      return error("ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - " + why);
    };
    CHECK(get() == bulks({"maxmemory-clients", "0"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "100%"}) == ok());
    CHECK(get() == bulks({"maxmemory-clients", "100%"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "5%"}) == ok());
    CHECK(get() == bulks({"maxmemory-clients", "5%"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "1k"}) == ok());
    CHECK(get() == bulks({"maxmemory-clients", "1000"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "1kb"}) == ok());
    CHECK(get() == bulks({"maxmemory-clients", "1024"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "0%"}) == ok());
    CHECK(get() == bulks({"maxmemory-clients", "0"}));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "9223372036854775807"}) == ok());
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", ""}) == ok());
    CHECK(get() == bulks({"maxmemory-clients", "0"}));
    for (const char* bad : {"-1", "-5%", "abc", "%", "1mb%", "05%", "+5%", " 5%", "10%x", "1.5"}) {
      CAPTURE(bad);
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", bad}) == failed("argument must be a memory or percent value"));
    }
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "101%"}) ==
          failed("percentage argument must be less or equal to 100"));
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "9223372036854775808"}) ==
          failed("percentage argument must be less or equal to 100"));
    // All or nothing: the first bad value is reported, every earlier one rolled back.
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "10000002"}) == ok());
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "10000001", "maxmemory-clients", "200%", "client-query-buffer-limit",
                 "invalid"}) == failed("percentage argument must be less or equal to 100"));
    CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == bulks({"maxmemory", "10000002"}));
    CHECK(get() == bulks({"maxmemory-clients", "0"}));
    CHECK(h.run({"CONFIG", "GET", "maxmemory*"}) == h.run({"CONFIG", "GET", "maxmemory", "maxmemory-policy",
                                                             "maxmemory-samples", "maxmemory-clients"}));
    // An empty memory value reads as 0, as Redis's memtoull.
    CHECK(h.run({"CONFIG", "SET", "maxmemory", ""}) == ok());
    CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == bulks({"maxmemory", "0"}));
  }
}

TEST_SUITE("config") {
  TEST_CASE("replica-serve-stale-data answers to its old name too") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "slave-serve-stale-data", "no"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "replica-serve-stale-data"}) == bulks({"replica-serve-stale-data", "no"}));
    CHECK(h.run({"CONFIG", "GET", "slave-serve-stale-data"}) == bulks({"slave-serve-stale-data", "no"}));
    CHECK(h.run({"CONFIG", "GET", "*serve-stale*"}) ==
          bulks({"slave-serve-stale-data", "no", "replica-serve-stale-data", "no"}));
  }
}
