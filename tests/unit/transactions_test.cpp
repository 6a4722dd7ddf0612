#include "harness.hpp"

using namespace mrtest;
using microredis::Session;

namespace {
Reply queued() { return simple("QUEUED"); }
}  // namespace

TEST_SUITE("transactions") {
  TEST_CASE("MULTI queues and EXEC runs in order") {
    Harness h;
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "a", "1"}) == queued());
    CHECK(h.run({"INCR", "a"}) == queued());
    CHECK(h.run({"GET", "a"}) == queued());
    CHECK(h.run({"GET", "b"}) == queued());
    CHECK(h.run({"EXEC"}) == array({ok(), integer(2), bulk("2"), nil()}));
    CHECK(h.run({"GET", "a"}) == bulk("2"));
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == array({}));
  }

  TEST_CASE("errors around MULTI") {
    Harness h;
    CHECK(h.run({"EXEC"}) == error("ERR EXEC without MULTI"));
    CHECK(h.run({"DISCARD"}) == error("ERR DISCARD without MULTI"));
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"MULTI"}) == error("ERR MULTI calls can not be nested"));
    CHECK(h.run({"WATCH", "x"}) == error("ERR WATCH inside MULTI is not allowed"));
    // Neither error aborts the transaction.
    CHECK(h.run({"SET", "x", "1"}) == queued());
    CHECK(h.run({"EXEC"}) == array({ok()}));
  }

  TEST_CASE("a queueing error aborts EXEC; a runtime error does not roll back") {
    Harness h;
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "k", "v"}) == queued());
    CHECK(h.run({"NOSUCHCMD"}) == error("ERR unknown command 'NOSUCHCMD', with args beginning with: "));
    CHECK(h.run({"GET"}) == error("ERR wrong number of arguments for 'get' command"));
    CHECK(h.run({"EXEC"}) == error("EXECABORT Transaction discarded because of previous errors."));
    CHECK(h.run({"GET", "k"}) == nil());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "s", "text"}) == queued());
    CHECK(h.run({"INCR", "s"}) == queued());
    CHECK(h.run({"SET", "t", "1"}) == queued());
    CHECK(h.run({"EXEC"}) == array({ok(), error("ERR value is not an integer or out of range"), ok()}));
    CHECK(h.run({"GET", "t"}) == bulk("1"));
  }

  TEST_CASE("EXEC refused before running is wrapped in EXECABORT") {
    Harness h;
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "k", "v"}) == queued());
    CHECK(h.run({"EXEC", "extra"}) ==
          error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"));
    CHECK(h.run({"EXEC"}) == error("ERR EXEC without MULTI"));
    CHECK(h.run({"GET", "k"}) == nil());
  }

  TEST_CASE("DISCARD drops the queue and the watches") {
    Harness h;
    Session* other = h.engine.open_session();
    CHECK(h.run({"WATCH", "w"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "k", "v"}) == queued());
    CHECK(h.run({"DISCARD"}) == ok());
    CHECK(h.run({"GET", "k"}) == nil());
    CHECK(other->execute({"SET", "w", "x"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == array({}));  // no longer watching w
    h.engine.close_session(other);
  }

  TEST_CASE("WATCH fails EXEC when another session writes the key") {
    Harness h;
    Session* other = h.engine.open_session();
    CHECK(h.run({"SET", "balance", "10"}) == ok());
    CHECK(h.run({"WATCH", "balance"}) == ok());
    CHECK(other->execute({"INCR", "balance"}) == integer(11));
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "balance", "0"}) == queued());
    CHECK(h.run({"EXEC"}) == nil());
    CHECK(h.run({"GET", "balance"}) == bulk("11"));
    SUBCASE("RESP3 null") {
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"WATCH", "balance"}) == ok());
      CHECK(other->execute({"DEL", "balance"}) == integer(1));
      CHECK(h.run({"MULTI"}) == ok());
      CHECK(h.run({"EXEC"}) == nil());
    }
    h.engine.close_session(other);
  }

  TEST_CASE("WATCH passes when nothing changed, and own writes before MULTI count") {
    Harness h;
    CHECK(h.run({"WATCH", "a", "b"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SET", "a", "1"}) == queued());
    CHECK(h.run({"EXEC"}) == array({ok()}));
    // The session's own write between WATCH and MULTI also fails EXEC, as in Redis.
    CHECK(h.run({"WATCH", "a"}) == ok());
    CHECK(h.run({"SET", "a", "2"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == nil());
    CHECK(h.run({"UNWATCH"}) == ok());
  }

  TEST_CASE("UNWATCH forgets the keys") {
    Harness h;
    Session* other = h.engine.open_session();
    CHECK(h.run({"WATCH", "k"}) == ok());
    CHECK(h.run({"UNWATCH"}) == ok());
    CHECK(other->execute({"SET", "k", "v"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == array({}));
    h.engine.close_session(other);
  }

  TEST_CASE("a watched key that expires fails EXEC; one already expired at WATCH does not") {
    Harness h;
    CHECK(h.run({"SET", "k", "v", "PX", "100"}) == ok());
    CHECK(h.run({"WATCH", "k"}) == ok());
    h.clock.advance_ms(200);  // logically expired, not yet deleted
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == nil());

    CHECK(h.run({"SET", "stale", "v", "PX", "1"}) == ok());
    h.clock.advance_ms(10);
    CHECK(h.run({"WATCH", "stale"}) == ok());
    CHECK(h.run({"DEL", "stale"}) == integer(0));  // lazily deleted: no logical change
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"PING"}) == queued());
    CHECK(h.run({"EXEC"}) == array({simple("PONG")}));
  }

  TEST_CASE("FLUSHALL, FLUSHDB and SWAPDB touch watched keys that exist") {
    Harness h;
    CHECK(h.run({"SET", "x", "1"}) == ok());
    CHECK(h.run({"WATCH", "x"}) == ok());
    CHECK(h.run({"FLUSHALL"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == nil());

    CHECK(h.run({"WATCH", "missing"}) == ok());
    CHECK(h.run({"FLUSHDB"}) == ok());  // the key did not exist: nothing changed for it
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == array({}));

    CHECK(h.run({"SELECT", "1"}) == ok());
    CHECK(h.run({"SET", "y", "1"}) == ok());
    CHECK(h.run({"SELECT", "0"}) == ok());
    CHECK(h.run({"WATCH", "y"}) == ok());
    CHECK(h.run({"SWAPDB", "0", "1"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"EXEC"}) == nil());
  }

  TEST_CASE("SELECT inside MULTI applies to the following queued commands") {
    Harness h;
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"SELECT", "2"}) == queued());
    CHECK(h.run({"SET", "k", "in2"}) == queued());
    CHECK(h.run({"EXEC"}) == array({ok(), ok()}));
    CHECK(h.run({"GET", "k"}) == bulk("in2"));
    CHECK(h.run({"SELECT", "0"}) == ok());
    CHECK(h.run({"GET", "k"}) == nil());
  }

  TEST_CASE("closing a session in MULTI with watches releases everything") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    const std::size_t baseline = h.engine.memory().used();
    Session* s = h.engine.open_session();
    CHECK(s->execute({"WATCH", "a", "b", "c"}) == ok());
    CHECK(s->execute({"MULTI"}) == ok());
    CHECK(s->execute({"SET", "a", std::string(1000, 'x')}) == queued());
    h.engine.close_session(s);
    CHECK(h.engine.memory().used() == baseline);
    CHECK(h.run({"SET", "a", "1"}) == ok());  // touching a key nobody watches any more
  }

  TEST_CASE("commands queued under maxmemory pressure are refused") {
    Harness h;
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "1"}) == ok());
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"GET", "k"}) == error("OOM command not allowed when used memory > 'maxmemory'."));
    CHECK(h.run({"EXEC"}) == error("EXECABORT Transaction discarded because of previous errors."));
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "0"}) == ok());
  }
}
