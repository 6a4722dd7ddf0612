#include "harness.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

}  // namespace

TEST_SUITE("blocking") {
  TEST_CASE("BLPOP serves at once when a list has elements") {
    Harness h;
    CHECK(h.run({"RPUSH", "b", "x", "y"}) == integer(2));
    CHECK(h.run({"BLPOP", "a", "b", "0"}) == bulks({"b", "x"}));
    CHECK(h.run({"BRPOP", "b", "0"}) == bulks({"b", "y"}));
    CHECK(h.run({"EXISTS", "b"}) == integer(0));
    CHECK(h.run({"BLPOP", "a", "-1"}) == error("ERR timeout is negative"));
    CHECK(h.run({"BLPOP", "a", "x"}) == error("ERR timeout is not a float or out of range"));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"BLPOP", "s", "0"}) == error(Status::wrong_type));
  }

  TEST_CASE("a blocked client is served by a push from another session, first come first served") {
    Harness h;
    Session* first = h.engine.open_session();
    Session* second = h.engine.open_session();
    first->feed(multibulk({"BLPOP", "q", "0"}));
    second->feed(multibulk({"BLPOP", "q", "0"}));
    CHECK(first->blocked());
    CHECK(second->blocked());
    CHECK(h.run({"CLIENT", "LIST"}).str.find("flags=b") != std::string::npos);
    CHECK(h.run({"RPUSH", "q", "one"}) == integer(1));
    CHECK(drain(*first) == std::vector<Reply>{bulks({"q", "one"})});
    CHECK(!first->blocked());
    CHECK(second->blocked());
    CHECK(h.run({"RPUSH", "q", "two", "three"}) == integer(2));
    CHECK(drain(*second) == std::vector<Reply>{bulks({"q", "two"})});
    CHECK(h.run({"LRANGE", "q", "0", "-1"}) == bulks({"three"}));
    h.engine.close_session(first);
    h.engine.close_session(second);
  }

  TEST_CASE("timeouts follow the clock, with sub-second precision") {
    Harness h;
    Session* s = h.engine.open_session();
    s->feed(multibulk({"BLPOP", "q", "0.25"}));
    CHECK(s->blocked());
    h.clock.advance_ms(200);
    h.engine.tick();
    CHECK(s->blocked());
    CHECK(h.engine.next_deadline_us() <= h.clock.now_us() + 50'000);
    h.clock.advance_ms(60);
    h.engine.tick();
    CHECK(!s->blocked());
    CHECK(drain(*s) == std::vector<Reply>{nil()});
    s->feed(multibulk({"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0.1"}));
    h.clock.advance_ms(101);
    h.engine.tick();
    CHECK(drain(*s) == std::vector<Reply>{nil()});
    h.engine.close_session(s);
  }

  TEST_CASE("pipelined commands wait behind a blocked one") {
    Harness h;
    Session* s = h.engine.open_session();
    s->feed(multibulk({"BLPOP", "q", "0"}) + multibulk({"PING"}));
    CHECK(s->blocked());
    CHECK(drain(*s).empty());
    CHECK(h.run({"LPUSH", "q", "v"}) == integer(1));
    CHECK(drain(*s) == std::vector<Reply>{bulks({"q", "v"}), simple("PONG")});
    h.engine.close_session(s);
  }

  TEST_CASE("inside MULTI a blocking command does not block") {
    Harness h;
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"BLPOP", "q", "0"}) == simple("QUEUED"));
    CHECK(h.run({"BLMOVE", "q", "d", "LEFT", "LEFT", "0"}) == simple("QUEUED"));
    CHECK(h.run({"EXEC"}) == array({nil(), nil()}));
  }

  TEST_CASE("a push inside MULTI serves waiters only after EXEC") {
    Harness h;
    Session* waiter = h.engine.open_session();
    waiter->feed(multibulk({"BRPOP", "q", "0"}));
    CHECK(h.run({"MULTI"}) == ok());
    CHECK(h.run({"LPUSH", "q", "a"}) == simple("QUEUED"));
    CHECK(h.run({"LPUSH", "q", "b"}) == simple("QUEUED"));
    CHECK(waiter->blocked());
    CHECK(h.run({"EXEC"}) == array({integer(1), integer(2)}));
    // Both pushes happened before the waiter ran: it pops the tail, "a".
    CHECK(drain(*waiter) == std::vector<Reply>{bulks({"q", "a"})});
    h.engine.close_session(waiter);
  }

  TEST_CASE("BLMOVE chains: a move into a list another session waits on serves it") {
    Harness h;
    Session* a = h.engine.open_session();
    Session* b = h.engine.open_session();
    a->feed(multibulk({"BLMOVE", "l1", "l2", "LEFT", "RIGHT", "0"}));
    b->feed(multibulk({"BLPOP", "l2", "0"}));
    CHECK(h.run({"RPUSH", "l1", "x"}) == integer(1));
    CHECK(drain(*a) == std::vector<Reply>{bulk("x")});
    CHECK(drain(*b) == std::vector<Reply>{bulks({"l2", "x"})});
    CHECK(h.run({"EXISTS", "l1", "l2"}) == integer(0));
    h.engine.close_session(a);
    h.engine.close_session(b);
  }

  TEST_CASE("BLMPOP and BRPOPLPUSH") {
    Harness h;
    CHECK(h.run({"RPUSH", "x", "1", "2", "3"}) == integer(3));
    CHECK(h.run({"BLMPOP", "0", "2", "y", "x", "RIGHT", "COUNT", "2"}) ==
          array({bulk("x"), bulks({"3", "2"})}));
    CHECK(h.run({"BRPOPLPUSH", "x", "z", "0"}) == bulk("1"));
    Session* s = h.engine.open_session();
    s->feed(multibulk({"BLMPOP", "0", "1", "w", "LEFT"}));
    CHECK(h.run({"RPUSH", "w", "a", "b"}) == integer(2));
    CHECK(drain(*s) == std::vector<Reply>{array({bulk("w"), bulks({"a"})})});
    h.engine.close_session(s);
  }

  TEST_CASE("BZPOPMIN, BZPOPMAX and BZMPOP") {
    Harness h;
    CHECK(h.run({"ZADD", "z", "1", "a", "2", "b"}) == integer(2));
    CHECK(h.run({"BZPOPMIN", "z", "0"}) == array({bulk("z"), bulk("a"), bulk("1")}));
    CHECK(h.run({"BZPOPMAX", "none", "z", "0"}) == array({bulk("z"), bulk("b"), bulk("2")}));
    Session* s = h.engine.open_session();
    s->feed(multibulk({"BZMPOP", "1", "1", "z", "MAX", "COUNT", "5"}));
    CHECK(h.run({"ZADD", "z", "5", "e", "6", "f"}) == integer(2));
    CHECK(drain(*s) == std::vector<Reply>{array({bulk("z"), array({bulks({"f", "6"}), bulks({"e", "5"})})})});
    s->feed(multibulk({"BZPOPMIN", "z", "0.5"}));
    h.clock.advance_ms(600);
    h.engine.tick();
    CHECK(drain(*s) == std::vector<Reply>{Reply::null()});
    h.engine.close_session(s);
  }

  TEST_CASE("CLIENT UNBLOCK with TIMEOUT and ERROR") {
    Harness h;
    Session* s = h.engine.open_session();
    const std::string id = std::to_string(s->id());
    s->feed(multibulk({"BLPOP", "q", "0"}));
    CHECK(h.run({"CLIENT", "UNBLOCK", id}) == integer(1));
    CHECK(drain(*s) == std::vector<Reply>{nil()});
    CHECK(h.run({"CLIENT", "UNBLOCK", id}) == integer(0));  // not blocked any more
    s->feed(multibulk({"BLPOP", "q", "0"}));
    CHECK(h.run({"CLIENT", "UNBLOCK", id, "ERROR"}) == integer(1));
    CHECK(drain(*s) == std::vector<Reply>{error("UNBLOCKED client unblocked via CLIENT UNBLOCK")});
    CHECK(h.run({"CLIENT", "UNBLOCK", id, "NOW"}) == error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
    h.engine.close_session(s);
  }

  TEST_CASE("a blocked client that disconnects is forgotten") {
    Harness h;
    CHECK(h.run({"PING"}) == simple("PONG"));
    const std::size_t baseline = h.engine.memory().used();
    Session* s = h.engine.open_session();
    s->feed(multibulk({"BLPOP", "a", "b", "c", "0"}));
    h.engine.close_session(s);
    CHECK(h.engine.memory().used() == baseline);
    CHECK(h.run({"LPUSH", "a", "v"}) == integer(1));
    CHECK(h.run({"LLEN", "a"}) == integer(1));
  }

  TEST_CASE("a key rewritten with another type does not wake the waiter") {
    Harness h;
    Session* s = h.engine.open_session();
    s->feed(multibulk({"BLPOP", "k", "0"}));
    CHECK(h.run({"MULTI"}) == ok());
    (void)h.run({"LPUSH", "k", "x"});
    (void)h.run({"DEL", "k"});
    (void)h.run({"SET", "k", "text"});
    CHECK(h.run({"EXEC"}).size() == 3);
    CHECK(s->blocked());
    CHECK(drain(*s).empty());
    CHECK(h.run({"DEL", "k"}) == integer(1));
    CHECK(h.run({"RPUSH", "k", "v"}) == integer(1));
    CHECK(drain(*s) == std::vector<Reply>{bulks({"k", "v"})});
    h.engine.close_session(s);
  }

  TEST_CASE("a blocked client whose key stays empty keeps its place") {
    Harness h;
    Session* first = h.engine.open_session();
    Session* second = h.engine.open_session();
    first->feed(multibulk({"BLPOP", "q", "0"}));
    second->feed(multibulk({"BLPOP", "q", "0"}));
    // Written but still empty (a push then a pop in one transaction): nobody is served.
    CHECK(h.run({"MULTI"}) == ok());
    (void)h.run({"RPUSH", "q", "x"});
    (void)h.run({"RPOP", "q"});
    CHECK(h.run({"EXEC"}).size() == 2);
    CHECK(first->blocked());
    CHECK(second->blocked());
    CHECK(h.run({"RPUSH", "q", "y"}) == integer(1));
    CHECK(drain(*first) == std::vector<Reply>{bulks({"q", "y"})});
    CHECK(second->blocked());
    h.engine.close_session(first);
    h.engine.close_session(second);
  }
}
