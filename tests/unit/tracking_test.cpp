#include "harness.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

Reply invalidate(std::initializer_list<std::string_view> keys) {
  Reply r;
  r.type = Reply::Type::push;
  r.elements = {bulk("invalidate"), bulks(keys)};
  return r;
}

}  // namespace

TEST_SUITE("tracking") {
  TEST_CASE("RESP3 client gets an invalidation for a key it read") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(h.run({"SET", "k", "v"}) == ok());
    CHECK(c->execute({"GET", "k"}) == bulk("v"));
    CHECK(drain(*c).empty());
    CHECK(h.run({"SET", "k", "w"}) == ok());
    CHECK(drain(*c) == std::vector<Reply>{invalidate({"k"})});
    CHECK(h.run({"SET", "k", "x"}) == ok());  // forgotten after one invalidation
    CHECK(drain(*c).empty());
    CHECK(h.run({"INFO", "clients"}).str.find("tracking_clients:1") != std::string::npos);
    h.engine.close_session(c);
  }

  TEST_CASE("a RESP2 client redirects to a subscriber of __redis__:invalidate") {
    Harness h;
    Session* listener = h.engine.open_session();
    listener->feed(multibulk({"SUBSCRIBE", "__redis__:invalidate"}));
    (void)drain(*listener);
    Session* c = h.engine.open_session();
    const std::string id = std::to_string(listener->id());
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "REDIRECT", id}) == ok());
    CHECK(c->execute({"CLIENT", "GETREDIR"}) == integer(static_cast<std::int64_t>(listener->id())));
    CHECK(c->execute({"MGET", "a", "b"}) == array({nil(), nil()}));
    CHECK(h.run({"MSET", "a", "1", "b", "2"}) == ok());
    CHECK(drain(*listener) == std::vector<Reply>{array({bulk("message"), bulk("__redis__:invalidate"), bulks({"a"})}),
                                                  array({bulk("message"), bulk("__redis__:invalidate"), bulks({"b"})})});
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "REDIRECT", "999999"}) ==
          error("ERR The client ID you want redirect to does not exist"));
    h.engine.close_session(listener);
    CHECK(c->execute({"GET", "a"}) == bulk("1"));
    CHECK(h.run({"SET", "a", "x"}) == ok());
    CHECK(c->execute({"CLIENT", "TRACKINGINFO"})[1].size() == 2);  // on, broken_redirect
    h.engine.close_session(c);
  }

  TEST_CASE("the client's own write is announced after its reply; NOLOOP suppresses it") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(c->execute({"GET", "k"}) == nil());
    c->feed(multibulk({"SET", "k", "v"}));
    CHECK(drain(*c) == std::vector<Reply>{ok(), invalidate({"k"})});
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "NOLOOP"}) == ok());
    CHECK(c->execute({"GET", "k"}) == bulk("v"));
    c->feed(multibulk({"SET", "k", "w"}));
    CHECK(drain(*c) == std::vector<Reply>{ok()});
    h.engine.close_session(c);
  }

  TEST_CASE("BCAST with prefixes batches keys, sorted") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a:", "PREFIX", "b:"}) == ok());
    CHECK(h.run({"MSET", "b:2", "1", "a:1", "1", "c:1", "1", "a:0", "1"}) == ok());
    CHECK(drain(*c) == std::vector<Reply>{invalidate({"a:0", "a:1"}), invalidate({"b:2"})});
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a:x"}) ==
          error("ERR Prefix 'a:x' overlaps with an existing prefix 'a:'. Prefixes for a single client must not "
                "overlap."));
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) ==
          error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
                "re-enabling it with a different mode."));
    CHECK(h.run({"INFO", "stats"}).str.find("tracking_total_prefixes:2") != std::string::npos);
    h.engine.close_session(c);
    CHECK(h.run({"INFO", "stats"}).str.find("tracking_total_prefixes:0") != std::string::npos);
  }

  TEST_CASE("OPTIN tracks only after CLIENT CACHING YES; OPTOUT skips after CLIENT CACHING NO") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "CACHING", "YES"}) ==
          error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT "
                "mode enabled"));
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "OPTIN"}) == ok());
    CHECK(c->execute({"GET", "a"}) == nil());
    CHECK(c->execute({"CLIENT", "CACHING", "YES"}) == ok());
    CHECK(c->execute({"GET", "b"}) == nil());
    CHECK(h.run({"MSET", "a", "1", "b", "1"}) == ok());
    CHECK(drain(*c) == std::vector<Reply>{invalidate({"b"})});
    CHECK(c->execute({"CLIENT", "CACHING", "NO"}) ==
          error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
    CHECK(c->execute({"CLIENT", "TRACKING", "OFF"}) == ok());
    CHECK(c->execute({"CLIENT", "TRACKING", "ON", "OPTOUT"}) == ok());
    CHECK(c->execute({"CLIENT", "CACHING", "NO"}) == ok());
    CHECK(c->execute({"GET", "a"}) == bulk("1"));
    CHECK(c->execute({"GET", "b"}) == bulk("1"));
    CHECK(h.run({"MSET", "a", "2", "b", "2"}) == ok());
    CHECK(drain(*c) == std::vector<Reply>{invalidate({"b"})});
    h.engine.close_session(c);
  }

  TEST_CASE("FLUSHALL sends a null invalidation once; expiry invalidates") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(h.run({"SET", "t", "v", "PX", "10"}) == ok());
    CHECK(c->execute({"GET", "t"}) == bulk("v"));
    h.clock.advance_ms(20);
    h.engine.tick();
    CHECK(drain(*c) == std::vector<Reply>{invalidate({"t"})});
    CHECK(h.run({"FLUSHALL"}) == ok());
    Reply flush;
    flush.type = Reply::Type::push;
    flush.elements = {bulk("invalidate"), nil()};
    CHECK(drain(*c) == std::vector<Reply>{flush});
    h.engine.close_session(c);
  }

  TEST_CASE("FLUSHALL empties the tracking table even when no client tracks any more") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(c->execute({"GET", "a"}) == nil());
    CHECK(c->execute({"GET", "b"}) == nil());
    CHECK(c->execute({"CLIENT", "TRACKING", "OFF"}) == ok());
    // Turning tracking off leaves the keys in the table, as in Redis; FLUSHALL frees them.
    CHECK(h.run({"INFO", "clients"}).str.find("tracking_clients:0\r\n") != std::string::npos);
    CHECK(h.run({"INFO", "stats"}).str.find("tracking_total_keys:2\r\n") != std::string::npos);
    CHECK(h.run({"FLUSHALL"}) == ok());
    CHECK(h.run({"INFO", "stats"}).str.find("tracking_total_keys:0\r\n") != std::string::npos);
    // A later FLUSHALL still tells a tracking client.
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(c->execute({"GET", "a"}) == nil());
    CHECK(h.run({"FLUSHALL"}) == ok());
    Reply flush;
    flush.type = Reply::Type::push;
    flush.elements = {bulk("invalidate"), nil()};
    CHECK(drain(*c) == std::vector<Reply>{flush});
    h.engine.close_session(c);
  }

  TEST_CASE("tracking-table-max-keys forgets keys, telling their readers") {
    Harness h;
    Session* c = h.engine.open_session();
    CHECK(c->execute({"HELLO", "3"}).type == Reply::Type::map);
    CHECK(c->execute({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(c->execute({"MGET", "a", "b", "c"}).size() == 3);
    CHECK(h.run({"CONFIG", "SET", "tracking-table-max-keys", "1"}) == ok());
    CHECK(h.run({"PING"}) == simple("PONG"));
    CHECK(drain(*c).size() == 2);
    CHECK(h.run({"INFO", "stats"}).str.find("tracking_total_keys:1") != std::string::npos);
    h.engine.close_session(c);
  }
}
