// SORT and SORT_RO. Expected replies were checked against redis-server 7.0.15 (errors word for
// word, RESP2 and RESP3 wire shapes, keyspace events, statistics).
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace mrtest;
using microredis::Encoding;
using microredis::Session;
using microredis::ValueType;

namespace {

const microredis::Entry* entry(Harness& h, std::string_view key) { return h.engine.db(0).find_raw(key); }

std::string nul(std::string_view a, std::string_view b) {
  std::string s(a);
  s.push_back('\0');
  s.append(b);
  return s;
}

Reply strings(const std::vector<std::string>& v) {
  std::vector<Reply> items;
  for (const std::string& s : v) items.push_back(bulk(s));
  return array(items);
}

Reply event(std::string_view name, std::string_view key) {
  return bulks({"pmessage", "*", "__keyevent@0__:" + std::string(name), key});
}

const Reply kWrongType = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const Reply kNotInteger = error("ERR value is not an integer or out of range");
const Reply kSyntax = error("ERR syntax error");
const Reply kNotDouble = error("ERR One or more scores can't be converted into double");
const Reply kEmpty = array({});

}  // namespace

TEST_SUITE("sort") {
  TEST_CASE("numeric sorting of a list, ASC and DESC") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "3", "1", "2", "10", "-5", "1.5"}) == integer(6));
    CHECK(h.run({"SORT", "l"}) == bulks({"-5", "1", "1.5", "2", "3", "10"}));
    CHECK(h.run({"SORT", "l", "ASC"}) == bulks({"-5", "1", "1.5", "2", "3", "10"}));
    CHECK(h.run({"SORT", "l", "DESC"}) == bulks({"10", "3", "2", "1.5", "1", "-5"}));
    CHECK(h.run({"SORT", "l", "desc", "asc"}) == bulks({"-5", "1", "1.5", "2", "3", "10"}));  // the last wins
    CHECK(h.run({"SORT_RO", "l", "DESC"}) == bulks({"10", "3", "2", "1.5", "1", "-5"}));
    // The list itself is untouched.
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"3", "1", "2", "10", "-5", "1.5"}));
    // Redis's regression test for issue #19 (floats).
    CHECK(h.run({"RPUSH", "f", "1.1", "5.10", "3.10", "7.44", "2.1", "5.75", "6.12", "0.25", "1.15"}) == integer(9));
    CHECK(h.run({"SORT", "f"}) == bulks({"0.25", "1.1", "1.15", "2.1", "3.10", "5.10", "5.75", "6.12", "7.44"}));
  }

  TEST_CASE("numeric weights are read with strtod as Redis reads them") {
    Harness h;
    // Leading spaces, "", hex, inf and -0 are numbers; "" is 0. Equal weights (0x10 and 16, -0 and
    // "") are ordered by their bytes.
    CHECK(h.run({"RPUSH", "l", " 7", "", "0x10", "16", "inf", "-inf", "-0", "2.5e-308", "3e2", "+4",
                 nul("5", "junk")}) == integer(11));
    CHECK(h.run({"SORT", "l"}) == strings({"-inf", "", "-0", "2.5e-308", "+4", nul("5", "junk"), " 7", "0x10", "16",
                                           "3e2", "inf"}));
    // Not all of it a number, an overflow, an underflow to a subnormal, NaN: the whole command fails.
    for (const char* bad : {"1 ", "abc", "1e400", "1e-310", "nan", "1_", "1.7976931348623159e308", " "}) {
      CAPTURE(bad);
      CHECK(h.run({"DEL", "b"}).type == Reply::Type::integer);
      CHECK(h.run({"RPUSH", "b", "1", bad}) == integer(2));
      CHECK(h.run({"SORT", "b"}) == kNotDouble);
      CHECK(h.run({"SORT", "b", "DESC", "LIMIT", "0", "1"}) == kNotDouble);
      CHECK(h.run({"SORT", "b", "STORE", "dst"}) == kNotDouble);
      CHECK(entry(h, "dst") == nullptr);
      CHECK(h.run({"SORT", "b", "ALPHA"}).size() == 2);  // ALPHA reads no numbers
    }
    CHECK(h.run({"SADD", "s", "1", "2", "3", "4", "not-a-double"}) == integer(5));
    CHECK(h.run({"SORT", "s"}) == kNotDouble);
  }

  TEST_CASE("ALPHA: byte order when replying up to a NUL byte, all bytes when storing") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "B", "b", "A", "a b", "\xc3\xa4", "10", "9"}) == integer(8));
    CHECK(h.run({"SORT", "l", "ALPHA"}) == bulks({"10", "9", "A", "B", "a", "a b", "b", "\xc3\xa4"}));
    CHECK(h.run({"SORT", "l", "ALPHA", "DESC"}) == bulks({"\xc3\xa4", "b", "a b", "a", "B", "A", "9", "10"}));
    // Integer-encoded elements compare as their text (Redis's "SORT ALPHA against integer encoded
    // strings").
    CHECK(h.run({"RPUSH", "n", "10", "3", "1", "2"}) == integer(4));
    CHECK(h.run({"SORT", "n", "ALPHA"}) == bulks({"1", "10", "2", "3"}));
    // strcoll stops at a NUL byte: "a", "a\0", "a\0a", "a\0b" compare equal and keep the list's
    // order; STORE compares every byte.
    CHECK(h.run({"RPUSH", "z", nul("a", "b"), nul("a", "a"), "a", nul("a", ""), "b"}) == integer(5));
    CHECK(h.run({"SORT", "z", "ALPHA"}) == strings({nul("a", "b"), nul("a", "a"), "a", nul("a", ""), "b"}));
    CHECK(h.run({"SORT", "z", "ALPHA", "DESC"}) == strings({"b", nul("a", "b"), nul("a", "a"), "a", nul("a", "")}));
    CHECK(h.run({"SORT", "z", "ALPHA", "STORE", "dst"}) == integer(5));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == strings({"a", nul("a", ""), nul("a", "a"), nul("a", "b"), "b"}));
  }

  TEST_CASE("LIMIT offset count") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "5", "4", "3", "2", "1"}) == integer(5));
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "2"}) == bulks({"2", "3"}));
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "2", "DESC"}) == bulks({"4", "3"}));
    CHECK(h.run({"SORT", "l", "LIMIT", "-10", "2"}) == bulks({"1", "2"}));   // a negative offset is 0
    CHECK(h.run({"SORT", "l", "LIMIT", "3", "-1"}) == bulks({"4", "5"}));    // a negative count: all
    CHECK(h.run({"SORT", "l", "LIMIT", "3", "-100"}) == bulks({"4", "5"}));
    CHECK(h.run({"SORT", "l", "LIMIT", "3", "100"}) == bulks({"4", "5"}));
    CHECK(h.run({"SORT", "l", "LIMIT", "0", "0"}) == kEmpty);
    CHECK(h.run({"SORT", "l", "LIMIT", "5", "1"}) == kEmpty);
    CHECK(h.run({"SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807"}) == kEmpty);
    CHECK(h.run({"SORT", "l", "LIMIT", "-9223372036854775808", "9223372036854775807"}).size() == 5);
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "1", "LIMIT", "0", "2"}) == bulks({"1", "2"}));  // the last wins
    CHECK(h.run({"SORT_RO", "l", "BY", "a", "LIMIT", "2", "9223372036854775807"}) == bulks({"3", "2", "1"}));
    // Fewer than two arguments: a syntax error; not integers: Redis's integer error.
    CHECK(h.run({"SORT", "l", "LIMIT", "1"}) == kSyntax);
    CHECK(h.run({"SORT", "l", "LIMIT"}) == kSyntax);
    CHECK(h.run({"SORT", "l", "LIMIT", "x", "1"}) == kNotInteger);
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "x"}) == kNotInteger);
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "1.0"}) == kNotInteger);
    CHECK(h.run({"SORT", "l", "LIMIT", "01", "1"}) == kNotInteger);
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "9223372036854775808"}) == kNotInteger);
    CHECK(h.run({"SORT", "l", "LIMIT", "1", "2", "3"}) == kSyntax);
  }

  TEST_CASE("syntax errors come before the key's type; SORT_RO has no STORE") {
    Harness h;
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"SORT", "s"}) == kWrongType);
    CHECK(h.run({"SORT_RO", "s"}) == kWrongType);
    CHECK(h.run({"SORT", "s", "STORE", "dst"}) == kWrongType);
    CHECK(entry(h, "dst") == nullptr);
    CHECK(h.run({"HSET", "h", "f", "1"}) == integer(1));
    CHECK(h.run({"SORT", "h"}) == kWrongType);
    for (const char* key : {"s", "missing"}) {
      CAPTURE(key);
      CHECK(h.run({"SORT", key, "foo"}) == kSyntax);
      CHECK(h.run({"SORT", key, "STORE"}) == kSyntax);
      CHECK(h.run({"SORT", key, "BY"}) == kSyntax);
      CHECK(h.run({"SORT", key, "GET"}) == kSyntax);
      CHECK(h.run({"SORT", key, "GET", "#", "GET"}) == kSyntax);
      CHECK(h.run({"SORT", key, "LIMIT", "0", "1", "ALPHA", "x"}) == kSyntax);
      CHECK(h.run({"SORT_RO", key, "STORE", "dst"}) == kSyntax);
      CHECK(h.run({"SORT_RO", key, "LIMIT", "a", "b"}) == kNotInteger);
    }
    CHECK(h.run({"SORT"}) == error("ERR wrong number of arguments for 'sort' command"));
    CHECK(h.run({"SORT_RO"}) == error("ERR wrong number of arguments for 'sort_ro' command"));
    // Keywords are case-insensitive.
    CHECK(h.run({"RPUSH", "l", "b", "a"}) == integer(2));
    CHECK(h.run({"sort", "l", "alpha", "Desc", "limit", "0", "1", "gEt", "#"}) == bulks({"b"}));
  }

  TEST_CASE("a missing key sorts as an empty list") {
    Harness h;
    CHECK(h.run({"SORT", "nokey"}) == kEmpty);
    CHECK(h.run({"SORT", "nokey", "BY", "nosort", "DESC", "LIMIT", "1", "2"}) == kEmpty);
    CHECK(h.run({"SORT", "nokey", "GET", "#", "GET", "x"}) == kEmpty);
    CHECK(h.run({"SORT_RO", "nokey", "ALPHA"}) == kEmpty);
    CHECK(h.run({"SORT", "nokey", "STORE", "dst"}) == integer(0));
    CHECK(entry(h, "dst") == nullptr);
  }

  TEST_CASE("BY a string key: weights, missing weights, ties") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b", "c", "d"}) == integer(4));
    CHECK(h.run({"MSET", "w_a", "3", "w_b", "1.5", "w_c", "-2"}) == ok());
    // d has no weight: 0. int-encoded, embstr and raw weights alike.
    CHECK(h.run({"SORT", "l", "BY", "w_*"}) == bulks({"c", "d", "b", "a"}));
    CHECK(h.run({"SORT", "l", "BY", "w_*", "DESC"}) == bulks({"a", "b", "d", "c"}));
    CHECK(h.run({"SET", "w_d", std::string(60, '0') + "2"}) == ok());  // a raw string
    CHECK(h.run({"SORT", "l", "BY", "w_*"}) == bulks({"c", "b", "d", "a"}));
    CHECK(h.run({"SORT", "l", "BY", "w_*", "LIMIT", "1", "2"}) == bulks({"b", "d"}));
    // Equal weights order elements by their bytes (Redis's "SORT BY sub-sorts lexicographically").
    CHECK(h.run({"MSET", "w_a", "7", "w_b", "7", "w_c", "7", "w_d", "7"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "w_*"}) == bulks({"a", "b", "c", "d"}));
    CHECK(h.run({"SORT", "l", "BY", "w_*", "DESC"}) == bulks({"d", "c", "b", "a"}));
    // A weight of another type counts as missing.
    CHECK(h.run({"DEL", "w_a"}) == integer(1));
    CHECK(h.run({"HSET", "w_a", "f", "100"}) == integer(1));
    CHECK(h.run({"SORT", "l", "BY", "w_*"}) == bulks({"a", "b", "c", "d"}));
    // A weight that is not a number fails the command.
    CHECK(h.run({"SET", "w_c", "x"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "w_*"}) == kNotDouble);
    // ALPHA sorts by the weights' text; missing ones first.
    CHECK(h.run({"MSET", "w_b", "10", "w_c", "9", "w_d", "2"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "w_*", "ALPHA"}) == bulks({"a", "b", "d", "c"}));
    CHECK(h.run({"SORT", "l", "BY", "w_*", "ALPHA", "DESC"}) == bulks({"c", "d", "b", "a"}));
    // The '*' may sit anywhere, only the first one is replaced, and the pattern can be just "*".
    CHECK(h.run({"MSET", "a", "4", "b", "3", "c", "2", "d", "1"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "*"}) == bulks({"d", "c", "b", "a"}));
    CHECK(h.run({"MSET", "pre-a-post", "1", "pre-b-post", "0"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "pre-*-post", "LIMIT", "0", "2"}) == bulks({"b", "c"}));
  }

  TEST_CASE("BY a hash field") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "1", "2", "3"}) == integer(3));
    CHECK(h.run({"HSET", "o_1", "w", "30", "name", "one"}) == integer(2));
    CHECK(h.run({"HSET", "o_2", "w", "10", "name", "two"}) == integer(2));
    CHECK(h.run({"HSET", "o_3", "w", "20.5", "name", "three"}) == integer(2));
    CHECK(h.run({"SORT", "l", "BY", "o_*->w"}) == bulks({"2", "3", "1"}));
    CHECK(h.run({"SORT", "l", "BY", "o_*->name", "ALPHA"}) == bulks({"1", "3", "2"}));
    CHECK(h.run({"SORT", "l", "BY", "o_*->name"}) == kNotDouble);
    // A missing field, a missing key, or a key that is not a hash: 0 (first with ALPHA).
    CHECK(h.run({"SORT", "l", "BY", "o_*->nofield"}) == bulks({"1", "2", "3"}));
    CHECK(h.run({"SET", "o_2", "10"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "o_*->w"}) == bulks({"2", "3", "1"}));
    CHECK(h.run({"SORT", "l", "BY", "o_*->w", "DESC"}) == bulks({"1", "3", "2"}));
    CHECK(h.run({"SORT", "l", "BY", "o_*->name", "ALPHA"}) == bulks({"2", "1", "3"}));
    // A hashtable-encoded hash reads the same.
    CHECK(h.run({"HSET", "o_3", "big", std::string(100, 'x')}) == integer(1));
    CHECK(entry(h, "o_3")->encoding() == Encoding::hashtable);
    CHECK(h.run({"SORT", "l", "BY", "o_*->w", "DESC"}) == bulks({"1", "3", "2"}));
    // A field name with "->" in it: the first "->" after the '*' splits.
    CHECK(h.run({"HSET", "o_1", "a->b", "5"}) == integer(1));
    CHECK(h.run({"SORT", "l", "BY", "o_*->a->b"}) == bulks({"2", "3", "1"}));
  }

  TEST_CASE("GET: #, string keys, hash fields, and nil for everything else") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "2", "1", "3"}) == integer(3));
    CHECK(h.run({"MSET", "w_1", "one", "w_2", "two"}) == ok());
    CHECK(h.run({"HSET", "o_1", "f", "h1"}) == integer(1));
    CHECK(h.run({"HSET", "o_3", "f", "33"}) == integer(1));
    CHECK(h.run({"SORT", "l", "GET", "#"}) == bulks({"1", "2", "3"}));
    CHECK(h.run({"SORT", "l", "GET", "w_*"}) == array({bulk("one"), bulk("two"), nil()}));
    CHECK(h.run({"SORT", "l", "GET", "#", "GET", "w_*", "GET", "o_*->f", "DESC"}) ==
          array({bulk("3"), nil(), bulk("33"), bulk("2"), bulk("two"), nil(), bulk("1"), bulk("one"), bulk("h1")}));
    // A pattern without '*' names nothing (Redis's "SORT GET <const>").
    CHECK(h.run({"SET", "foo", "bar"}) == ok());
    CHECK(h.run({"SORT", "l", "GET", "foo"}) == array({nil(), nil(), nil()}));
    // Wrong types are nil, never WRONGTYPE: a hash without ->, a string with ->.
    CHECK(h.run({"SORT", "l", "GET", "o_*", "GET", "w_*->f", "LIMIT", "0", "1"}) == array({nil(), nil()}));
    // "->" at the end is part of the key name (Redis's "SORT GET with pattern ending with just ->").
    CHECK(h.run({"SET", "x:1->", "100"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "num", "GET", "x:*->"}) == array({nil(), bulk("100"), nil()}));
    CHECK(h.run({"SORT_RO", "l", "BY", "nosort", "GET", "x:*->", "LIMIT", "1", "1"}) == array({bulk("100")}));
    // GET # GET # repeats the element; patterns are read as Redis reads them: "#" followed by a NUL
    // byte is "#", a '*' or "->" after a NUL byte does not count, a field may hold a NUL byte.
    CHECK(h.run({"SORT", "l", "GET", "#", "GET", "#", "LIMIT", "0", "1"}) == bulks({"1", "1"}));
    CHECK(h.run({"SORT", "l", "GET", nul("#", "x"), "LIMIT", "0", "1"}) == bulks({"1"}));
    CHECK(h.run({"SORT", "l", "GET", "##", "LIMIT", "0", "1"}) == array({nil()}));
    CHECK(h.run({"SORT", "l", "GET", nul("w_", "*"), "LIMIT", "0", "1"}) == array({nil()}));
    CHECK(h.run({"HSET", "o_1", nul("f", "g"), "fg"}) == integer(1));
    CHECK(h.run({"SORT", "l", "GET", "o_*->" + nul("f", "g"), "LIMIT", "0", "1"}) == bulks({"fg"}));
    CHECK(h.run({"SORT", "l", "GET", "o_*->" + nul("", "f"), "LIMIT", "0", "1"}) == array({nil()}));
    // Only the first '*' takes the element; "a**b" looks for "a1*b".
    CHECK(h.run({"MSET", "a1b", "7", "a1*b", "8"}) == ok());
    CHECK(h.run({"SORT", "l", "GET", "a*b", "GET", "a**b", "LIMIT", "0", "1"}) == bulks({"7", "8"}));
    // Integer values of hash fields and strings come back as text.
    CHECK(h.run({"SORT", "l", "GET", "o_*->f", "LIMIT", "2", "1"}) == bulks({"33"}));
  }

  TEST_CASE("GET replies nil as RESP2 $-1 and RESP3 _") {
    Harness h;
    Session* s = h.engine.open_session();
    REQUIRE(s != nullptr);
    CHECK(wire(*s, {"RPUSH", "l", "1"}) == ":1\r\n");
    CHECK(wire(*s, {"SORT", "l", "GET", "#", "GET", "x_*"}) == "*2\r\n$1\r\n1\r\n$-1\r\n");
    (void)wire(*s, {"HELLO", "3"});
    CHECK(wire(*s, {"SORT", "l", "GET", "#", "GET", "x_*"}) == "*2\r\n$1\r\n1\r\n_\r\n");
    CHECK(wire(*s, {"SORT", "nokey"}) == "*0\r\n");
    h.engine.close_session(s);
  }

  TEST_CASE("BY nosort keeps a list's order, backwards with DESC, and LIMIT picks the range") {
    Harness h;
    CHECK(h.run({"LPUSH", "l", "2", "1", "4", "3", "5"}) == integer(5));
    CHECK(h.run({"SORT", "l", "BY", "nosort"}) == bulks({"5", "3", "4", "1", "2"}));
    CHECK(h.run({"SORT", "l", "BY", "nosort", "DESC"}) == bulks({"2", "1", "4", "3", "5"}));
    CHECK(h.run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}) == bulks({"3", "4"}));
    CHECK(h.run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"}) == bulks({"1", "4"}));
    CHECK(h.run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "4", "5"}) == bulks({"5"}));
    CHECK(h.run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "5", "5"}) == kEmpty);
    CHECK(h.run({"SORT", "l", "BY", "nosort", "ALPHA", "GET", "#"}) == bulks({"5", "3", "4", "1", "2"}));
    // Any BY pattern without '*' is "nosort", even "#" or one whose '*' follows a NUL byte.
    CHECK(h.run({"SORT", "l", "BY", "#", "LIMIT", "0", "2"}) == bulks({"5", "3"}));
    CHECK(h.run({"SORT", "l", "BY", nul("x", "*"), "LIMIT", "0", "2"}) == bulks({"5", "3"}));
    // The last BY decides.
    CHECK(h.run({"SORT", "l", "BY", "nosort", "BY", "w_*"}) == bulks({"1", "2", "3", "4", "5"}));
    CHECK(h.run({"SORT", "l", "BY", "w_*", "BY", "nosort", "LIMIT", "0", "1"}) == bulks({"5"}));
    // With STORE, in list order too (Redis's "SORT by nosort plus store retains native order").
    CHECK(h.run({"SORT", "l", "BY", "nosort", "STORE", "dst"}) == integer(5));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"5", "3", "4", "1", "2"}));
    CHECK(h.run({"SORT", "l", "BY", "nosort", "LIMIT", "0", "3", "STORE", "dst"}) == integer(3));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"5", "3", "4"}));
    // Across quicklist nodes.
    CHECK(h.run({"CONFIG", "SET", "list-max-listpack-size", "2"}) == ok());
    std::vector<std::string> push = {"RPUSH", "big"};
    for (int i = 0; i < 25; ++i) push.push_back("e" + std::to_string(i));
    CHECK(h.run(push) == integer(25));
    CHECK(h.run({"SORT", "big", "BY", "nosort", "LIMIT", "9", "3"}) == bulks({"e9", "e10", "e11"}));
    CHECK(h.run({"SORT", "big", "BY", "nosort", "DESC", "LIMIT", "9", "3"}) == bulks({"e15", "e14", "e13"}));
    CHECK(h.run({"SORT", "big", "ALPHA", "LIMIT", "0", "3"}) == bulks({"e0", "e1", "e10"}));
  }

  TEST_CASE("sets: intset and hashtable; BY nosort with STORE sorts ALPHA") {
    Harness h;
    CHECK(h.run({"SADD", "s", "5", "3", "-1", "40"}) == integer(4));
    CHECK(entry(h, "s")->encoding() == Encoding::intset);
    CHECK(h.run({"SORT", "s"}) == bulks({"-1", "3", "5", "40"}));
    CHECK(h.run({"SORT", "s", "DESC"}) == bulks({"40", "5", "3", "-1"}));
    CHECK(h.run({"SORT", "s", "ALPHA"}) == bulks({"-1", "3", "40", "5"}));
    // No sorting: the intset's ascending order, which DESC does not reverse.
    CHECK(h.run({"SORT", "s", "BY", "nosort"}) == bulks({"-1", "3", "5", "40"}));
    CHECK(h.run({"SORT", "s", "BY", "nosort", "DESC", "LIMIT", "1", "2"}) == bulks({"3", "5"}));
    // With STORE a set is sorted ALPHA anyway (Redis's "SORT with BY <constant> and STORE should
    // still order output").
    CHECK(h.run({"SORT", "s", "BY", "nosort", "STORE", "dst"}) == integer(4));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"-1", "3", "40", "5"}));
    CHECK(h.run({"SORT", "s", "BY", "nosort", "DESC", "STORE", "dst"}) == integer(4));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"5", "40", "3", "-1"}));
    CHECK(h.run({"SADD", "t", "a", "b", "c", "d", "e", "f", "g", "h", "i", "l", "m", "n", "o", "p", "q", "r", "s",
                 "t", "u", "v", "z", "aa", "aaa", "azz"}) == integer(24));
    CHECK(entry(h, "t")->encoding() == Encoding::hashtable);
    CHECK(h.run({"SORT", "t", "ALPHA", "BY", "_", "STORE", "dst"}) == integer(24));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"a", "aa", "aaa", "azz", "b", "c", "d", "e", "f", "g", "h",
                                                         "i", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v",
                                                         "z"}));
    CHECK(h.run({"SORT", "t", "ALPHA", "LIMIT", "0", "4"}) == bulks({"a", "aa", "aaa", "azz"}));
    // Weights from other keys: the sort is total, so the result does not depend on the table's
    // order.
    for (const char* m : {"a", "b", "c", "d", "e", "f", "g", "h", "i", "l", "m", "n", "o", "p", "q", "r", "s", "t",
                          "u", "v", "z", "aa", "aaa", "azz"}) {
      CHECK(h.run({"SET", std::string("score:") + m, "100"}) == ok());
    }
    CHECK(h.run({"SORT", "t", "BY", "score:*", "LIMIT", "0", "5"}) == bulks({"a", "aa", "aaa", "azz", "b"}));
    CHECK(h.run({"SORT", "t", "BY", "score:*"}).size() == 24);
    CHECK(h.run({"SORT", "t", "BY", "nosort"}).size() == 24);  // the table's order
  }

  TEST_CASE("sorted sets: sorted as elements; BY nosort keeps the score order") {
    Harness h;
    CHECK(h.run({"ZADD", "z", "1", "a", "5", "b", "2", "c", "10", "d", "3", "e"}) == integer(5));
    CHECK(h.run({"SORT", "z", "ALPHA", "DESC"}) == bulks({"e", "d", "c", "b", "a"}));
    CHECK(h.run({"SORT", "z"}) == kNotDouble);  // the members, not the scores, are the numbers
    CHECK(h.run({"SORT", "z", "BY", "nosort"}) == bulks({"a", "c", "e", "b", "d"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC"}) == bulks({"d", "b", "e", "c", "a"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "ASC", "LIMIT", "0", "1"}) == bulks({"a"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "1"}) == bulks({"d"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "ASC", "LIMIT", "0", "2"}) == bulks({"a", "c"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"}) == bulks({"d", "b"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "LIMIT", "5", "10"}) == kEmpty);
    CHECK(h.run({"SORT", "z", "BY", "nosort", "LIMIT", "-10", "100"}) == bulks({"a", "c", "e", "b", "d"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "3", "20"}) == bulks({"c", "a"}));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "STORE", "dst"}) == integer(5));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"a", "c", "e", "b", "d"}));
    // In MULTI too (Redis's "SORT sorted set BY nosort should retain ordering").
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SORT", "z", "BY", "nosort", "ASC"}) == simple("QUEUED"));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC"}) == simple("QUEUED"));
    CHECK(h.run({"EXEC"}) == array({bulks({"a", "c", "e", "b", "d"}), bulks({"d", "b", "e", "c", "a"})}));
    // Numeric members with BY weights.
    CHECK(h.run({"ZADD", "n", "3", "1", "2", "2", "1", "3"}) == integer(3));
    CHECK(h.run({"SORT", "n"}) == bulks({"1", "2", "3"}));
    CHECK(h.run({"SORT", "n", "BY", "nosort"}) == bulks({"3", "2", "1"}));
    CHECK(h.run({"MSET", "w_1", "2", "w_2", "3", "w_3", "1"}) == ok());
    CHECK(h.run({"SORT", "n", "BY", "w_*", "GET", "#", "GET", "w_*"}) == bulks({"3", "1", "1", "2", "2", "3"}));
  }

  TEST_CASE("any SORT turns a listpack sorted set into a skiplist for good, as Redis does") {
    Harness h;
    CHECK(h.run({"ZADD", "z", "1", "a", "2", "b"}) == integer(2));
    CHECK(h.run({"OBJECT", "ENCODING", "z"}) == bulk("listpack"));
    const std::uint64_t dirty = h.engine.dirty();
    CHECK(h.run({"SORT_RO", "z", "BY", "nosort"}) == bulks({"a", "b"}));
    CHECK(h.run({"OBJECT", "ENCODING", "z"}) == bulk("skiplist"));
    CHECK(h.engine.dirty() == dirty);  // not a write
    CHECK(h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == bulks({"a", "1", "b", "2"}));
    CHECK(h.run({"SORT", "z", "ALPHA", "DESC"}) == bulks({"b", "a"}));
    CHECK(h.run({"ZADD", "z", "3", "c"}) == integer(1));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"}) == bulks({"c", "b"}));
    // The TTL stays.
    CHECK(h.run({"ZADD", "t", "1", "x"}) == integer(1));
    CHECK(h.run({"EXPIRE", "t", "100"}) == integer(1));
    CHECK(h.run({"SORT", "t", "ALPHA"}) == bulks({"x"}));
    CHECK(h.run({"OBJECT", "ENCODING", "t"}) == bulk("skiplist"));
    CHECK(h.run({"TTL", "t"}) == integer(100));
  }

  TEST_CASE("SORT draws nothing from the engine's random generator") {
    Harness a(7);
    Harness b(7);
    for (Harness* h : {&a, &b}) {
      CHECK(h->run({"SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h"}) == integer(8));
      CHECK(h->run({"ZADD", "z", "1", "x", "2", "y"}) == integer(2));
      CHECK(h->run({"RPUSH", "l", "2", "1"}) == integer(2));
    }
    CHECK(a.run({"SORT", "z", "ALPHA"}) == bulks({"x", "y"}));  // converts z to a skiplist
    CHECK(a.run({"SORT", "s", "BY", "nosort", "STORE", "d"}) == integer(8));
    CHECK(a.run({"SORT", "l", "BY", "w_*", "GET", "#"}) == bulks({"1", "2"}));
    CHECK(a.run({"SRANDMEMBER", "s", "-20"}) == b.run({"SRANDMEMBER", "s", "-20"}));
    CHECK(a.run({"SPOP", "s", "3"}) == b.run({"SPOP", "s", "3"}));
  }

  TEST_CASE("STORE: a list replacing any value, deleted when empty") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "3", "1", "2"}) == integer(3));
    CHECK(h.run({"SET", "dst", "x", "EX", "100"}) == ok());
    CHECK(h.run({"SORT", "l", "STORE", "dst"}) == integer(3));
    CHECK(h.run({"TYPE", "dst"}) == simple("list"));
    CHECK(h.run({"TTL", "dst"}) == integer(-1));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"1", "2", "3"}));
    CHECK(h.run({"OBJECT", "ENCODING", "dst"}) == bulk("quicklist"));
    // Destinations of any type are replaced (no WRONGTYPE); the last STORE wins.
    CHECK(h.run({"HSET", "h", "f", "v"}) == integer(1));
    CHECK(h.run({"SORT", "l", "DESC", "STORE", "x", "STORE", "h"}) == integer(3));
    CHECK(h.run({"LRANGE", "h", "0", "-1"}) == bulks({"3", "2", "1"}));
    CHECK(entry(h, "x") == nullptr);
    // GET values; a missing one is an empty string.
    CHECK(h.run({"SET", "w_2", "two"}) == ok());
    CHECK(h.run({"SORT", "l", "GET", "#", "GET", "w_*", "STORE", "dst"}) == integer(6));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"1", "", "2", "two", "3", ""}));
    // An empty result deletes the destination (Redis's github issues 224 and 227).
    CHECK(h.run({"SORT", "l", "LIMIT", "10", "10", "STORE", "dst"}) == integer(0));
    CHECK(entry(h, "dst") == nullptr);
    CHECK(h.run({"SORT", "l", "LIMIT", "10", "10", "STORE", "zap"}) == integer(0));
    CHECK(entry(h, "zap") == nullptr);
    CHECK(h.run({"SORT", "emptylist", "STORE", "l"}) == integer(0));
    CHECK(entry(h, "l") == nullptr);
    // The sorted key itself can be the destination.
    CHECK(h.run({"RPUSH", "s", "b", "c", "a"}) == integer(3));
    CHECK(h.run({"SORT", "s", "ALPHA", "STORE", "s"}) == integer(3));
    CHECK(h.run({"LRANGE", "s", "0", "-1"}) == bulks({"a", "b", "c"}));
    CHECK(h.run({"SADD", "set", "3", "1"}) == integer(2));
    CHECK(h.run({"SORT", "set", "STORE", "set"}) == integer(2));
    CHECK(h.run({"TYPE", "set"}) == simple("list"));
    CHECK(h.run({"ZADD", "z", "1", "x", "2", "y"}) == integer(2));
    CHECK(h.run({"SORT", "z", "BY", "nosort", "GET", "#", "GET", "#", "STORE", "z"}) == integer(4));
    CHECK(h.run({"LRANGE", "z", "0", "-1"}) == bulks({"x", "x", "y", "y"}));
  }

  TEST_CASE("STORE: dirty counter, WATCH, and keyspace events") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "3", "1", "2"}) == integer(3));
    std::uint64_t dirty = h.engine.dirty();
    CHECK(h.run({"SORT", "l", "STORE", "d"}) == integer(3));
    CHECK(h.engine.dirty() == dirty + 3);  // one per stored element, as Redis
    CHECK(h.run({"SORT", "l", "GET", "#", "GET", "#", "STORE", "d"}) == integer(6));
    CHECK(h.engine.dirty() == dirty + 9);
    CHECK(h.run({"SORT", "l", "LIMIT", "0", "0", "STORE", "d"}) == integer(0));
    CHECK(h.engine.dirty() == dirty + 10);  // the deletion
    CHECK(h.run({"SORT", "l", "LIMIT", "0", "0", "STORE", "d"}) == integer(0));
    CHECK(h.engine.dirty() == dirty + 10);  // nothing to delete
    CHECK(h.run({"SORT", "l"}).size() == 3);
    CHECK(h.engine.dirty() == dirty + 10);

    Session* w = h.engine.open_session();
    CHECK(w->execute({"WATCH", "d"}) == ok());
    CHECK(h.run({"SORT", "l", "STORE", "d"}) == integer(3));
    CHECK(w->execute({"MULTI"}) == ok());
    CHECK(w->execute({"PING"}) == simple("QUEUED"));
    CHECK(w->execute({"EXEC"}) == nil());
    // Reading (and even converting a sorted set) is no write for WATCH.
    CHECK(h.run({"ZADD", "z", "1", "a"}) == integer(1));
    CHECK(w->execute({"WATCH", "l", "z"}) == ok());
    CHECK(h.run({"SORT", "l"}).size() == 3);
    CHECK(h.run({"SORT_RO", "z", "ALPHA"}) == bulks({"a"}));
    CHECK(w->execute({"MULTI"}) == ok());
    CHECK(w->execute({"PING"}) == simple("QUEUED"));
    CHECK(w->execute({"EXEC"}) == array({simple("PONG")}));
    h.engine.close_session(w);

    Session* sub = h.engine.open_session();
    sub->feed("*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n");
    (void)drain(*sub);
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "KEAmn"}) == ok());
    CHECK(h.run({"DEL", "d"}) == integer(1));
    (void)drain(*sub);
    CHECK(h.run({"SORT", "l", "STORE", "d"}) == integer(3));
    CHECK(drain(*sub) == std::vector<Reply>{bulks({"pmessage", "*", "__keyspace@0__:d", "new"}), event("new", "d"),
                                            bulks({"pmessage", "*", "__keyspace@0__:d", "sortstore"}),
                                            event("sortstore", "d")});
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Egm"}) == ok());
    CHECK(h.run({"SORT", "l", "STORE", "d", "BY", "w_*", "GET", "#", "GET", "nostar"}) == integer(6));
    // Every BY lookup of a missing key is a keymiss (and a constant pattern is no lookup).
    CHECK(drain(*sub) == std::vector<Reply>{event("keymiss", "w_3"), event("keymiss", "w_1"), event("keymiss", "w_2")});
    CHECK(h.run({"SORT", "nolist", "STORE", "d"}) == integer(0));
    CHECK(drain(*sub) == std::vector<Reply>{event("keymiss", "nolist"), event("del", "d")});
    CHECK(h.run({"SET", "d", "x", "PX", "1"}) == ok());
    (void)drain(*sub);  // its "expire" event
    h.clock.advance_ms(5);
    CHECK(h.run({"CONFIG", "SET", "notify-keyspace-events", "Elgx"}) == ok());
    CHECK(h.run({"SORT", "l", "STORE", "d"}) == integer(3));
    CHECK(drain(*sub) == std::vector<Reply>{event("expired", "d"), event("sortstore", "d")});
    h.engine.close_session(sub);
  }

  TEST_CASE("keyspace hits and misses count every lookup") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "3", "1", "2"}) == integer(3));
    CHECK(h.run({"SET", "w_1", "1"}) == ok());
    CHECK(h.run({"CONFIG", "RESETSTAT"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "w_*", "GET", "w_*", "GET", "#", "GET", "const"}).size() == 9);
    // The key, three BY lookups and three GET lookups.
    CHECK(h.engine.keyspace().keyspace_hits == 3);
    CHECK(h.engine.keyspace().keyspace_misses == 4);
    CHECK(h.run({"SORT", "l", "BY", "w_*", "LIMIT", "0", "1"}) == bulks({"2"}));
    CHECK(h.engine.keyspace().keyspace_hits == 5);
    CHECK(h.engine.keyspace().keyspace_misses == 6);
    CHECK(h.run({"SORT", "nokey", "x"}) == kSyntax);  // no lookup at all
    CHECK(h.engine.keyspace().keyspace_misses == 6);
  }

  TEST_CASE("expired keys are gone for the sorted key, BY and GET") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "1", "2"}) == integer(2));
    CHECK(h.run({"SET", "w_1", "5", "PX", "100"}) == ok());
    CHECK(h.run({"SET", "w_2", "3"}) == ok());
    CHECK(h.run({"SORT", "l", "BY", "w_*", "GET", "w_*"}) == bulks({"3", "5"}));
    h.clock.advance_ms(200);
    CHECK(h.run({"SORT", "l", "BY", "w_*", "GET", "w_*"}) == array({nil(), bulk("3")}));
    CHECK(h.run({"PEXPIRE", "l", "100"}) == integer(1));
    h.clock.advance_ms(200);
    CHECK(h.run({"SORT", "l"}) == kEmpty);
  }

  TEST_CASE("large inputs: every list, set and sorted set encoding, BY keys and hash fields") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "list-max-listpack-size", "32"}) == ok());
    // Weights: a permutation of 0..n-1, so the expected order is known.
    const int n = 600;
    std::vector<std::string> expected(n);
    std::vector<std::string> lpush = {"LPUSH", "l"};
    std::vector<std::string> sadd = {"SADD", "s"};
    std::vector<std::string> zadd = {"ZADD", "z"};
    for (int i = 0; i < n; ++i) {
      const int w = (i * 7919) % n;
      const std::string id = std::to_string(i);
      expected[w] = id;
      lpush.push_back(id);
      sadd.push_back(id);
      zadd.push_back(std::to_string(n - i));
      zadd.push_back(id);
      REQUIRE(h.run({"SET", "weight_" + id, std::to_string(w) + ".5"}) == ok());
      REQUIRE(h.run({"HSET", "wobj_" + id, "weight", std::to_string(w)}) == integer(1));
    }
    CHECK(h.run(lpush) == integer(n));
    CHECK(h.run(sadd) == integer(n));
    CHECK(h.run(zadd) == integer(n));
    CHECK(h.run({"OBJECT", "ENCODING", "s"}) == bulk("hashtable"));
    CHECK(h.run({"OBJECT", "ENCODING", "z"}) == bulk("skiplist"));
    const Reply all = strings(expected);
    const Reply some = strings(std::vector<std::string>(expected.begin() + 5, expected.begin() + 10));
    for (const char* key : {"l", "s", "z"}) {
      CAPTURE(key);
      CHECK(h.run({"SORT", key, "BY", "weight_*"}) == all);
      CHECK(h.run({"SORT", key, "BY", "weight_*", "LIMIT", "5", "5"}) == some);
      CHECK(h.run({"SORT", key, "BY", "wobj_*->weight"}) == all);
      CHECK(h.run({"SORT", key, "BY", "wobj_*->weight", "STORE", "res"}) == integer(n));
      CHECK(h.run({"LRANGE", "res", "0", "-1"}) == all);
      const Reply numeric = h.run({"SORT", key, "DESC", "LIMIT", "0", "3"});
      CHECK(numeric == bulks({"599", "598", "597"}));
    }
    // GET # and GET patterns agree with the weights.
    const Reply got = h.run(
        {"SORT", "l", "BY", "weight_*", "GET", "#", "GET", "weight_*", "GET", "wobj_*->weight", "LIMIT", "0", "2"});
    CHECK(got == bulks({expected[0], "0.5", "0", expected[1], "1.5", "1"}));
  }

  TEST_CASE("commands are registered with Redis's flags and key positions") {
    Harness h;
    auto spec = [&](std::string_view name) { return h.engine.commands().find(name).spec; };
    REQUIRE(spec("sort") != nullptr);
    REQUIRE(spec("sort_ro") != nullptr);
    CHECK(spec("sort")->flags == (microredis::kWrite | microredis::kDenyOom | microredis::kMovableKeys));
    CHECK(spec("sort_ro")->flags == (microredis::kReadonly | microredis::kMovableKeys));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT", "abc", "STORE", "def"}) == bulks({"abc", "def"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT_RO", "abc"}) == bulks({"abc"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT_RO", "abc", "STORE", "x"}) == bulks({"abc"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT", "abc", "STORE", "invalid", "STORE", "stillbad", "STORE", "def"}) ==
          bulks({"abc", "def"}));
    // Options with arguments are skipped by their counts (GET takes "store" as its pattern here).
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT", "abc", "GET", "store", "x"}) == bulks({"abc"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT", "abc", "LIMIT", "store", "x", "1"}) == bulks({"abc"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT", "abc", "STORE"}) == bulks({"abc"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "SORT", "abc", "store", "store", "x"}) == bulks({"abc", "x"}));
    const Reply info = h.run({"COMMAND", "INFO", "sort"});
    REQUIRE(info.size() == 1);
    CHECK(info[0][0] == bulk("sort"));
    CHECK(info[0][1] == integer(-2));
    CHECK(info[0][2] == array({simple("write"), simple("denyoom"), simple("movablekeys")}));
    CHECK(info[0][3] == integer(1));
    CHECK(info[0][4] == integer(1));
    CHECK(info[0][5] == integer(1));
    CHECK(info[0][6] == array({simple("@write"), simple("@set"), simple("@sortedset"), simple("@list"),
                               simple("@slow"), simple("@dangerous")}));
    const Reply ro = h.run({"COMMAND", "INFO", "sort_ro"});
    CHECK(ro[0][2] == array({simple("readonly"), simple("movablekeys")}));
    CHECK(ro[0][6] == array({simple("@read"), simple("@set"), simple("@sortedset"), simple("@list"),
                             simple("@slow"), simple("@dangerous")}));
  }

  TEST_CASE("out of memory: one error, the data as it was") {
    const std::vector<std::vector<std::string>> commands = {
        {"SORT", "l", "STORE", "dst"},
        {"SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*->f", "STORE", "dst"},
        {"SORT", "l", "BY", "o_*->f", "ALPHA", "DESC", "LIMIT", "1", "5", "GET", "w_*"},
        {"SORT", "s", "BY", "nosort", "STORE", "dst"},
        {"SORT", "z", "BY", "nosort", "DESC", "GET", "w_*", "STORE", "dst"},
        {"SORT", "l", "GET", "#", "GET", std::string(200, 'k') + "*"},
    };
    for (const auto& cmd : commands) {
      CAPTURE(cmd[1]);
      bool done = false;
      for (long budget = 0; budget < 60 && !done; ++budget) {
        FailingAllocator a;
        a.spare_shrinks = true;
        microredis::ManualClock clock;
        microredis::EngineOptions o;
        o.clock = &clock;
        o.seed = 1;
        o.allocator = a.hooks();
        microredis::Engine engine(o);
        REQUIRE(engine.execute({"CONFIG", "SET", "list-max-listpack-size", "4"}) == ok());
        for (int i = 0; i < 12; ++i) {
          const std::string v = std::to_string((i * 5) % 12);
          REQUIRE(engine.execute({"RPUSH", "l", v}).type == Reply::Type::integer);
          REQUIRE(engine.execute({"SADD", "s", "m" + v}).type == Reply::Type::integer);
          REQUIRE(engine.execute({"ZADD", "z", v, v}).type == Reply::Type::integer);
          REQUIRE(engine.execute({"SET", "w_" + v, std::to_string(100 - i)}) == ok());
          REQUIRE(engine.execute({"HSET", "o_" + v, "f", "x" + v}) == integer(1));
        }
        REQUIRE(engine.execute({"SET", "dst", "old"}) == ok());
        // Grow the reply buffer first, so that only the command's own work can fail.
        REQUIRE(engine.execute({"SET", "pad", std::string(20000, 'p')}) == ok());
        REQUIRE(engine.execute({"GET", "pad"}).str.size() == 20000);
        const Reply before = engine.execute({"LRANGE", "l", "0", "-1"});
        std::vector<std::string_view> argv(cmd.begin(), cmd.end());
        a.fail_from(static_cast<std::uint64_t>(budget) + 1);
        const Reply r = engine.execute(argv.data(), argv.size());
        a.heal();
        if (r == kOom) {
          CHECK(engine.execute({"LRANGE", "l", "0", "-1"}) == before);
          CHECK(engine.execute({"GET", "dst"}) == bulk("old"));
          CHECK(engine.execute({"SCARD", "s"}) == integer(12));
          CHECK(engine.execute({"ZCARD", "z"}) == integer(12));
        } else {
          done = true;
          CHECK_FALSE(r.is_error());
        }
      }
      CHECK(done);
    }
  }
}
