// The list family. Expected replies were checked against redis-server 7.0.15 (errors word for word,
// RESP2 and RESP3 wire shapes where they differ).
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/quicklist.hpp"

using namespace mrtest;
using microredis::Encoding;
using microredis::Quicklist;
using microredis::ValueType;

namespace {

const microredis::Entry* entry(Harness& h, std::string_view key) { return h.engine.db(0).find_raw(key); }

const Quicklist* list(Harness& h, std::string_view key) {
  const microredis::Entry* e = entry(h, key);
  REQUIRE(e != nullptr);
  REQUIRE(e->type() == ValueType::list);
  return e->object<Quicklist>();
}

Reply ints(std::initializer_list<std::int64_t> v) {
  std::vector<Reply> items;
  for (std::int64_t i : v) items.push_back(integer(i));
  return array(items);
}

Reply strings(const std::vector<std::string>& v) {
  std::vector<Reply> items;
  for (const std::string& s : v) items.push_back(bulk(s));
  return array(items);
}

const Reply kWrongType = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const Reply kNotInteger = error("ERR value is not an integer or out of range");
const Reply kSyntax = error("ERR syntax error");
const Reply kEmpty = array({});

}  // namespace

TEST_SUITE("lists") {
  TEST_CASE("LPUSH RPUSH LPUSHX RPUSHX") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b"}) == integer(2));
    CHECK(h.run({"LPUSH", "l", "c", "d"}) == integer(4));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"d", "c", "a", "b"}));
    CHECK(h.run({"LPUSHX", "l", "x", "y"}) == integer(6));
    CHECK(h.run({"RPUSHX", "l", "z"}) == integer(7));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"y", "x", "d", "c", "a", "b", "z"}));
    CHECK(h.run({"LPUSHX", "nokey", "a"}) == integer(0));
    CHECK(h.run({"RPUSHX", "nokey", "a"}) == integer(0));
    CHECK(entry(h, "nokey") == nullptr);
    CHECK(h.run({"LPUSH", "l"}) == error("ERR wrong number of arguments for 'lpush' command"));
    CHECK(h.run({"RPUSHX", "l"}) == error("ERR wrong number of arguments for 'rpushx' command"));
    // Integers, empty strings and binary data come back byte for byte.
    CHECK(h.run({"RPUSH", "n", "0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "01",
                 "+1", " 1", "", std::string("a\0b", 3)}) == integer(10));
    CHECK(h.run({"LRANGE", "n", "0", "-1"}) ==
          strings({"0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "01", "+1", " 1",
                   "", std::string("a\0b", 3)}));
    // OBJECT ENCODING reads the entry's encoding: always "quicklist" in Redis 7.0.
    CHECK(entry(h, "l")->encoding() == Encoding::quicklist);
    CHECK(microredis::encoding_name(entry(h, "l")->encoding()) == "quicklist");
    CHECK(h.run({"SET", "s", "v"}) == ok());
    for (const char* cmd : {"LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}) {
      CAPTURE(cmd);
      CHECK(h.run({cmd, "s", "a"}) == kWrongType);
    }
    CHECK(h.run({"GET", "s"}) == bulk("v"));
  }

  TEST_CASE("LPOP and RPOP") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b", "c", "d", "e"}) == integer(5));
    CHECK(h.run({"LPOP", "l"}) == bulk("a"));
    CHECK(h.run({"RPOP", "l"}) == bulk("e"));
    CHECK(h.run({"LPOP", "l", "2"}) == bulks({"b", "c"}));
    CHECK(h.run({"RPUSH", "l", "f", "g"}) == integer(3));
    CHECK(h.run({"RPOP", "l", "2"}) == bulks({"g", "f"}));  // in pop order
    CHECK(h.run({"LPOP", "l", "0"}) == kEmpty);
    CHECK(h.run({"RPOP", "l", "10"}) == bulks({"d"}));
    CHECK(entry(h, "l") == nullptr);  // emptied lists are deleted
    CHECK(h.run({"LPOP", "l"}) == nil());
    CHECK(h.run({"RPOP", "l", "1"}) == nil());
    CHECK(h.run({"RPOP", "l", "0"}) == nil());  // the key check comes before the count 0 shortcut
    CHECK(h.run({"LPOP", "l", "-1"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"LPOP", "l", "x"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"RPOP", "l", "1", "2"}) == error("ERR wrong number of arguments for 'rpop' command"));
    CHECK(h.run({"LPOP", "l", "1", "2"}) == error("ERR wrong number of arguments for 'lpop' command"));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LPOP", "s"}) == kWrongType);
    CHECK(h.run({"RPOP", "s", "0"}) == kWrongType);
    CHECK(h.run({"LPOP", "s", "-1"}) == error("ERR value is out of range, must be positive"));
  }

  TEST_CASE("missing-key and empty replies in RESP2 and RESP3") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    REQUIRE(s != nullptr);
    CHECK(wire(*s, {"LPOP", "nokey"}) == "$-1\r\n");
    CHECK(wire(*s, {"LPOP", "nokey", "1"}) == "*-1\r\n");
    CHECK(wire(*s, {"RPOP", "nokey", "0"}) == "*-1\r\n");
    CHECK(wire(*s, {"LMPOP", "1", "nokey", "LEFT"}) == "*-1\r\n");
    CHECK(wire(*s, {"LINDEX", "nokey", "0"}) == "$-1\r\n");
    CHECK(wire(*s, {"LPOS", "nokey", "a"}) == "$-1\r\n");
    CHECK(wire(*s, {"LPOS", "nokey", "a", "COUNT", "0"}) == "*0\r\n");
    CHECK(wire(*s, {"LMOVE", "nokey", "d", "LEFT", "LEFT"}) == "$-1\r\n");
    CHECK(wire(*s, {"RPOPLPUSH", "nokey", "d"}) == "$-1\r\n");
    CHECK(wire(*s, {"RPUSH", "l", "a"}) == ":1\r\n");
    CHECK(wire(*s, {"LPOP", "l", "0"}) == "*0\r\n");
    CHECK(wire(*s, {"LMPOP", "1", "l", "LEFT"}) == "*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n");
    (void)wire(*s, {"HELLO", "3"});
    CHECK(wire(*s, {"LPOP", "nokey"}) == "_\r\n");
    CHECK(wire(*s, {"LPOP", "nokey", "1"}) == "_\r\n");
    CHECK(wire(*s, {"LMPOP", "1", "nokey", "LEFT"}) == "_\r\n");
    CHECK(wire(*s, {"LPOS", "nokey", "a"}) == "_\r\n");
    CHECK(wire(*s, {"RPUSH", "l", "a", "1"}) == ":2\r\n");
    CHECK(wire(*s, {"LPOP", "l", "0"}) == "*0\r\n");
    CHECK(wire(*s, {"LRANGE", "l", "0", "-1"}) == "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    h.engine.close_session(s);
  }

  TEST_CASE("LLEN LRANGE LINDEX") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) == integer(10));
    CHECK(h.run({"LLEN", "l"}) == integer(10));
    CHECK(h.run({"LLEN", "nokey"}) == integer(0));
    CHECK(h.run({"LRANGE", "l", "1", "3"}) == bulks({"1", "2", "3"}));
    CHECK(h.run({"LRANGE", "l", "-3", "-1"}) == bulks({"7", "8", "9"}));
    CHECK(h.run({"LRANGE", "l", "-100", "1"}) == bulks({"0", "1"}));
    CHECK(h.run({"LRANGE", "l", "8", "100"}) == bulks({"8", "9"}));
    CHECK(h.run({"LRANGE", "l", "5", "2"}) == kEmpty);
    CHECK(h.run({"LRANGE", "l", "10", "20"}) == kEmpty);
    CHECK(h.run({"LRANGE", "l", "0", "-11"}) == kEmpty);
    CHECK(h.run({"LRANGE", "l", "-9223372036854775808", "9223372036854775807"}).size() == 10);
    CHECK(h.run({"LRANGE", "nokey", "0", "-1"}) == kEmpty);
    CHECK(h.run({"LRANGE", "l", "x", "1"}) == kNotInteger);
    CHECK(h.run({"LRANGE", "nokey", "0", "1.5"}) == kNotInteger);  // parsed before the lookup
    CHECK(h.run({"LINDEX", "l", "0"}) == bulk("0"));
    CHECK(h.run({"LINDEX", "l", "-1"}) == bulk("9"));
    CHECK(h.run({"LINDEX", "l", "-10"}) == bulk("0"));
    CHECK(h.run({"LINDEX", "l", "10"}) == nil());
    CHECK(h.run({"LINDEX", "l", "-11"}) == nil());
    CHECK(h.run({"LINDEX", "l", "x"}) == kNotInteger);
    CHECK(h.run({"LINDEX", "nokey", "x"}) == nil());  // the lookup comes first
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LLEN", "s"}) == kWrongType);
    CHECK(h.run({"LRANGE", "s", "0", "-1"}) == kWrongType);
    CHECK(h.run({"LINDEX", "s", "x"}) == kWrongType);
  }

  TEST_CASE("LSET") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b", "c"}) == integer(3));
    CHECK(h.run({"LSET", "l", "0", "x"}) == ok());
    CHECK(h.run({"LSET", "l", "-1", "99"}) == ok());
    CHECK(h.run({"LSET", "l", "1", std::string(100000, 'B')}) == ok());
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == strings({"x", std::string(100000, 'B'), "99"}));
    CHECK(h.run({"LSET", "l", "1", "small"}) == ok());
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"x", "small", "99"}));
    CHECK(h.run({"LSET", "l", "3", "z"}) == error("ERR index out of range"));
    CHECK(h.run({"LSET", "l", "-4", "z"}) == error("ERR index out of range"));
    CHECK(h.run({"LSET", "l", "x", "z"}) == kNotInteger);
    CHECK(h.run({"LSET", "nokey", "0", "z"}) == error("ERR no such key"));
    CHECK(h.run({"LSET", "nokey", "x", "z"}) == error("ERR no such key"));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LSET", "s", "0", "z"}) == kWrongType);
    CHECK(list(h, "l")->check());
  }

  TEST_CASE("LINSERT") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b", "c", "b"}) == integer(4));
    CHECK(h.run({"LINSERT", "l", "BEFORE", "b", "x"}) == integer(5));
    CHECK(h.run({"LINSERT", "l", "after", "b", "y"}) == integer(6));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"a", "x", "b", "y", "c", "b"}));
    CHECK(h.run({"LINSERT", "l", "AFTER", "nothere", "z"}) == integer(-1));
    CHECK(h.run({"LINSERT", "l", "middle", "a", "z"}) == kSyntax);
    CHECK(h.run({"LINSERT", "nokey", "BEFORE", "a", "z"}) == integer(0));
    CHECK(h.run({"LINSERT", "nokey", "inside", "a", "z"}) == kSyntax);  // parsed first
    CHECK(entry(h, "nokey") == nullptr);
    // Pivots compare as text whatever the element's encoding.
    CHECK(h.run({"RPUSH", "n", "1", "01", "100"}) == integer(3));
    CHECK(h.run({"LINSERT", "n", "AFTER", "01", "x"}) == integer(4));
    CHECK(h.run({"LINSERT", "n", "BEFORE", "100", "y"}) == integer(5));
    CHECK(h.run({"LINSERT", "n", "BEFORE", "1.0", "y"}) == integer(-1));
    CHECK(h.run({"LRANGE", "n", "0", "-1"}) == bulks({"1", "01", "x", "y", "100"}));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LINSERT", "s", "BEFORE", "a", "z"}) == kWrongType);
  }

  TEST_CASE("LREM") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b", "a", "c", "a", "d", "a"}) == integer(7));
    CHECK(h.run({"LREM", "l", "2", "a"}) == integer(2));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"b", "c", "a", "d", "a"}));
    CHECK(h.run({"LREM", "l", "-1", "a"}) == integer(1));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"b", "c", "a", "d"}));
    CHECK(h.run({"LREM", "l", "0", "a"}) == integer(1));
    CHECK(h.run({"LREM", "l", "0", "zz"}) == integer(0));
    CHECK(h.run({"LREM", "l", "-9223372036854775808", "b"}) == integer(1));
    CHECK(h.run({"LREM", "l", "x", "b"}) == kNotInteger);
    CHECK(h.run({"LREM", "nokey", "x", "b"}) == kNotInteger);  // parsed before the lookup
    CHECK(h.run({"LREM", "nokey", "0", "b"}) == integer(0));
    CHECK(h.run({"LREM", "l", "0", "c"}) == integer(1));
    CHECK(h.run({"LREM", "l", "1", "d"}) == integer(1));
    CHECK(entry(h, "l") == nullptr);
    // Integers match their canonical text only.
    CHECK(h.run({"RPUSH", "n", "1", "01", "1", "-0", "0"}) == integer(5));
    CHECK(h.run({"LREM", "n", "0", "1"}) == integer(2));
    CHECK(h.run({"LREM", "n", "0", "0"}) == integer(1));
    CHECK(h.run({"LRANGE", "n", "0", "-1"}) == bulks({"01", "-0"}));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LREM", "s", "0", "a"}) == kWrongType);
  }

  TEST_CASE("LTRIM") {
    Harness h;
    auto fill = [&]() {
      h.engine.db(0).remove("l");
      REQUIRE(h.run({"RPUSH", "l", "1", "2", "3", "4", "5"}) == integer(5));
    };
    fill();
    CHECK(h.run({"LTRIM", "l", "1", "-2"}) == ok());
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"2", "3", "4"}));
    fill();
    CHECK(h.run({"LTRIM", "l", "-100", "100"}) == ok());
    CHECK(h.run({"LLEN", "l"}) == integer(5));
    fill();
    CHECK(h.run({"LTRIM", "l", "-2", "-1"}) == ok());
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"4", "5"}));
    fill();
    CHECK(h.run({"LTRIM", "l", "0", "-10"}) == ok());
    CHECK(entry(h, "l") == nullptr);
    fill();
    CHECK(h.run({"LTRIM", "l", "3", "1"}) == ok());
    CHECK(entry(h, "l") == nullptr);
    fill();
    CHECK(h.run({"LTRIM", "l", "5", "10"}) == ok());
    CHECK(entry(h, "l") == nullptr);
    CHECK(h.run({"LTRIM", "nokey", "0", "1"}) == ok());
    CHECK(h.run({"LTRIM", "nokey", "x", "1"}) == kNotInteger);
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LTRIM", "s", "0", "1"}) == kWrongType);
  }

  TEST_CASE("LPOS") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"}) == integer(8));
    CHECK(h.run({"LPOS", "l", "c"}) == integer(2));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "2"}) == integer(6));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "-1"}) == integer(7));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "-3"}) == integer(2));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "4"}) == nil());
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "0"}) == ints({2, 6, 7}));
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "2"}) == ints({2, 6}));
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "2", "RANK", "-1"}) == ints({7, 6}));
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "0", "RANK", "2"}) == ints({6, 7}));
    CHECK(h.run({"LPOS", "l", "c", "MAXLEN", "2"}) == nil());
    CHECK(h.run({"LPOS", "l", "c", "MAXLEN", "3"}) == integer(2));
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"}) == ints({2, 6}));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "-1", "COUNT", "0", "MAXLEN", "2"}) == ints({7, 6}));
    CHECK(h.run({"LPOS", "l", "2"}) == integer(4));
    CHECK(h.run({"LPOS", "l", "02"}) == nil());
    CHECK(h.run({"LPOS", "l", "x", "COUNT", "5"}) == kEmpty);
    CHECK(h.run({"LPOS", "l", "c", "rank", "1", "RANK", "3"}) == integer(7));  // the last one counts
    // RANK LONG_MIN: Redis negates it into itself; every match from the tail, COUNT never reached.
    CHECK(h.run({"LPOS", "l", "c", "RANK", "-9223372036854775808"}) == integer(7));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "1"}) == ints({7, 6, 2}));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "9223372036854775807"}) == nil());
    CHECK(h.run({"LPOS", "nokey", "c"}) == nil());
    CHECK(h.run({"LPOS", "nokey", "c", "COUNT", "1"}) == kEmpty);
    CHECK(h.run({"LPOS", "l", "c", "RANK", "0"}) ==
          error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
                "negative to start from the end of the list"));
    CHECK(h.run({"LPOS", "l", "c", "RANK", "x"}) == kNotInteger);
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "-1"}) == error("ERR COUNT can't be negative"));
    CHECK(h.run({"LPOS", "l", "c", "COUNT", "x"}) == error("ERR COUNT can't be negative"));
    CHECK(h.run({"LPOS", "l", "c", "MAXLEN", "-1"}) == error("ERR MAXLEN can't be negative"));
    CHECK(h.run({"LPOS", "l", "c", "MAXLEN", "1.5"}) == error("ERR MAXLEN can't be negative"));
    CHECK(h.run({"LPOS", "l", "c", "RANK"}) == kSyntax);
    CHECK(h.run({"LPOS", "l", "c", "FOO", "1"}) == kSyntax);
    CHECK(h.run({"LPOS", "nokey", "c", "RANK", "0"}).is_error());  // options are parsed first
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LPOS", "s", "c"}) == kWrongType);
  }

  TEST_CASE("LMOVE and RPOPLPUSH") {
    Harness h;
    CHECK(h.run({"RPUSH", "src", "a", "b", "c"}) == integer(3));
    CHECK(h.run({"LMOVE", "src", "dst", "LEFT", "RIGHT"}) == bulk("a"));
    CHECK(h.run({"LMOVE", "src", "dst", "right", "left"}) == bulk("c"));
    CHECK(h.run({"LRANGE", "dst", "0", "-1"}) == bulks({"c", "a"}));
    CHECK(h.run({"LMOVE", "dst", "src", "LEFT", "LEFT"}) == bulk("c"));
    CHECK(h.run({"LMOVE", "dst", "src", "RIGHT", "RIGHT"}) == bulk("a"));
    CHECK(entry(h, "dst") == nullptr);  // the emptied source is deleted
    CHECK(h.run({"LRANGE", "src", "0", "-1"}) == bulks({"c", "b", "a"}));
    // The same list: a rotation (or nothing, for the same end).
    CHECK(h.run({"LMOVE", "src", "src", "LEFT", "RIGHT"}) == bulk("c"));
    CHECK(h.run({"LRANGE", "src", "0", "-1"}) == bulks({"b", "a", "c"}));
    CHECK(h.run({"RPOPLPUSH", "src", "src"}) == bulk("c"));
    CHECK(h.run({"LRANGE", "src", "0", "-1"}) == bulks({"c", "b", "a"}));
    CHECK(h.run({"LMOVE", "src", "src", "LEFT", "LEFT"}) == bulk("c"));
    CHECK(h.run({"LMOVE", "src", "src", "RIGHT", "RIGHT"}) == bulk("a"));
    CHECK(h.run({"LRANGE", "src", "0", "-1"}) == bulks({"c", "b", "a"}));
    CHECK(h.run({"RPOPLPUSH", "src", "other"}) == bulk("a"));
    CHECK(h.run({"LRANGE", "other", "0", "-1"}) == bulks({"a"}));
    // A one-element list moved onto itself stays.
    CHECK(h.run({"RPOPLPUSH", "other", "other"}) == bulk("a"));
    CHECK(h.run({"LRANGE", "other", "0", "-1"}) == bulks({"a"}));
    CHECK(h.run({"LMOVE", "src", "dst", "UP", "LEFT"}) == kSyntax);
    CHECK(h.run({"LMOVE", "src", "dst", "LEFT", "DOWN"}) == kSyntax);
    CHECK(h.run({"LMOVE", "nokey", "dst", "LEFT", "LEFT"}) == nil());
    CHECK(h.run({"RPOPLPUSH", "nokey", "dst"}) == nil());
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"LMOVE", "s", "dst", "LEFT", "LEFT"}) == kWrongType);
    CHECK(h.run({"LMOVE", "src", "s", "LEFT", "LEFT"}) == kWrongType);
    CHECK(h.run({"RPOPLPUSH", "src", "s"}) == kWrongType);
    CHECK(h.run({"RPOPLPUSH", "s", "src"}) == kWrongType);
    CHECK(h.run({"RPOPLPUSH", "nokey", "s"}) == nil());  // the destination is not looked at
    CHECK(h.run({"LRANGE", "src", "0", "-1"}) == bulks({"c", "b"}));
    // Big elements move between lists and rotate.
    const std::string big(50000, 'x');
    CHECK(h.run({"RPUSH", "big", "a", big, "b"}) == integer(3));
    CHECK(h.run({"RPOPLPUSH", "big", "big"}) == bulk("b"));
    CHECK(h.run({"LMOVE", "big", "big", "RIGHT", "LEFT"}) == bulk(big));
    CHECK(h.run({"LMOVE", "big", "other", "LEFT", "LEFT"}) == bulk(big));
    CHECK(h.run({"LRANGE", "big", "0", "-1"}) == bulks({"b", "a"}));
    CHECK(h.run({"LRANGE", "other", "0", "-1"}) == strings({big, "a"}));
  }

  TEST_CASE("LMPOP") {
    Harness h;
    CHECK(h.run({"RPUSH", "b", "1", "2", "3", "4"}) == integer(4));
    CHECK(h.run({"LMPOP", "2", "a", "b", "LEFT"}) == array({bulk("b"), bulks({"1"})}));
    CHECK(h.run({"LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2"}) == array({bulk("b"), bulks({"4", "3"})}));
    CHECK(h.run({"LMPOP", "1", "b", "left", "count", "10"}) == array({bulk("b"), bulks({"2"})}));
    CHECK(entry(h, "b") == nullptr);
    CHECK(h.run({"LMPOP", "2", "a", "b", "LEFT"}) == nil());
    CHECK(h.run({"LMPOP", "0", "a", "LEFT"}) == error("ERR numkeys should be greater than 0"));
    CHECK(h.run({"LMPOP", "x", "a", "LEFT"}) == error("ERR numkeys should be greater than 0"));
    CHECK(h.run({"LMPOP", "-1", "a", "LEFT"}) == error("ERR numkeys should be greater than 0"));
    CHECK(h.run({"LMPOP", "2", "a", "LEFT"}) == kSyntax);
    CHECK(h.run({"LMPOP", "9223372036854775807", "a", "LEFT"}) == kSyntax);
    CHECK(h.run({"LMPOP", "1", "a", "MIDDLE"}) == kSyntax);
    CHECK(h.run({"LMPOP", "1", "a", "LEFT", "COUNT", "0"}) == error("ERR count should be greater than 0"));
    CHECK(h.run({"LMPOP", "1", "a", "LEFT", "COUNT", "-1"}) == error("ERR count should be greater than 0"));
    CHECK(h.run({"LMPOP", "1", "a", "LEFT", "COUNT", "x"}) == error("ERR count should be greater than 0"));
    CHECK(h.run({"LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"}) == kSyntax);
    CHECK(h.run({"LMPOP", "1", "a", "LEFT", "COUNT"}) == kSyntax);
    CHECK(h.run({"LMPOP", "1", "a", "LEFT", "FOO"}) == kSyntax);
    CHECK(h.run({"LMPOP", "1", "a"}) == error("ERR wrong number of arguments for 'lmpop' command"));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"RPUSH", "c", "x"}) == integer(1));
    CHECK(h.run({"LMPOP", "3", "nokey", "s", "c", "LEFT"}) == kWrongType);
    CHECK(h.run({"LMPOP", "2", "c", "s", "LEFT"}) == array({bulk("c"), bulks({"x"})}));  // stops at c
  }

  TEST_CASE("long lists across many nodes") {
    Harness h;
    std::vector<std::string> model;
    for (int i = 0; i < 3000; ++i) {
      const std::string v = (i % 7 == 0 ? "value-" : "") + std::to_string(i);
      REQUIRE(h.run({"RPUSH", "l", v}) == integer(i + 1));
      model.push_back(v);
    }
    CHECK(list(h, "l")->node_count() > 1);
    CHECK(h.run({"LINDEX", "l", "1500"}) == bulk(model[1500]));
    CHECK(h.run({"LINDEX", "l", "-2999"}) == bulk(model[1]));
    CHECK(h.run({"LRANGE", "l", "1000", "1004"}) == strings({model.begin() + 1000, model.begin() + 1005}));
    CHECK(h.run({"LSET", "l", "2000", "changed"}) == ok());
    model[2000] = "changed";
    CHECK(h.run({"LINSERT", "l", "BEFORE", "changed", "ins"}) == integer(3001));
    model.insert(model.begin() + 2000, "ins");
    CHECK(h.run({"LPOS", "l", "changed"}) == integer(2001));
    CHECK(h.run({"LTRIM", "l", "100", "-100"}) == ok());
    model = std::vector<std::string>(model.begin() + 100, model.end() - 99);
    CHECK(h.run({"LLEN", "l"}) == integer(static_cast<std::int64_t>(model.size())));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == strings(model));
    CHECK(h.run({"LPOP", "l", "1000"}).size() == 1000);
    CHECK(h.run({"RPOP", "l", "1000"}).size() == 1000);
    model = std::vector<std::string>(model.begin() + 1000, model.end() - 1000);
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == strings(model));
    CHECK(list(h, "l")->check());
  }

  TEST_CASE("CONFIG SET list-max-listpack-size applies to later inserts") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "list-max-listpack-size", "4"}) == ok());
    for (int i = 0; i < 10; ++i) REQUIRE(h.run({"RPUSH", "l", std::to_string(i)}) == integer(i + 1));
    CHECK(list(h, "l")->node_count() == 3);
    CHECK(h.run({"CONFIG", "SET", "list-max-ziplist-size", "-2"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "list-max-listpack-size"}) == bulks({"list-max-listpack-size", "-2"}));
    for (int i = 10; i < 20; ++i) REQUIRE(h.run({"RPUSH", "l", std::to_string(i)}) == integer(i + 1));
    // The tail node, full at 4 elements before, takes the next 10 under the byte limit.
    CHECK(list(h, "l")->node_count() == 3);
    CHECK(list(h, "l")->tail()->count == 12);
    CHECK(h.run({"CONFIG", "SET", "list-max-listpack-size", "1"}) == ok());
    CHECK(h.run({"LPUSH", "m", "a", "b", "c"}) == integer(3));
    CHECK(list(h, "m")->node_count() == 3);
    CHECK(h.run({"LINSERT", "m", "AFTER", "b", "x"}) == integer(4));
    CHECK(list(h, "m")->node_count() == 4);
    CHECK(h.run({"LRANGE", "m", "0", "-1"}) == bulks({"c", "b", "x", "a"}));
    CHECK(h.run({"CONFIG", "SET", "list-max-listpack-size", "-5"}) == ok());
    for (int i = 0; i < 2000; ++i) REQUIRE(h.run({"RPUSH", "big", std::string(50, 'v')}).type == Reply::Type::integer);
    CHECK(list(h, "big")->node_count() == 2);  // 64 KiB nodes
    // list-compress-depth is accepted (nodes are never compressed).
    CHECK(h.run({"CONFIG", "SET", "list-compress-depth", "2"}) == ok());
    CHECK(h.run({"RPUSH", "big", "more"}) == integer(2001));
    CHECK(h.run({"LINDEX", "big", "-1"}) == bulk("more"));
  }

  TEST_CASE("large elements") {
    Harness h;
    const std::string big(1 << 20, 'L');
    CHECK(h.run({"RPUSH", "l", "a", big, "b", big}) == integer(4));
    CHECK(list(h, "l")->node_count() == 4);
    CHECK(h.run({"LINDEX", "l", "1"}) == bulk(big));
    CHECK(h.run({"LINSERT", "l", "AFTER", "b", big}) == integer(5));
    CHECK(h.run({"LREM", "l", "0", big}) == integer(3));
    CHECK(h.run({"LRANGE", "l", "0", "-1"}) == bulks({"a", "b"}));
    CHECK(h.run({"LPUSH", "l", big}) == integer(3));
    CHECK(h.run({"LPOP", "l"}) == bulk(big));
    CHECK(list(h, "l")->check());
  }

  TEST_CASE("pops and reads allocate nothing") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    for (int i = 0; i < 2000; ++i) REQUIRE(h.run({"RPUSH", "l", "element-" + std::to_string(i)}) == integer(i + 1));
    REQUIRE(h.run({"LRANGE", "l", "0", "99"}).size() == 100);  // the reply buffer has grown once
    create_counters(h.engine, {{"LPOP"}, {"RPOP"}, {"LINDEX"}, {"LMPOP"}});
    const std::uint64_t allocations = h.engine.memory().allocations();
    for (int i = 0; i < 300; ++i) {
      REQUIRE(h.run({"LPOP", "l"}) == bulk("element-" + std::to_string(i)));
      REQUIRE(h.run({"RPOP", "l"}) == bulk("element-" + std::to_string(1999 - i)));
      REQUIRE(h.run({"LINDEX", "l", "700"}).type == Reply::Type::bulk);
      REQUIRE(h.run({"LRANGE", "l", "-50", "-1"}).size() == 50);
    }
    REQUIRE(h.run({"LPOP", "l", "10"}).size() == 10);
    REQUIRE(h.run({"LMPOP", "1", "l", "RIGHT", "COUNT", "10"}).size() == 2);
    CHECK(h.engine.memory().allocations() == allocations);
  }

  TEST_CASE("writes count as modifications, no-ops do not") {
    Harness h;
    CHECK(h.run({"RPUSH", "l", "a", "b"}) == integer(2));
    auto unchanged = [&](std::initializer_list<std::string_view> cmd) {
      const std::uint64_t before = h.engine.dirty();
      (void)h.run(cmd);
      return h.engine.dirty() == before;
    };
    CHECK(unchanged({"LINSERT", "l", "BEFORE", "zz", "x"}));
    CHECK(unchanged({"LREM", "l", "0", "zz"}));
    CHECK(unchanged({"LPUSHX", "nokey", "x"}));
    CHECK(unchanged({"LPOP", "l", "0"}));
    CHECK(unchanged({"LSET", "l", "5", "x"}));
    CHECK(unchanged({"LMPOP", "1", "nokey", "LEFT"}));
    CHECK(unchanged({"LRANGE", "l", "0", "-1"}));
    CHECK_FALSE(unchanged({"LSET", "l", "0", "x"}));
    CHECK_FALSE(unchanged({"LTRIM", "l", "0", "-1"}));  // Redis counts an LTRIM that keeps all
    CHECK_FALSE(unchanged({"RPOPLPUSH", "l", "l"}));
    CHECK_FALSE(unchanged({"LPOP", "l"}));
  }

  TEST_CASE("out of memory: one error, the lists as they were") {
    // Every write command under a budget of 0, 1, 2... allocations: the reply is the command's own
    // or OOM, and after an OOM the data is as before.
    const std::vector<std::vector<std::string>> commands = {
        {"LPUSH", "l", "x", "y"},
        {"RPUSH", "new", "x"},
        {"LPOP", "l", "3"},
        {"RPOP", "l"},
        {"LMPOP", "1", "l", "RIGHT", "COUNT", "2"},
        {"LSET", "l", "2", std::string(10000, 'S')},
        {"LINSERT", "l", "AFTER", "v3", "ins"},
        {"LMOVE", "l", "dst", "LEFT", "RIGHT"},
        {"RPOPLPUSH", "l", "l"},
        {"LREM", "l", "1", "v5"},
    };
    for (const auto& cmd : commands) {
      CAPTURE(cmd[0]);
      bool done = false;
      for (long budget = 0; budget < 40 && !done; ++budget) {
        FailingAllocator a;
        a.spare_shrinks = true;
        microredis::ManualClock clock;
        microredis::EngineOptions o;
        o.clock = &clock;
        o.seed = 1;
        o.allocator = a.hooks();
        microredis::Engine engine(o);
        REQUIRE(engine.execute({"CONFIG", "SET", "list-max-listpack-size", "4"}) == ok());
        for (int i = 0; i < 9; ++i) REQUIRE(engine.execute({"RPUSH", "l", "v" + std::to_string(i)}).type == Reply::Type::integer);
        // Grow the reply buffer first, so that only the store can fail.
        REQUIRE(engine.execute({"LRANGE", "l", "0", "-1"}).size() == 9);
        REQUIRE(engine.execute({"SET", "pad", std::string(20000, 'p')}) == ok());
        REQUIRE(engine.execute({"GET", "pad"}).str.size() == 20000);
        const Reply before = engine.execute({"LRANGE", "l", "0", "-1"});
        std::vector<std::string_view> argv(cmd.begin(), cmd.end());
        a.fail_from(static_cast<std::uint64_t>(budget) + 1);
        const Reply r = engine.execute(argv.data(), argv.size());
        a.heal();
        if (r == kOom) {
          CHECK(engine.execute({"LRANGE", "l", "0", "-1"}) == before);
          CHECK(engine.db(0).find_raw("dst") == nullptr);
          CHECK(engine.execute({"LLEN", "new"}) == integer(0));
        } else {
          done = true;
          CHECK_FALSE(r.is_error());
        }
      }
      CHECK(done);
    }
  }

  TEST_CASE("commands are registered with Redis's flags and key positions") {
    Harness h;
    auto spec = [&](std::string_view name) { return h.engine.commands().find(name).spec; };
    for (const char* name : {"lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset",
                             "linsert", "lrem", "ltrim", "lpos", "lmove", "rpoplpush", "lmpop"}) {
      CAPTURE(name);
      REQUIRE(spec(name) != nullptr);
      CHECK(spec(name)->group() == "list");
    }
    CHECK(spec("lmove")->last_key == 2);
    CHECK(spec("rpoplpush")->last_key == 2);
    CHECK((spec("lmpop")->flags & microredis::kMovableKeys) != 0);
    std::size_t keys[8];
    const std::string_view argv[] = {"lmpop", "2", "a", "b", "LEFT"};
    REQUIRE(spec("lmpop")->get_keys(argv, 5, keys, 8) == 2);
    CHECK(keys[0] == 2);
    CHECK(keys[1] == 3);
    CHECK((spec("lpush")->flags & microredis::kDenyOom) != 0);
    CHECK((spec("lpop")->flags & microredis::kDenyOom) == 0);
    CHECK((spec("lrange")->flags & microredis::kReadonly) != 0);
  }
}
