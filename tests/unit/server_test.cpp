#include <string>

#include "harness.hpp"
#include "microredis/store/string.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

// The raw reply bytes of one command run on a fresh session speaking `proto`.
std::string raw_reply(Harness& h, int proto, std::initializer_list<std::string_view> args) {
  Session* s = h.engine.open_session();
  s->set_protocol(proto);
  s->feed(multibulk(args));
  std::string out = take_output(*s);
  h.engine.close_session(s);
  return out;
}

const std::string kZeroDigest(40, '0');

void put_string(Harness& h, std::string_view key, std::string_view value, std::int64_t expire_ms = -1) {
  microredis::Entry::Layout layout;
  REQUIRE(microredis::make_string(h.engine.memory(), value, layout));
  REQUIRE(h.engine.db(0).put(key, layout, expire_ms) != nullptr);
}

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("TIME reads the engine clock") {
    Harness h;
    CHECK(h.run({"TIME"}) == bulks({"1700000000", "0"}));
    h.clock.advance_us(1'234'567);
    CHECK(h.run({"TIME"}) == bulks({"1700000001", "234567"}));
    CHECK(h.run({"TIME", "x"}) == error("ERR wrong number of arguments for 'time' command"));
  }

  TEST_CASE("LASTSAVE: nothing was ever saved") {
    Harness h;
    CHECK(h.run({"LASTSAVE"}) == integer(0));
    CHECK(h.run({"LASTSAVE", "x"}) == error("ERR wrong number of arguments for 'lastsave' command"));
  }

  TEST_CASE("DEBUG HELP, arity and unknown subcommands") {
    Harness h;
    Reply help = h.run({"DEBUG", "HELP"});
    REQUIRE(help.type == Reply::Type::array);
    CHECK(help[0] == simple("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    CHECK(help[help.size() - 1] == simple("    Prints this help."));
    CHECK(h.run({"DEBUG"}) == error("ERR wrong number of arguments for 'debug' command"));
    CHECK(h.run({"DEBUG", "foo"}) == error("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."));
    CHECK(h.run({"DEBUG", "sleep"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP."));
    CHECK(h.run({"DEBUG", "digest", "x"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'digest'. Try DEBUG HELP."));
    CHECK(h.run({"DEBUG", "populate"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'populate'. Try DEBUG HELP."));
    // Crash helpers are not there.
    CHECK(h.run({"DEBUG", "segfault"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'segfault'. Try DEBUG HELP."));
  }

  TEST_CASE("DEBUG SLEEP blocks the session until tick() passes the deadline") {
    Harness h;
    CHECK(h.run({"DEBUG", "SLEEP", "0"}) == ok());
    CHECK(h.run({"DEBUG", "SLEEP", "abc"}) == ok());  // read as strtod reads it: 0
    Session* s = h.engine.open_session();
    s->feed(multibulk({"DEBUG", "SLEEP", "1.5"}) + multibulk({"PING"}));
    CHECK(take_output(*s).empty());
    CHECK(s->blocked());
    CHECK(!s->want_read());
    std::string list = h.run({"CLIENT", "LIST", "ID", std::to_string(s->id())}).str;
    CHECK(list.find(" flags=b ") != std::string::npos);
    std::int64_t next = h.engine.tick();
    CHECK(next <= h.clock.now_us() + 1'500'000);
    h.clock.advance_ms(1499);
    (void)h.engine.tick();
    CHECK(take_output(*s).empty());
    h.clock.advance_ms(1);
    (void)h.engine.tick();
    // The sleep's reply, then the command that waited behind it.
    CHECK(take_output(*s) == "+OK\r\n+PONG\r\n");
    CHECK(!s->blocked());
    h.engine.close_session(s);
  }

  TEST_CASE("DEBUG SET-ACTIVE-EXPIRE") {
    Harness h;
    CHECK(h.engine.settings().active_expire_enabled);
    CHECK(h.run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}) == ok());
    CHECK(!h.engine.settings().active_expire_enabled);
    CHECK(h.run({"DEBUG", "set-active-expire", "1"}) == ok());
    CHECK(h.engine.settings().active_expire_enabled);
    CHECK(h.run({"DEBUG", "SET-ACTIVE-EXPIRE", "x"}) == ok());  // atoi("x") == 0
    CHECK(!h.engine.settings().active_expire_enabled);
  }

  TEST_CASE("DEBUG PAUSE-CRON stops tick()'s periodic work") {
    Harness h;
    CHECK(h.run({"SET", "k", "v", "PX", "10"}) == ok());
    CHECK(h.run({"DEBUG", "PAUSE-CRON", "1"}) == ok());
    h.clock.advance_ms(20);
    h.engine.tick();
    CHECK(h.run({"DBSIZE"}) == integer(1));  // no active expiry
    CHECK(h.run({"DEBUG", "PAUSE-CRON", "0"}) == ok());
    h.engine.tick();
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(h.run({"DEBUG", "PAUSE-CRON"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'PAUSE-CRON'. Try DEBUG HELP."));
  }

  TEST_CASE("volatile eviction policies find the keys with a TTL in any database") {
    // Redis draws volatile-* candidates from its expires dict: one volatile key among many others,
    // in a database other than 0, is always found.
    Harness h;
    CHECK(h.run({"SELECT", "9"}) == ok());
    for (int i = 0; i < 300; ++i) CHECK(h.run({"SET", "key:" + std::to_string(i), std::string(64, 'x')}) == ok());
    CHECK(h.run({"SET", "volatile", "x", "EX", "1000"}) == ok());
    CHECK(h.run({"CONFIG", "SET", "maxmemory-policy", "volatile-random"}) == ok());
    CHECK(h.run({"CONFIG", "SET", "maxmemory", std::to_string(h.engine.memory().used() - 1)}) == ok());
    CHECK(h.run({"EXISTS", "volatile"}) == integer(0));
    CHECK(h.run({"DBSIZE"}) == integer(300));
    CHECK(h.run({"INFO", "stats"}).str.find("evicted_keys:1\r\n") != std::string::npos);
    // Nothing else may go: commands that grow memory are refused.
    CHECK(h.run({"SET", "more", "x"}) == error("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.run({"GET", "key:1"}) == bulk(std::string(64, 'x')));
  }

  TEST_CASE("DEBUG OBJECT") {
    Harness h;
    CHECK(h.run({"DEBUG", "OBJECT", "nokey"}) == error("ERR no such key"));
    put_string(h, "foo", "bar");
    put_string(h, "n", "12345");
    put_string(h, "big", "123456789012");
    put_string(h, "long", std::string(100, 'a'));
    put_string(h, "five", "5");
    Reply r = h.run({"DEBUG", "OBJECT", "foo"});
    REQUIRE(r.type == Reply::Type::simple);
    CHECK(r.str.rfind("Value at:0x", 0) == 0);
    std::string tail = r.str.substr(r.str.find(" refcount"));
    std::string lru = std::to_string((h.clock.now_ms() / 1000) & ((1 << 24) - 1));
    CHECK(tail == " refcount:1 encoding:embstr serializedlength:4 lru:" + lru + " lru_seconds_idle:0");
    auto tail_of = [&](std::string_view key) {
      std::string s = h.run({"DEBUG", "OBJECT", key}).str;
      return s.substr(s.find(" refcount"));
    };
    // As Redis's rdbSavedObjectLen, LZF compression included (Redis's compressor finds other
    // matches in the 100 a's and says 13).
    CHECK(tail_of("n").find("encoding:int serializedlength:3 ") != std::string::npos);
    CHECK(tail_of("big").find("encoding:int serializedlength:13 ") != std::string::npos);
    CHECK(tail_of("long").find("encoding:raw serializedlength:9 ") != std::string::npos);
    // Small integers read as Redis's shared objects, as OBJECT REFCOUNT shows them.
    CHECK(tail_of("five").rfind(" refcount:2147483647 encoding:int serializedlength:2 ", 0) == 0);
    CHECK(tail_of("n").rfind(" refcount:1 ", 0) == 0);
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru"}) == ok());
    CHECK(tail_of("five").rfind(" refcount:1 ", 0) == 0);
    h.clock.advance_ms(10'000);
    CHECK(tail_of("foo").find(" lru_seconds_idle:10") != std::string::npos);
  }

  TEST_CASE("DEBUG DIGEST and DIGEST-VALUE match Redis") {
    Harness h;
    CHECK(h.run({"DEBUG", "DIGEST"}) == simple(kZeroDigest));
    // Values computed by redis-server 7.0.15 for the same data.
    put_string(h, "foo", "bar");
    put_string(h, "n", "12345");
    put_string(h, "big", "123456789012");
    put_string(h, "long", std::string(58, 'a'));
    put_string(h, "e", "v", h.clock.now_ms() + 100'000);
    CHECK(h.run({"DEBUG", "DIGEST-VALUE", "foo", "n", "big", "long", "e", "nokey"}) ==
          array({simple("68467c70ae30376e7ce005bcc8827f5ba7fd67dc"), simple("e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"),
                 simple("116773326adc5913f9494119af445137dfd552e7"), simple("280797398d2be86ad912280ca5c874c0315053dc"),
                 simple("311b17018163335616e089f6b951c82c477335ac"), simple(kZeroDigest)}));
    CHECK(h.run({"DEBUG", "DIGEST-VALUE"}) == array({}));

    Harness p;
    CHECK(p.run({"DEBUG", "POPULATE", "10"}) == ok());
    CHECK(p.run({"DEBUG", "POPULATE", "3", "big", "100"}) == ok());
    CHECK(p.run({"DEBUG", "DIGEST"}) == simple("6f6869f327c17b4e1f4047e48b8123fbcdfcb57e"));
    CHECK(p.run({"DEBUG", "DIGEST-VALUE", "key:1", "big:2"}) ==
          array({simple("ec4b7bec343ec862c8bd5dd8feab05ec1e9e6703"), simple("0f9ce47fe75381c7fef0f6bb86348c83dad0dc0c")}));
    // The database number is part of the dataset digest.
    Harness q;
    CHECK(q.run({"SELECT", "1"}) == ok());
    CHECK(q.run({"DEBUG", "POPULATE", "10"}) == ok());
    CHECK(q.run({"DEBUG", "POPULATE", "3", "big", "100"}) == ok());
    CHECK(q.run({"DEBUG", "DIGEST"}) != simple("6f6869f327c17b4e1f4047e48b8123fbcdfcb57e"));
    CHECK(q.run({"DEBUG", "DIGEST-VALUE", "key:1"}) == array({simple("ec4b7bec343ec862c8bd5dd8feab05ec1e9e6703")}));
  }

  TEST_CASE("DEBUG POPULATE") {
    Harness h;
    CHECK(h.run({"DEBUG", "POPULATE", "-1"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"DEBUG", "POPULATE", "abc"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"DEBUG", "POPULATE", "2", "p", "-5"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"DEBUG", "POPULATE", "0"}) == ok());
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(h.run({"DEBUG", "POPULATE", "5"}) == ok());
    CHECK(h.run({"DBSIZE"}) == integer(5));
    CHECK(h.run({"DEBUG", "POPULATE", "7"}) == ok());  // existing keys are left alone
    CHECK(h.run({"DBSIZE"}) == integer(7));
    CHECK(h.run({"DEBUG", "POPULATE", "2", "p", "20"}) == ok());
    const microredis::Entry* e = h.engine.db(0).find_raw("p:1");
    REQUIRE(e != nullptr);
    microredis::IntText buf;
    CHECK(microredis::string_of(*e, buf) == std::string("value:1") + std::string(13, '\0'));
    e = h.engine.db(0).find_raw("key:3");
    REQUIRE(e != nullptr);
    CHECK(microredis::string_of(*e, buf) == "value:3");
    CHECK(h.run({"DEBUG", "POPULATE", "1", "q", "3"}) == ok());
    CHECK(microredis::string_of(*h.engine.db(0).find_raw("q:0"), buf) == "val");
    CHECK(h.run({"DEBUG", "POPULATE", "1", "a", "2", "x"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP."));
  }

  TEST_CASE("DEBUG PROTOCOL") {
    Harness h;
    struct Case {
      const char* type;
      const char* resp2;
      const char* resp3;
    } cases[] = {
        {"string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"},
        {"integer", ":12345\r\n", ":12345\r\n"},
        {"double", "$5\r\n3.141\r\n", ",3.141\r\n"},
        {"bignum", "$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"},
        {"null", "$-1\r\n", "_\r\n"},
        {"array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"},
        {"set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"},
        {"map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
        {"attrib", "$39\r\nSome real reply following the attribute\r\n",
         "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n"},
        {"push", "-ERR RESP2 is not supported by this command\r\n",
         ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n"},
        {"true", ":1\r\n", "#t\r\n"},
        {"false", ":0\r\n", "#f\r\n"},
        {"verbatim", "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"},
    };
    for (const Case& c : cases) {
      CHECK_MESSAGE(raw_reply(h, 2, {"DEBUG", "PROTOCOL", c.type}) == c.resp2, c.type);
      CHECK_MESSAGE(raw_reply(h, 3, {"DEBUG", "PROTOCOL", c.type}) == c.resp3, c.type);
    }
    CHECK(h.run({"DEBUG", "PROTOCOL", "foo"}) ==
          error("ERR Wrong protocol type name. Please use one of the following: "
                "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"));
  }

  TEST_CASE("DEBUG ERROR") {
    Harness h;
    CHECK(h.run({"DEBUG", "ERROR", "MYERR something bad"}) == error("MYERR something bad"));
    CHECK(raw_reply(h, 2, {"DEBUG", "ERROR", "a\r\nb"}) == "-a  b\r\n");
  }

  TEST_CASE("DEBUG LOADAOF: no persistence") {
    Harness h;
    // DEBUG RELOAD is tested with the RDB codec, in the dump suite.
    CHECK(h.run({"DEBUG", "RELOAD", "foo"}) == error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."));
    CHECK(h.run({"DEBUG", "LOADAOF"}) == error("ERR DEBUG LOADAOF is not supported: microredis has no persistence"));
  }
}
