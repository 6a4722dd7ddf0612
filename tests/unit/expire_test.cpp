// Expiry: the EXPIRE family, TTL and its kin, PERSIST, and lazy and active expiry on a manual
// clock. Keys are created through the keyspace API (the string commands live in another family).
#include <string>

#include "harness.hpp"
#include "microredis/store/string.hpp"

using namespace mrtest;
using microredis::Entry;

namespace {

void put(Harness& h, std::string_view key, std::string_view value, std::int64_t ttl_ms = -1, int db = 0) {
  Entry::Layout l;
  REQUIRE(microredis::make_string(h.engine.memory(), value, l));
  std::int64_t expire = ttl_ms < 0 ? -1 : h.clock.now_ms() + ttl_ms;
  REQUIRE(h.engine.db(db).put(key, l, expire) != nullptr);
}

std::string num(std::int64_t v) { return std::to_string(v); }

}  // namespace

TEST_SUITE("expire") {
  TEST_CASE("EXPIRE sets and resets a TTL") {
    Harness h;
    put(h, "x", "foobar");
    CHECK(h.run({"EXPIRE", "x", "5"}) == integer(1));
    CHECK(h.run({"TTL", "x"}) == integer(5));
    CHECK(h.run({"PTTL", "x"}) == integer(5000));
    CHECK(h.run({"EXPIRE", "x", "10"}) == integer(1));
    CHECK(h.run({"TTL", "x"}) == integer(10));
    CHECK(h.engine.db(0).volatile_count() == 1);
    h.clock.advance_ms(9'999);
    CHECK(h.run({"PTTL", "x"}) == integer(1));
    CHECK(h.run({"EXISTS", "x"}) == integer(1));
    h.clock.advance_ms(1);
    CHECK(h.run({"PTTL", "x"}) == integer(0));  // at its expire time the key still exists
    CHECK(h.run({"TTL", "x"}) == integer(0));
    h.clock.advance_ms(1);
    CHECK(h.run({"TTL", "x"}) == integer(-2));
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(h.engine.db(0).volatile_count() == 0);
  }

  TEST_CASE("PEXPIRE, EXPIREAT, PEXPIREAT") {
    Harness h;
    const std::int64_t now = h.clock.now_ms();
    put(h, "a", "v");
    put(h, "b", "v");
    put(h, "c", "v");
    CHECK(h.run({"PEXPIRE", "a", "1500"}) == integer(1));
    CHECK(h.run({"PTTL", "a"}) == integer(1500));
    CHECK(h.run({"TTL", "a"}) == integer(2));  // rounded to the nearest second
    CHECK(h.run({"PEXPIRE", "a", "1499"}) == integer(1));
    CHECK(h.run({"TTL", "a"}) == integer(1));
    CHECK(h.run({"EXPIREAT", "b", num(now / 1000 + 15)}) == integer(1));
    CHECK(h.run({"EXPIRETIME", "b"}) == integer(now / 1000 + 15));
    CHECK(h.run({"PEXPIRETIME", "b"}) == integer((now / 1000 + 15) * 1000));
    CHECK(h.run({"PEXPIREAT", "c", num(now + 200)}) == integer(1));
    CHECK(h.run({"PEXPIRETIME", "c"}) == integer(now + 200));
    CHECK(h.run({"EXPIRETIME", "c"}) == integer((now + 200 + 500) / 1000));
    CHECK(h.run({"PTTL", "c"}) == integer(200));
    h.clock.advance_ms(201);
    CHECK(h.run({"EXISTS", "c"}) == integer(0));
  }

  TEST_CASE("TTL, PTTL, EXPIRETIME, PEXPIRETIME without a TTL or a key") {
    Harness h;
    put(h, "x", "hello");
    for (const char* cmd : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
      CAPTURE(cmd);
      CHECK(h.run({cmd, "x"}) == integer(-1));
      CHECK(h.run({cmd, "nokey"}) == integer(-2));
      std::string lower(cmd);
      for (char& ch : lower) ch = static_cast<char>(ch | 0x20);
      CHECK(h.run({cmd}) == error("ERR wrong number of arguments for '" + lower + "' command"));
    }
    auto& ks = h.engine.keyspace();
    std::uint64_t hits = ks.keyspace_hits, misses = ks.keyspace_misses;
    CHECK(h.run({"TTL", "x"}) == integer(-1));
    CHECK(h.run({"TTL", "nokey"}) == integer(-2));
    CHECK(ks.keyspace_hits == hits + 1);
    CHECK(ks.keyspace_misses == misses + 1);
  }

  TEST_CASE("TTL does not touch the key") {
    Harness h;
    put(h, "x", "v", 100'000);
    h.clock.advance_ms(3'000);
    CHECK(h.run({"TTL", "x"}) == integer(97));
    CHECK(h.run({"OBJECT", "IDLETIME", "x"}) == integer(3));
  }

  TEST_CASE("non-positive and past times delete the key") {
    Harness h;
    const std::int64_t now = h.clock.now_ms();
    std::uint64_t expired = h.engine.keyspace().expired_keys;
    put(h, "a", "v");
    put(h, "b", "v", 100'000);
    put(h, "c", "v");
    put(h, "d", "v");
    put(h, "e", "v");
    CHECK(h.run({"EXPIRE", "a", "0"}) == integer(1));
    CHECK(h.run({"PEXPIRE", "b", "-10"}) == integer(1));
    CHECK(h.run({"EXPIREAT", "c", num(now / 1000 - 100)}) == integer(1));
    CHECK(h.run({"PEXPIREAT", "d", num(now)}) == integer(1));  // now is already too late
    CHECK(h.run({"PEXPIREAT", "e", "-9223372036854770000"}) == integer(1));
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(h.engine.db(0).volatile_count() == 0);
    // These are deletes, not expiries.
    CHECK(h.engine.keyspace().expired_keys == expired);
    // A missing key is reported whatever the time.
    CHECK(h.run({"EXPIRE", "none", "-1"}) == integer(0));
    CHECK(h.run({"EXPIRE", "none", "100"}) == integer(0));
  }

  TEST_CASE("PEXPIREAT far in the future") {
    Harness h;
    put(h, "foo", "bar");
    CHECK(h.run({"PEXPIREAT", "foo", "9223372036854770000"}) == integer(1));
    CHECK(h.run({"PEXPIRETIME", "foo"}) == integer(9223372036854770000));
    CHECK(h.run({"EXISTS", "foo"}) == integer(1));
  }

  TEST_CASE("overflow errors name the command") {
    Harness h;
    put(h, "foo", "bar");
    const char* expire_err = "ERR invalid expire time in 'expire' command";
    CHECK(h.run({"EXPIRE", "foo", "9223370399119966"}) == error(expire_err));  // > LLONG_MAX - now
    CHECK(h.run({"EXPIRE", "foo", "9223372036854776"}) == error(expire_err));  // > LLONG_MAX / 1000
    CHECK(h.run({"EXPIRE", "foo", "10000000000000000"}) == error(expire_err));
    CHECK(h.run({"EXPIRE", "foo", "18446744073709561"}) == error(expire_err));
    CHECK(h.run({"EXPIRE", "foo", "-9223372036854776"}) == error(expire_err));
    CHECK(h.run({"EXPIRE", "foo", "-9999999999999999"}) == error(expire_err));
    CHECK(h.run({"PEXPIRE", "foo", "9223372036854770000"}) ==
          error("ERR invalid expire time in 'pexpire' command"));
    CHECK(h.run({"EXPIREAT", "foo", "9223372036854776"}) == error("ERR invalid expire time in 'expireat' command"));
    CHECK(h.run({"EXPIREAT", "foo", "-9223372036854776"}) ==
          error("ERR invalid expire time in 'expireat' command"));
    // PEXPIREAT adds nothing and converts nothing: it cannot overflow.
    CHECK(h.run({"PEXPIREAT", "foo", "9223372036854775807"}) == integer(1));
    CHECK(h.run({"PERSIST", "foo"}) == integer(1));
    // The overflow is found before the key is looked up.
    CHECK(h.run({"EXPIRE", "nokey", "9223372036854776"}) == error(expire_err));
    CHECK(h.run({"TTL", "foo"}) == integer(-1));
  }

  TEST_CASE("argument errors") {
    Harness h;
    put(h, "foo", "bar");
    CHECK(h.run({"EXPIRE", "foo", ""}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"EXPIRE", "foo", "1.5"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"EXPIRE", "foo", "99999999999999999999"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"PEXPIREAT", "foo", "x"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"EXPIRE", "foo"}) == error("ERR wrong number of arguments for 'expire' command"));
    CHECK(h.run({"PERSIST"}) == error("ERR wrong number of arguments for 'persist' command"));
    CHECK(h.run({"PERSIST", "a", "b"}) == error("ERR wrong number of arguments for 'persist' command"));
  }

  TEST_CASE("NX XX GT LT") {
    Harness h;
    auto ttl = [&](const char* key) { return h.run({"TTL", key}).integer; };
    SUBCASE("NX") {
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"EXPIRE", "foo", "200", "NX"}) == integer(0));
      CHECK(ttl("foo") == 100);
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "200", "nx"}) == integer(1));
      CHECK(ttl("foo") == 200);
    }
    SUBCASE("XX") {
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"EXPIRE", "foo", "200", "XX"}) == integer(1));
      CHECK(ttl("foo") == 200);
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "200", "XX"}) == integer(0));
      CHECK(ttl("foo") == -1);
    }
    SUBCASE("GT") {
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"EXPIRE", "foo", "200", "GT"}) == integer(1));
      CHECK(ttl("foo") == 200);
      CHECK(h.run({"EXPIRE", "foo", "100", "GT"}) == integer(0));
      CHECK(h.run({"EXPIRE", "foo", "200", "GT"}) == integer(0));  // equal is not greater
      CHECK(ttl("foo") == 200);
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "200", "GT"}) == integer(0));  // no TTL is infinite
      CHECK(ttl("foo") == -1);
    }
    SUBCASE("LT") {
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"EXPIRE", "foo", "200", "LT"}) == integer(0));
      CHECK(h.run({"EXPIRE", "foo", "100", "LT"}) == integer(0));  // equal is not less
      CHECK(ttl("foo") == 100);
      CHECK(h.run({"EXPIRE", "foo", "50", "LT"}) == integer(1));
      CHECK(ttl("foo") == 50);
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "100", "LT"}) == integer(1));
      CHECK(ttl("foo") == 100);
    }
    SUBCASE("LT XX and GT XX") {
      put(h, "foo", "bar", 200'000);
      CHECK(h.run({"EXPIRE", "foo", "100", "LT", "XX"}) == integer(1));
      CHECK(ttl("foo") == 100);
      CHECK(h.run({"EXPIRE", "foo", "300", "XX", "GT"}) == integer(1));
      CHECK(ttl("foo") == 300);
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "200", "LT", "XX"}) == integer(0));
      CHECK(ttl("foo") == -1);
    }
    SUBCASE("repeated options are fine") {
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "200", "NX", "NX"}) == integer(1));
    }
    SUBCASE("negative times with conditions") {
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"EXPIRE", "foo", "-10", "LT"}) == integer(1));
      CHECK(ttl("foo") == -2);
      put(h, "foo", "bar");
      CHECK(h.run({"EXPIRE", "foo", "-10", "LT"}) == integer(1));
      CHECK(ttl("foo") == -2);
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"EXPIRE", "foo", "-10", "GT"}) == integer(0));
      CHECK(h.run({"EXPIRE", "foo", "-10", "NX"}) == integer(0));
      CHECK(ttl("foo") == 100);
    }
    SUBCASE("missing key") {
      for (const char* opt : {"NX", "XX", "GT", "LT"}) CHECK(h.run({"EXPIRE", "none", "100", opt}) == integer(0));
    }
    SUBCASE("PEXPIRE and the absolute forms take them too") {
      const std::int64_t now = h.clock.now_ms();
      put(h, "foo", "bar", 100'000);
      CHECK(h.run({"PEXPIRE", "foo", "50000", "GT"}) == integer(0));
      CHECK(h.run({"PEXPIREAT", "foo", num(now + 50'000), "LT"}) == integer(1));
      CHECK(h.run({"EXPIREAT", "foo", num(now / 1000 + 10), "NX"}) == integer(0));
      CHECK(h.run({"PTTL", "foo"}) == integer(50'000));
    }
  }

  TEST_CASE("NX XX GT LT errors") {
    Harness h;
    put(h, "foo", "bar");
    CHECK(h.run({"EXPIRE", "foo", "200", "LT", "GT"}) == error("ERR GT and LT options at the same time are not compatible"));
    CHECK(h.run({"EXPIRE", "foo", "200", "NX", "GT"}) ==
          error("ERR NX and XX, GT or LT options at the same time are not compatible"));
    CHECK(h.run({"EXPIRE", "foo", "200", "NX", "LT"}) ==
          error("ERR NX and XX, GT or LT options at the same time are not compatible"));
    CHECK(h.run({"EXPIRE", "foo", "200", "NX", "XX"}) ==
          error("ERR NX and XX, GT or LT options at the same time are not compatible"));
    // NX with GT and LT together: the NX rule is checked first.
    CHECK(h.run({"EXPIRE", "foo", "200", "NX", "GT", "LT"}) ==
          error("ERR NX and XX, GT or LT options at the same time are not compatible"));
    CHECK(h.run({"EXPIRE", "foo", "200", "AB"}) == error("ERR Unsupported option AB"));
    CHECK(h.run({"EXPIRE", "foo", "200", "XX", "AB"}) == error("ERR Unsupported option AB"));
    // An unknown option wins over an incompatible pair before it, and over a bad time.
    CHECK(h.run({"EXPIRE", "foo", "200", "NX", "XX", "AB"}) == error("ERR Unsupported option AB"));
    CHECK(h.run({"EXPIRE", "foo", "x", "AB"}) == error("ERR Unsupported option AB"));
    CHECK(h.run({"EXPIRE", "foo", "x", "NX", "XX"}) ==
          error("ERR NX and XX, GT or LT options at the same time are not compatible"));
    CHECK(h.run({"PEXPIRE", "foo", "9223372036854770000", "AB"}) == error("ERR Unsupported option AB"));
    CHECK(h.run({"TTL", "foo"}) == integer(-1));
  }

  TEST_CASE("PERSIST") {
    Harness h;
    put(h, "x", "foo", 50'000);
    CHECK(h.run({"TTL", "x"}) == integer(50));
    std::uint64_t dirty = h.engine.dirty();
    CHECK(h.run({"PERSIST", "x"}) == integer(1));
    CHECK(h.engine.dirty() > dirty);
    CHECK(h.run({"TTL", "x"}) == integer(-1));
    CHECK(h.engine.db(0).volatile_count() == 0);
    CHECK(h.run({"PERSIST", "x"}) == integer(0));
    CHECK(h.run({"PERSIST", "nokeyatall"}) == integer(0));
    h.clock.advance_ms(60'000);
    CHECK(h.run({"EXISTS", "x"}) == integer(1));
    SUBCASE("an expired key cannot be saved") {
      put(h, "y", "v", 10);
      h.clock.advance_ms(11);
      CHECK(h.run({"PERSIST", "y"}) == integer(0));
      CHECK(h.run({"EXISTS", "y"}) == integer(0));
    }
  }

  TEST_CASE("EXPIRE does not resurrect an expired key") {
    Harness h;
    h.engine.settings().active_expire_enabled = false;
    put(h, "foo", "bar", 500);
    h.clock.advance_ms(1000);
    CHECK(h.run({"EXPIRE", "foo", "10"}) == integer(0));
    CHECK(h.run({"EXISTS", "foo"}) == integer(0));
  }

  TEST_CASE("int, embstr and raw values keep their value across TTL changes") {
    Harness h;
    std::string big(300, 'r');
    put(h, "i", "123");
    put(h, "e", "short");
    put(h, "r", big);
    for (const char* k : {"i", "e", "r"}) {
      CHECK(h.run({"EXPIRE", k, "100"}) == integer(1));
      CHECK(h.run({"PEXPIRE", k, "200000"}) == integer(1));
      CHECK(h.run({"PERSIST", k}) == integer(1));
      CHECK(h.run({"EXPIRE", k, "100"}) == integer(1));
    }
    CHECK(h.run({"OBJECT", "ENCODING", "i"}) == bulk("int"));
    CHECK(h.run({"OBJECT", "ENCODING", "e"}) == bulk("embstr"));
    CHECK(h.run({"OBJECT", "ENCODING", "r"}) == bulk("raw"));
    microredis::IntText buf;
    CHECK(microredis::string_of(*h.engine.db(0).find_raw("i"), buf) == "123");
    CHECK(microredis::string_of(*h.engine.db(0).find_raw("e"), buf) == "short");
    CHECK(microredis::string_of(*h.engine.db(0).find_raw("r"), buf) == big);
    CHECK(h.engine.db(0).volatile_count() == 3);
  }

  TEST_CASE("lazy expiry") {
    Harness h;
    h.engine.settings().active_expire_enabled = false;
    put(h, "key1", "a", 500);
    put(h, "key2", "a", 500);
    put(h, "key3", "a", 500);
    put(h, "keep", "a");
    CHECK(h.run({"DBSIZE"}) == integer(4));
    h.clock.advance_ms(1000);
    h.engine.tick();
    CHECK(h.run({"DBSIZE"}) == integer(4));  // nothing touched them yet
    std::uint64_t expired = h.engine.keyspace().expired_keys;
    CHECK(h.run({"EXISTS", "key1", "key2", "key3"}) == integer(0));
    CHECK(h.run({"DBSIZE"}) == integer(1));
    CHECK(h.engine.keyspace().expired_keys == expired + 3);
    CHECK(h.engine.db(0).volatile_count() == 0);
  }

  TEST_CASE("active expiry") {
    Harness h;
    put(h, "key1", "a", 500);
    put(h, "key2", "a", 500);
    put(h, "key3", "a", 500);
    put(h, "keep", "a", 10'000'000);
    h.clock.advance_ms(400);
    h.engine.tick();
    CHECK(h.run({"DBSIZE"}) == integer(4));
    h.clock.advance_ms(101);
    h.engine.tick();
    CHECK(h.run({"DBSIZE"}) == integer(1));
    CHECK(h.engine.db(0).volatile_count() == 1);

    SUBCASE("many keys in several databases go within a bounded number of ticks") {
      for (int db = 0; db < 3; ++db) {
        for (int i = 0; i < 20000; ++i) put(h, "v:" + std::to_string(i), "x", 1000 + i % 1000, db);
        for (int i = 0; i < 1000; ++i) put(h, "p:" + std::to_string(i), "x", -1, db);
      }
      h.clock.advance_ms(2000);
      int ticks = 0;
      while (h.engine.db(0).size() + h.engine.db(1).size() + h.engine.db(2).size() > 3001 && ticks < 2000) {
        h.clock.advance_ms(100);
        h.engine.tick();
        ++ticks;
      }
      CHECK(ticks < 2000);
      MESSAGE("ticks to expire 60000 keys: " << ticks);
      CHECK(h.engine.db(0).size() == 1001);
      CHECK(h.engine.db(1).size() == 1000);
      CHECK(h.engine.db(2).size() == 1000);
      CHECK(h.engine.db(0).volatile_count() == 1);  // "keep" from above
      CHECK(h.engine.db(1).volatile_count() == 0);
    }
    SUBCASE("switched off") {
      h.engine.settings().active_expire_enabled = false;
      put(h, "x", "a", 10);
      h.clock.advance_ms(20);
      h.engine.tick();
      CHECK(h.run({"DBSIZE"}) == integer(2));
    }
  }

  TEST_CASE("KEYS, SCAN and RANDOMKEY never return expired keys") {
    Harness h;
    h.engine.settings().active_expire_enabled = false;
    for (int i = 0; i < 500; ++i) put(h, "t" + std::to_string(i), "x", 100);
    put(h, "live", "x");
    h.clock.advance_ms(101);
    CHECK(h.run({"KEYS", "*"}) == bulks({"live"}));
    Reply r = h.run({"SCAN", "0", "COUNT", "1000"});
    CHECK(r[0] == bulk("0"));
    CHECK(r[1] == bulks({"live"}));
    CHECK(h.run({"RANDOMKEY"}) == bulk("live"));
    CHECK(h.run({"DBSIZE"}) == integer(1));
  }
}
