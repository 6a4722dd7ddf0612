// The string family. Expected replies were checked against redis-server 7.0.15.
//
// WRONGTYPE paths are not tested here yet: no other value type exists, and an entry of another
// type cannot be built safely through the public Db API until one does.
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/string.hpp"

using namespace mrtest;
using microredis::Encoding;

namespace {

const microredis::Entry* entry(Harness& h, std::string_view key) { return h.engine.db(0).find_raw(key); }

std::int64_t expire_of(Harness& h, std::string_view key) {
  const microredis::Entry* e = entry(h, key);
  REQUIRE(e != nullptr);
  return e->expire_ms();
}

std::int64_t now_ms(Harness& h) { return h.clock.now_ms(); }

std::string num(std::int64_t v) { return std::to_string(v); }

}  // namespace

TEST_SUITE("strings") {
  TEST_CASE("GET and SET") {
    Harness h;
    CHECK(h.run({"GET", "k"}) == nil());
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("v"));
    CHECK(h.run({"SET", "k", ""}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk(""));
    std::string big(100000, 'x');
    CHECK(h.run({"SET", "big", big}) == ok());
    CHECK(h.run(std::vector<std::string>{"GET", "big"}) == bulk(big));
    std::string binary("a\0b\r\nc", 6);
    CHECK(h.run({"SET", "bin", binary}) == ok());
    CHECK(h.run({"GET", "bin"}) == bulk(binary));
    CHECK(h.run({"GET"}) == error("ERR wrong number of arguments for 'get' command"));
    CHECK(h.run({"SET", "k"}) == error("ERR wrong number of arguments for 'set' command"));
  }

  TEST_CASE("SET chooses Redis's encoding") {
    Harness h;
    auto enc = [&](std::string_view value) {
      REQUIRE(h.run({"SET", "k", value}) == ok());
      return encoding_of(h, "k");
    };
    CHECK(enc("12345") == Encoding::int_);
    CHECK(enc("-9223372036854775808") == Encoding::int_);
    CHECK(enc("9223372036854775807") == Encoding::int_);
    CHECK(enc("9223372036854775808") == Encoding::embstr);  // out of range
    CHECK(enc("12345678901234567890") == Encoding::embstr);
    CHECK(enc("00") == Encoding::embstr);
    CHECK(enc("-0") == Encoding::embstr);
    CHECK(enc("+1") == Encoding::embstr);
    CHECK(enc(" 1") == Encoding::embstr);
    CHECK(enc("") == Encoding::embstr);
    CHECK(enc(std::string(44, 'a')) == Encoding::embstr);
    CHECK(enc(std::string(45, 'a')) == Encoding::raw);
    CHECK(enc("123456789012345678901234567890123456789012345") == Encoding::raw);
    // Whatever the encoding, GET returns the bytes that were set.
    CHECK(h.run({"SET", "n", "-42"}) == ok());
    CHECK(h.run({"GET", "n"}) == bulk("-42"));
  }

  TEST_CASE("SET NX, XX and GET") {
    Harness h;
    CHECK(h.run({"SET", "k", "1", "NX"}) == ok());
    CHECK(h.run({"SET", "k", "2", "nx"}) == nil());
    CHECK(h.run({"GET", "k"}) == bulk("1"));
    CHECK(h.run({"SET", "x", "1", "XX"}) == nil());
    CHECK(h.run({"GET", "x"}) == nil());
    CHECK(h.run({"SET", "k", "2", "XX"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("2"));

    CHECK(h.run({"SET", "k", "3", "GET"}) == bulk("2"));
    CHECK(h.run({"GET", "k"}) == bulk("3"));
    CHECK(h.run({"SET", "new", "v", "GET"}) == nil());
    CHECK(h.run({"GET", "new"}) == bulk("v"));
    // GET with NX: the old value, and nothing set when the key exists.
    CHECK(h.run({"SET", "k", "4", "GET", "NX"}) == bulk("3"));
    CHECK(h.run({"GET", "k"}) == bulk("3"));
    CHECK(h.run({"SET", "nx", "v", "NX", "GET"}) == nil());
    CHECK(h.run({"GET", "nx"}) == bulk("v"));
    // GET with XX on a missing key: nil, nothing set.
    CHECK(h.run({"SET", "xx", "v", "GET", "XX"}) == nil());
    CHECK(h.run({"GET", "xx"}) == nil());
    CHECK(h.run({"SET", "k", "5", "GET", "XX"}) == bulk("3"));
    CHECK(h.run({"GET", "k"}) == bulk("5"));
    // Repeating an option is allowed.
    CHECK(h.run({"SET", "k", "6", "NX", "NX"}) == nil());
    CHECK(h.run({"SET", "k", "6", "GET", "GET"}) == bulk("5"));
  }

  TEST_CASE("SET option errors") {
    Harness h;
    const Reply syntax = error("ERR syntax error");
    CHECK(h.run({"SET", "k", "v", "NX", "XX"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "XX", "NX"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "EX"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "EX", "10", "PX", "100"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "EXAT", "10", "PXAT", "100"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "KEEPTTL", "EX", "10"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "EX", "10", "KEEPTTL"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "PERSIST"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "foo"}) == syntax);
    CHECK(h.run({"SET", "k", "v", "EX", "10", "foo"}) == syntax);
    // The value is checked after the options, then its range.
    CHECK(h.run({"SET", "k", "v", "EX", "abc"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"SET", "k", "v", "EX", "1.5"}) == error("ERR value is not an integer or out of range"));
    const Reply invalid = error("ERR invalid expire time in 'set' command");
    CHECK(h.run({"SET", "k", "v", "EX", "0"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "EX", "-1"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "PX", "0"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "EXAT", "0"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "PXAT", "-5"}) == invalid);
    // Seconds that overflow when converted to ms, and relative times that overflow when added.
    CHECK(h.run({"SET", "k", "v", "EX", "9223372036854776"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "EX", "9223372036854775"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "PX", "9223372036854775807"}) == invalid);
    CHECK(h.run({"SET", "k", "v", "EXAT", "9223372036854776"}) == invalid);
    CHECK(h.run({"GET", "k"}) == nil());
    // Absolute times are not added to now, so the largest ones are fine.
    CHECK(h.run({"SET", "k", "v", "EXAT", "9223372036854775"}) == ok());
    CHECK(expire_of(h, "k") == 9223372036854775000);
    CHECK(h.run({"SET", "k", "v", "PXAT", "9223372036854775807"}) == ok());
    CHECK(expire_of(h, "k") == 9223372036854775807);
  }

  TEST_CASE("SET expire options and KEEPTTL") {
    Harness h;
    const std::int64_t now = now_ms(h);
    CHECK(h.run({"SET", "k", "v", "EX", "10"}) == ok());
    CHECK(expire_of(h, "k") == now + 10000);
    CHECK(h.run({"SET", "k", "v", "PX", "1500"}) == ok());
    CHECK(expire_of(h, "k") == now + 1500);
    CHECK(h.run({"SET", "k", "v", "EXAT", num(now / 1000 + 100)}) == ok());
    CHECK(expire_of(h, "k") == (now / 1000 + 100) * 1000);
    CHECK(h.run({"SET", "k", "v", "PXAT", num(now + 1234)}) == ok());
    CHECK(expire_of(h, "k") == now + 1234);
    CHECK(h.run({"SET", "k", "v", "ex", "10", "ex", "20"}) == ok());  // the last one wins
    CHECK(expire_of(h, "k") == now + 20000);

    // KEEPTTL keeps it, a plain SET clears it.
    CHECK(h.run({"SET", "k", "w", "KEEPTTL"}) == ok());
    CHECK(expire_of(h, "k") == now + 20000);
    CHECK(h.run({"GET", "k"}) == bulk("w"));
    CHECK(h.run({"SET", "k", "x"}) == ok());
    CHECK(expire_of(h, "k") == -1);
    CHECK(h.run({"SET", "fresh", "v", "KEEPTTL"}) == ok());
    CHECK(expire_of(h, "fresh") == -1);
    CHECK(h.engine.db(0).volatile_count() == 0);

    // The key expires once its time has passed (Redis: now > when; at that very ms PTTL is 0).
    CHECK(h.run({"SET", "t", "v", "PX", "100"}) == ok());
    h.clock.advance_ms(100);
    CHECK(h.run({"GET", "t"}) == bulk("v"));
    h.clock.advance_ms(1);
    CHECK(h.run({"GET", "t"}) == nil());
    CHECK(entry(h, "t") == nullptr);

    // XX with an expire on an existing key.
    CHECK(h.run({"SET", "k", "bar", "XX", "PX", "10000"}) == ok());
    CHECK(expire_of(h, "k") == now_ms(h) + 10000);
  }

  TEST_CASE("SET with an absolute time in the past sets a key that is already expired") {
    // Redis 7.0 sets the key with its (past) TTL; the next access expires it.
    Harness h;
    CHECK(h.run({"SET", "k", "v", "PXAT", "1"}) == ok());
    REQUIRE(entry(h, "k") != nullptr);
    CHECK(expire_of(h, "k") == 1);
    CHECK(h.run({"GET", "k"}) == nil());
    CHECK(entry(h, "k") == nullptr);
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(h.run({"SET", "k", "w", "EXAT", "1", "GET"}) == bulk("v"));
    CHECK(h.run({"GET", "k"}) == nil());
  }

  TEST_CASE("SET and NX/XX see an expired key as missing") {
    Harness h;
    CHECK(h.run({"SET", "k", "old", "PX", "10"}) == ok());
    h.clock.advance_ms(11);
    CHECK(h.run({"SET", "k", "v", "XX"}) == nil());
    CHECK(h.run({"SET", "k", "old", "PX", "10"}) == ok());
    h.clock.advance_ms(11);
    CHECK(h.run({"SET", "k", "new", "NX", "GET"}) == nil());
    CHECK(h.run({"GET", "k"}) == bulk("new"));
    CHECK(h.run({"SETNX", "k", "x"}) == integer(0));
  }

  TEST_CASE("SETNX SETEX PSETEX") {
    Harness h;
    CHECK(h.run({"SETNX", "k", "a"}) == integer(1));
    CHECK(h.run({"SETNX", "k", "b"}) == integer(0));
    CHECK(h.run({"GET", "k"}) == bulk("a"));
    CHECK(h.run({"SETNX", "k"}) == error("ERR wrong number of arguments for 'setnx' command"));

    const std::int64_t now = now_ms(h);
    CHECK(h.run({"SETEX", "k", "100", "v"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("v"));
    CHECK(expire_of(h, "k") == now + 100000);
    CHECK(h.run({"PSETEX", "k", "100", "w"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("w"));
    CHECK(expire_of(h, "k") == now + 100);
    CHECK(h.run({"SETEX", "k", "0", "v"}) == error("ERR invalid expire time in 'setex' command"));
    CHECK(h.run({"SETEX", "k", "-5", "v"}) == error("ERR invalid expire time in 'setex' command"));
    CHECK(h.run({"PSETEX", "k", "0", "v"}) == error("ERR invalid expire time in 'psetex' command"));
    CHECK(h.run({"SETEX", "k", "abc", "v"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"SETEX", "k", "9223372036854776", "v"}) == error("ERR invalid expire time in 'setex' command"));
    CHECK(h.run({"SETEX", "k", "10"}) == error("ERR wrong number of arguments for 'setex' command"));
    CHECK(h.run({"GET", "k"}) == bulk("w"));
    CHECK(h.run({"SETEX", "n", "10", "123"}) == ok());
    CHECK(encoding_of(h, "n") == Encoding::int_);
  }

  TEST_CASE("GETSET and GETDEL") {
    Harness h;
    CHECK(h.run({"GETSET", "k", "a"}) == nil());
    CHECK(h.run({"GET", "k"}) == bulk("a"));
    CHECK(h.run({"GETSET", "k", "b"}) == bulk("a"));
    CHECK(h.run({"GET", "k"}) == bulk("b"));
    // GETSET clears the TTL, like SET.
    CHECK(h.run({"SET", "k", "c", "EX", "100"}) == ok());
    CHECK(h.run({"GETSET", "k", "123"}) == bulk("c"));
    CHECK(expire_of(h, "k") == -1);
    CHECK(encoding_of(h, "k") == Encoding::int_);
    CHECK(h.run({"GETSET", "k", "456"}) == bulk("123"));

    CHECK(h.run({"GETDEL", "k"}) == bulk("456"));
    CHECK(h.run({"GETDEL", "k"}) == nil());
    CHECK(entry(h, "k") == nullptr);
    CHECK(h.engine.db(0).size() == 0);
    CHECK(h.run({"GETDEL"}) == error("ERR wrong number of arguments for 'getdel' command"));
  }

  TEST_CASE("GETEX") {
    Harness h;
    const std::int64_t now = now_ms(h);
    CHECK(h.run({"GETEX", "k"}) == nil());
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(h.run({"GETEX", "k"}) == bulk("v"));
    CHECK(expire_of(h, "k") == -1);
    CHECK(h.run({"GETEX", "k", "EX", "10"}) == bulk("v"));
    CHECK(expire_of(h, "k") == now + 10000);
    CHECK(h.run({"GETEX", "k", "PX", "500"}) == bulk("v"));
    CHECK(expire_of(h, "k") == now + 500);
    CHECK(h.run({"GETEX", "k", "EXAT", num(now / 1000 + 50)}) == bulk("v"));
    CHECK(expire_of(h, "k") == (now / 1000 + 50) * 1000);
    CHECK(h.run({"GETEX", "k", "PXAT", num(now + 777)}) == bulk("v"));
    CHECK(expire_of(h, "k") == now + 777);
    CHECK(h.run({"GETEX", "k"}) == bulk("v"));  // no option: the TTL stays
    CHECK(expire_of(h, "k") == now + 777);
    CHECK(h.run({"GETEX", "k", "PERSIST"}) == bulk("v"));
    CHECK(expire_of(h, "k") == -1);
    CHECK(h.run({"GETEX", "k", "persist"}) == bulk("v"));  // nothing to remove
    CHECK(h.engine.db(0).volatile_count() == 0);

    // An absolute time in the past deletes the key (after returning its value).
    CHECK(h.run({"GETEX", "k", "PXAT", num(now - 1)}) == bulk("v"));
    CHECK(entry(h, "k") == nullptr);
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(h.run({"GETEX", "k", "EXAT", "1"}) == bulk("v"));
    CHECK(entry(h, "k") == nullptr);
    // An int value comes back as text.
    CHECK(h.run({"SET", "n", "12"}) == ok());
    CHECK(h.run({"GETEX", "n", "EX", "5"}) == bulk("12"));
    CHECK(encoding_of(h, "n") == Encoding::int_);
  }

  TEST_CASE("GETEX errors") {
    Harness h;
    const Reply syntax = error("ERR syntax error");
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(h.run({"GETEX", "k", "foo"}) == syntax);
    CHECK(h.run({"GETEX", "nokey", "foo"}) == syntax);  // options are parsed first
    CHECK(h.run({"GETEX", "k", "NX"}) == syntax);
    CHECK(h.run({"GETEX", "k", "GET"}) == syntax);
    CHECK(h.run({"GETEX", "k", "KEEPTTL"}) == syntax);
    CHECK(h.run({"GETEX", "k", "EX"}) == syntax);
    CHECK(h.run({"GETEX", "k", "PERSIST", "EX", "10"}) == syntax);
    CHECK(h.run({"GETEX", "k", "EX", "10", "PERSIST"}) == syntax);
    CHECK(h.run({"GETEX", "k", "EX", "10", "PXAT", "10"}) == syntax);
    CHECK(h.run({"GETEX", "k", "PERSIST", "PERSIST"}) == bulk("v"));
    // The expire value is validated only once the key is found.
    CHECK(h.run({"GETEX", "nokey", "EX", "0"}) == nil());
    CHECK(h.run({"GETEX", "nokey", "EX", "abc"}) == nil());
    CHECK(h.run({"GETEX", "k", "EX", "0"}) == error("ERR invalid expire time in 'getex' command"));
    CHECK(h.run({"GETEX", "k", "EX", "abc"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"GETEX", "k", "PX", "9223372036854775807"}) == error("ERR invalid expire time in 'getex' command"));
    CHECK(expire_of(h, "k") == -1);
    CHECK(h.run({"GETEX"}) == error("ERR wrong number of arguments for 'getex' command"));
  }

  TEST_CASE("MGET MSET MSETNX") {
    Harness h;
    CHECK(h.run({"MSET", "a", "1", "b", "foo bar", "c", std::string("x\n\r\n")}) == ok());
    CHECK(h.run({"MGET", "a", "b", "c", "nokey"}) ==
          array({bulk("1"), bulk("foo bar"), bulk("x\n\r\n"), nil()}));
    CHECK(encoding_of(h, "a") == Encoding::int_);
    CHECK(h.run({"MGET", "nokey"}) == array({nil()}));
    CHECK(h.run({"MSET", "a", "1", "b"}) == error("ERR wrong number of arguments for 'mset' command"));
    CHECK(h.run({"MSETNX", "a", "1", "b"}) == error("ERR wrong number of arguments for 'msetnx' command"));
    CHECK(h.run({"MSET", "a"}) == error("ERR wrong number of arguments for 'mset' command"));
    CHECK(h.run({"MGET"}) == error("ERR wrong number of arguments for 'mget' command"));
    // The last value of a repeated key wins.
    CHECK(h.run({"MSET", "d", "1", "d", "2"}) == ok());
    CHECK(h.run({"GET", "d"}) == bulk("2"));
    // MSET clears TTLs.
    CHECK(h.run({"SET", "t", "v", "EX", "100"}) == ok());
    CHECK(h.run({"MSET", "t", "w"}) == ok());
    CHECK(expire_of(h, "t") == -1);

    CHECK(h.run({"MSETNX", "x1", "xxx", "y2", "yyy", "a", "20"}) == integer(0));
    CHECK(entry(h, "x1") == nullptr);
    CHECK(entry(h, "y2") == nullptr);
    CHECK(h.run({"GET", "a"}) == bulk("1"));
    CHECK(h.run({"MSETNX", "x1", "xxx", "y2", "yyy"}) == integer(1));
    CHECK(h.run({"MGET", "x1", "y2"}) == bulks({"xxx", "yyy"}));
    CHECK(h.run({"MSETNX", "z", "a", "z", "b"}) == integer(1));
    CHECK(h.run({"GET", "z"}) == bulk("b"));
    CHECK(h.run({"MSETNX", "z", "c", "z", "d"}) == integer(0));
    CHECK(h.run({"GET", "z"}) == bulk("b"));
    // An expired key does not count as existing.
    CHECK(h.run({"SET", "e", "v", "PX", "5"}) == ok());
    h.clock.advance_ms(6);
    CHECK(h.run({"MSETNX", "e", "new"}) == integer(1));
    CHECK(h.run({"GET", "e"}) == bulk("new"));
  }

  TEST_CASE("APPEND and STRLEN") {
    Harness h;
    CHECK(h.run({"APPEND", "k", "abc"}) == integer(3));
    CHECK(encoding_of(h, "k") == Encoding::embstr);  // created as SET would
    CHECK(h.run({"APPEND", "k", "def"}) == integer(6));
    CHECK(encoding_of(h, "k") == Encoding::raw);
    CHECK(h.run({"GET", "k"}) == bulk("abcdef"));
    CHECK(h.run({"APPEND", "k", ""}) == integer(6));
    CHECK(h.run({"STRLEN", "k"}) == integer(6));

    CHECK(h.run({"APPEND", "n", "12"}) == integer(2));
    CHECK(encoding_of(h, "n") == Encoding::int_);
    CHECK(h.run({"APPEND", "n", "3"}) == integer(3));
    CHECK(encoding_of(h, "n") == Encoding::raw);
    CHECK(h.run({"GET", "n"}) == bulk("123"));

    CHECK(h.run({"APPEND", "e", ""}) == integer(0));
    REQUIRE(entry(h, "e") != nullptr);
    CHECK(h.run({"GET", "e"}) == bulk(""));

    // Many appends: amortized growth, the bytes all there.
    std::string expect;
    for (int i = 0; i < 2000; ++i) {
      std::string piece = "p" + std::to_string(i) + ";";
      expect += piece;
      REQUIRE(h.run({"APPEND", "long", piece}) == integer(static_cast<std::int64_t>(expect.size())));
    }
    CHECK(h.run({"GET", "long"}) == bulk(expect));
    const auto* r = entry(h, "long")->object<microredis::RawString>();
    CHECK(r->cap >= r->len);

    // APPEND keeps the TTL.
    CHECK(h.run({"SET", "t", "v", "EX", "100"}) == ok());
    const std::int64_t when = expire_of(h, "t");
    CHECK(h.run({"APPEND", "t", "w"}) == integer(2));
    CHECK(h.run({"APPEND", "t", "x"}) == integer(3));
    CHECK(expire_of(h, "t") == when);

    CHECK(h.run({"STRLEN", "nokey"}) == integer(0));
    CHECK(h.run({"SET", "i", "-555"}) == ok());
    CHECK(h.run({"STRLEN", "i"}) == integer(4));
    CHECK(h.run({"SET", "s", "foozzz0123456789 baz"}) == ok());
    CHECK(h.run({"STRLEN", "s"}) == integer(20));
    CHECK(h.run({"SET", "s", std::string(1000, 'z')}) == ok());
    CHECK(h.run({"STRLEN", "s"}) == integer(1000));
  }

  TEST_CASE("APPEND and SETRANGE respect proto-max-bulk-len") {
    Harness h;
    h.engine.settings().proto_max_bulk_len = 10;
    CHECK(h.run({"APPEND", "k", "12345"}) == integer(5));
    CHECK(h.run({"APPEND", "k", "67890"}) == integer(10));
    CHECK(h.run({"APPEND", "k", "x"}) == error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    CHECK(h.run({"GET", "k"}) == bulk("1234567890"));
    CHECK(h.run({"SETRANGE", "k", "9", "ab"}) == error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    CHECK(h.run({"SETRANGE", "k", "8", "ab"}) == integer(10));
    CHECK(h.run({"SETRANGE", "new", "10", "a"}) == error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    CHECK(entry(h, "new") == nullptr);
    CHECK(h.run({"SETRANGE", "k", "100", ""}) == integer(10));  // nothing to write: no check
  }

  TEST_CASE("INCR DECR INCRBY DECRBY") {
    Harness h;
    CHECK(h.run({"INCR", "n"}) == integer(1));
    CHECK(h.run({"GET", "n"}) == bulk("1"));
    CHECK(h.run({"INCR", "n"}) == integer(2));
    CHECK(h.run({"DECR", "n"}) == integer(1));
    CHECK(h.run({"DECR", "m"}) == integer(-1));
    CHECK(h.run({"INCRBY", "n", "10"}) == integer(11));
    CHECK(h.run({"DECRBY", "n", "20"}) == integer(-9));
    CHECK(h.run({"INCRBY", "n", "-1"}) == integer(-10));
    CHECK(h.run({"SET", "n", "17179869184"}) == ok());
    CHECK(h.run({"INCRBY", "n", "17179869184"}) == integer(34359738368));
    CHECK(h.run({"DECRBY", "n", "34359738369"}) == integer(-1));
    CHECK(encoding_of(h, "n") == Encoding::int_);

    // An int value is updated in place: same entry, no allocation.
    CHECK(h.run({"SET", "p", "20000"}) == ok());
    const microredis::Entry* before = entry(h, "p");
    CHECK(h.run({"INCR", "p"}) == integer(20001));
    CHECK(entry(h, "p") == before);

    // A numeric value stored as text (after APPEND) becomes an int again.
    CHECK(h.run({"SET", "r", "1"}) == ok());
    CHECK(h.run({"APPEND", "r", "0"}) == integer(2));
    CHECK(encoding_of(h, "r") == Encoding::raw);
    CHECK(h.run({"INCR", "r"}) == integer(11));
    CHECK(encoding_of(h, "r") == Encoding::int_);

    // INCR keeps the TTL.
    CHECK(h.run({"SET", "t", "5", "EX", "100"}) == ok());
    const std::int64_t when = expire_of(h, "t");
    CHECK(h.run({"INCR", "t"}) == integer(6));
    CHECK(expire_of(h, "t") == when);
    CHECK(h.run({"PSETEX", "t3", "100", "7"}) == ok());
    CHECK(h.run({"APPEND", "t3", "7"}) == integer(2));
    CHECK(h.run({"INCR", "t3"}) == integer(78));  // raw -> int rebuild keeps the TTL too
    CHECK(expire_of(h, "t3") == now_ms(h) + 100);
  }

  TEST_CASE("INCR family errors") {
    Harness h;
    const Reply not_int = error("ERR value is not an integer or out of range");
    for (const char* v : {"abc", "    11", "11    ", " 11 ", "1.5", "01", "+1", "", "99999999999999999999"}) {
      CAPTURE(v);
      REQUIRE(h.run({"SET", "n", v}) == ok());
      CHECK(h.run({"INCR", "n"}) == not_int);
      CHECK(h.run({"DECRBY", "n", "1"}) == not_int);
      CHECK(h.run({"GET", "n"}) == bulk(v));
    }
    CHECK(h.run({"INCRBY", "x", "abc"}) == not_int);
    CHECK(h.run({"INCRBY", "x", "1.0"}) == not_int);
    CHECK(h.run({"INCRBY", "x", "9223372036854775808"}) == not_int);
    CHECK(entry(h, "x") == nullptr);

    const Reply overflow = error("ERR increment or decrement would overflow");
    CHECK(h.run({"SET", "n", "9223372036854775807"}) == ok());
    CHECK(h.run({"INCR", "n"}) == overflow);
    CHECK(h.run({"INCRBY", "n", "9223372036854775807"}) == overflow);
    CHECK(h.run({"GET", "n"}) == bulk("9223372036854775807"));
    CHECK(h.run({"SET", "n", "-9223372036854775808"}) == ok());
    CHECK(h.run({"DECR", "n"}) == overflow);
    CHECK(h.run({"INCRBY", "n", "-1"}) == overflow);
    CHECK(h.run({"INCRBY", "n", "9223372036854775807"}) == integer(-1));
    CHECK(h.run({"SET", "n", "0"}) == ok());
    CHECK(h.run({"DECRBY", "n", "-9223372036854775808"}) == error("ERR decrement would overflow"));
    CHECK(h.run({"DECRBY", "n", "-9223372036854775807"}) == integer(9223372036854775807));
    CHECK(h.run({"INCRBY", "n", "-9223372036854775808"}) == integer(-1));
    CHECK(h.run({"INCR"}) == error("ERR wrong number of arguments for 'incr' command"));
    CHECK(h.run({"INCRBY", "n"}) == error("ERR wrong number of arguments for 'incrby' command"));
  }

  TEST_CASE("INCRBYFLOAT") {
    Harness h;
    CHECK(h.run({"INCRBYFLOAT", "f", "10.5"}) == bulk("10.5"));
    CHECK(h.run({"INCRBYFLOAT", "f", "-7.5"}) == bulk("3"));
    CHECK(encoding_of(h, "f") == Encoding::embstr);  // text, even when it looks like an integer
    CHECK(h.run({"GET", "f"}) == bulk("3"));
    CHECK(h.run({"INCRBYFLOAT", "f", "0.1"}) == bulk("3.1"));
    CHECK(h.run({"SET", "n", "17179869184"}) == ok());
    CHECK(h.run({"INCRBYFLOAT", "n", "1.5"}) == bulk("17179869185.5"));
    CHECK(h.run({"SET", "n", "17179869184"}) == ok());
    CHECK(h.run({"INCRBYFLOAT", "n", "17179869184"}) == bulk("34359738368"));
    CHECK(h.run({"INCRBYFLOAT", "h", "5.0e3"}) == bulk("5000"));
    CHECK(h.run({"INCRBYFLOAT", "h", "1.23456789012345678901"}) == bulk("5001.23456789012345691"));
    CHECK(h.run({"INCRBYFLOAT", "j", "1e-20"}) == bulk("0"));
    CHECK(h.run({"INCRBYFLOAT", "x", "0x10"}) == bulk("16"));
    CHECK(h.run({"SET", "d", "1"}) == ok());
    CHECK(h.run({"INCRBYFLOAT", "d", "-1.1"}) == bulk("-0.1"));
    // No negative zero.
    CHECK(h.run({"INCRBYFLOAT", "z", "0.024390243902439025"}) == bulk("0.02439024390243902"));
    CHECK(h.run({"INCRBYFLOAT", "z", "-0.024390243902439025"}) == bulk("0"));
    CHECK(h.run({"INCRBYFLOAT", "z2", "-0.0"}) == bulk("0"));
    // Big values: the full decimal expansion, stored raw past 44 bytes.
    Reply big = h.run({"INCRBYFLOAT", "g", "1e300"});
    REQUIRE(big.type == Reply::Type::bulk);
    CHECK(big.str.size() == 301);
    CHECK(big.str.rfind("100000000000000000000", 0) == 0);
    CHECK(encoding_of(h, "g") == Encoding::raw);
    // Values longer than 511 bytes are still numbers (Redis reads up to 5 KiB).
    CHECK(h.run({"INCRBYFLOAT", "w", "1e600"}).str.size() == 601);
    Reply twice = h.run({"INCRBYFLOAT", "w", "1e600"});
    CHECK(twice.str.size() == 601);
    CHECK(twice.str.rfind("2000000000000000000051142382953793242900", 0) == 0);
    // INCRBYFLOAT keeps the TTL.
    CHECK(h.run({"SET", "t", "1", "EX", "100"}) == ok());
    const std::int64_t when = expire_of(h, "t");
    CHECK(h.run({"INCRBYFLOAT", "t", "1.5"}) == bulk("2.5"));
    CHECK(expire_of(h, "t") == when);
  }

  TEST_CASE("INCRBYFLOAT errors") {
    Harness h;
    const Reply not_float = error("ERR value is not a valid float");
    for (const char* v : {"abc", "    11", "11    ", " 11 ", "", "1e", "nan"}) {
      CAPTURE(v);
      REQUIRE(h.run({"SET", "n", v}) == ok());
      CHECK(h.run({"INCRBYFLOAT", "n", "1.0"}) == not_float);
    }
    CHECK(h.run({"SET", "n", "1"}) == ok());
    CHECK(h.run({"INCRBYFLOAT", "n", "abc"}) == not_float);
    CHECK(h.run({"INCRBYFLOAT", "n", ""}) == not_float);
    CHECK(h.run({"INCRBYFLOAT", "n", "1 "}) == not_float);
    CHECK(h.run({"INCRBYFLOAT", "n", "nan"}) == not_float);
    CHECK(h.run({"INCRBYFLOAT", "n", "1e5000"}) == not_float);  // out of long double's range
    // A NUL byte ends the number early.
    CHECK(h.run({"SETRANGE", "n", "2", "2"}) == integer(3));
    CHECK(h.run({"INCRBYFLOAT", "n", "1"}) == not_float);

    const Reply nan_inf = error("ERR increment would produce NaN or Infinity");
    CHECK(h.run({"SET", "n", "0"}) == ok());
    CHECK(h.run({"INCRBYFLOAT", "n", "+inf"}) == nan_inf);
    CHECK(h.run({"INCRBYFLOAT", "n", "inf"}) == nan_inf);
    CHECK(h.run({"INCRBYFLOAT", "n", "-inf"}) == nan_inf);
    Reply huge = h.run({"INCRBYFLOAT", "big", "1.1e4932"});  // 4933 digits: still a number
    REQUIRE(huge.type == Reply::Type::bulk);
    CHECK(huge.str.size() == 4933);
    CHECK(h.run({"INCRBYFLOAT", "big", "1.1e4932"}) == nan_inf);  // overflows to infinity
    CHECK(h.run({"STRLEN", "big"}) == integer(4933));
    CHECK(h.run({"GET", "n"}) == bulk("0"));
  }

  TEST_CASE("GETRANGE and SUBSTR") {
    Harness h;
    CHECK(h.run({"GETRANGE", "nokey", "0", "-1"}) == bulk(""));
    CHECK(h.run({"SET", "s", "Hello World"}) == ok());
    CHECK(h.run({"GETRANGE", "s", "0", "3"}) == bulk("Hell"));
    CHECK(h.run({"GETRANGE", "s", "0", "-1"}) == bulk("Hello World"));
    CHECK(h.run({"GETRANGE", "s", "-4", "-1"}) == bulk("orld"));
    CHECK(h.run({"GETRANGE", "s", "5", "3"}) == bulk(""));
    CHECK(h.run({"GETRANGE", "s", "-1", "-5"}) == bulk(""));
    CHECK(h.run({"GETRANGE", "s", "5", "5000"}) == bulk(" World"));
    CHECK(h.run({"GETRANGE", "s", "-5000", "10000"}) == bulk("Hello World"));
    CHECK(h.run({"GETRANGE", "s", "0", "4294967297"}) == bulk("Hello World"));
    CHECK(h.run({"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"}) == bulk("Hello World"));
    CHECK(h.run({"GETRANGE", "s", "11", "20"}) == bulk(""));
    CHECK(h.run({"GETRANGE", "s", "-100", "-50"}) == bulk("H"));  // both clamp to 0
    CHECK(h.run({"SUBSTR", "s", "0", "3"}) == bulk("Hell"));
    CHECK(h.run({"SET", "i", "1234"}) == ok());
    CHECK(h.run({"GETRANGE", "i", "0", "2"}) == bulk("123"));
    CHECK(h.run({"GETRANGE", "i", "-3", "-1"}) == bulk("234"));
    CHECK(h.run({"GETRANGE", "i", "3", "5000"}) == bulk("4"));
    CHECK(h.run({"SET", "e", ""}) == ok());
    CHECK(h.run({"GETRANGE", "e", "0", "-1"}) == bulk(""));
    CHECK(h.run({"GETRANGE", "s", "a", "1"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"GETRANGE", "nokey", "0", "x"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"GETRANGE", "s", "0"}) == error("ERR wrong number of arguments for 'getrange' command"));

    // Against a model of Redis's rules on random ranges of a binary string.
    std::string bin;
    for (int i = 0; i < 300; ++i) bin.push_back(static_cast<char>((i * 37) & 0xff));
    CHECK(h.run({"SET", "bin", bin}) == ok());
    const auto len = static_cast<std::int64_t>(bin.size());
    for (std::int64_t start = -320; start <= 320; start += 17) {
      for (std::int64_t end = -320; end <= 320; end += 13) {
        std::int64_t s = start < 0 ? start + len : start;
        std::int64_t e = end < 0 ? end + len : end;
        if (s < 0) s = 0;
        if (e < 0) e = 0;
        if (e >= len) e = len - 1;
        std::string expect;
        if (!(start < 0 && end < 0 && start > end) && s <= e) {
          expect = bin.substr(static_cast<std::size_t>(s), static_cast<std::size_t>(e - s + 1));
        }
        CAPTURE(start);
        CAPTURE(end);
        REQUIRE(h.run({"GETRANGE", "bin", num(start), num(end)}) == bulk(expect));
      }
    }
  }

  TEST_CASE("SETRANGE") {
    Harness h;
    CHECK(h.run({"SETRANGE", "k", "0", "foo"}) == integer(3));
    CHECK(h.run({"GET", "k"}) == bulk("foo"));
    CHECK(encoding_of(h, "k") == Encoding::raw);  // a new key is created raw, as in Redis
    CHECK(h.run({"SETRANGE", "e", "0", ""}) == integer(0));
    CHECK(entry(h, "e") == nullptr);
    CHECK(h.run({"SETRANGE", "e", "100", ""}) == integer(0));
    CHECK(h.run({"SETRANGE", "z", "1", "foo"}) == integer(4));
    CHECK(h.run({"GET", "z"}) == bulk(std::string("\0foo", 4)));

    CHECK(h.run({"SET", "k", "foo"}) == ok());
    CHECK(h.run({"SETRANGE", "k", "0", "b"}) == integer(3));
    CHECK(h.run({"GET", "k"}) == bulk("boo"));
    CHECK(h.run({"SET", "k", "foo"}) == ok());
    CHECK(h.run({"SETRANGE", "k", "0", ""}) == integer(3));
    CHECK(encoding_of(h, "k") == Encoding::embstr);  // nothing written, nothing changed
    CHECK(h.run({"SETRANGE", "k", "1", "b"}) == integer(3));
    CHECK(h.run({"GET", "k"}) == bulk("fbo"));
    CHECK(h.run({"SETRANGE", "k", "4", "bar"}) == integer(7));
    CHECK(h.run({"GET", "k"}) == bulk(std::string("fbo\0bar", 7)));
    CHECK(h.run({"SETRANGE", "k", "1", "XY"}) == integer(7));  // raw, in place
    CHECK(h.run({"GET", "k"}) == bulk(std::string("fXY\0bar", 7)));

    CHECK(h.run({"SET", "i", "1234"}) == ok());
    CHECK(h.run({"SETRANGE", "i", "0", ""}) == integer(4));
    CHECK(encoding_of(h, "i") == Encoding::int_);
    CHECK(h.run({"SETRANGE", "i", "0", "2"}) == integer(4));
    CHECK(encoding_of(h, "i") == Encoding::raw);
    CHECK(h.run({"GET", "i"}) == bulk("2234"));
    CHECK(h.run({"SET", "i", "1234"}) == ok());
    CHECK(h.run({"SETRANGE", "i", "5", "2"}) == integer(6));
    CHECK(h.run({"GET", "i"}) == bulk(std::string("1234\0" "2", 6)));

    // SETRANGE keeps the TTL.
    CHECK(h.run({"SET", "t", "abc", "EX", "100"}) == ok());
    const std::int64_t when = expire_of(h, "t");
    CHECK(h.run({"SETRANGE", "t", "1", "X"}) == integer(3));
    CHECK(h.run({"SETRANGE", "t", "5", "Y"}) == integer(6));
    CHECK(expire_of(h, "t") == when);

    const Reply too_big = error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    CHECK(h.run({"SETRANGE", "k", "-1", "x"}) == error("ERR offset is out of range"));
    CHECK(h.run({"SETRANGE", "k", "abc", "x"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"SETRANGE", "k", "536870908", "world"}) == too_big);
    CHECK(h.run({"SETRANGE", "nokey", "536870908", "world"}) == too_big);
    CHECK(h.run({"SETRANGE", "k", "9223372036854775807", "A"}) == too_big);
    CHECK(h.run({"SETRANGE", "k", "2147483647", "A"}) == too_big);
    CHECK(entry(h, "nokey") == nullptr);
  }

  TEST_CASE("LCS") {
    Harness h;
    CHECK(h.run({"MSET", "a", "ohmytext", "b", "mynewtext"}) == ok());
    CHECK(h.run({"LCS", "a", "b"}) == bulk("mytext"));
    CHECK(h.run({"LCS", "a", "b", "LEN"}) == integer(6));
    CHECK(h.run({"LCS", "a", "b", "IDX"}) ==
          array({bulk("matches"),
                 array({array({array({integer(4), integer(7)}), array({integer(5), integer(8)})}),
                        array({array({integer(2), integer(3)}), array({integer(0), integer(1)})})}),
                 bulk("len"), integer(6)}));
    CHECK(h.run({"LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}) ==
          array({bulk("matches"),
                 array({array({array({integer(4), integer(7)}), array({integer(5), integer(8)}), integer(4)})}),
                 bulk("len"), integer(6)}));
    CHECK(h.run({"LCS", "a", "b", "idx", "withmatchlen"}) ==
          array({bulk("matches"),
                 array({array({array({integer(4), integer(7)}), array({integer(5), integer(8)}), integer(4)}),
                        array({array({integer(2), integer(3)}), array({integer(0), integer(1)}), integer(2)})}),
                 bulk("len"), integer(6)}));
    CHECK(h.run({"LCS", "a", "b", "IDX", "MINMATCHLEN", "-5"}) == h.run({"LCS", "a", "b", "IDX"}));
    CHECK(h.run({"LCS", "a", "b", "WITHMATCHLEN"}) == bulk("mytext"));  // ignored without IDX
    CHECK(h.run({"LCS", "a", "b", "MINMATCHLEN", "3"}) == bulk("mytext"));

    // Missing keys are empty strings; int values are compared as text.
    CHECK(h.run({"LCS", "x", "y"}) == bulk(""));
    CHECK(h.run({"LCS", "x", "y", "LEN"}) == integer(0));
    CHECK(h.run({"LCS", "x", "y", "IDX"}) == array({bulk("matches"), array({}), bulk("len"), integer(0)}));
    CHECK(h.run({"LCS", "a", "y"}) == bulk(""));
    CHECK(h.run({"MSET", "i1", "12345", "i2", "23456"}) == ok());
    CHECK(h.run({"LCS", "i1", "i2"}) == bulk("2345"));
    CHECK(h.run({"LCS", "a", "a"}) == bulk("ohmytext"));

    CHECK(h.run({"LCS", "a", "b", "LEN", "IDX"}) ==
          error("ERR If you want both the length and indexes, please just use IDX."));
    CHECK(h.run({"LCS", "a", "b", "foo"}) == error("ERR syntax error"));
    CHECK(h.run({"LCS", "a", "b", "MINMATCHLEN"}) == error("ERR syntax error"));
    CHECK(h.run({"LCS", "a", "b", "MINMATCHLEN", "x"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"LCS", "a"}) == error("ERR wrong number of arguments for 'lcs' command"));
    // The transient table is bounded by proto-max-bulk-len.
    h.engine.settings().proto_max_bulk_len = (9 * 10 * 4) - 1;
    CHECK(h.run({"LCS", "a", "b"}) ==
          error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    h.engine.settings().proto_max_bulk_len = 9 * 10 * 4;
    CHECK(h.run({"LCS", "a", "b"}) == bulk("mytext"));
  }

  TEST_CASE("LCS on Redis's RNA sample") {
    Harness h;
    const char* rna1 =
        "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACT"
        "CACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGC"
        "ACATCTAGGTTTCGTCCGGGTGTG";
    const char* rna2 =
        "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCA"
        "TGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCA"
        "GCCGATCATCAGCACATCTAGGTTT";
    CHECK(h.run({"MSET", "v1", rna1, "v2", rna2}) == ok());
    CHECK(h.run({"LCS", "v1", "v2", "LEN"}) == integer(227));
    Reply r = h.run({"LCS", "v1", "v2", "IDX", "WITHMATCHLEN"});
    REQUIRE(r.elements.size() == 4);
    const Reply& m = r[1];
    REQUIRE(m.elements.size() == 5);
    CHECK(m[0] == array({array({integer(238), integer(238)}), array({integer(239), integer(239)}), integer(1)}));
    CHECK(m[2] == array({array({integer(229), integer(230)}), array({integer(236), integer(237)}), integer(2)}));
    CHECK(m[4] == array({array({integer(1), integer(222)}), array({integer(13), integer(234)}), integer(222)}));
    CHECK(h.run({"LCS", "v1", "v2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "5"})[1] ==
          array({array({array({integer(1), integer(222)}), array({integer(13), integer(234)}), integer(222)})}));
  }

  TEST_CASE("reply shapes in RESP2 and RESP3") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    REQUIRE(s != nullptr);
    CHECK(wire(*s, {"GET", "nokey"}) == "$-1\r\n");
    CHECK(wire(*s, {"SET", "k", "v", "NX", "XX"}) == "-ERR syntax error\r\n");
    CHECK(wire(*s, {"SET", "k", "v", "XX"}) == "$-1\r\n");
    CHECK(wire(*s, {"MGET", "k", "nokey"}) == "*2\r\n$-1\r\n$-1\r\n");
    CHECK(wire(*s, {"INCRBYFLOAT", "f", "1.5"}) == "$3\r\n1.5\r\n");
    CHECK(wire(*s, {"MSET", "a", "ohmytext", "b", "mynewtext"}) == "+OK\r\n");
    CHECK(wire(*s, {"LCS", "a", "b", "IDX", "MINMATCHLEN", "4"}) ==
          "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n");
    (void)wire(*s, {"HELLO", "3"});
    CHECK(wire(*s, {"GET", "nokey"}) == "_\r\n");
    CHECK(wire(*s, {"SET", "k", "v", "XX", "GET"}) == "_\r\n");
    CHECK(wire(*s, {"GETEX", "nokey"}) == "_\r\n");
    CHECK(wire(*s, {"INCRBYFLOAT", "f", "1"}) == "$3\r\n2.5\r\n");  // a bulk string, not a double
    CHECK(wire(*s, {"LCS", "a", "b", "IDX", "MINMATCHLEN", "4"}) ==
          "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n");
    h.engine.close_session(s);

    CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
    Reply r = h.run({"LCS", "a", "b", "IDX"});
    CHECK(r.type == Reply::Type::map);
    CHECK(h.run({"LCS", "a", "b", "LEN"}) == integer(6));
  }

  TEST_CASE("writes count as modifications, refused writes do not") {
    Harness h;
    auto dirty_after = [&](std::initializer_list<std::string_view> cmd) {
      const std::uint64_t before = h.engine.dirty();
      (void)h.run(cmd);
      return h.engine.dirty() - before;
    };
    CHECK(dirty_after({"SET", "k", "v"}) == 1);
    CHECK(dirty_after({"SET", "k", "v", "NX"}) == 0);
    CHECK(dirty_after({"SET", "k", "v", "EX", "0"}) == 0);
    CHECK(dirty_after({"SETNX", "k", "v"}) == 0);
    CHECK(dirty_after({"GET", "k"}) == 0);
    CHECK(dirty_after({"MSET", "a", "1", "b", "2"}) == 2);
    CHECK(dirty_after({"MSETNX", "a", "1", "c", "2"}) == 0);
    CHECK(dirty_after({"INCR", "a"}) == 1);
    CHECK(dirty_after({"INCR", "k"}) == 0);
    CHECK(dirty_after({"APPEND", "k", "x"}) == 1);
    CHECK(dirty_after({"SETRANGE", "k", "0", ""}) == 0);
    CHECK(dirty_after({"SETRANGE", "k", "0", "y"}) == 1);
    CHECK(dirty_after({"GETEX", "k"}) == 0);
    CHECK(dirty_after({"GETEX", "k", "PERSIST"}) == 0);
    CHECK(dirty_after({"GETEX", "k", "EX", "10"}) == 1);
    CHECK(dirty_after({"GETEX", "k", "PERSIST"}) == 1);
    CHECK(dirty_after({"GETDEL", "nokey"}) == 0);
    CHECK(dirty_after({"GETDEL", "k"}) == 1);
    CHECK(dirty_after({"INCRBYFLOAT", "f", "1"}) == 1);
    CHECK(dirty_after({"LCS", "a", "b"}) == 0);
  }

  TEST_CASE("hot paths allocate nothing but the entry") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    const microredis::Memory& mem = h.engine.memory();
    h.engine.db(0).reserve(64);  // keep table growth out of the counts
    CHECK(h.run({"SET", "warm", "up"}) == ok());
    CHECK(h.run({"MGET", "warm", "warm", "warm"}) == bulks({"up", "up", "up"}));
    create_counters(h.engine, {{"GET"}, {"INCR"}, {"INCRBY"}, {"DECR"}, {"MSET"}, {"STRLEN"}, {"APPEND"}});
    auto allocations = [&](std::initializer_list<std::string_view> cmd) {
      const std::uint64_t before = mem.allocations();
      (void)h.run(cmd);
      return mem.allocations() - before;
    };
    CHECK(allocations({"SET", "k", "value"}) == 1);
    CHECK(allocations({"SET", "k", "other value"}) == 1);
    CHECK(allocations({"SET", "n", "12345"}) == 1);
    CHECK(allocations({"GET", "k"}) == 0);
    CHECK(allocations({"GET", "n"}) == 0);
    CHECK(allocations({"INCR", "n"}) == 0);
    CHECK(allocations({"INCRBY", "n", "100"}) == 0);
    CHECK(allocations({"DECR", "n"}) == 0);
    CHECK(allocations({"MGET", "k", "n", "nokey"}) == 0);
    CHECK(allocations({"MSET", "k", "1", "n", "2"}) == 1);  // n (an int before too) is rewritten in place
    CHECK(allocations({"SET", "n", "54321"}) == 0);          // the same size again: in place
    CHECK(allocations({"SET", "k", "abc"}) == 1);            // int -> embstr of another size
    CHECK(allocations({"STRLEN", "k"}) == 0);
    CHECK(allocations({"SET", "raw", std::string(100, 'r')}) == 2);  // entry + buffer
    CHECK(allocations({"APPEND", "raw", "x"}) == 1);                 // grows once
    CHECK(allocations({"APPEND", "raw", "y"}) == 0);                 // then has room
  }

  TEST_CASE("no memory is left behind") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    h.engine.db(0).reserve(64);
    // Warm up the session's buffers with bigger requests and replies than the loop's.
    const std::string warm(20000, 'w');
    CHECK(h.run({"SET", "warm", warm}) == ok());
    CHECK(h.run({"GETDEL", "warm"}) == bulk(warm));
    create_counters(h.engine, {{"APPEND"}, {"SETRANGE"}, {"INCR"}, {"INCRBYFLOAT"}, {"GETEX"}, {"GETSET"}, {"LCS"}});
    // The table may resize along the way; only what the values hold matters here.
    auto used = [&] { return h.engine.memory().used() - h.engine.db(0).table_overhead(); };
    const std::size_t baseline = used();
    const std::string big(5000, 'b');
    for (std::string_view key : {"k", "l"}) {
      REQUIRE(h.run({"SET", key, big}) == ok());
      REQUIRE(h.run({"SET", key, "small"}) == ok());
      REQUIRE(h.run({"APPEND", key, big}).type == Reply::Type::integer);
      REQUIRE(h.run({"SETRANGE", key, "9000", "x"}) == integer(9001));
      REQUIRE(h.run({"SET", key, "12", "EX", "100"}) == ok());
      REQUIRE(h.run({"APPEND", key, "3"}) == integer(3));
      REQUIRE(h.run({"INCR", key}) == integer(124));
      REQUIRE(h.run({"INCRBYFLOAT", key, "1e100"}).type == Reply::Type::bulk);
      REQUIRE(h.run({"GETEX", key, "PERSIST"}).type == Reply::Type::bulk);
      REQUIRE(h.run({"GETSET", key, big}).type == Reply::Type::bulk);
      REQUIRE(h.run({"LCS", key, key, "LEN"}) == integer(5000));
    }
    CHECK(h.run({"GETDEL", "k"}).type == Reply::Type::bulk);
    CHECK(h.run({"GETEX", "l", "PXAT", "1"}).type == Reply::Type::bulk);
    CHECK(h.engine.db(0).size() == 0);
    CHECK(used() == baseline);
  }

  TEST_CASE("overwriting keeps the LFU counter under an LFU policy") {
    Harness h;
    h.engine.keyspace().lfu = true;
    CHECK(h.run({"SET", "k", "v"}) == ok());
    microredis::Entry* e = h.engine.db(0).find_raw("k");
    REQUIRE(e != nullptr);
    e->set_lru((e->lru() & ~0xffu) | 200u);  // a hot key
    CHECK(h.run({"SET", "k", "w"}) == ok());
    CHECK((entry(h, "k")->lru() & 0xffu) >= 200u);
    CHECK(h.run({"MSET", "k", "x"}) == ok());
    CHECK((entry(h, "k")->lru() & 0xffu) >= 200u);
    CHECK(h.run({"SET", "fresh", "v"}) == ok());
    CHECK((entry(h, "fresh")->lru() & 0xffu) == 5u);  // LFU_INIT_VAL for a new key
  }

  TEST_CASE("out of memory leaves the value and sends one error") {
    FailingAllocator alloc;
    microredis::ManualClock clock;
    microredis::EngineOptions o;
    o.clock = &clock;
    o.seed = 1;
    o.allocator = alloc.hooks();
    microredis::Engine engine(o);
    // Grow the reply buffer first, so that only the store can fail.
    REQUIRE(engine.execute({"SET", "k", std::string(2000, 'o')}) == ok());
    REQUIRE(engine.execute({"GET", "k"}).str.size() == 2000);
    REQUIRE(engine.execute({"SET", "k", "old"}) == ok());
    REQUIRE(engine.execute({"SET", "r", std::string(60, 'r')}) == ok());
    alloc.fail_all();
    const Reply oom = error("OOM command not allowed when used memory > 'maxmemory'.");
    // (values of another size than "old": a same-size value is written over it, see below)
    CHECK(engine.execute({"SET", "k", "newer", "GET"}) == oom);
    CHECK(engine.execute({"GETSET", "k", "newer"}) == oom);
    CHECK(engine.execute({"GETEX", "k", "EX", "100"}) == oom);
    CHECK(engine.execute({"SET", "k", "newer"}) == oom);
    CHECK(engine.execute({"APPEND", "k", "x"}) == oom);
    CHECK(engine.execute({"APPEND", "r", std::string(100, 'x')}) == oom);
    CHECK(engine.execute({"SETRANGE", "k", "10", "x"}) == oom);
    CHECK(engine.execute({"INCRBYFLOAT", "f", "1"}) == oom);
    CHECK(engine.execute({"GET", "k"}) == bulk("old"));
    CHECK(engine.execute({"GET", "r"}) == bulk(std::string(60, 'r')));
    alloc.heal();
    CHECK(engine.execute({"GET", "k"}) == bulk("old"));
    CHECK(engine.execute({"SET", "k", "new", "GET"}) == bulk("old"));
    // A value of the entry's size needs no memory: it is written over the old one.
    alloc.fail_all();
    CHECK(engine.execute({"SET", "k", "abc"}) == ok());
    CHECK(engine.execute({"GET", "k"}) == bulk("abc"));
    alloc.heal();
  }

  TEST_CASE("commands are registered with Redis's key positions") {
    Harness h;
    auto spec = [&](std::string_view name) { return h.engine.commands().find(name).spec; };
    REQUIRE(spec("mset") != nullptr);
    CHECK(spec("mset")->first_key == 1);
    CHECK(spec("mset")->last_key == -1);
    CHECK(spec("mset")->key_step == 2);
    CHECK(spec("lcs")->last_key == 2);
    CHECK((spec("substr")->handler == spec("getrange")->handler));
    for (const char* name : {"get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mget", "mset",
                             "msetnx", "append", "strlen", "incr", "decr", "incrby", "decrby", "incrbyfloat",
                             "getrange", "substr", "setrange", "lcs"}) {
      CAPTURE(name);
      CHECK(spec(name) != nullptr);
    }
  }
}
