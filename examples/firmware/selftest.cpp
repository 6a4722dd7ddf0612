// Self-test mode: every command group compiled into this image runs through Engine::execute (and
// through sessions fed with RESP, for pub/sub and blocking commands), on a manual clock, inside the
// arena. One line per group goes out over semihosting:
//   PASS strings (14 checks)
//   FAIL hashes: HGET h f -> "x", want "v"
// and the exit status is the number of failed groups (0: all passed). Groups compiled out are
// checked to be unknown commands. The replies are Redis's; the host unit tests cover the details,
// this checks that the same engine behaves on the target (soft-float, newlib, 32-bit pointers,
// -fno-exceptions, a fixed arena).
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "board.hpp"
#include "microredis/engine.hpp"
#include "modes.hpp"

namespace firmware {

namespace {

using microredis::Reply;
using microredis::Status;
using Args = std::initializer_list<std::string_view>;

Reply ok() { return Reply::ok(); }
Reply nil() { return Reply::null(); }
Reply integer(std::int64_t v) { return Reply::integer_value(v); }
Reply bulk(std::string_view s) { return Reply::bulk(s); }
Reply simple(std::string_view s) { return Reply::simple(s); }
Reply error(Status s) { return Reply::error(s); }
Reply bulks(Args items) { return Reply::bulks(items); }
Reply array(std::vector<Reply> items) { return Reply::array(std::move(items)); }

std::string join(Args args) {
  std::string s;
  for (std::string_view a : args) {
    if (!s.empty()) s += ' ';
    s.append(a.data(), a.size());
  }
  return s;
}

// RESP for a command, as a client sends it.
std::string resp(Args args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    s += "$" + std::to_string(a.size()) + "\r\n";
    s.append(a.data(), a.size());
    s += "\r\n";
  }
  return s;
}

class SelfTest {
 public:
  SelfTest(Arena& arena, microredis::ManualClock& clock, microredis::Engine& engine)
      : arena_(arena), clock_(clock), e_(engine) {}

  // --- bookkeeping ---
  void begin(const char* group) {
    group_ = group;
    checks_ = 0;
    failed_ = false;
  }
  void end() {
    // Every group leaves an empty keyspace behind, and the arena's lists must still add up; what
    // the engine still holds afterwards is shown, so that a group that keeps memory stands out.
    (void)e_.execute({"FLUSHALL"});
    if (!failed_) {
      firmware::print("PASS %s (%d checks; arena %u B after)\n", group_, checks_, static_cast<unsigned>(arena_.used()));
    }
    if (failed_) ++failed_groups_;
    ++groups_;
    if (!arena_.check()) {
      firmware::print("FAIL arena: free lists inconsistent after %s\n", group_);
      ++failed_groups_;
    }
  }
  void fail_line(const std::string& what) {
    if (!failed_) firmware::print("FAIL %s: %s\n", group_, what.c_str());
    else firmware::print("     %s: %s\n", group_, what.c_str());
    failed_ = true;
  }
  int failed_groups() const { return failed_groups_; }
  int groups() const { return groups_; }

  // --- checks ---
  Reply run(Args args) { return e_.execute(args); }
  void expect(Args args, const Reply& want) {
    ++checks_;
    Reply got = e_.execute(args);
    if (got != want) fail_line(join(args) + " -> " + got.to_string() + ", want " + want.to_string());
  }
  void expect_error_prefix(Args args, std::string_view prefix) {
    ++checks_;
    Reply got = e_.execute(args);
    if (!got.is_error() || got.str.compare(0, prefix.size(), prefix) != 0) {
      fail_line(join(args) + " -> " + got.to_string() + ", want an error starting with " + std::string(prefix));
    }
  }
  void check(bool ok, const std::string& what) {
    ++checks_;
    if (!ok) fail_line(what);
  }
  // A session fed like a network client; its output is compared as raw RESP.
  void feed(microredis::Session& s, Args args) {
    std::string bytes = resp(args);
    s.feed(bytes.data(), bytes.size());
  }
  void expect_output(microredis::Session& s, std::string_view want, const char* what) {
    ++checks_;
    std::string_view got = s.pending_output();
    if (got != want) {
      fail_line(std::string(what) + ": output " + printable(got) + ", want " + printable(want));
    }
    s.consume_output(got.size());
  }
  static std::string printable(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '\r') out += "\\r";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    return out + "\"";
  }

  microredis::Engine& engine() { return e_; }
  microredis::ManualClock& clock() { return clock_; }
  Arena& arena() { return arena_; }

 private:
  Arena& arena_;
  microredis::ManualClock& clock_;
  microredis::Engine& e_;
  const char* group_ = "";
  int checks_ = 0;
  bool failed_ = false;
  int failed_groups_ = 0;
  int groups_ = 0;
};

// A group compiled out: its commands are unknown.
[[maybe_unused]] void expect_unknown(SelfTest& t, const char* group, Args command) {
  t.begin(group);
  t.expect_error_prefix(command, "ERR unknown command");
  firmware::print("     (%s compiled out)\n", group);
  t.end();
}

void test_connection(SelfTest& t) {
  t.begin("connection");
  t.expect({"PING"}, simple("PONG"));
  t.expect({"PING", "hi"}, bulk("hi"));
  t.expect({"ECHO", "hello"}, bulk("hello"));
  t.expect({"SELECT", "1"}, ok());
  t.expect({"SET", "k", "db1"}, ok());
  t.expect({"SELECT", "0"}, ok());
  t.expect({"GET", "k"}, nil());
  t.expect({"SELECT", "16"}, error(Status::db_index_out_of_range));
  t.expect_error_prefix({"NOSUCHCOMMAND"}, "ERR unknown command 'NOSUCHCOMMAND'");
  t.expect_error_prefix({"GET"}, "ERR wrong number of arguments for 'get' command");
  t.end();
}

void test_strings(SelfTest& t) {
  t.begin("strings");
  t.expect({"SET", "k", "v"}, ok());
  t.expect({"GET", "k"}, bulk("v"));
  t.expect({"SET", "k", "w", "NX"}, nil());
  t.expect({"SET", "k", "w", "XX", "GET"}, bulk("v"));
  t.expect({"APPEND", "k", "xyz"}, integer(4));
  t.expect({"STRLEN", "k"}, integer(4));
  t.expect({"GETRANGE", "k", "1", "-1"}, bulk("xyz"));
  t.expect({"SETRANGE", "k", "0", "W"}, integer(4));
  t.expect({"INCR", "n"}, integer(1));
  t.expect({"INCRBY", "n", "41"}, integer(42));
  t.expect({"DECRBY", "n", "50"}, integer(-8));
  t.expect({"INCR", "k"}, error(Status::not_integer));
  t.expect({"INCRBYFLOAT", "f", "10.5"}, bulk("10.5"));
  // Binary fractions only: long double is double here (no x87 80-bit type), so 10.5 + 0.1 prints
  // as Redis on 32-bit ARM prints it, "10.59999999999999964", not as on x86-64.
  t.expect({"INCRBYFLOAT", "f", "0.25"}, bulk("10.75"));
  t.expect({"INCRBYFLOAT", "f", "5.0e3"}, bulk("5010.75"));
  t.expect({"SET", "big", "9223372036854775807"}, ok());
  t.expect({"INCR", "big"}, error(Status::overflow));
  t.expect({"MSET", "a", "1", "b", "2"}, ok());
  t.expect({"MGET", "a", "b", "nokey"}, array({bulk("1"), bulk("2"), nil()}));
  t.expect({"MSETNX", "a", "3", "c", "4"}, integer(0));
  t.expect({"GETDEL", "a"}, bulk("1"));
  t.expect({"GETEX", "b", "PX", "5000"}, bulk("2"));
  t.expect({"PTTL", "b"}, integer(5000));
  t.expect({"LCS", "k", "k"}, bulk("Wxyz"));
  t.end();
}

void test_keys(SelfTest& t) {
  t.begin("keys");
  t.expect({"MSET", "k1", "a", "k2", "b", "other", "c"}, ok());
  t.expect({"EXISTS", "k1", "k2", "nokey"}, integer(2));
  t.expect({"TYPE", "k1"}, simple("string"));
  t.expect({"TYPE", "nokey"}, simple("none"));
  t.expect({"DBSIZE"}, integer(3));
  Reply keys = t.run({"KEYS", "k*"});
  t.check(keys.type == Reply::Type::array && keys.size() == 2, "KEYS k* -> " + keys.to_string());
  Reply scan = t.run({"SCAN", "0", "COUNT", "100"});
  t.check(scan.size() == 2 && scan[0] == bulk("0") && scan[1].size() == 3, "SCAN 0 COUNT 100 -> " + scan.to_string());
  t.expect({"RENAME", "k1", "k3"}, ok());
  t.expect({"RENAMENX", "k3", "k2"}, integer(0));
  t.expect({"COPY", "k3", "k4"}, integer(1));
  t.expect({"GET", "k4"}, bulk("a"));
  t.expect({"DEL", "k2", "k3", "nokey"}, integer(2));
  t.expect({"UNLINK", "k4"}, integer(1));
  t.expect({"OBJECT", "ENCODING", "other"}, bulk("embstr"));
  t.expect({"SET", "num", "12345"}, ok());
  t.expect({"OBJECT", "ENCODING", "num"}, bulk("int"));
  t.expect({"MOVE", "num", "1"}, integer(1));
  t.expect({"EXISTS", "num"}, integer(0));
  t.expect({"RENAME", "nokey", "x"}, error(Status::no_such_key));
  t.expect({"RANDOMKEY"}, bulk("other"));
  t.end();
}

void test_expiry(SelfTest& t) {
  t.begin("expiry");
  t.expect({"SET", "e", "v", "EX", "10"}, ok());
  t.expect({"TTL", "e"}, integer(10));
  t.clock().advance_ms(4000);
  t.expect({"TTL", "e"}, integer(6));
  t.expect({"PEXPIRE", "e", "100000"}, integer(1));
  t.expect({"PERSIST", "e"}, integer(1));
  t.expect({"TTL", "e"}, integer(-1));
  t.expect({"EXPIRE", "e", "1"}, integer(1));
  t.clock().advance_ms(1001);
  t.expect({"GET", "e"}, nil());
  t.expect({"TTL", "e"}, integer(-2));
  // Active expiry: keys nobody reads go away through tick().
  for (int i = 0; i < 50; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "vol:%d", i);
    (void)t.run({"SET", key, "x", "PX", "100"});
  }
  t.expect({"DBSIZE"}, integer(50));
  t.clock().advance_ms(200);
  for (int i = 0; i < 100 && t.engine().db(0).size() > 0; ++i) {
    t.clock().advance_ms(100);
    (void)t.engine().tick();
  }
  t.expect({"DBSIZE"}, integer(0));
  t.expect({"EXPIREAT", "nokey", "1"}, integer(0));
  t.end();
}

#if MICROREDIS_WITH_HASHES
void test_hashes(SelfTest& t) {
  t.begin("hashes");
  t.expect({"HSET", "h", "f1", "v1", "f2", "v2"}, integer(2));
  t.expect({"HGET", "h", "f1"}, bulk("v1"));
  t.expect({"HGETALL", "h"}, bulks({"f1", "v1", "f2", "v2"}));
  t.expect({"HINCRBY", "h", "n", "5"}, integer(5));
  t.expect({"HINCRBYFLOAT", "h", "fl", "1.25"}, bulk("1.25"));
  t.expect({"HLEN", "h"}, integer(4));
  t.expect({"HDEL", "h", "f2", "nofield"}, integer(1));
  t.expect({"HEXISTS", "h", "f2"}, integer(0));
  t.expect({"HMGET", "h", "f1", "f2"}, array({bulk("v1"), nil()}));
  t.expect({"HSETNX", "h", "f1", "x"}, integer(0));
  t.expect({"HSTRLEN", "h", "f1"}, integer(2));
  t.expect({"OBJECT", "ENCODING", "h"}, bulk("listpack"));
  // Past hash-max-listpack-entries (128) the hash becomes a table.
  for (int i = 0; i < 200; ++i) {
    char f[16];
    std::snprintf(f, sizeof f, "field%d", i);
    (void)t.run({"HSET", "big", f, "v"});
  }
  t.expect({"HLEN", "big"}, integer(200));
  t.expect({"OBJECT", "ENCODING", "big"}, bulk("hashtable"));
  t.expect({"HGET", "big", "field199"}, bulk("v"));
  t.expect({"GET", "h"}, error(Status::wrong_type));
  t.end();
}
#endif

#if MICROREDIS_WITH_SETS
void test_sets(SelfTest& t) {
  t.begin("sets");
  t.expect({"SADD", "s", "a", "b", "c"}, integer(3));
  t.expect({"SADD", "s", "a"}, integer(0));
  t.expect({"SISMEMBER", "s", "b"}, integer(1));
  t.expect({"SMISMEMBER", "s", "b", "z"}, array({integer(1), integer(0)}));
  t.expect({"SCARD", "s"}, integer(3));
  t.expect({"SREM", "s", "a"}, integer(1));
  t.expect({"SADD", "t", "b", "x"}, integer(2));
  t.expect({"SINTER", "s", "t"}, bulks({"b"}));
  t.expect({"SINTERCARD", "2", "s", "t"}, integer(1));
  t.expect({"SUNIONSTORE", "u", "s", "t"}, integer(3));
  t.expect({"SDIFF", "s", "t"}, bulks({"c"}));
  t.expect({"SADD", "ints", "3", "1", "2"}, integer(3));
  t.expect({"OBJECT", "ENCODING", "ints"}, bulk("intset"));
  t.expect({"SMEMBERS", "ints"}, bulks({"1", "2", "3"}));
  t.expect({"SMOVE", "s", "t", "c"}, integer(1));
  t.expect({"SPOP", "s"}, bulk("b"));
  t.expect({"EXISTS", "s"}, integer(0));
  t.end();
}
#endif

#if MICROREDIS_WITH_ZSETS
void test_zsets(SelfTest& t) {
  t.begin("sorted sets");
  t.expect({"ZADD", "z", "1", "a", "2", "b", "3", "c"}, integer(3));
  t.expect({"ZRANGE", "z", "0", "-1", "WITHSCORES"}, bulks({"a", "1", "b", "2", "c", "3"}));
  t.expect({"ZSCORE", "z", "b"}, bulk("2"));
  t.expect({"ZINCRBY", "z", "2.5", "a"}, bulk("3.5"));
  t.expect({"ZRANK", "z", "a"}, integer(2));
  t.expect({"ZREVRANGE", "z", "0", "0"}, bulks({"a"}));
  t.expect({"ZRANGEBYSCORE", "z", "(2", "+inf"}, bulks({"c", "a"}));
  t.expect({"ZCOUNT", "z", "-inf", "3"}, integer(2));
  t.expect({"ZADD", "z", "XX", "CH", "0", "b"}, integer(1));
  t.expect({"ZRANGE", "z", "0", "-1"}, bulks({"b", "c", "a"}));
  t.expect({"ZREM", "z", "c"}, integer(1));
  t.expect({"ZPOPMIN", "z"}, bulks({"b", "0"}));
  t.expect({"ZCARD", "z"}, integer(1));
  t.expect({"ZADD", "z", "nan", "x"}, error(Status::not_float));
  t.expect({"ZADD", "lex", "0", "b", "0", "a", "0", "c"}, integer(3));
  t.expect({"ZRANGEBYLEX", "lex", "[b", "+"}, bulks({"b", "c"}));
  t.expect({"ZUNIONSTORE", "dst", "2", "z", "lex", "WEIGHTS", "2", "1"}, integer(3));
  t.expect({"ZSCORE", "dst", "a"}, bulk("7"));
  // Past zset-max-listpack-entries (128) the set becomes a tree.
  for (int i = 0; i < 200; ++i) {
    char m[16], s[16];
    std::snprintf(m, sizeof m, "m%d", i);
    std::snprintf(s, sizeof s, "%d", i);
    (void)t.run({"ZADD", "bigz", s, m});
  }
  t.expect({"OBJECT", "ENCODING", "bigz"}, bulk("skiplist"));
  t.expect({"ZRANGE", "bigz", "150", "151"}, bulks({"m150", "m151"}));
  t.expect({"ZRANK", "bigz", "m199"}, integer(199));
  t.end();
}
#endif

#if MICROREDIS_WITH_LISTS
void test_lists(SelfTest& t) {
  t.begin("lists");
  t.expect({"RPUSH", "l", "a", "b", "c"}, integer(3));
  t.expect({"LPUSH", "l", "z"}, integer(4));
  t.expect({"LRANGE", "l", "0", "-1"}, bulks({"z", "a", "b", "c"}));
  t.expect({"LPOP", "l"}, bulk("z"));
  t.expect({"RPOP", "l", "2"}, bulks({"c", "b"}));
  t.expect({"LINSERT", "l", "BEFORE", "a", "first"}, integer(2));
  t.expect({"LINDEX", "l", "-1"}, bulk("a"));
  t.expect({"LSET", "l", "0", "x"}, ok());
  t.expect({"LPOS", "l", "a"}, integer(1));
  t.expect({"LMOVE", "l", "m", "LEFT", "RIGHT"}, bulk("x"));
  t.expect({"LLEN", "l"}, integer(1));
  t.expect({"LREM", "l", "0", "a"}, integer(1));
  t.expect({"EXISTS", "l"}, integer(0));
  t.expect({"LSET", "m", "5", "x"}, error(Status::index_out_of_range));
  for (int i = 0; i < 500; ++i) {
    char v[16];
    std::snprintf(v, sizeof v, "%d", i);
    (void)t.run({"RPUSH", "long", v});
  }
  t.expect({"LLEN", "long"}, integer(500));
  t.expect({"LINDEX", "long", "321"}, bulk("321"));
  t.expect({"LTRIM", "long", "100", "101"}, ok());
  t.expect({"LRANGE", "long", "0", "-1"}, bulks({"100", "101"}));
  t.end();
}
#endif

#if MICROREDIS_WITH_BITMAPS
void test_bitmaps(SelfTest& t) {
  t.begin("bitmaps");
  t.expect({"SETBIT", "bm", "7", "1"}, integer(0));
  t.expect({"GETBIT", "bm", "7"}, integer(1));
  t.expect({"SETBIT", "bm", "100", "1"}, integer(0));
  t.expect({"BITCOUNT", "bm"}, integer(2));
  t.expect({"BITPOS", "bm", "1"}, integer(7));
  t.expect({"SET", "x", "\xff"}, ok());
  t.expect({"BITOP", "AND", "dst", "bm", "x"}, integer(13));
  t.expect({"BITCOUNT", "dst"}, integer(1));
  t.expect({"BITFIELD", "bf", "SET", "u8", "0", "200", "INCRBY", "u8", "0", "100"},
           array({integer(0), integer(44)}));
  t.expect({"BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "8", "300"}, array({integer(127)}));
  t.expect({"BITFIELD_RO", "bf", "GET", "u8", "0"}, array({integer(44)}));
  t.expect({"SETBIT", "bm", "-1", "1"}, error(Status::bit_offset));
  t.end();
}
#endif

#if MICROREDIS_WITH_HYPERLOGLOG
void test_hyperloglog(SelfTest& t) {
  t.begin("hyperloglog");
  t.expect({"PFADD", "hll", "a", "b", "c"}, integer(1));
  t.expect({"PFADD", "hll", "a"}, integer(0));
  t.expect({"PFCOUNT", "hll"}, integer(3));
  t.expect({"PFADD", "hll2", "c", "d"}, integer(1));
  t.expect({"PFCOUNT", "hll", "hll2"}, integer(4));
  t.expect({"PFMERGE", "m", "hll", "hll2"}, ok());
  t.expect({"PFCOUNT", "m"}, integer(4));
  for (int i = 0; i < 2000; ++i) {
    char v[16];
    std::snprintf(v, sizeof v, "elem%d", i);
    (void)t.run({"PFADD", "many", v});
  }
  Reply count = t.run({"PFCOUNT", "many"});
  t.check(count.type == Reply::Type::integer && count.integer > 1900 && count.integer < 2100,
          "PFCOUNT of 2000 elements -> " + count.to_string());
  t.expect({"PFSELFTEST"}, ok());
  t.end();
}
#endif

#if MICROREDIS_WITH_TRANSACTIONS
void test_transactions(SelfTest& t) {
  t.begin("transactions");
  t.expect({"MULTI"}, ok());
  t.expect({"SET", "t", "1"}, simple("QUEUED"));
  t.expect({"INCR", "t"}, simple("QUEUED"));
  t.expect({"EXEC"}, array({ok(), integer(2)}));
  t.expect({"MULTI"}, ok());
  t.expect({"INCR", "t"}, simple("QUEUED"));
  t.expect({"DISCARD"}, ok());
  t.expect({"GET", "t"}, bulk("2"));
  // WATCH: a write from another session makes EXEC fail.
  microredis::Session* other = t.engine().open_session();
  t.check(other != nullptr, "open_session");
  if (other != nullptr) {
    t.expect({"WATCH", "t"}, ok());
    t.feed(*other, {"SET", "t", "changed"});
    t.expect_output(*other, "+OK\r\n", "SET from another session");
    t.expect({"MULTI"}, ok());
    t.expect({"GET", "t"}, simple("QUEUED"));
    t.expect({"EXEC"}, Reply{});  // the null array: the transaction did not run
    t.engine().close_session(other);
  }
  t.expect({"EXEC"}, error(Status::exec_without_multi));
  t.end();
}
#endif

#if MICROREDIS_WITH_PUBSUB
void test_pubsub(SelfTest& t) {
  t.begin("pubsub");
  microredis::Session* sub = t.engine().open_session();
  t.check(sub != nullptr, "open_session");
  if (sub != nullptr) {
    t.feed(*sub, {"SUBSCRIBE", "news"});
    t.expect_output(*sub, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", "SUBSCRIBE news");
    t.feed(*sub, {"PSUBSCRIBE", "n*"});
    t.expect_output(*sub, "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:2\r\n", "PSUBSCRIBE n*");
    t.expect({"PUBLISH", "news", "hello"}, integer(2));
    t.expect_output(*sub,
                    "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
                    "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
                    "message and pmessage");
    t.expect({"PUBSUB", "CHANNELS"}, bulks({"news"}));
    t.expect({"PUBSUB", "NUMPAT"}, integer(1));
    // Keyspace notifications reach subscribers too.
    t.expect({"CONFIG", "SET", "notify-keyspace-events", "KEA"}, ok());
    t.feed(*sub, {"SUBSCRIBE", "__keyevent@0__:set"});
    t.expect_output(*sub, "*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:3\r\n", "SUBSCRIBE keyevent");
    t.expect({"SET", "watched", "1"}, ok());
    t.expect_output(*sub, "*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$7\r\nwatched\r\n", "set event");
    t.expect({"CONFIG", "SET", "notify-keyspace-events", ""}, ok());
    t.engine().close_session(sub);
    t.expect({"PUBLISH", "news", "again"}, integer(0));
  }
  t.end();
}
#endif

#if MICROREDIS_WITH_BLOCKING && (MICROREDIS_WITH_LISTS || MICROREDIS_WITH_ZSETS)
void test_blocking(SelfTest& t) {
  t.begin("blocking");
  microredis::Session* waiter = t.engine().open_session();
  t.check(waiter != nullptr, "open_session");
  if (waiter != nullptr) {
#if MICROREDIS_WITH_LISTS
    t.feed(*waiter, {"BLPOP", "queue", "0"});
    t.check(waiter->blocked() && !waiter->has_output(), "BLPOP on an empty list blocks");
    t.expect({"RPUSH", "queue", "job"}, integer(1));
    t.expect_output(*waiter, "*2\r\n$5\r\nqueue\r\n$3\r\njob\r\n", "BLPOP served by RPUSH");
    t.expect({"EXISTS", "queue"}, integer(0));
    // A timeout ends the wait through tick().
    t.feed(*waiter, {"BRPOP", "queue", "1.5"});
    t.check(waiter->blocked(), "BRPOP blocks");
    t.clock().advance_ms(1000);
    (void)t.engine().tick();
    t.check(waiter->blocked(), "still blocked after 1 s");
    t.clock().advance_ms(600);
    (void)t.engine().tick();
    t.expect_output(*waiter, "*-1\r\n", "BRPOP timeout");
#endif
#if MICROREDIS_WITH_ZSETS
    t.feed(*waiter, {"BZPOPMIN", "zq", "0"});
    t.check(waiter->blocked(), "BZPOPMIN blocks");
    t.expect({"ZADD", "zq", "5", "m"}, integer(1));
    t.expect_output(*waiter, "*3\r\n$2\r\nzq\r\n$1\r\nm\r\n$1\r\n5\r\n", "BZPOPMIN served by ZADD");
#endif
    t.engine().close_session(waiter);
  }
  t.end();
}
#endif

#if MICROREDIS_WITH_SORT
void test_sort(SelfTest& t) {
  t.begin("sort");
  t.expect({"MSET", "w_a", "3", "w_b", "1", "w_c", "2", "o_a", "alpha", "o_b", "beta", "o_c", "gamma"}, ok());
#if MICROREDIS_WITH_LISTS
  t.expect({"RPUSH", "l", "10", "2", "33", "-1"}, integer(4));
  t.expect({"SORT", "l"}, bulks({"-1", "2", "10", "33"}));
  t.expect({"SORT_RO", "l", "DESC", "LIMIT", "1", "2"}, bulks({"10", "2"}));
  t.expect({"RPUSH", "names", "b", "c", "a"}, integer(3));
  t.expect({"SORT", "names", "ALPHA"}, bulks({"a", "b", "c"}));
  t.expect({"SORT", "names", "BY", "w_*", "GET", "#", "GET", "o_*"}, bulks({"b", "beta", "c", "gamma", "a", "alpha"}));
  t.expect({"SORT", "names", "BY", "w_*", "STORE", "dst"}, integer(3));
  t.expect({"LRANGE", "dst", "0", "-1"}, bulks({"b", "c", "a"}));
  t.expect({"SORT", "names"}, error(Status::sort_score_not_double));
#endif
#if MICROREDIS_WITH_SETS
  t.expect({"SADD", "s", "5", "3", "4"}, integer(3));
  t.expect({"SORT", "s"}, bulks({"3", "4", "5"}));
#endif
  t.expect({"SORT", "w_a"}, error(Status::wrong_type));
  t.expect({"SORT", "nokey"}, bulks({}));
  t.end();
}
#endif

#if MICROREDIS_WITH_TRACKING
void test_tracking(SelfTest& t) {
  t.begin("tracking");
  microredis::Session* reader = t.engine().open_session();
  t.check(reader != nullptr, "open_session");
  if (reader != nullptr) {
    t.feed(*reader, {"HELLO", "3"});
    (void)reader->pending_output();
    reader->consume_output(reader->pending_output().size());
    t.feed(*reader, {"CLIENT", "TRACKING", "ON"});
    t.expect_output(*reader, "+OK\r\n", "CLIENT TRACKING ON");
    t.expect({"SET", "cached", "1"}, ok());
    t.feed(*reader, {"GET", "cached"});
    t.expect_output(*reader, "$1\r\n1\r\n", "GET cached");
    // Another client writes the key: the reader is told to drop it (a RESP3 push).
    t.expect({"SET", "cached", "2"}, ok());
    t.expect_output(*reader, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ncached\r\n", "invalidate push");
    t.expect({"SET", "cached", "3"}, ok());
    t.expect_output(*reader, "", "no second message before the key is read again");
    t.feed(*reader, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p:"});
    t.expect_output(*reader, "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
                             "and then re-enabling it with a different mode.\r\n", "BCAST switch refused");
    t.feed(*reader, {"CLIENT", "TRACKING", "OFF"});
    t.expect_output(*reader, "+OK\r\n", "CLIENT TRACKING OFF");
    t.feed(*reader, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p:"});
    t.expect_output(*reader, "+OK\r\n", "CLIENT TRACKING ON BCAST PREFIX p:");
    t.expect({"SET", "p:1", "x"}, ok());
    t.expect({"SET", "other", "x"}, ok());
    t.expect_output(*reader, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\np:1\r\n", "BCAST invalidate");
    Reply info = t.run({"INFO", "clients"});
    t.check(info.str.find("tracking_clients:1") != std::string::npos, "INFO clients counts the tracking client");
    t.engine().close_session(reader);
  }
  t.end();
}
#endif

#if MICROREDIS_WITH_STREAMS
void test_streams(SelfTest& t) {
  t.begin("streams");
  t.expect({"XADD", "st", "1-1", "f", "v"}, bulk("1-1"));
  t.expect({"XADD", "st", "2-0", "a", "1", "b", "2"}, bulk("2-0"));
  t.expect({"XADD", "st", "1-5", "f", "v"}, error(Status::stream_id_too_small));
  t.expect({"XLEN", "st"}, integer(2));
  t.expect({"XRANGE", "st", "-", "+"},
           array({array({bulk("1-1"), bulks({"f", "v"})}), array({bulk("2-0"), bulks({"a", "1", "b", "2"})})}));
  t.expect({"XREVRANGE", "st", "+", "-", "COUNT", "1"}, array({array({bulk("2-0"), bulks({"a", "1", "b", "2"})})}));
  t.expect({"XGROUP", "CREATE", "st", "g", "0"}, ok());
  t.expect({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "st", ">"},
           array({array({bulk("st"), array({array({bulk("1-1"), bulks({"f", "v"})})})})}));
  t.expect({"XACK", "st", "g", "1-1"}, integer(1));
  t.expect({"XDEL", "st", "1-1"}, integer(1));
  t.expect({"XTRIM", "st", "MAXLEN", "0"}, integer(1));
  t.expect({"TYPE", "st"}, simple("stream"));
  t.expect({"GET", "st"}, error(Status::wrong_type));
  t.end();
}
#endif

#if MICROREDIS_WITH_DUMP
void test_dump(SelfTest& t) {
  t.begin("dump");
  t.expect({"SET", "d", "hello"}, ok());
  Reply payload = t.run({"DUMP", "d"});
  t.check(payload.type == Reply::Type::bulk && payload.str.size() > 10, "DUMP gives a payload");
  t.expect({"RESTORE", "d2", "0", payload.str}, ok());
  t.expect({"GET", "d2"}, bulk("hello"));
  t.expect({"RESTORE", "d2", "0", payload.str}, error(Status::busy_key));
  t.expect({"RESTORE", "d3", "0", "garbage"}, error(Status::dump_payload_wrong));
#if MICROREDIS_WITH_HASHES
  t.expect({"HSET", "h", "f", "v"}, integer(1));
  Reply hp = t.run({"DUMP", "h"});
  t.expect({"RESTORE", "h2", "0", hp.str}, ok());
  t.expect({"HGET", "h2", "f"}, bulk("v"));
#endif
#if MICROREDIS_WITH_DEBUG
  t.expect({"DEBUG", "RELOAD"}, ok());
  t.expect({"GET", "d2"}, bulk("hello"));
#endif
  t.end();
}
#endif

#if MICROREDIS_WITH_GEO && MICROREDIS_WITH_ZSETS
void test_geo(SelfTest& t) {
  t.begin("geo");
  t.expect({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}, integer(2));
  t.expect({"GEOHASH", "Sicily", "Palermo", "Catania"}, bulks({"sqc8b49rny0", "sqdtr74hyu0"}));
  t.expect({"GEODIST", "Sicily", "Palermo", "Catania"}, bulk("166274.1516"));
  t.expect({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"},
           bulks({"Catania", "Palermo"}));
  t.expect({"TYPE", "Sicily"}, simple("zset"));
  t.end();
}
#endif

void test_introspection(SelfTest& t) {
  t.begin("introspection");
  Reply count = t.run({"COMMAND", "COUNT"});
  t.check(count.type == Reply::Type::integer && count.integer > 50, "COMMAND COUNT -> " + count.to_string());
  Reply info = t.run({"COMMAND", "INFO", "get"});
  t.check(info.size() == 1 && info[0].size() >= 7 && info[0][0] == bulk("get") && info[0][1] == integer(2),
          "COMMAND INFO get -> " + info.to_string());
  Reply docs = t.run({"COMMAND", "DOCS", "set"});
  bool has_arguments = false;
  if (docs.size() == 2) {
    for (std::size_t i = 0; i + 1 < docs[1].size(); i += 2) {
      if (docs[1][i] == bulk("arguments")) has_arguments = true;
    }
  }
  t.check(docs.size() == 2 && has_arguments == (MICROREDIS_WITH_COMMAND_DOCS != 0),
          "COMMAND DOCS set -> " + docs.to_string().substr(0, 200));
  Reply all = t.run({"COMMAND", "DOCS"});
  t.check(all.size() == 2 * static_cast<std::size_t>(count.integer), "COMMAND DOCS (all) answered");
  t.expect({"COMMAND", "GETKEYS", "SET", "k", "v"}, bulks({"k"}));
  t.end();
}

void test_server(SelfTest& t) {
  t.begin("server");
  t.expect({"SET", "k", "v"}, ok());
  Reply info = t.run({"INFO", "memory"});
  t.check(info.type == Reply::Type::bulk && info.str.find("used_memory:") != std::string::npos,
          "INFO memory -> " + info.to_string().substr(0, 80));
  Reply usage = t.run({"MEMORY", "USAGE", "k"});
  t.check(usage.type == Reply::Type::integer && usage.integer > 0, "MEMORY USAGE k -> " + usage.to_string());
  t.expect({"CONFIG", "GET", "maxmemory-policy"}, bulks({"maxmemory-policy", "noeviction"}));
  Reply time = t.run({"TIME"});
  // The manual clock started at 1700000000 s and the groups before advanced it by seconds.
  t.check(time.size() == 2 && time[0].str.compare(0, 8, "17000000") == 0, "TIME -> " + time.to_string());
  t.expect({"CLIENT", "SETNAME", "fw"}, ok());
  t.expect({"CLIENT", "GETNAME"}, bulk("fw"));
  t.expect({"FLUSHDB"}, ok());
  t.expect({"DBSIZE"}, integer(0));
  t.expect({"SWAPDB", "0", "1"}, ok());
  // No transport here opens outgoing connections (and the build has no master link): REPLICAOF
  // host port is refused, the engine stays a master.
  t.expect({"REPLICAOF", "10.0.0.1", "6379"}, error(Status::replicaof_no_transport));
  t.expect({"REPLICAOF", "NO", "ONE"}, ok());
  Reply role = t.run({"ROLE"});
  t.check(role.size() == 3 && role[0] == bulk("master"), "ROLE -> " + role.to_string());
  t.end();
}

#if MICROREDIS_WITH_DEBUG
void test_debug(SelfTest& t) {
  t.begin("debug");
  Reply empty = t.run({"DEBUG", "DIGEST"});
  t.check(empty == simple("0000000000000000000000000000000000000000"), "DEBUG DIGEST (empty) -> " + empty.to_string());
  t.expect({"SET", "k", "v"}, ok());
  Reply digest = t.run({"DEBUG", "DIGEST-VALUE", "k"});
  t.check(digest.size() == 1 && digest[0].str.size() == 40 && digest[0] != simple(empty.str),
          "DEBUG DIGEST-VALUE k -> " + digest.to_string());
  Reply object = t.run({"DEBUG", "OBJECT", "k"});
  t.check(object.type == Reply::Type::simple && object.str.find("encoding:embstr") != std::string::npos,
          "DEBUG OBJECT k -> " + object.to_string());
  t.expect({"DEBUG", "SLEEP", "0"}, ok());
  t.end();
}
#endif

// The fixed budget: maxmemory refuses writes first; with no limit the arena itself runs out, and
// the engine must answer and recover instead of failing.
void test_memory_budget(SelfTest& t) {
  t.begin("memory budget");
  char key[24], limit[24];
  std::snprintf(limit, sizeof limit, "%u", static_cast<unsigned>(t.arena().capacity() / 2));
  t.expect({"CONFIG", "SET", "maxmemory", limit}, ok());
  int stored = 0;
  Reply last;
  for (int i = 0; i < 100000; ++i) {
    std::snprintf(key, sizeof key, "fill:%d", i);
    last = t.run({"SET", key, "0123456789abcdef0123456789abcdef"});
    if (last.is_error()) break;
    ++stored;
  }
  t.check(last == error(Status::oom), "maxmemory reached -> " + last.to_string());
  t.check(stored > 100, "keys stored before maxmemory: " + std::to_string(stored));
  t.expect({"GET", "fill:0"}, bulk("0123456789abcdef0123456789abcdef"));
  // Eviction keeps the writes going.
  t.expect({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}, ok());
  std::snprintf(key, sizeof key, "fill:%d", stored + 1000);
  t.expect({"SET", key, "evicts-something"}, ok());
  Reply info = t.run({"INFO", "stats"});
  t.check(info.str.find("evicted_keys:0\r\n") == std::string::npos, "INFO stats shows evicted keys");
  t.expect({"CONFIG", "SET", "maxmemory-policy", "noeviction"}, ok());
  t.expect({"FLUSHALL"}, ok());

  // No limit: allocation failures inside the arena itself.
  t.expect({"CONFIG", "SET", "maxmemory", "0"}, ok());
  const std::size_t failures_before = t.arena().failures();
  Reply failed;
  for (int i = 0; i < 100000; ++i) {
    std::snprintf(key, sizeof key, "fill:%d", i);
    failed = t.run({"SET", key, "0123456789abcdef0123456789abcdef"});
    if (failed.is_error()) break;
  }
  t.check(failed.is_error() && t.arena().failures() > failures_before,
          "filling the arena ends in an error reply: " + failed.to_string());
  t.check(t.arena().check(), "arena consistent when full");
  t.expect({"FLUSHALL"}, ok());
  t.expect({"PING"}, simple("PONG"));
  t.expect({"SET", "after", "recovery"}, ok());
  t.expect({"GET", "after"}, bulk("recovery"));
  t.end();
}

// The allocator alone: random allocations, frees and resizes against a shadow table.
bool test_arena() {
  static char memory[16 * 1024];
  Arena a(memory, sizeof memory);
  struct Block {
    char* p;
    std::size_t size;
  };
  Block blocks[64] = {};
  std::uint32_t rng = 12345;
  auto next = [&rng] {
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
  };
  bool ok = true;
  int ops = 0;
  for (; ops < 20000 && ok; ++ops) {
    Block& b = blocks[next() % 64];
    const std::size_t size = 1 + (next() % 4 == 0 ? next() % 2000 : next() % 100);
    if (b.p == nullptr) {
      b.p = static_cast<char*>(a.allocate(size));
      if (b.p != nullptr) {
        b.size = size;
        std::memset(b.p, static_cast<int>(size & 0xff), size);
      }
    } else if (next() % 2 == 0) {
      for (std::size_t i = 0; i < b.size; ++i) ok = ok && b.p[i] == static_cast<char>(b.size & 0xff);
      a.deallocate(b.p, b.size);
      b.p = nullptr;
    } else {
      char* q = static_cast<char*>(a.reallocate(b.p, b.size, size));
      if (q != nullptr) {
        const std::size_t kept = size < b.size ? size : b.size;
        for (std::size_t i = 0; i < kept; ++i) ok = ok && q[i] == static_cast<char>(b.size & 0xff);
        std::memset(q, static_cast<int>(size & 0xff), size);
        b.p = q;
        b.size = size;
      }
    }
    ok = ok && a.check();
  }
  for (Block& b : blocks) {
    if (b.p != nullptr) a.deallocate(b.p, b.size);
  }
  ok = ok && a.used() == 0 && a.check();
  // Everything freed: the free lists coalesce back into one block the size of the arena.
  void* whole = a.allocate(a.capacity());
  ok = ok && whole != nullptr && a.check();
  a.deallocate(whole, a.capacity());
  ok = ok && a.touched() == 0;
  if (ok) {
    firmware::print("PASS arena (%d operations, peak %u B)\n", ops, static_cast<unsigned>(a.peak()));
  } else {
    firmware::print("FAIL arena: inconsistent after %d operations\n", ops);
  }
  return ok;
}

}  // namespace

int run_selftest(Arena& arena) {
  firmware::print("microredis self-test on Cortex-M4 (arena %u B)\n", static_cast<unsigned>(arena.capacity()));
  const bool arena_ok = test_arena();
  microredis::ManualClock clock(1'700'000'000'000'000);
  microredis::EngineOptions options;
  options.clock = &clock;
  options.allocator = arena.hooks();
  options.seed = 42;
  int failed = 0;
  {
    microredis::Engine engine(options);
    firmware::print("engine constructed: %u B of the arena in use\n", static_cast<unsigned>(arena.used()));
    SelfTest t(arena, clock, engine);
    test_connection(t);
    test_strings(t);
    test_keys(t);
    test_expiry(t);
#if MICROREDIS_WITH_HASHES
    test_hashes(t);
#else
    expect_unknown(t, "hashes", {"HSET", "h", "f", "v"});
#endif
#if MICROREDIS_WITH_SETS
    test_sets(t);
#else
    expect_unknown(t, "sets", {"SADD", "s", "m"});
#endif
#if MICROREDIS_WITH_ZSETS
    test_zsets(t);
#else
    expect_unknown(t, "sorted sets", {"ZADD", "z", "1", "m"});
#endif
#if MICROREDIS_WITH_LISTS
    test_lists(t);
#else
    expect_unknown(t, "lists", {"LPUSH", "l", "x"});
#endif
#if MICROREDIS_WITH_BITMAPS
    test_bitmaps(t);
#else
    expect_unknown(t, "bitmaps", {"SETBIT", "b", "1", "1"});
#endif
#if MICROREDIS_WITH_HYPERLOGLOG
    test_hyperloglog(t);
#else
    expect_unknown(t, "hyperloglog", {"PFADD", "h", "x"});
#endif
#if MICROREDIS_WITH_TRANSACTIONS
    test_transactions(t);
#else
    expect_unknown(t, "transactions", {"MULTI"});
#endif
#if MICROREDIS_WITH_PUBSUB
    test_pubsub(t);
#else
    expect_unknown(t, "pubsub", {"PUBLISH", "c", "m"});
#endif
#if MICROREDIS_WITH_BLOCKING && (MICROREDIS_WITH_LISTS || MICROREDIS_WITH_ZSETS)
    test_blocking(t);
#else
    expect_unknown(t, "blocking", {"BLPOP", "l", "0"});
#endif
#if MICROREDIS_WITH_SORT
    test_sort(t);
#else
    expect_unknown(t, "sort", {"SORT", "k"});
#endif
#if MICROREDIS_WITH_TRACKING
    test_tracking(t);
#else
    expect_unknown(t, "tracking", {"CLIENT", "TRACKING", "ON"});
#endif
#if MICROREDIS_WITH_STREAMS
    test_streams(t);
#else
    expect_unknown(t, "streams", {"XADD", "st", "*", "f", "v"});
#endif
#if MICROREDIS_WITH_GEO && MICROREDIS_WITH_ZSETS
    test_geo(t);
#else
    expect_unknown(t, "geo", {"GEOADD", "g", "1", "1", "m"});
#endif
#if MICROREDIS_WITH_DUMP
    test_dump(t);
#else
    expect_unknown(t, "dump", {"DUMP", "k"});
#endif
    test_introspection(t);
    test_server(t);
#if MICROREDIS_WITH_DEBUG
    test_debug(t);
#else
    expect_unknown(t, "debug", {"DEBUG", "DIGEST"});
#endif
    test_memory_budget(t);
    failed = t.failed_groups() + (arena_ok ? 0 : 1);
    firmware::print("arena: %u B in use, peak %u B of %u B; stack peak %u B of %u B\n",
                static_cast<unsigned>(arena.used()), static_cast<unsigned>(arena.peak()),
                static_cast<unsigned>(arena.capacity()), static_cast<unsigned>(stack_high_water()),
                static_cast<unsigned>(stack_size()));
    firmware::print("%d passed, %d failed\n", t.groups() + 1 - failed, failed);
  }
  if (arena.used() != 0) {
    firmware::print("FAIL arena: %u B still in use after the engine was destroyed\n", static_cast<unsigned>(arena.used()));
    ++failed;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace firmware
