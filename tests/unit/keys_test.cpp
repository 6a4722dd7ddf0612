// Generic key commands. Keys are created through the keyspace API (the string commands live in
// another family), with the values and encodings SET would give them.
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_set>

#include "harness.hpp"
#include "microredis/store/string.hpp"

using namespace mrtest;
using microredis::Db;
using microredis::Entry;
using microredis::EvictionPolicy;

namespace {

// SET key value [PX ttl_ms] in database db, bypassing the string commands.
void put(Harness& h, std::string_view key, std::string_view value, std::int64_t ttl_ms = -1, int db = 0) {
  Entry::Layout l;
  REQUIRE(microredis::make_string(h.engine.memory(), value, l));
  std::int64_t expire = ttl_ms < 0 ? -1 : h.clock.now_ms() + ttl_ms;
  REQUIRE(h.engine.db(db).put(key, l, expire) != nullptr);
}

std::string value_of(Harness& h, std::string_view key, int db = 0) {
  Entry* e = h.engine.db(db).find_raw(key);
  REQUIRE(e != nullptr);
  microredis::IntText buf;
  return std::string(microredis::string_of(*e, buf));
}

// Runs a full SCAN with the given options and returns every key it returned (with repeats).
std::vector<std::string> scan_all(Harness& h, std::vector<std::string> options = {}) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::vector<std::string> args = {"SCAN", cursor};
    args.insert(args.end(), options.begin(), options.end());
    Reply r = h.run(args);
    REQUIRE(r.type == Reply::Type::array);
    REQUIRE(r.size() == 2);
    cursor = r[0].str;
    for (const auto& k : r[1].elements) keys.push_back(k.str);
    REQUIRE(++calls < 100000);
  } while (cursor != "0");
  return keys;
}

Reply raw_keys(Harness& h, std::string_view pattern) { return h.run({"KEYS", pattern}); }

// volatile_count agrees with the entries of every database.
void check_volatile_counts(microredis::Engine& e) {
  for (int i = 0; i < e.db_count(); ++i) {
    std::size_t with_ttl = 0;
    e.db(i).for_each([&](const Entry& en) { with_ttl += en.has_expire() ? 1 : 0; });
    CHECK(e.db(i).volatile_count() == with_ttl);
  }
}

}  // namespace

TEST_SUITE("keys") {
  TEST_CASE("DEL and UNLINK") {
    Harness h;
    put(h, "a", "1");
    put(h, "b", "2");
    put(h, "c", "3");
    std::uint64_t dirty = h.engine.dirty();
    CHECK(h.run({"DEL", "a", "b", "nope", "a"}) == integer(2));
    CHECK(h.engine.dirty() == dirty + 2);
    CHECK(h.run({"EXISTS", "a", "b", "c"}) == integer(1));
    CHECK(h.run({"UNLINK", "c", "c"}) == integer(1));
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(h.run({"DEL"}) == error("ERR wrong number of arguments for 'del' command"));
    CHECK(h.run({"UNLINK"}) == error("ERR wrong number of arguments for 'unlink' command"));

    SUBCASE("an expired key is not counted, and is gone") {
      put(h, "x", "v", 1000);
      put(h, "y", "v", 5000);
      h.clock.advance_ms(1001);
      std::uint64_t expired = h.engine.keyspace().expired_keys;
      CHECK(h.run({"DEL", "x", "y"}) == integer(1));
      CHECK(h.engine.keyspace().expired_keys == expired + 1);
      CHECK(h.run({"DBSIZE"}) == integer(0));
      CHECK(h.engine.db(0).volatile_count() == 0);
    }
  }

  TEST_CASE("EXISTS counts repeats and skips expired keys") {
    Harness h;
    put(h, "k", "v");
    put(h, "t", "v", 100);
    CHECK(h.run({"EXISTS", "k", "k", "k"}) == integer(3));
    CHECK(h.run({"EXISTS", "t"}) == integer(1));
    h.clock.advance_ms(100);
    CHECK(h.run({"EXISTS", "t"}) == integer(1));  // at its expire time a key still exists
    h.clock.advance_ms(1);
    CHECK(h.run({"EXISTS", "t", "k", "none"}) == integer(1));
    CHECK(h.run({"DBSIZE"}) == integer(1));

    SUBCASE("hits and misses are counted") {
      auto& ks = h.engine.keyspace();
      std::uint64_t hits = ks.keyspace_hits, misses = ks.keyspace_misses;
      CHECK(h.run({"EXISTS", "k", "none"}) == integer(1));
      CHECK(ks.keyspace_hits == hits + 1);
      CHECK(ks.keyspace_misses == misses + 1);
    }
  }

  TEST_CASE("TYPE") {
    Harness h;
    put(h, "s", "hello");
    put(h, "i", "12");
    put(h, "e", "x", 10);
    CHECK(h.run({"TYPE", "s"}) == simple("string"));
    CHECK(h.run({"TYPE", "i"}) == simple("string"));
    CHECK(h.run({"TYPE", "none"}) == simple("none"));
    h.clock.advance_ms(11);
    CHECK(h.run({"TYPE", "e"}) == simple("none"));
    CHECK(h.run({"TYPE"}) == error("ERR wrong number of arguments for 'type' command"));
    CHECK(h.run({"TYPE", "a", "b"}) == error("ERR wrong number of arguments for 'type' command"));
  }

  TEST_CASE("TOUCH counts live keys and refreshes their access time") {
    Harness h;
    put(h, "a", "1");
    put(h, "b", "2", 500);
    h.clock.advance_ms(10'000);
    CHECK(h.run({"OBJECT", "IDLETIME", "a"}) == integer(10));
    CHECK(h.run({"TOUCH", "a", "b", "c", "a"}) == integer(2));  // b has expired
    CHECK(h.run({"OBJECT", "IDLETIME", "a"}) == integer(0));
    CHECK(h.run({"DBSIZE"}) == integer(1));
  }

  TEST_CASE("KEYS") {
    Harness h;
    for (const char* k : {"key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"}) put(h, k, "hello");
    CHECK(sorted_strings(raw_keys(h, "foo*")) == std::vector<std::string>{"foo_a", "foo_b", "foo_c"});
    CHECK(sorted_strings(raw_keys(h, "*")).size() == 6);
    CHECK(sorted_strings(raw_keys(h, "key_?")) == std::vector<std::string>{"key_x", "key_y", "key_z"});
    CHECK(sorted_strings(raw_keys(h, "key_[xz]")) == std::vector<std::string>{"key_x", "key_z"});
    CHECK(sorted_strings(raw_keys(h, "key_[^x]")) == std::vector<std::string>{"key_y", "key_z"});
    CHECK(sorted_strings(raw_keys(h, "foo_[a-b]")) == std::vector<std::string>{"foo_a", "foo_b"});
    CHECK(sorted_strings(raw_keys(h, "foo_[b-a]")) == std::vector<std::string>{"foo_a", "foo_b"});
    CHECK(raw_keys(h, "nomatch*") == array({}));
    CHECK(raw_keys(h, "key_x") == bulks({"key_x"}));

    SUBCASE("escapes") {
      put(h, "a*b", "1");
      put(h, "a?b", "1");
      put(h, "axb", "1");
      CHECK(raw_keys(h, "a\\*b") == bulks({"a*b"}));
      CHECK(raw_keys(h, "a\\?b") == bulks({"a?b"}));
      CHECK(sorted_strings(raw_keys(h, "a?b")) == std::vector<std::string>{"a*b", "a?b", "axb"});
      put(h, "[x]", "1");
      CHECK(raw_keys(h, "\\[x\\]") == bulks({"[x]"}));
    }
    SUBCASE("expired keys are never returned") {
      put(h, "gone", "v", 100);
      put(h, "later", "v", 1000);
      h.clock.advance_ms(200);
      Reply r = raw_keys(h, "*");
      std::vector<std::string> all = sorted_strings(r);
      CHECK(all.size() == 7);
      CHECK(std::find(all.begin(), all.end(), "gone") == all.end());
      CHECK(std::find(all.begin(), all.end(), "later") != all.end());
      CHECK(raw_keys(h, "gone") == array({}));
    }
    SUBCASE("a pathological pattern stays fast") {
      CHECK(h.run({"FLUSHDB"}) == ok());
      put(h, std::string(40, 'a'), "1");
      CHECK(raw_keys(h, "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b") == array({}));
    }
    SUBCASE("empty database and RESP3") {
      CHECK(h.run({"FLUSHDB"}) == ok());
      CHECK(raw_keys(h, "*") == array({}));
      put(h, "k", "v");
      h.run({"HELLO", "3"});
      CHECK(raw_keys(h, "*") == bulks({"k"}));
    }
  }

  TEST_CASE("SCAN basics") {
    Harness h;
    for (int i = 0; i < 1000; ++i) put(h, "key:" + std::to_string(i), "AAA");
    std::vector<std::string> keys = scan_all(h);
    CHECK(keys.size() == 1000);
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 1000);

    SUBCASE("COUNT") {
      std::vector<std::string> k5 = scan_all(h, {"COUNT", "5"});
      CHECK(std::set<std::string>(k5.begin(), k5.end()).size() == 1000);
      Reply r = h.run({"SCAN", "0", "COUNT", "100000"});
      CHECK(r[0] == bulk("0"));
      CHECK(r[1].size() == 1000);
    }
    SUBCASE("MATCH") {
      std::vector<std::string> m = scan_all(h, {"MATCH", "key:1??"});
      CHECK(std::set<std::string>(m.begin(), m.end()).size() == 100);
      CHECK(scan_all(h, {"MATCH", "*"}).size() == 1000);
      CHECK(scan_all(h, {"match", "nomatch"}).empty());
    }
    SUBCASE("TYPE") {
      CHECK(scan_all(h, {"TYPE", "list"}).empty());
      CHECK(scan_all(h, {"TYPE", "string"}).size() == 1000);
      CHECK(scan_all(h, {"TYPE", "STRING"}).size() == 1000);
      CHECK(scan_all(h, {"TYPE", "nosuchtype"}).empty());
      CHECK(scan_all(h, {"type", "string", "match", "key:*", "count", "10"}).size() == 1000);
    }
    SUBCASE("cursors stay small, as Redis's do") {
      Reply r = h.run({"SCAN", "0"});
      std::int64_t c = 0;
      REQUIRE(microredis::parse_int64(r[0].str, c));
      CHECK(c > 0);
      CHECK(c < 1 << 20);
    }
    SUBCASE("the last option wins") {
      Reply r = h.run({"SCAN", "0", "MATCH", "nomatch", "MATCH", "key:1", "COUNT", "1", "COUNT", "100000"});
      CHECK(r[1] == bulks({"key:1"}));
    }
  }

  TEST_CASE("SCAN errors") {
    Harness h;
    put(h, "k", "v");
    CHECK(h.run({"SCAN", "x"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", " 1"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "1 "}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "0x10"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "+"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "-"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "18446744073709551616"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "-18446744073709551616"}) == error("ERR invalid cursor"));
    // What strtoul accepts, SCAN accepts.
    CHECK(h.run({"SCAN", ""}).type == Reply::Type::array);
    CHECK(h.run({"SCAN", "+5"}).type == Reply::Type::array);
    CHECK(h.run({"SCAN", "-1"}).type == Reply::Type::array);
    CHECK(h.run({"SCAN", "18446744073709551615"}).type == Reply::Type::array);
    CHECK(h.run({"SCAN", "-18446744073709551615"}).type == Reply::Type::array);
    // The cursor is checked before the options.
    CHECK(h.run({"SCAN", "x", "COUNT", "0"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SCAN", "0", "COUNT", "0"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "COUNT", "-1"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "COUNT", "x"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"SCAN", "0", "COUNT", "99999999999999999999"}) ==
          error("ERR value is not an integer or out of range"));
    CHECK(h.run({"SCAN", "0", "COUNT"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "MATCH"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "TYPE"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "FOO", "bar"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "COUNT", "0", "FOO"}) == error("ERR syntax error"));
    CHECK(h.run({"SCAN", "0", "COUNT", "x", "FOO"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"SCAN"}) == error("ERR wrong number of arguments for 'scan' command"));
  }

  TEST_CASE("SCAN on an empty database and with a huge COUNT") {
    Harness h;
    CHECK(h.run({"SCAN", "0"}) == array({bulk("0"), array({})}));
    CHECK(h.run({"SCAN", "12345"}) == array({bulk("0"), array({})}));
    put(h, "k", "v");
    CHECK(h.run({"SCAN", "0", "COUNT", "9223372036854775807"}) == array({bulk("0"), bulks({"k"})}));
  }

  TEST_CASE("SCAN skips and deletes expired keys") {
    Harness h;
    for (int i = 0; i < 100; ++i) put(h, "live:" + std::to_string(i), "v");
    for (int i = 0; i < 100; ++i) put(h, "dead:" + std::to_string(i), "v", 50);
    h.clock.advance_ms(51);
    std::uint64_t expired = h.engine.keyspace().expired_keys;
    std::vector<std::string> keys = scan_all(h);
    CHECK(keys.size() == 100);
    for (const auto& k : keys) CHECK(k.rfind("live:", 0) == 0);
    CHECK(h.engine.keyspace().expired_keys == expired + 100);
    CHECK(h.run({"DBSIZE"}) == integer(100));

    SUBCASE("with TYPE, each key looked at counts as a hit or a miss") {
      for (int i = 0; i < 10; ++i) put(h, "dead2:" + std::to_string(i), "v", 50);
      h.clock.advance_ms(51);
      auto& ks = h.engine.keyspace();
      std::uint64_t hits = ks.keyspace_hits, misses = ks.keyspace_misses;
      CHECK(scan_all(h, {"TYPE", "string"}).size() == 100);
      CHECK(ks.keyspace_hits == hits + 100);
      CHECK(ks.keyspace_misses == misses + 10);
      CHECK(h.run({"DBSIZE"}) == integer(100));
    }
  }

  // The hash-space cursor's promise: a key present from the first call to the last is returned,
  // exactly once, however much the table grows, shrinks or rehashes in between.
  TEST_CASE("SCAN guarantee while the table grows and shrinks") {
    // With ticks, rehashes finish quickly; without, scans often run with two tables half moved.
    bool with_ticks = true;
    SUBCASE("with ticks") { with_ticks = true; }
    SUBCASE("rehashing only on access") { with_ticks = false; }
    Harness h;
    std::mt19937 rng(7);
    Db& db = h.engine.db(0);
    for (int i = 0; i < 3000; ++i) put(h, "stable:" + std::to_string(i), "v");
    std::vector<std::string> churn;
    std::map<std::string, int> seen;
    std::string cursor = "0";
    int calls = 0;
    std::size_t max_size = 0, min_size = SIZE_MAX;
    do {
      Reply r = h.run({"SCAN", cursor, "COUNT", "20"});
      REQUIRE(r.size() == 2);
      cursor = r[0].str;
      for (const auto& k : r[1].elements) ++seen[k.str];
      ++calls;
      // First phase: grow to ~40k keys (several table doublings); second: delete them all again
      // (several halvings), with a few stable deletions and re-insertions mixed in.
      if (calls < 150) {
        for (int j = 0; j < 250; ++j) {
          churn.push_back("churn:" + std::to_string(calls) + ":" + std::to_string(j));
          put(h, churn.back(), "x");
        }
      } else {
        for (int j = 0; j < 400 && !churn.empty(); ++j) {
          std::size_t pick = rng() % churn.size();
          CHECK(h.run({"DEL", churn[pick]}) == integer(1));
          churn[pick] = churn.back();
          churn.pop_back();
        }
      }
      max_size = std::max(max_size, db.size());
      min_size = std::min(min_size, db.size());
      if (with_ticks) h.engine.tick();  // moves rehashing along too
      REQUIRE(calls < 100000);
    } while (cursor != "0");
    CHECK(max_size > 30000);
    for (int i = 0; i < 3000; ++i) {
      auto it = seen.find("stable:" + std::to_string(i));
      REQUIRE(it != seen.end());
      CHECK(it->second == 1);
    }
    // No key was returned twice, churned or not.
    for (const auto& [k, n] : seen) CHECK(n == 1);
  }

  TEST_CASE("SCAN guarantee with interleaved SCANs across a shrink from a big table") {
    Harness h;
    for (int i = 0; i < 20000; ++i) put(h, "k" + std::to_string(i), "v");
    std::set<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      Reply r = h.run({"SCAN", cursor, "COUNT", "50"});
      cursor = r[0].str;
      for (const auto& k : r[1].elements) seen.insert(k.str);
      // Delete every key but the first 100 after the first call: the table shrinks several times
      // while cursors of the big table are still being handed back.
      if (++calls == 1) {
        for (int i = 100; i < 20000; ++i) (void)h.engine.db(0).remove("k" + std::to_string(i));
      }
      h.engine.tick();
    } while (cursor != "0");
    for (int i = 0; i < 100; ++i) CHECK(seen.count("k" + std::to_string(i)) == 1);
  }

  TEST_CASE("RANDOMKEY") {
    Harness h;
    CHECK(h.run({"RANDOMKEY"}) == nil());
    put(h, "foo", "x");
    put(h, "bar", "y");
    bool foo = false, bar = false;
    for (int i = 0; i < 100; ++i) {
      Reply r = h.run({"RANDOMKEY"});
      foo |= r == bulk("foo");
      bar |= r == bulk("bar");
    }
    CHECK(foo);
    CHECK(bar);
    CHECK(h.run({"DEL", "foo", "bar"}) == integer(2));
    CHECK(h.run({"RANDOMKEY"}) == nil());

    SUBCASE("ends when every key has expired") {
      for (int i = 0; i < 5000; ++i) put(h, "v" + std::to_string(i), "x", 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"RANDOMKEY"}) == nil());
      CHECK(h.run({"DBSIZE"}) == integer(0));
    }
    SUBCASE("finds the one live key among many expired ones") {
      for (int i = 0; i < 5000; ++i) put(h, "v" + std::to_string(i), "x", 10);
      put(h, "alive", "x");
      h.clock.advance_ms(11);
      CHECK(h.run({"RANDOMKEY"}) == bulk("alive"));
    }
  }

  TEST_CASE("RENAME") {
    Harness h;
    put(h, "mykey", "hello");
    CHECK(h.run({"RENAME", "mykey", "mykey1"}) == ok());
    CHECK(h.run({"RENAME", "mykey1", "mykey2"}) == ok());
    CHECK(value_of(h, "mykey2") == "hello");
    CHECK(h.run({"EXISTS", "mykey", "mykey1"}) == integer(0));
    CHECK(h.run({"DBSIZE"}) == integer(1));

    SUBCASE("over an existing key") {
      put(h, "a", "1");
      CHECK(h.run({"RENAME", "mykey2", "a"}) == ok());
      CHECK(value_of(h, "a") == "hello");
      CHECK(h.run({"DBSIZE"}) == integer(1));
    }
    SUBCASE("missing source") {
      CHECK(h.run({"RENAME", "nokey", "x"}) == error("ERR no such key"));
      CHECK(h.run({"RENAME", "nokey", "nokey"}) == error("ERR no such key"));
      put(h, "gone", "v", 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"RENAME", "gone", "x"}) == error("ERR no such key"));
    }
    SUBCASE("same key") {
      std::uint64_t dirty = h.engine.dirty();
      CHECK(h.run({"RENAME", "mykey2", "mykey2"}) == ok());
      CHECK(h.engine.dirty() == dirty);
      CHECK(value_of(h, "mykey2") == "hello");
    }
    SUBCASE("the TTL moves with the value") {
      put(h, "v", "x", 100'000);
      CHECK(h.run({"RENAME", "v", "w"}) == ok());
      CHECK(h.run({"PTTL", "w"}) == integer(100'000));
      CHECK(h.engine.db(0).volatile_count() == 1);
    }
    SUBCASE("the target's TTL is not inherited") {
      put(h, "t", "x", 100'000);
      CHECK(h.run({"RENAME", "mykey2", "t"}) == ok());
      CHECK(h.run({"TTL", "t"}) == integer(-1));
      CHECK(h.engine.db(0).volatile_count() == 0);
    }
    SUBCASE("int, embstr and raw values") {
      std::string big(100, 'z');
      put(h, "i", "12345");
      put(h, "r", big);
      CHECK(h.run({"RENAME", "i", "i2"}) == ok());
      CHECK(h.run({"RENAME", "r", "r2"}) == ok());
      CHECK(value_of(h, "i2") == "12345");
      CHECK(value_of(h, "r2") == big);
      CHECK(h.run({"OBJECT", "ENCODING", "i2"}) == bulk("int"));
      CHECK(h.run({"OBJECT", "ENCODING", "r2"}) == bulk("raw"));
    }
    CHECK(h.run({"RENAME", "a"}) == error("ERR wrong number of arguments for 'rename' command"));
  }

  TEST_CASE("RENAMENX") {
    Harness h;
    put(h, "mykey", "foobar");
    CHECK(h.run({"RENAMENX", "mykey", "mykey2"}) == integer(1));
    CHECK(value_of(h, "mykey2") == "foobar");
    CHECK(h.run({"EXISTS", "mykey"}) == integer(0));
    put(h, "mykey", "foo");
    CHECK(h.run({"RENAMENX", "mykey", "mykey2"}) == integer(0));
    CHECK(value_of(h, "mykey") == "foo");
    CHECK(value_of(h, "mykey2") == "foobar");
    CHECK(h.run({"RENAMENX", "mykey", "mykey"}) == integer(0));
    CHECK(h.run({"RENAMENX", "nokey", "nokey"}) == error("ERR no such key"));
    CHECK(h.run({"RENAMENX", "nokey", "x"}) == error("ERR no such key"));
    SUBCASE("an expired target does not block it") {
      put(h, "t", "x", 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"RENAMENX", "mykey", "t"}) == integer(1));
      CHECK(value_of(h, "t") == "foo");
    }
  }

  TEST_CASE("COPY") {
    Harness h;
    put(h, "mykey", "foobar");
    CHECK(h.run({"COPY", "mykey", "mynewkey"}) == integer(1));
    CHECK(value_of(h, "mynewkey") == "foobar");
    CHECK(h.run({"DBSIZE"}) == integer(2));
    CHECK(h.run({"COPY", "mykey", "mynewkey", "DB", "10"}) == integer(1));
    CHECK(value_of(h, "mynewkey", 10) == "foobar");

    SUBCASE("no REPLACE, no overwrite") {
      put(h, "mykey2", "hello");
      CHECK(h.run({"COPY", "mykey2", "mynewkey", "DB", "10"}) == integer(0));
      CHECK(h.run({"COPY", "mykey2", "mynewkey", "db", "10", "replace"}) == integer(1));
      CHECK(value_of(h, "mynewkey", 10) == "hello");
      CHECK(h.run({"COPY", "mykey2", "mynewkey", "REPLACE"}) == integer(1));
      CHECK(value_of(h, "mynewkey") == "hello");
    }
    SUBCASE("copies are independent") {
      std::string big(200, 'q');
      put(h, "raw", big);
      CHECK(h.run({"COPY", "raw", "raw2"}) == integer(1));
      CHECK(h.run({"OBJECT", "ENCODING", "raw2"}) == bulk("raw"));
      CHECK(h.engine.db(0).find_raw("raw")->ptr() != h.engine.db(0).find_raw("raw2")->ptr());
      CHECK(h.run({"DEL", "raw"}) == integer(1));
      CHECK(value_of(h, "raw2") == big);
      put(h, "n", "42");
      CHECK(h.run({"COPY", "n", "n2"}) == integer(1));
      CHECK(h.run({"OBJECT", "ENCODING", "n2"}) == bulk("int"));
      CHECK(value_of(h, "n2") == "42");
    }
    SUBCASE("TTL") {
      put(h, "v", "x", 100'000);
      CHECK(h.run({"COPY", "v", "v2"}) == integer(1));
      CHECK(h.run({"PTTL", "v2"}) == integer(100'000));
      CHECK(h.run({"COPY", "mykey", "v2", "REPLACE"}) == integer(1));
      CHECK(h.run({"TTL", "v2"}) == integer(-1));
      CHECK(h.engine.db(0).volatile_count() == 1);
    }
    SUBCASE("missing or expired source") {
      CHECK(h.run({"COPY", "nokey", "x"}) == integer(0));
      put(h, "gone", "v", 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"COPY", "gone", "x"}) == integer(0));
      CHECK(h.run({"EXISTS", "x"}) == integer(0));
    }
    SUBCASE("an expired target is replaced without REPLACE") {
      put(h, "t", "x", 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"COPY", "mykey", "t"}) == integer(1));
      CHECK(value_of(h, "t") == "foobar");
      CHECK(h.run({"TTL", "t"}) == integer(-1));
    }
    SUBCASE("errors") {
      CHECK(h.run({"COPY", "mykey", "mykey"}) == error("ERR source and destination objects are the same"));
      CHECK(h.run({"COPY", "mykey", "mykey", "DB", "0"}) ==
            error("ERR source and destination objects are the same"));
      CHECK(h.run({"COPY", "mykey", "mykey", "DB", "1"}) == integer(1));
      CHECK(h.run({"COPY", "mykey", "x", "DB", "notanumber"}) ==
            error("ERR value is not an integer or out of range"));
      CHECK(h.run({"COPY", "mykey", "x", "DB", "4294967296"}) ==
            error("ERR value is not an integer or out of range"));
      CHECK(h.run({"COPY", "mykey", "x", "DB", "16"}) == error("ERR DB index is out of range"));
      CHECK(h.run({"COPY", "mykey", "x", "DB", "-1"}) == error("ERR DB index is out of range"));
      CHECK(h.run({"COPY", "mykey", "x", "DB"}) == error("ERR syntax error"));
      CHECK(h.run({"COPY", "mykey", "x", "FOO"}) == error("ERR syntax error"));
      // Options are checked in order, before the keys.
      CHECK(h.run({"COPY", "nokey", "x", "DB", "x", "FOO"}) == error("ERR value is not an integer or out of range"));
      CHECK(h.run({"COPY", "nokey", "x", "FOO", "DB", "x"}) == error("ERR syntax error"));
      CHECK(h.run({"COPY", "mykey"}) == error("ERR wrong number of arguments for 'copy' command"));
    }
  }

  TEST_CASE("MOVE") {
    Harness h;
    put(h, "mykey", "foobar");
    CHECK(h.run({"MOVE", "mykey", "10"}) == integer(1));
    CHECK(h.run({"EXISTS", "mykey"}) == integer(0));
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(value_of(h, "mykey", 10) == "foobar");
    CHECK(h.engine.db(10).size() == 1);

    SUBCASE("existing target") {
      put(h, "mykey", "hello");
      CHECK(h.run({"MOVE", "mykey", "10"}) == integer(0));
      CHECK(value_of(h, "mykey") == "hello");
      CHECK(value_of(h, "mykey", 10) == "foobar");
    }
    SUBCASE("missing key") { CHECK(h.run({"MOVE", "nokey", "10"}) == integer(0)); }
    SUBCASE("errors") {
      CHECK(h.run({"MOVE", "mykey", "notanumber"}) == error("ERR value is not an integer or out of range"));
      CHECK(h.run({"MOVE", "mykey", "16"}) == error("ERR DB index is out of range"));
      CHECK(h.run({"MOVE", "mykey", "0"}) == error("ERR source and destination objects are the same"));
      CHECK(h.run({"MOVE", "nokey", "0"}) == error("ERR source and destination objects are the same"));
    }
    SUBCASE("TTL moves along; no TTL stays none") {
      put(h, "t", "foo", 100'000);
      CHECK(h.run({"MOVE", "t", "11"}) == integer(1));
      CHECK(h.run({"TTL", "t"}) == integer(-2));
      CHECK(h.engine.db(0).volatile_count() == 0);
      CHECK(h.engine.db(11).volatile_count() == 1);
      CHECK(h.run({"SELECT", "11"}) == ok());
      CHECK(h.run({"PTTL", "t"}) == integer(100'000));
      CHECK(h.run({"SELECT", "10"}) == ok());
      CHECK(h.run({"TTL", "mykey"}) == integer(-1));
      // Lazy and active expiry work in the target database.
      h.clock.advance_ms(100'001);
      h.engine.tick();
      CHECK(h.engine.db(11).size() == 0);
    }
    SUBCASE("an expired key in the target does not block it") {
      put(h, "k2", "src");
      put(h, "k2", "old", 10, 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"MOVE", "k2", "10"}) == integer(1));
      CHECK(value_of(h, "k2", 10) == "src");
    }
  }

  TEST_CASE("SWAPDB") {
    Harness h;
    put(h, "a", "in0");
    put(h, "b", "in1", -1, 1);
    put(h, "t", "volatile", 100, 1);
    CHECK(h.run({"SWAPDB", "0", "1"}) == ok());
    CHECK(value_of(h, "b") == "in1");
    CHECK(value_of(h, "a", 1) == "in0");
    CHECK(h.run({"DBSIZE"}) == integer(2));
    CHECK(h.engine.db(0).volatile_count() == 1);
    CHECK(h.engine.db(1).volatile_count() == 0);
    CHECK(h.run({"SWAPDB", "1", "1"}) == ok());
    h.clock.advance_ms(101);
    h.engine.tick();
    CHECK(h.run({"DBSIZE"}) == integer(1));

    CHECK(h.run({"SWAPDB", "x", "1"}) == error("ERR invalid first DB index"));
    CHECK(h.run({"SWAPDB", "0", "x"}) == error("ERR invalid second DB index"));
    CHECK(h.run({"SWAPDB", "x", "y"}) == error("ERR invalid first DB index"));
    CHECK(h.run({"SWAPDB", "4294967296", "0"}) == error("ERR invalid first DB index"));
    CHECK(h.run({"SWAPDB", "0", "16"}) == error("ERR DB index is out of range"));
    CHECK(h.run({"SWAPDB", "-1", "0"}) == error("ERR DB index is out of range"));
    CHECK(h.run({"SWAPDB", "0"}) == error("ERR wrong number of arguments for 'swapdb' command"));
  }

  TEST_CASE("OBJECT ENCODING and REFCOUNT") {
    Harness h;
    put(h, "i", "12");
    put(h, "big", "10000");
    put(h, "neg", "-1");
    put(h, "e", "hello");
    put(h, "r", std::string(45, 'x'));
    put(h, "e44", std::string(44, 'x'));
    CHECK(h.run({"OBJECT", "ENCODING", "i"}) == bulk("int"));
    CHECK(h.run({"OBJECT", "ENCODING", "e"}) == bulk("embstr"));
    CHECK(h.run({"OBJECT", "ENCODING", "e44"}) == bulk("embstr"));
    CHECK(h.run({"OBJECT", "ENCODING", "r"}) == bulk("raw"));
    CHECK(h.run({"object", "encoding", "none"}) == nil());
    // Shared integers 0..9999 report Redis's OBJ_SHARED_REFCOUNT.
    CHECK(h.run({"OBJECT", "REFCOUNT", "i"}) == integer(2147483647));
    CHECK(h.run({"OBJECT", "REFCOUNT", "big"}) == integer(1));
    CHECK(h.run({"OBJECT", "REFCOUNT", "neg"}) == integer(1));
    CHECK(h.run({"OBJECT", "REFCOUNT", "e"}) == integer(1));
    CHECK(h.run({"OBJECT", "REFCOUNT", "none"}) == nil());
    SUBCASE("no shared integers under an LRU/LFU policy with a memory limit") {
      h.engine.settings().maxmemory_policy = EvictionPolicy::allkeys_lru;
      CHECK(h.run({"OBJECT", "REFCOUNT", "i"}) == integer(2147483647));  // no limit: still shared
      h.engine.settings().maxmemory = 1ull << 40;
      CHECK(h.run({"OBJECT", "REFCOUNT", "i"}) == integer(1));
      h.engine.settings().maxmemory_policy = EvictionPolicy::volatile_ttl;
      CHECK(h.run({"OBJECT", "REFCOUNT", "i"}) == integer(2147483647));
    }
    SUBCASE("a COPY of a shared integer is a private object, also after RENAME and a TTL change") {
      CHECK(h.run({"COPY", "i", "i2"}) == integer(1));
      CHECK(h.run({"OBJECT", "REFCOUNT", "i2"}) == integer(1));
      CHECK(h.run({"OBJECT", "ENCODING", "i2"}) == bulk("int"));
      CHECK(h.run({"RENAME", "i2", "i3"}) == ok());
      CHECK(h.run({"EXPIRE", "i3", "100"}) == integer(1));
      CHECK(h.run({"PERSIST", "i3"}) == integer(1));
      CHECK(h.run({"OBJECT", "REFCOUNT", "i3"}) == integer(1));
      CHECK(h.run({"OBJECT", "REFCOUNT", "i"}) == integer(2147483647));
      put(h, "i3", "12");  // a new value (SET) is shared again
      CHECK(h.run({"OBJECT", "REFCOUNT", "i3"}) == integer(2147483647));
    }
    SUBCASE("RESP3 null for a missing key") {
      h.run({"HELLO", "3"});
      microredis::Session& s = *h.engine.default_session();
      s.feed("*3\r\n$6\r\nOBJECT\r\n$8\r\nENCODING\r\n$4\r\nnone\r\n");
      CHECK(s.pending_output() == "_\r\n");
      s.consume_output(s.pending_output().size());
    }
    SUBCASE("RESP2 null bulk for a missing key") {
      microredis::Session& s = *h.engine.default_session();
      s.feed("*3\r\n$6\r\nOBJECT\r\n$8\r\nREFCOUNT\r\n$4\r\nnone\r\n");
      CHECK(s.pending_output() == "$-1\r\n");
      s.consume_output(s.pending_output().size());
    }
  }

  TEST_CASE("OBJECT IDLETIME and FREQ follow the eviction policy") {
    Harness h;
    put(h, "k", "v");
    h.clock.advance_ms(5'500);
    CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == integer(5));
    CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == integer(5));  // OBJECT does not touch the key
    CHECK(h.run({"OBJECT", "IDLETIME", "none"}) == nil());
    CHECK(h.run({"OBJECT", "FREQ", "k"}) ==
          error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
                "when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    CHECK(h.run({"OBJECT", "FREQ", "none"}) == nil());  // the lookup comes first

    SUBCASE("LFU") {
      CHECK(h.run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}) == ok());
      put(h, "f", "v");
      CHECK(h.run({"OBJECT", "FREQ", "f"}) == integer(5));  // LFU_INIT_VAL
      CHECK(h.run({"OBJECT", "IDLETIME", "f"}) ==
            error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                  "switching between policies at runtime LRU and LFU data will take some time to adjust."));
      for (int i = 0; i < 100; ++i) h.run({"TOUCH", "f"});
      Reply r = h.run({"OBJECT", "FREQ", "f"});
      CHECK(r.integer > 5);
      // The counter decays by one per lfu-decay-time minutes without access.
      h.clock.advance_ms(3 * 60'000);
      CHECK(h.run({"OBJECT", "FREQ", "f"}) == integer(r.integer - 3));
      CHECK(h.run({"CONFIG", "SET", "maxmemory-policy", "volatile-lfu"}) == ok());
      CHECK(h.run({"OBJECT", "FREQ", "f"}) == integer(r.integer - 3));
    }
  }

  TEST_CASE("OBJECT HELP and errors") {
    Harness h;
    Reply r = h.run({"OBJECT", "HELP"});
    REQUIRE(r.type == Reply::Type::array);
    CHECK(r.size() == 15);
    CHECK(r[0] == simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    CHECK(r[1] == simple("ENCODING <key>"));
    CHECK(r[12] == simple("    <key>."));
    CHECK(r[13] == simple("HELP"));
    CHECK(r[14] == simple("    Prints this help."));
    CHECK(h.run({"OBJECT", "FOO"}) == error("ERR unknown subcommand 'FOO'. Try OBJECT HELP."));
    CHECK(h.run({"OBJECT", "ENCODING"}) == error("ERR wrong number of arguments for 'object|encoding' command"));
    CHECK(h.run({"OBJECT", "ENCODING", "a", "b"}) ==
          error("ERR wrong number of arguments for 'object|encoding' command"));
    CHECK(h.run({"OBJECT"}) == error("ERR wrong number of arguments for 'object' command"));
  }

  // Every allocation a write command makes may fail: the command then answers OOM and leaves the
  // keyspace as it was (no lost key, no leak, counts intact).
  TEST_CASE("out of memory at every allocation of RENAME COPY MOVE EXPIRE PERSIST") {
    const std::vector<std::vector<std::string>> commands = {
        {"RENAME", "a", "b"},           {"RENAME", "a", "fresh"},    {"RENAMENX", "a", "fresh"},
        {"COPY", "a", "d"},             {"COPY", "a", "b", "REPLACE"}, {"COPY", "a", "b", "DB", "3", "REPLACE"},
        {"MOVE", "a", "1"},             {"EXPIRE", "n", "100"},      {"PERSIST", "a"},
        {"PEXPIRE", "a", "5000"},       {"SWAPDB", "0", "1"},
    };
    for (const auto& cmd : commands) {
      int out_of_memory = 0;
      for (long fail_after = 0; fail_after < 12; ++fail_after) {
        CAPTURE(cmd[0]);
        CAPTURE(fail_after);
        FailingAllocator fa;
        microredis::ManualClock clock;
        microredis::EngineOptions o;
        o.clock = &clock;
        o.seed = 3;
        o.allocator = fa.hooks();
        microredis::Engine engine(o);
        Db& db = engine.db(0);
        // The session's output buffer keeps its capacity: grow it once for every reply to come.
        (void)engine.execute({"ECHO", std::string(300, 'x')});
        std::size_t baseline = engine.memory().used();
        Entry::Layout l;
        // Enough keys that the table has chained buckets and rehashes under way.
        for (int i = 0; i < 300; ++i) {
          std::string value = "v" + std::to_string(i);  // the layout views it until put() copies it
          REQUIRE(microredis::make_string(engine.memory(), value, l));
          REQUIRE(db.put("k" + std::to_string(i), l, i % 3 ? -1 : clock.now_ms() + 100'000) != nullptr);
        }
        REQUIRE(microredis::make_string(engine.memory(), std::string(100, 'a'), l));
        REQUIRE(db.put("a", l, clock.now_ms() + 50'000) != nullptr);
        REQUIRE(microredis::make_string(engine.memory(), "bee", l));
        REQUIRE(db.put("b", l, clock.now_ms() + 70'000) != nullptr);
        REQUIRE(microredis::make_string(engine.memory(), "12", l));
        REQUIRE(db.put("n", l, -1) != nullptr);
        const std::size_t keys_before = db.size() + engine.db(1).size() + engine.db(3).size();

        fa.fail_from(static_cast<std::uint64_t>(fail_after) + 1);
        std::vector<std::string_view> argv(cmd.begin(), cmd.end());
        Reply r = engine.execute(argv.data(), argv.size());
        fa.heal();

        const std::size_t keys_after = db.size() + engine.db(1).size() + engine.db(3).size();
        if (r.is_error()) {
          ++out_of_memory;
          CHECK(r == error(Status::oom));
          CHECK(keys_after == keys_before);
          CHECK(db.find_raw("a") != nullptr);
        }
        check_volatile_counts(engine);
        // Values survive whatever happened.
        Db& holder = cmd[0] == "SWAPDB" && !r.is_error() ? engine.db(1) : db;
        for (int i = 0; i < 300; ++i) {
          Entry* e = holder.find_raw("k" + std::to_string(i));
          REQUIRE(e != nullptr);
          microredis::IntText buf;
          CHECK(microredis::string_of(*e, buf) == "v" + std::to_string(i));
        }
        (void)engine.execute({"FLUSHALL"});
        CHECK(engine.memory().used() == baseline);
      }
      // The failure paths were taken (SWAPDB allocates nothing; PEXPIRE rewrites a TTL in place).
      if (cmd[0] != "SWAPDB" && cmd[0] != "PEXPIRE") CHECK(out_of_memory > 0);
    }
  }

  TEST_CASE("writes count towards the dirty counter") {
    Harness h;
    put(h, "a", "1");
    std::uint64_t d = h.engine.dirty();
    CHECK(h.run({"RENAME", "a", "b"}) == ok());
    CHECK(h.engine.dirty() > d);
    d = h.engine.dirty();
    CHECK(h.run({"MOVE", "b", "3"}) == integer(1));
    CHECK(h.engine.dirty() > d);
    d = h.engine.dirty();
    CHECK(h.run({"SWAPDB", "0", "3"}) == ok());
    CHECK(h.engine.dirty() > d);
    d = h.engine.dirty();
    CHECK(h.run({"COPY", "b", "c"}) == integer(1));
    CHECK(h.engine.dirty() > d);
    d = h.engine.dirty();
    CHECK(h.run({"EXISTS", "b", "c"}) == integer(2));
    CHECK(h.run({"KEYS", "*"}).size() == 2);
    CHECK(h.engine.dirty() == d);
  }

  // The table under the keyspace, checked against a reference set through random inserts,
  // removes, lookups and rehashes.
  TEST_CASE("keyspace table: random operations against a reference") {
    Harness h;
    Db& db = h.engine.db(0);
    std::mt19937_64 rng(12345);
    std::unordered_set<std::string> ref;
    for (int round = 0; round < 60000; ++round) {
      std::string key = "k" + std::to_string(rng() % 8000);
      switch (rng() % 4) {
        case 0:
        case 1: {
          Entry::Layout l;
          REQUIRE(microredis::make_string(h.engine.memory(), key, l));
          REQUIRE(db.put(key, l, -1) != nullptr);
          ref.insert(key);
          break;
        }
        case 2: CHECK(db.remove(key) == (ref.erase(key) == 1)); break;
        default: CHECK((db.find_raw(key) != nullptr) == (ref.count(key) == 1)); break;
      }
      if (round % 1000 == 0) (void)db.rehash(rng() % 50);
    }
    CHECK(db.size() == ref.size());
    std::size_t walked = 0;
    db.for_each([&](const Entry& e) {
      ++walked;
      CHECK(ref.count(std::string(e.key())) == 1);
    });
    CHECK(walked == ref.size());
    // Deleting everything gives back the chained buckets and shrinks the table.
    std::size_t before = db.table_overhead();
    for (const auto& k : ref) CHECK(db.remove(k));
    while (db.rehash(1000)) {
    }
    CHECK(db.size() == 0);
    CHECK(db.table_overhead() < before);
    CHECK(db.table_overhead() <= 128);
  }

  TEST_CASE("keyspace memory is given back") {
    Harness h;
    std::size_t base = h.engine.memory().used();
    for (int i = 0; i < 20000; ++i) put(h, "key:" + std::to_string(i), "v", i % 2 ? 1000 : -1);
    CHECK(h.engine.db(0).volatile_count() == 10000);
    CHECK(h.run({"FLUSHALL"}) == ok());
    CHECK(h.engine.db(0).volatile_count() == 0);
    // The session's buffers may have grown; the keyspace itself is back to its empty table.
    CHECK(h.engine.memory().used() <= base + 4096);
  }
}
