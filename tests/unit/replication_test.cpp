#include "harness.hpp"

#include <string>
#include <vector>

using namespace microredis;
using namespace mrtest;

namespace {

using Stream = std::vector<std::vector<std::string>>;

// A replica as Redis's test suite attaches one: SYNC, then the RDB payload is skipped.
Session* attach_replica(Harness& h, bool psync = false) {
  Session* r = h.engine.open_session();
  REQUIRE(r != nullptr);
  r->feed(psync ? multibulk({"PSYNC", "?", "-1"}) : std::string("SYNC\r\n"));
  std::string out = take_output(*r);
  if (psync) {
    REQUIRE(out.rfind("+FULLRESYNC ", 0) == 0);
    out.erase(0, out.find("\r\n") + 2);
  }
  REQUIRE(out.size() > 1);
  REQUIRE(out[0] == '$');
  const std::size_t eol = out.find("\r\n");
  const std::size_t len = std::stoul(out.substr(1, eol - 1));
  REQUIRE(out.size() == eol + 2 + len);
  CHECK(out.compare(eol + 2, 5, "REDIS") == 0);
  return r;
}

// The commands the replica received since the last call (first argument lower-cased).
Stream stream(Session& r) {
  Stream out;
  for (const Reply& cmd : drain(r)) {
    std::vector<std::string> args;
    for (const Reply& a : cmd.elements) args.push_back(a.str);
    if (!args.empty()) {
      for (char& ch : args[0]) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    out.push_back(args);
  }
  return out;
}

}  // namespace

TEST_SUITE("replication") {
  TEST_CASE("SYNC sends the dataset, then every write as commands, SELECT first") {
    Harness h;
    h.run({"SET", "before", "1"});
    Session* r = attach_replica(h);
    CHECK(h.run({"SET", "foo", "bar"}) == ok());
    CHECK(h.run({"GET", "foo"}) == bulk("bar"));
    CHECK(h.run({"SELECT", "3"}) == ok());
    CHECK(h.run({"LPUSH", "l", "a", "b"}) == integer(2));
    CHECK(stream(*r) == Stream{{"select", "0"}, {"set", "foo", "bar"}, {"select", "3"}, {"lpush", "l", "a", "b"}});
    // The replica's RDB carried the key written before.
    CHECK(h.run({"INFO", "replication"}).str.find("connected_slaves:1") != std::string::npos);
    h.engine.close_session(r);
    CHECK(h.run({"INFO", "replication"}).str.find("connected_slaves:0") != std::string::npos);
  }

  TEST_CASE("SYNC after pipelined commands whose replies are still pending is refused") {
    Harness h;
    Session* r = h.engine.open_session();
    r->feed("PING\r\nSYNC\r\n");
    CHECK(take_output(*r) == "+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n");
    CHECK(!r->replica());
    r->feed("SYNC\r\n");  // nothing pending now
    CHECK(r->replica());
    h.engine.close_session(r);
  }

  TEST_CASE("PSYNC answers FULLRESYNC with the replication id and offset") {
    Harness h;
    Session* r = attach_replica(h, true);
    h.run({"SET", "k", "v"});
    CHECK(stream(*r) == Stream{{"select", "0"}, {"set", "k", "v"}});
    const Reply role = h.run({"ROLE"});
    REQUIRE(role.elements.size() == 3);
    CHECK(role.elements[0] == bulk("master"));
    CHECK(role.elements[1].integer > 0);
    CHECK(role.elements[2].elements.size() == 1);
  }

  TEST_CASE("writes that change nothing are not propagated") {
    Harness h;
    Session* r = attach_replica(h);
    h.run({"DEL", "nothing"});
    h.run({"SREM", "s", "x"});
    h.run({"INCR", "n"});
    CHECK(stream(*r) == Stream{{"select", "0"}, {"incr", "n"}});
  }

  TEST_CASE("MULTI/EXEC: one write goes alone, several are wrapped, empty ones vanish") {
    Harness h;
    Session* r = attach_replica(h);
    SUBCASE("single write") {
      h.run({"MULTI"});
      h.run({"SET", "foo", "bar"});
      h.run({"GET", "foo"});
      h.run({"EXEC"});
      CHECK(stream(*r) == Stream{{"select", "0"}, {"set", "foo", "bar"}});
    }
    SUBCASE("several writes with SELECT inside") {
      h.run({"MULTI"});
      h.run({"SET", "a", "1"});
      h.run({"SELECT", "1"});
      h.run({"SET", "b", "2"});
      h.run({"EXEC"});
      CHECK(stream(*r) ==
            Stream{{"select", "0"}, {"multi"}, {"set", "a", "1"}, {"select", "1"}, {"set", "b", "2"}, {"exec"}});
    }
    SUBCASE("read-only and empty transactions") {
      h.run({"MULTI"});
      h.run({"GET", "x"});
      h.run({"EXEC"});
      h.run({"MULTI"});
      h.run({"EXEC"});
      h.run({"SET", "after", "1"});
      CHECK(stream(*r) == Stream{{"select", "0"}, {"set", "after", "1"}});
    }
  }

  TEST_CASE("expired keys propagate as DEL (UNLINK under lazyfree-lazy-expire)") {
    Harness h;
    h.run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
    h.run({"SET", "k", "v", "PXAT", std::to_string(h.clock.now_ms() + 100)});
    Session* r = attach_replica(h);
    h.clock.advance_ms(200);
    CHECK(h.run({"GET", "k"}) == nil());
    CHECK(stream(*r) == Stream{{"select", "0"}, {"del", "k"}});
    h.run({"CONFIG", "SET", "lazyfree-lazy-expire", "yes"});
    h.run({"SET", "k2", "v", "PXAT", std::to_string(h.clock.now_ms() + 100)});
    (void)stream(*r);
    h.clock.advance_ms(200);
    CHECK(h.run({"EXISTS", "k2"}) == integer(0));
    CHECK(stream(*r) == Stream{{"unlink", "k2"}});
  }

  TEST_CASE("min-replicas-to-write refuses writes, and EXEC of a transaction with one") {
    Harness h;
    h.run({"SET", "xx", "1"});
    h.run({"CONFIG", "SET", "min-replicas-to-write", "2"});
    CHECK(h.run({"SET", "a", "b"}) == error("NOREPLICAS Not enough good replicas to write."));
    CHECK(h.run({"GET", "xx"}) == bulk("1"));
    Session* other = h.engine.open_session();
    h.run({"CONFIG", "SET", "min-replicas-to-write", "0"});
    wire(*other, {"MULTI"});
    wire(*other, {"INCR", "xx"});
    h.run({"CONFIG", "SET", "min-replicas-to-write", "1"});
    CHECK(wire(*other, {"EXEC"}) ==
          "-EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.\r\n");
    Session* r = attach_replica(h);
    CHECK(h.run({"SET", "a", "b"}) == ok());
    h.clock.advance_ms(11'000);  // the replica's last ACK is now older than min-replicas-max-lag
    CHECK(h.run({"SET", "a", "b"}) == error("NOREPLICAS Not enough good replicas to write."));
    (void)stream(*r);
    r->feed(multibulk({"REPLCONF", "ACK", "0"}));
    CHECK(take_output(*r).empty());
    CHECK(h.run({"SET", "a", "b"}) == ok());
  }

  TEST_CASE("a replica may not touch the keyspace; CLIENT LIST shows it with flag S") {
    Harness h;
    Session* r = attach_replica(h);
    CHECK(wire(*r, {"GET", "k"}) == "-ERR Replica can't interact with the keyspace\r\n");
    CHECK(h.run({"CLIENT", "LIST"}).str.find("flags=S ") != std::string::npos);
  }

  TEST_CASE("REPLCONF options") {
    Harness h;
    CHECK(h.run({"REPLCONF", "listening-port", "6380", "capa", "eof", "capa", "psync2"}) == ok());
    CHECK(h.run({"REPLCONF", "listening-port"}) == error(Status::syntax));
    CHECK(h.run({"REPLCONF", "bogus", "1"}) == error("ERR Unrecognized REPLCONF option: bogus"));
  }

  TEST_CASE("the replication stream pings every repl-ping-replica-period seconds") {
    Harness h;
    Session* r = attach_replica(h);
    h.clock.advance_ms(10'000);
    h.engine.tick();
    CHECK(stream(*r) == Stream{{"ping"}});
    h.run({"CONFIG", "SET", "repl-ping-replica-period", "3600"});
    h.clock.advance_ms(10'000);
    h.engine.tick();
    CHECK(stream(*r).empty());
  }
}

TEST_SUITE("replication") {
  TEST_CASE("streams propagate the generated ID, exact trims, and XREADGROUP as XCLAIM") {
    Harness h;
    Session* r = attach_replica(h);
    const Reply id = h.run({"XADD", "s", "MAXLEN", "~", "10", "*", "f", "v"});
    CHECK(stream(*r) == Stream{{"select", "0"}, {"xadd", "s", "MAXLEN", "=", "1", id.str, "f", "v"}});
    h.run({"XGROUP", "CREATE", "s", "g", "0"});
    (void)stream(*r);
    h.run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    const std::string now = std::to_string(h.clock.now_ms());
    CHECK(stream(*r) == Stream{{"xclaim", "s", "g", "alice", "0", id.str, "TIME", now, "RETRYCOUNT", "1", "FORCE",
                                "JUSTID", "LASTID", id.str}});
    h.run({"XADD", "s", "*", "f", "w"});
    (void)stream(*r);
    h.run({"XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"});
    const Stream noack = stream(*r);
    REQUIRE(noack.size() == 4);
    CHECK(noack[0] == std::vector<std::string>{"multi"});
    CHECK(noack[1] == std::vector<std::string>{"xgroup", "CREATECONSUMER", "s", "g", "bob"});
    CHECK(noack[2][0] == "xgroup");
    CHECK(noack[2][1] == "SETID");
    CHECK(noack[3] == std::vector<std::string>{"exec"});
  }

  TEST_CASE("appendonly through a memory sink: DEBUG LOADAOF replays base and commands") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "appendonly", "yes"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'appendonly') - persistence is not supported by "
                "microredis"));
    MemoryAof aof(h.engine.memory());
    const AofSink sink = aof.sink();
    h.engine.set_aof_sink(&sink);
    h.run({"SET", "base", "1"});
    CHECK(h.run({"CONFIG", "SET", "appendonly", "yes"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "appendonly"}) == bulks({"appendonly", "yes"}));
    CHECK(aof.base().substr(0, 5) == "REDIS");
    h.run({"SELECT", "2"});
    h.run({"RPUSH", "l", "a", "b"});
    h.run({"XADD", "s", "*", "f", "v"});
    CHECK(aof.incremental().find("SELECT") != std::string_view::npos);
    h.run({"FLUSHALL"});
    h.run({"SET", "after", "x"});
    CHECK(h.run({"DEBUG", "LOADAOF"}) == ok());
    CHECK(h.run({"DEBUG", "LOADAOF"}) == ok());  // DEBUG itself never reaches the AOF
    CHECK(aof.incremental().find("LOADAOF") == std::string_view::npos);
    CHECK(h.run({"GET", "after"}) == bulk("x"));
    CHECK(h.run({"EXISTS", "l", "s"}) == integer(0));  // the FLUSHALL replayed too
    h.run({"SELECT", "0"});
    CHECK(h.run({"GET", "base"}) == nil());
    CHECK(h.run({"BGREWRITEAOF"}) == simple("Background append only file rewriting started"));
    CHECK(aof.incremental().empty());
    h.run({"SET", "k", "v"});
    CHECK(h.run({"DEBUG", "LOADAOF"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("v"));
    // With appendonly off, BGREWRITEAOF still writes a base, and DEBUG LOADAOF loads it (Redis's
    // loadAppendOnlyFiles reads whatever AOF is on disk).
    CHECK(h.run({"CONFIG", "SET", "appendonly", "no"}) == ok());
    CHECK(h.run({"BGREWRITEAOF"}) == simple("Background append only file rewriting started"));
    h.run({"SET", "k", "changed"});
    h.run({"SET", "later", "1"});
    CHECK(aof.incremental().empty());
    CHECK(h.run({"DEBUG", "LOADAOF"}) == ok());
    CHECK(h.run({"GET", "k"}) == bulk("v"));
    CHECK(h.run({"EXISTS", "later"}) == integer(0));
    h.engine.set_aof_sink(nullptr);
    CHECK(h.run({"CONFIG", "GET", "appendonly"}) == bulks({"appendonly", "no"}));
    CHECK(h.run({"DEBUG", "LOADAOF"}) == error("ERR DEBUG LOADAOF is not supported: microredis has no persistence"));
  }
}

TEST_SUITE("replication") {
  TEST_CASE("relative times propagate as absolute ones; GETDEL/GETEX/GETSET/INCRBYFLOAT as their effect") {
    Harness h;
    Session* r = attach_replica(h);
    const std::int64_t now = h.clock.now_ms();
    const std::string at100s = std::to_string(now + 100'000);
    h.run({"SET", "k", "v", "EX", "100"});
    h.run({"SETEX", "k", "100", "v"});
    h.run({"PSETEX", "k", "100000", "v"});
    h.run({"SET", "k", "v", "GET", "PX", "100000"});
    h.run({"EXPIRE", "k", "200", "GT"});
    h.run({"PEXPIRE", "k", "100000"});
    h.run({"EXPIREAT", "k", "1"});
    CHECK(stream(*r) == Stream{{"select", "0"},
                               {"set", "k", "v", "PXAT", at100s},
                               {"set", "k", "v", "PXAT", at100s},
                               {"set", "k", "v", "PXAT", at100s},
                               {"set", "k", "v", "PXAT", at100s},
                               {"pexpireat", "k", std::to_string(now + 200'000), "GT"},
                               {"pexpireat", "k", at100s},
                               {"del", "k"}});
    h.run({"SET", "k", "v"});
    h.run({"GETEX", "k"});
    h.run({"GETEX", "k", "EX", "100"});
    h.run({"GETEX", "k", "PERSIST"});
    h.run({"GETEX", "k", "EXAT", "1"});
    h.run({"SET", "k", "v"});
    h.run({"GETSET", "k", "w"});
    h.run({"GETDEL", "k"});
    h.run({"INCRBYFLOAT", "f", "1.5"});
    CHECK(stream(*r) == Stream{{"set", "k", "v"},
                               {"pexpireat", "k", at100s},
                               {"persist", "k"},
                               {"del", "k"},
                               {"set", "k", "v"},
                               {"set", "k", "w"},
                               {"del", "k"},
                               {"set", "f", "1.5", "KEEPTTL"}});
    const Reply dump = h.run({"DUMP", "f"});
    h.run({"RESTORE", "g", "100000", dump.str});
    CHECK(stream(*r) == Stream{{"restore", "g", at100s, dump.str, "ABSTTL"}});
  }
}

TEST_SUITE("replication") {
  TEST_CASE("pops propagate as what they did: blocking and multi-key pops, SPOP, HINCRBYFLOAT") {
    Harness h;
    Session* r = attach_replica(h);
    h.run({"RPUSH", "l", "a", "b", "c", "d"});
    h.run({"BLPOP", "l", "0"});
    h.run({"LMPOP", "1", "l", "RIGHT", "COUNT", "10"});
    h.run({"RPUSH", "l", "x"});
    h.run({"BLMOVE", "l", "m", "LEFT", "RIGHT", "0"});
    h.run({"BRPOPLPUSH", "m", "l", "0"});
    CHECK(stream(*r) == Stream{{"select", "0"},
                               {"rpush", "l", "a", "b", "c", "d"},
                               {"lpop", "l"},
                               {"rpop", "l", "3"},
                               {"rpush", "l", "x"},
                               {"lmove", "l", "m", "LEFT", "RIGHT"},
                               {"rpoplpush", "m", "l"}});
    // A waiter served by a push: the push, then the pop it came to.
    Session* waiter = h.engine.open_session();
    waiter->feed(multibulk({"BLMPOP", "0", "1", "q", "LEFT", "COUNT", "5"}));
    h.run({"LPUSH", "q", "1", "2"});
    CHECK(stream(*r) == Stream{{"lpush", "q", "1", "2"}, {"lpop", "q", "2"}});
    h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
    h.run({"BZPOPMIN", "z", "0"});
    h.run({"ZMPOP", "1", "z", "MAX", "COUNT", "5"});
    CHECK(stream(*r) == Stream{{"zadd", "z", "1", "a", "2", "b", "3", "c"}, {"zpopmin", "z"}, {"zpopmax", "z", "2"}});
    h.run({"SADD", "s", "only"});
    h.run({"SPOP", "s"});
    h.run({"SADD", "s", "a", "b", "c"});
    h.run({"SPOP", "s", "10"});
    CHECK(stream(*r) == Stream{{"sadd", "s", "only"}, {"srem", "s", "only"}, {"sadd", "s", "a", "b", "c"}, {"del", "s"}});
    h.run({"SADD", "s", "a", "b", "c"});
    (void)stream(*r);
    h.run({"SPOP", "s", "2"});
    const Stream popped = stream(*r);
    REQUIRE(popped.size() == 4);
    CHECK(popped[0] == std::vector<std::string>{"multi"});
    CHECK(popped[1][0] == "srem");
    CHECK(popped[2][0] == "srem");
    CHECK(popped[3] == std::vector<std::string>{"exec"});
    h.run({"HINCRBYFLOAT", "h", "f", "2.5"});
    CHECK(stream(*r) == Stream{{"hset", "h", "f", "2.5"}});
  }
}

TEST_SUITE("replication") {
  TEST_CASE("XCLAIM and XAUTOCLAIM propagate one XCLAIM per entry, LASTID alone as XGROUP SETID") {
    Harness h;
    h.run({"XADD", "s", "1-0", "f", "v"});
    h.run({"XGROUP", "CREATE", "s", "g", "0"});
    h.run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    Session* r = attach_replica(h);
    const std::string now = std::to_string(h.clock.now_ms());
    h.run({"XCLAIM", "s", "g", "bob", "0", "1"});
    CHECK(stream(*r) == Stream{{"select", "0"},
                               {"xclaim", "s", "g", "bob", "0", "1", "TIME", now, "RETRYCOUNT", "2", "FORCE", "JUSTID",
                                "LASTID", "1-0"}});
    h.run({"XAUTOCLAIM", "s", "g", "carol", "0", "0", "JUSTID"});
    CHECK(stream(*r) == Stream{{"xclaim", "s", "g", "carol", "0", "1-0", "TIME", now, "RETRYCOUNT", "2", "FORCE",
                                "JUSTID", "LASTID", "1-0"}});
    h.run({"XCLAIM", "s", "g", "bob", "0", "9-9", "LASTID", "5-0"});
    CHECK(stream(*r) == Stream{{"xgroup", "SETID", "s", "g", "5-0", "ENTRIESREAD", "1"}});
  }
}

TEST_SUITE("replication") {
  TEST_CASE("lazy expiry: wrapped with the command it happened in, but never for SCAN and RANDOMKEY") {
    Harness h;
    h.run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
    const std::string soon = std::to_string(h.clock.now_ms() + 1);
    h.run({"SET", "foo1", "bar", "PXAT", soon});
    h.run({"SET", "foo2", "bar", "PXAT", soon});
    h.run({"SET", "foo3", "bar", "PXAT", soon});
    h.clock.advance_ms(10);
    Session* r = attach_replica(h);
    h.run({"SCAN", "0"});
    Stream s = stream(*r);
    REQUIRE(s.size() == 4);
    CHECK(s[0] == std::vector<std::string>{"select", "0"});
    for (std::size_t i = 1; i < 4; ++i) CHECK(s[i][0] == "del");
    h.run({"SET", "k", "v", "PXAT", std::to_string(h.clock.now_ms() + 1)});
    h.clock.advance_ms(10);
    (void)stream(*r);
    h.run({"MULTI"});
    h.run({"GET", "k"});
    h.run({"SET", "x", "1"});
    h.run({"EXEC"});
    CHECK(stream(*r) == Stream{{"multi"}, {"del", "k"}, {"set", "x", "1"}, {"exec"}});
  }
}
