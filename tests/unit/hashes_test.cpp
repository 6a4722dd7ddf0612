// The hash family. Expected replies were checked against redis-server 7.0.15.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/hash.hpp"

using namespace mrtest;
using microredis::Encoding;

namespace {

Reply map_of(std::vector<Reply> items) {
  Reply r = Reply::array(std::move(items));
  r.type = Reply::Type::map;
  return r;
}

// field -> value of an HGETALL reply.
std::map<std::string, std::string> pairs_of(const Reply& r) {
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i + 1 < r.size(); i += 2) m[r[i].str] = r[i + 1].str;
  return m;
}

const Reply kWrongType = error(Status::wrong_type);

}  // namespace

TEST_SUITE("hashes") {
  TEST_CASE("HSET, HGET, HMGET, HLEN, HEXISTS, HSTRLEN") {
    Harness h;
    CHECK(h.run({"HSET", "h", "a", "1", "b", "2"}) == integer(2));
    CHECK(h.run({"HSET", "h", "a", "10", "c", "3"}) == integer(1));  // one new field
    CHECK(h.run({"HGET", "h", "a"}) == bulk("10"));
    CHECK(h.run({"HGET", "h", "zz"}) == nil());
    CHECK(h.run({"HGET", "nokey", "a"}) == nil());
    CHECK(h.run({"HMGET", "h", "a", "zz", "c"}) == array({bulk("10"), nil(), bulk("3")}));
    CHECK(h.run({"HMGET", "nokey", "a", "b"}) == array({nil(), nil()}));
    CHECK(h.run({"HLEN", "h"}) == integer(3));
    CHECK(h.run({"HLEN", "nokey"}) == integer(0));
    CHECK(h.run({"HEXISTS", "h", "a"}) == integer(1));
    CHECK(h.run({"HEXISTS", "h", "zz"}) == integer(0));
    CHECK(h.run({"HEXISTS", "nokey", "a"}) == integer(0));
    CHECK(h.run({"HSTRLEN", "h", "a"}) == integer(2));
    CHECK(h.run({"HSTRLEN", "h", "zz"}) == integer(0));
    CHECK(h.run({"HSTRLEN", "nokey", "a"}) == integer(0));
    // Integers are stored as integers in a listpack; lengths are those of their text.
    CHECK(h.run({"HSET", "h", "n", "-9223372036854775808", "big", "9223372036854775808", "lz", "007", "e", ""}) ==
          integer(4));
    CHECK(h.run({"HSTRLEN", "h", "n"}) == integer(20));
    CHECK(h.run({"HSTRLEN", "h", "big"}) == integer(19));
    CHECK(h.run({"HGET", "h", "lz"}) == bulk("007"));
    CHECK(h.run({"HGET", "h", "e"}) == bulk(""));
    CHECK(h.run({"HSTRLEN", "h", "e"}) == integer(0));
    CHECK(encoding_of(h, "h") == Encoding::listpack);
  }

  TEST_CASE("HSET and HMSET arity, HMSET replies OK, HSETNX") {
    Harness h;
    CHECK(h.run({"HSET", "h", "a"}) == error("ERR wrong number of arguments for 'hset' command"));
    CHECK(h.run({"HSET", "h", "a", "1", "b"}) == error("ERR wrong number of arguments for 'hset' command"));
    CHECK(h.run({"HMSET", "h", "a", "1", "b"}) == error("ERR wrong number of arguments for 'hmset' command"));
    CHECK_FALSE(exists(h, "h"));
    CHECK(h.run({"HMSET", "h", "a", "1", "b", "2"}) == ok());
    CHECK(h.run({"HSETNX", "h", "a", "x"}) == integer(0));
    CHECK(h.run({"HGET", "h", "a"}) == bulk("1"));
    CHECK(h.run({"HSETNX", "h", "c", "x"}) == integer(1));
    CHECK(h.run({"HSETNX", "new", "f", "v"}) == integer(1));
    CHECK(h.run({"HGETALL", "new"}) == bulks({"f", "v"}));
  }

  TEST_CASE("HDEL removes fields and the key with the last one") {
    Harness h;
    CHECK(h.run({"HDEL", "nokey", "a"}) == integer(0));
    h.run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
    CHECK(h.run({"HDEL", "h", "x", "y"}) == integer(0));
    CHECK(h.run({"HDEL", "h", "a", "c", "f"}) == integer(2));
    CHECK(h.run({"HGETALL", "h"}) == bulks({"b", "2"}));
    CHECK(h.run({"HDEL", "h", "b", "b", "zz"}) == integer(1));
    CHECK_FALSE(exists(h, "h"));
    CHECK(h.run({"HDEL", "h"}) == error("ERR wrong number of arguments for 'hdel' command"));
    // The same in the hashtable encoding.
    h.run({"HSET", "t", "a", "1", "long", std::string(100, 'x')});
    CHECK(encoding_of(h, "t") == Encoding::hashtable);
    CHECK(h.run({"HDEL", "t", "long"}) == integer(1));
    CHECK(encoding_of(h, "t") == Encoding::hashtable);  // never converted back
    CHECK(h.run({"HDEL", "t", "a", "b"}) == integer(1));
    CHECK_FALSE(exists(h, "t"));
    CHECK(h.engine.memory().used() > 0);
  }

  TEST_CASE("HKEYS, HVALS, HGETALL in both encodings, RESP2 and RESP3") {
    Harness h;
    CHECK(h.run({"HKEYS", "nokey"}) == array({}));
    CHECK(h.run({"HVALS", "nokey"}) == array({}));
    CHECK(h.run({"HGETALL", "nokey"}) == array({}));
    h.run({"HSET", "h", "a", "1", "b", "two", "c", "3"});
    // A listpack keeps insertion order.
    CHECK(h.run({"HKEYS", "h"}) == bulks({"a", "b", "c"}));
    CHECK(h.run({"HVALS", "h"}) == bulks({"1", "two", "3"}));
    CHECK(h.run({"HGETALL", "h"}) == bulks({"a", "1", "b", "two", "c", "3"}));
    h.run({"HSET", "t", "a", "1", "b", std::string(65, 'v')});
    CHECK(encoding_of(h, "t") == Encoding::hashtable);
    CHECK(pairs_of(h.run({"HGETALL", "t"})) ==
          std::map<std::string, std::string>{{"a", "1"}, {"b", std::string(65, 'v')}});
    CHECK(sorted_strings(h.run({"HKEYS", "t"})) == std::vector<std::string>{"a", "b"});
    CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(h.run({"HGETALL", "h"}) == map_of({bulk("a"), bulk("1"), bulk("b"), bulk("two"), bulk("c"), bulk("3")}));
    CHECK(h.run({"HGETALL", "nokey"}) == map_of({}));
    CHECK(h.run({"HKEYS", "h"}) == bulks({"a", "b", "c"}));
  }

  TEST_CASE("WRONGTYPE against strings, and strings against hashes") {
    Harness h;
    h.run({"SET", "s", "v"});
    for (auto cmd : std::vector<std::vector<std::string>>{
             {"HSET", "s", "a", "1"}, {"HSETNX", "s", "a", "1"}, {"HMSET", "s", "a", "1"}, {"HGET", "s", "a"},
             {"HMGET", "s", "a"}, {"HDEL", "s", "a"}, {"HLEN", "s"}, {"HSTRLEN", "s", "a"}, {"HEXISTS", "s", "a"},
             {"HKEYS", "s"}, {"HVALS", "s"}, {"HGETALL", "s"}, {"HINCRBY", "s", "a", "1"},
             {"HINCRBYFLOAT", "s", "a", "1"}, {"HRANDFIELD", "s"}, {"HRANDFIELD", "s", "2"},
             {"HRANDFIELD", "s", "-2", "WITHVALUES"}, {"HSCAN", "s", "0"}, {"SADD", "s", "x"}}) {
      CAPTURE(cmd[0]);
      CHECK(h.run(cmd) == kWrongType);
    }
    CHECK(h.run({"GET", "s"}) == bulk("v"));
    h.run({"HSET", "h", "a", "1"});
    CHECK(h.run({"GET", "h"}) == kWrongType);
    CHECK(h.run({"APPEND", "h", "x"}) == kWrongType);
    CHECK(h.run({"SMEMBERS", "h"}) == kWrongType);
    // Argument errors come first where Redis checks them first.
    CHECK(h.run({"HINCRBY", "s", "a", "x"}) == error(Status::not_integer));
    CHECK(h.run({"HINCRBYFLOAT", "s", "a", "x"}) == error(Status::not_float));
    CHECK(h.run({"HRANDFIELD", "s", "x"}) == error(Status::not_integer));
    CHECK(h.run({"HSCAN", "s", "x"}) == error(Status::invalid_cursor));
    CHECK(h.run({"HSCAN", "s", "0", "COUNT", "0"}) == kWrongType);
  }

  TEST_CASE("encoding: listpack until hash-max-listpack-entries / -value, then hashtable for good") {
    Harness h;
    for (int i = 0; i < 128; ++i) h.run({"HSET", "h", "f" + std::to_string(i), "v"});
    CHECK(encoding_of(h, "h") == Encoding::listpack);
    h.run({"HSET", "h", "f128", "v"});
    CHECK(encoding_of(h, "h") == Encoding::hashtable);
    CHECK(h.run({"HLEN", "h"}) == integer(129));
    for (int i = 0; i < 120; ++i) h.run({"HDEL", "h", "f" + std::to_string(i)});
    CHECK(encoding_of(h, "h") == Encoding::hashtable);
    CHECK(h.run({"HGET", "h", "f125"}) == bulk("v"));

    // A value or a field of 64 bytes fits, 65 does not.
    h.run({"HSET", "v", "a", std::string(64, 'x')});
    CHECK(encoding_of(h, "v") == Encoding::listpack);
    h.run({"HSET", "v", "b", std::string(65, 'x')});
    CHECK(encoding_of(h, "v") == Encoding::hashtable);
    h.run({"HSET", "f", std::string(65, 'k'), "1"});
    CHECK(encoding_of(h, "f") == Encoding::hashtable);
    // HSET checks every argument before storing anything: one long value converts at once.
    h.run({"HSET", "m", "a", "1", "b", std::string(65, 'x'), "c", "3"});
    CHECK(encoding_of(h, "m") == Encoding::hashtable);
    CHECK(h.run({"HMGET", "m", "a", "c"}) == bulks({"1", "3"}));
    // HSETNX on an existing field never converts.
    h.run({"HSET", "nx", "a", "1"});
    CHECK(h.run({"HSETNX", "nx", "a", std::string(100, 'x')}) == integer(0));
    CHECK(encoding_of(h, "nx") == Encoding::listpack);
    CHECK(h.run({"HSETNX", "nx", "b", std::string(100, 'x')}) == integer(1));
    CHECK(encoding_of(h, "nx") == Encoding::hashtable);
  }

  TEST_CASE("encoding thresholds come from CONFIG SET at the time of each write") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "hash-max-listpack-entries", "2"}) == ok());
    h.run({"HSET", "a", "1", "1", "2", "2"});
    CHECK(encoding_of(h, "a") == Encoding::listpack);
    h.run({"HSET", "a", "3", "3"});
    CHECK(encoding_of(h, "a") == Encoding::hashtable);
    h.run({"HSET", "b", "1", "1", "2", "2"});
    // Raising the limit later converts nothing, back or forth.
    CHECK(h.run({"CONFIG", "SET", "hash-max-ziplist-entries", "100"}) == ok());
    CHECK(encoding_of(h, "a") == Encoding::hashtable);
    h.run({"HSET", "b", "3", "3"});
    CHECK(encoding_of(h, "b") == Encoding::listpack);
    CHECK(h.run({"CONFIG", "SET", "hash-max-listpack-value", "3"}) == ok());
    h.run({"HSET", "c", "abc", "123"});
    CHECK(encoding_of(h, "c") == Encoding::listpack);
    h.run({"HSET", "c", "abcd", "1"});
    CHECK(encoding_of(h, "c") == Encoding::hashtable);
    // A limit of 0 entries: a hash never stays a listpack.
    CHECK(h.run({"CONFIG", "SET", "hash-max-listpack-entries", "0"}) == ok());
    h.run({"HSET", "d", "a", "1"});
    CHECK(encoding_of(h, "d") == Encoding::hashtable);
  }

  TEST_CASE("HINCRBY") {
    Harness h;
    CHECK(h.run({"HINCRBY", "h", "f", "2"}) == integer(2));
    CHECK(h.run({"HINCRBY", "h", "f", "-5"}) == integer(-3));
    CHECK(h.run({"HGET", "h", "f"}) == bulk("-3"));
    h.run({"HSET", "h", "big", "17179869184", "sp", " 11", "sp2", "11 ", "s", "abc", "lz", "01"});
    CHECK(h.run({"HINCRBY", "h", "big", "17179869184"}) == integer(34359738368));
    CHECK(h.run({"HINCRBY", "h", "sp", "1"}) == error("ERR hash value is not an integer"));
    CHECK(h.run({"HINCRBY", "h", "sp2", "1"}) == error("ERR hash value is not an integer"));
    CHECK(h.run({"HINCRBY", "h", "s", "1"}) == error("ERR hash value is not an integer"));
    CHECK(h.run({"HINCRBY", "h", "lz", "1"}) == error("ERR hash value is not an integer"));
    CHECK(h.run({"HINCRBY", "h", "f", "x"}) == error("ERR value is not an integer or out of range"));
    CHECK(h.run({"HINCRBY", "h", "f", "1.5"}) == error("ERR value is not an integer or out of range"));
    h.run({"HSET", "h", "n", "-9223372036854775484"});
    CHECK(h.run({"HINCRBY", "h", "n", "-1"}) == integer(-9223372036854775807LL + 322));
    CHECK(h.run({"HINCRBY", "h", "n", "-10000"}) == error("ERR increment or decrement would overflow"));
    h.run({"HSET", "h", "m", "9223372036854775807"});
    CHECK(h.run({"HINCRBY", "h", "m", "1"}) == error("ERR increment or decrement would overflow"));
    CHECK(h.run({"HINCRBY", "h", "m", "0"}) == integer(INT64_MAX));
    CHECK(h.run({"HINCRBY", "h", "m", "-9223372036854775808"}) == integer(-1));
    // A long field converts even when HINCRBY writes it (Redis's hashTypeSet checks both).
    CHECK(h.run({"HINCRBY", "h", std::string(65, 'f'), "1"}) == integer(1));
    CHECK(encoding_of(h, "h") == Encoding::hashtable);
    CHECK(h.run({"HINCRBY", "h", "s", "1"}) == error("ERR hash value is not an integer"));
    CHECK(h.run({"HINCRBY", "h", "f", "1"}) == integer(-2));
  }

  TEST_CASE("HINCRBYFLOAT formats as INCRBYFLOAT does") {
    Harness h;
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "2.5"}) == bulk("2.5"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "3.5"}) == bulk("6"));
    CHECK(h.run({"HGET", "h", "f"}) == bulk("6"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "g", "1.23"}) == bulk("1.23"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "g", "0.77"}) == bulk("2"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "g", "-0.1"}) == bulk("1.9"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "e", "5.0e3"}) == bulk("5000"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "z", "-0"}) == bulk("0"));
    h.run({"HSET", "h", "i", "17179869184", "sp", " 11", "nul", std::string("1\0" "2", 3), "big", "1e4932"});
    CHECK(h.run({"HINCRBYFLOAT", "h", "i", "1"}) == bulk("17179869185"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "sp", "1"}) == error("ERR hash value is not a float"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "nul", "1"}) == error("ERR hash value is not a float"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "x"}) == error("ERR value is not a valid float"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "1e5000"}) == error("ERR value is not a valid float"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "nan"}) == error("ERR value is not a valid float"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "inf"}) == error("ERR value is NaN or Infinity"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "f", "-inf"}) == error("ERR value is NaN or Infinity"));
    CHECK(h.run({"HINCRBYFLOAT", "h", "big", "1e4932"}) == error("ERR increment would produce NaN or Infinity"));
    CHECK(h.run({"HGET", "h", "big"}) == bulk("1e4932"));
    CHECK(h.run({"HINCRBYFLOAT", "new", "f", "+inf"}) == error("ERR value is NaN or Infinity"));
    CHECK_FALSE(exists(h, "new"));
    // Long results are stored whole (and make the hash a hashtable).
    CHECK(h.run({"HINCRBYFLOAT", "n2", "f", "1e308"}).str.substr(0, 20) == "99999999999999999996");
    CHECK(h.run({"HSTRLEN", "n2", "f"}) == integer(308));
    CHECK(h.run({"HINCRBYFLOAT", "n2", "f", "1e308"}).str.size() == 309);
    CHECK(encoding_of(h, "n2") == Encoding::hashtable);
  }

  TEST_CASE("HINCRBYFLOAT converts on the length of what it writes") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "hash-max-listpack-value", "8"}) == ok());
    h.run({"HSET", "small", "tmp", "0"});
    h.run({"HSET", "big", "tmp", "0"});
    CHECK(h.run({"HINCRBYFLOAT", "small", "tmp", "0.000005"}) == bulk("0.000005"));
    CHECK(h.run({"HINCRBYFLOAT", "big", "tmp", "0.0000005"}) == bulk("0.0000005"));
    CHECK(encoding_of(h, "small") == Encoding::listpack);
    CHECK(encoding_of(h, "big") == Encoding::hashtable);
    h.run({"HINCRBYFLOAT", "f1", "abcdefgh", "1"});
    h.run({"HINCRBYFLOAT", "f2", "abcdefghi", "1"});
    CHECK(encoding_of(h, "f1") == Encoding::listpack);
    CHECK(encoding_of(h, "f2") == Encoding::hashtable);
  }

  TEST_CASE("HRANDFIELD without count") {
    Harness h;
    CHECK(h.run({"HRANDFIELD", "nokey"}) == nil());
    h.run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) seen.insert(h.run({"HRANDFIELD", "h"}).str);
    CHECK(seen == std::set<std::string>{"a", "b", "c"});
    h.run({"HSET", "t", "a", "1", "b", "2", "long", std::string(70, 'x')});
    REQUIRE(encoding_of(h, "t") == Encoding::hashtable);
    seen.clear();
    for (int i = 0; i < 200; ++i) seen.insert(h.run({"HRANDFIELD", "t"}).str);
    CHECK(seen == std::set<std::string>{"a", "b", "long"});
  }

  TEST_CASE("HRANDFIELD count and WITHVALUES: errors and edge cases") {
    Harness h;
    CHECK(h.run({"HRANDFIELD", "nokey", "5"}) == array({}));
    CHECK(h.run({"HRANDFIELD", "nokey", "-5", "WITHVALUES"}) == array({}));
    CHECK(h.run({"HRANDFIELD", "nokey", "x"}) == error(Status::not_integer));
    h.run({"HSET", "h", "a", "1"});
    CHECK(h.run({"HRANDFIELD", "h", "0"}) == array({}));
    CHECK(h.run({"HRANDFIELD", "h", "0", "WITHVALUES"}) == array({}));
    CHECK(h.run({"HRANDFIELD", "h", "1", "WITHVALUE"}) == error(Status::syntax));
    CHECK(h.run({"HRANDFIELD", "h", "1", "WITHVALUES", "x"}) == error(Status::syntax));
    CHECK(h.run({"HRANDFIELD", "h", "x", "WITHVALUES"}) == error(Status::not_integer));
    CHECK(h.run({"HRANDFIELD", "h", "-9223372036854775808"}) ==
          error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    CHECK(h.run({"HRANDFIELD", "h", "-9223372036854770000", "WITHVALUES"}) == error("ERR value is out of range"));
    CHECK(h.run({"HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES"}) ==
          error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    CHECK(h.run({"HRANDFIELD", "h", "4611686018427387904", "withvalues"}) == error("ERR value is out of range"));
    CHECK(h.run({"HRANDFIELD", "h", "4611686018427387903", "withvalues"}) == bulks({"a", "1"}));
    CHECK(h.run({"HRANDFIELD", "h", "-3", "withvalues"}) == bulks({"a", "1", "a", "1", "a", "1"}));
    CHECK(h.run({"HRANDFIELD", "h", "1"}) == bulks({"a"}));
  }

  TEST_CASE("HRANDFIELD count paths in both encodings") {
    for (bool table : {false, true}) {
      CAPTURE(table);
      Harness h;
      std::map<std::string, std::string> all;
      for (int i = 0; i < 10; ++i) {
        std::string f = "f" + std::to_string(i);
        std::string v = i == 9 && table ? std::string(70, 'v') : "v" + std::to_string(i);
        h.run({"HSET", "h", f, v});
        all[f] = v;
      }
      REQUIRE(encoding_of(h, "h") == (table ? Encoding::hashtable : Encoding::listpack));
      // Case 1: repeats allowed, exactly |count| fields, all of them from the hash.
      Reply r = h.run({"HRANDFIELD", "h", "-1001", "WITHVALUES"});
      REQUIRE(r.size() == 2002);
      std::map<std::string, int> hist;
      for (std::size_t i = 0; i < r.size(); i += 2) {
        REQUIRE(all.count(r[i].str) == 1);
        CHECK(all[r[i].str] == r[i + 1].str);
        ++hist[r[i].str];
      }
      CHECK(hist.size() == 10);
      // Roughly uniform: each field about 100 times out of 1001.
      for (const auto& [f, n] : hist) CHECK((n > 40 && n < 180));
      CHECK(h.run({"HRANDFIELD", "h", "-20"}).size() == 20);
      // Case 2: the whole hash.
      for (const char* n : {"10", "20"}) {
        r = h.run({"HRANDFIELD", "h", n, "WITHVALUES"});
        CHECK(pairs_of(r) == all);
        CHECK(r.size() == 20);
      }
      // Cases 3 and 4: distinct fields.
      for (const char* n : {"8", "2"}) {
        std::set<std::string> union_of_calls;
        for (int round = 0; round < 100; ++round) {
          r = h.run({"HRANDFIELD", "h", n, "WITHVALUES"});
          REQUIRE(r.size() == 2 * static_cast<std::size_t>(std::atoi(n)));
          std::set<std::string> distinct;
          for (std::size_t i = 0; i < r.size(); i += 2) {
            CHECK(all[r[i].str] == r[i + 1].str);
            distinct.insert(r[i].str);
          }
          CHECK(distinct.size() == r.size() / 2);
          union_of_calls.insert(distinct.begin(), distinct.end());
        }
        CHECK(union_of_calls.size() == 10);
      }
    }
  }

  TEST_CASE("HRANDFIELD WITHVALUES returns pairs as nested arrays in RESP3") {
    Harness h;
    h.run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
    microredis::Session* s = h.engine.open_session();
    REQUIRE(s != nullptr);
    CHECK(wire(*s, {"HRANDFIELD", "h", "0"}) == "*0\r\n");
    CHECK(wire(*s, {"HRANDFIELD", "nokey", "3"}) == "*0\r\n");
    CHECK(wire(*s, {"HRANDFIELD", "nokey"}) == "$-1\r\n");
    CHECK(wire(*s, {"HGETALL", "nokey"}) == "*0\r\n");
    CHECK(wire(*s, {"HSET", "x", "a", "1"}) == ":1\r\n");
    CHECK(wire(*s, {"HGETALL", "x"}) == "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"HRANDFIELD", "x", "-2", "WITHVALUES"}) == "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n");
    (void)wire(*s, {"HELLO", "3"});
    CHECK(wire(*s, {"HRANDFIELD", "nokey"}) == "_\r\n");
    CHECK(wire(*s, {"HGETALL", "nokey"}) == "%0\r\n");
    CHECK(wire(*s, {"HGETALL", "x"}) == "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"HRANDFIELD", "x", "-2", "WITHVALUES"}) == "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"HRANDFIELD", "x", "5", "WITHVALUES"}) == "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"HRANDFIELD", "x", "5"}) == "*1\r\n$1\r\na\r\n");
    CHECK(wire(*s, {"HMGET", "x", "a", "b"}) == "*2\r\n$1\r\n1\r\n_\r\n");
    CHECK(wire(*s, {"HSCAN", "x", "0"}) == "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    h.engine.close_session(s);
    Reply r = h.run({"HELLO", "3"});
    r = h.run({"HRANDFIELD", "h", "3", "WITHVALUES"});
    REQUIRE(r.size() == 3);
    CHECK(r[1].size() == 2);
    r = h.run({"HRANDFIELD", "h", "3"});
    CHECK(r.size() == 3);
    CHECK(r[1].type == Reply::Type::bulk);
  }

  TEST_CASE("HSCAN: a listpack in one call, a table by hash-space cursor") {
    Harness h;
    CHECK(h.run({"HSCAN", "nokey", "0"}) == array({bulk("0"), array({})}));
    CHECK(h.run({"HSCAN", "nokey", "0", "COUNT", "0"}) == array({bulk("0"), array({})}));  // options unread
    CHECK(h.run({"HSCAN", "nokey", "x"}) == error(Status::invalid_cursor));
    h.run({"HSET", "h", "a", "1", "b", "2", "foo", "3", "12", "x"});
    CHECK(h.run({"HSCAN", "h", "0"}) == array({bulk("0"), bulks({"a", "1", "b", "2", "foo", "3", "12", "x"})}));
    CHECK(h.run({"HSCAN", "h", "123", "COUNT", "1"}) ==
          array({bulk("0"), bulks({"a", "1", "b", "2", "foo", "3", "12", "x"})}));
    CHECK(h.run({"HSCAN", "h", "0", "MATCH", "f*"}) == array({bulk("0"), bulks({"foo", "3"})}));
    CHECK(h.run({"HSCAN", "h", "0", "MATCH", "1*"}) == array({bulk("0"), bulks({"12", "x"})}));
    CHECK(h.run({"HSCAN", "h", "0", "COUNT", "0"}) == error(Status::syntax));
    CHECK(h.run({"HSCAN", "h", "0", "COUNT", "-1"}) == error(Status::syntax));
    CHECK(h.run({"HSCAN", "h", "0", "COUNT", "x"}) == error(Status::not_integer));
    CHECK(h.run({"HSCAN", "h", "0", "COUNT"}) == error(Status::syntax));
    CHECK(h.run({"HSCAN", "h", "0", "MATCH"}) == error(Status::syntax));
    CHECK(h.run({"HSCAN", "h", "0", "TYPE", "string"}) == error(Status::syntax));
    // strtoul's rules: a sign is allowed (and wraps), spaces and overflow are not.
    CHECK(h.run({"HSCAN", "h", "-1"})[0] == bulk("0"));
    CHECK(h.run({"HSCAN", "h", "+1"})[0] == bulk("0"));
    CHECK(h.run({"HSCAN", "h", ""})[0] == bulk("0"));
    CHECK(h.run({"HSCAN", "h", " 1"}) == error(Status::invalid_cursor));
    CHECK(h.run({"HSCAN", "h", "1 "}) == error(Status::invalid_cursor));
    CHECK(h.run({"HSCAN", "h", "18446744073709551616"}) == error(Status::invalid_cursor));
    CHECK(h.run({"HSCAN", "h", "18446744073709551615"})[0] == bulk("0"));

    // A table: every field exactly once over a whole iteration, with values, whatever COUNT.
    for (int i = 0; i < 1000; ++i) h.run({"HSET", "t", "k:" + std::to_string(i), std::to_string(i)});
    REQUIRE(encoding_of(h, "t") == Encoding::hashtable);
    for (const char* count : {"1", "10", "100"}) {
      std::map<std::string, int> seen;
      std::string cursor = "0";
      int calls = 0;
      do {
        Reply r = h.run({"HSCAN", "t", cursor, "COUNT", count});
        REQUIRE(r.size() == 2);
        cursor = r[0].str;
        for (std::size_t i = 0; i + 1 < r[1].size(); i += 2) {
          CHECK(r[1][i].str.substr(2) == r[1][i + 1].str);
          ++seen[r[1][i].str];
        }
        ++calls;
      } while (cursor != "0" && calls < 5000);
      CHECK(seen.size() == 1000);
      for (const auto& [k, n] : seen) CHECK(n == 1);
    }
    // MATCH filters fields, and drops their values with them.
    std::set<std::string> matched;
    std::string cursor = "0";
    do {
      Reply r = h.run({"HSCAN", "t", cursor, "MATCH", "k:1?", "COUNT", "50"});
      cursor = r[0].str;
      for (std::size_t i = 0; i + 1 < r[1].size(); i += 2) matched.insert(r[1][i].str + "=" + r[1][i + 1].str);
    } while (cursor != "0");
    CHECK(matched.size() == 10);
    CHECK(matched.count("k:15=15") == 1);
  }

  TEST_CASE("HSCAN returns every field present for the whole scan while the table grows") {
    Harness h;
    for (int i = 0; i < 200; ++i) h.run({"HSET", "t", "a" + std::to_string(i), "v", "pad", std::string(70, 'p')});
    std::set<std::string> seen;
    std::string cursor = "0";
    int added = 0;
    do {
      Reply r = h.run({"HSCAN", "t", cursor, "COUNT", "5"});
      cursor = r[0].str;
      for (std::size_t i = 0; i < r[1].size(); i += 2) seen.insert(r[1][i].str);
      for (int j = 0; j < 20; ++j) h.run({"HSET", "t", "b" + std::to_string(added++), "v"});
    } while (cursor != "0");
    for (int i = 0; i < 200; ++i) CHECK(seen.count("a" + std::to_string(i)) == 1);
  }

  TEST_CASE("a hash key holds no memory once deleted") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    // The keyspace table keeps its smallest bucket array and the reply buffer its capacity (grown
    // here first); everything else must go.
    h.run({"SET", "warm", std::string(16000, 'w')});
    h.run({"GETDEL", "warm"});
    create_counters(h.engine, {{"HSET"}, {"HINCRBYFLOAT"}, {"HDEL"}, {"DBSIZE", "x"}, {"FLUSHALL", "x"}});
    auto used = [&] { return h.engine.memory().used() - h.engine.db(0).table_overhead(); };
    const std::size_t base = used();
    h.run({"HSET", "h", "a", "1", "b", "2"});
    h.run({"HSET", "t", "a", "1", "b", std::string(100, 'x')});
    for (int i = 0; i < 300; ++i) h.run({"HSET", "t", std::to_string(i), "v"});
    h.run({"HINCRBYFLOAT", "t", "f", "1.5"});
    CHECK(used() > base);
    h.run({"HDEL", "h", "a", "b"});
    std::vector<std::string> del = {"HDEL", "t", "a", "b", "f"};
    for (int i = 0; i < 300; ++i) del.push_back(std::to_string(i));
    CHECK(h.run(del) == integer(303));
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(used() == base);
    // FLUSHALL frees both encodings too.
    h.run({"HSET", "h", "a", "1"});
    h.run({"HSET", "t", "a", std::string(100, 'x')});
    CHECK(h.run({"FLUSHALL"}) == ok());
    CHECK(used() == base);
  }

  TEST_CASE("copy_value deep-copies both encodings") {
    Harness h;
    h.run({"HSET", "lp", "a", "1", "b", "x"});
    h.run({"HSET", "ht", "a", "1", "b", std::string(100, 'y')});
    microredis::Db& db = h.engine.db(0);
    for (const char* key : {"lp", "ht"}) {
      CAPTURE(key);
      microredis::Entry::Layout layout;
      REQUIRE(microredis::copy_value(h.engine.memory(), *db.find_raw(key), layout));
      CHECK(layout.pointer != db.find_raw(key)->ptr());
      REQUIRE(db.put(std::string(key) + "2", layout, -1) != nullptr);
      h.run({"HSET", key, "a", "changed"});
      CHECK(h.run({"HGET", std::string(key) + "2", "a"}) == bulk("1"));
      CHECK(encoding_of(h, std::string(key) + "2") == encoding_of(h, key));
      CHECK(pairs_of(h.run({"HGETALL", std::string(key) + "2"})).size() == 2);
    }
  }

  TEST_CASE("writes count as modifications, no-ops do not") {
    Harness h;
    auto dirty_after = [&](std::initializer_list<std::string_view> cmd) {
      const std::uint64_t before = h.engine.dirty();
      (void)h.run(cmd);
      return h.engine.dirty() - before;
    };
    CHECK(dirty_after({"HSET", "h", "a", "1"}) == 1);
    CHECK(dirty_after({"HSETNX", "h", "a", "1"}) == 0);
    CHECK(dirty_after({"HDEL", "h", "zz"}) == 0);
    CHECK(dirty_after({"HINCRBY", "h", "a", "1"}) == 1);
    CHECK(dirty_after({"HINCRBY", "h", "a", "x"}) == 0);
    CHECK(dirty_after({"HGET", "h", "a"}) == 0);
    CHECK(dirty_after({"HDEL", "h", "a"}) == 1);
  }

  TEST_CASE("out of memory: one error reply, the hash as it was, no empty key left") {
    FailingAllocator alloc;
    microredis::ManualClock clock;
    microredis::EngineOptions o;
    o.clock = &clock;
    o.seed = 3;
    o.allocator = alloc.hooks();
    microredis::Engine engine(o);
    const Reply oom = error(Status::oom);
    // Grow the reply buffer first, so that only the store can fail.
    REQUIRE(engine.execute({"SET", "pad", std::string(4000, 'p')}) == ok());
    REQUIRE(engine.execute({"GET", "pad"}).str.size() == 4000);
    REQUIRE(engine.execute({"HSET", "h", "a", "1"}) == integer(1));
    REQUIRE(engine.execute({"HSET", "t", "a", "1", "b", std::string(100, 'x')}) == integer(2));
    // Fail the Nth allocation for every N: each command either completes or leaves things as they were.
    for (std::uint64_t n = 1; n <= 12; ++n) {
      CAPTURE(n);
      alloc.fail_from(n);
      Reply r = engine.execute({"HSET", "new", "f", "v"});
      CHECK((r == integer(1) || r == oom));
      r = engine.execute({"HSET", "h", "c", std::string(100, 'z')});  // converts
      CHECK((r == integer(1) || r == oom));
      r = engine.execute({"HINCRBY", "t", "n", "1"});
      CHECK((r.type == Reply::Type::integer || r == oom));
      alloc.heal();
      Reply all = engine.execute({"HGETALL", "h"});
      CHECK(pairs_of(all)["a"] == "1");
      CHECK(engine.execute({"HGET", "t", "b"}) == bulk(std::string(100, 'x')));
      Reply len = engine.execute({"HLEN", "new"});
      CHECK((len == integer(0) || len == integer(1)));
      engine.execute({"HDEL", "new", "f"});
      engine.execute({"HDEL", "h", "c"});
    }
    alloc.fail_from(1);
    CHECK(engine.execute({"HSET", "other", "f", "v"}) == oom);
    CHECK(engine.execute({"HINCRBYFLOAT", "other", "f", "1"}) == oom);
    alloc.heal();
    CHECK(engine.db(0).find_raw("other") == nullptr);
  }

  TEST_CASE("commands are registered with Redis's arity and key positions") {
    Harness h;
    auto spec = [&](std::string_view name) { return h.engine.commands().find(name).spec; };
    for (const char* name : {"hset", "hsetnx", "hget", "hmget", "hmset", "hdel", "hexists", "hlen", "hstrlen",
                             "hkeys", "hvals", "hgetall", "hincrby", "hincrbyfloat", "hrandfield", "hscan"}) {
      CAPTURE(name);
      REQUIRE(spec(name) != nullptr);
      CHECK(spec(name)->first_key == 1);
      CHECK(spec(name)->last_key == 1);
    }
    CHECK(spec("hset")->arity == -4);
    CHECK(spec("hmget")->arity == -3);
    CHECK(spec("hrandfield")->arity == -2);
    CHECK(spec("hscan")->arity == -3);
    CHECK(spec("hincrbyfloat")->arity == 4);
  }

  // 100k hashes of 10 fields ("field:0".."field:9" -> "v:%06d") at most 30 bytes per field, counting
  // everything the engine holds for them (keys, keyspace table, values). MICROREDIS_MEMBENCH_N sets
  // the number of hashes (default small, for the test run).
  TEST_CASE("memory per hash field") {
    Harness h;
    const char* env = std::getenv("MICROREDIS_MEMBENCH_N");
    const int n = env != nullptr ? std::atoi(env) : 20000;
    const std::size_t before = h.engine.memory().used();
    std::vector<std::string> cmd(22);
    cmd[0] = "HSET";
    char buf[32];
    for (int i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "hash:%06d", i);
      cmd[1] = buf;
      for (int j = 0; j < 10; ++j) {
        cmd[2 + 2 * j] = "field:" + std::to_string(j);
        std::snprintf(buf, sizeof buf, "v:%06d", (i * 10 + j) % 1000000);
        cmd[3 + 2 * j] = buf;
      }
      REQUIRE(h.run(cmd) == integer(10));
    }
    const double per_field = static_cast<double>(h.engine.memory().used() - before) / (10.0 * n);
    MESSAGE("hashes: " << n << " x 10 fields, " << per_field << " bytes per field");
    CHECK(per_field <= 30.0);
    CHECK(encoding_of(h, "hash:000000") == Encoding::listpack);
  }
}
