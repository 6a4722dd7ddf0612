// CLIENT PAUSE / UNPAUSE, MONITOR and RESET: several sessions on one engine, driven through
// Session::feed() as an adapter drives them, with the manual clock for pause deadlines.
#include <string>
#include <vector>

#include "harness.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

// One connection: a session fed RESP, as an adapter feeds it.
struct Client {
  Harness& h;
  Session* s;
  explicit Client(Harness& harness, std::string_view peer = "127.0.0.1:50000")
      : h(harness), s(harness.engine.open_session()) {
    s->set_peer(peer, "127.0.0.1:6379");
  }
  ~Client() { h.engine.close_session(s); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  void send(std::initializer_list<std::string_view> args) { s->feed(multibulk(args)); }
  std::vector<Reply> replies() { return drain(*s); }
  // Sends one command and returns its single reply.
  Reply run(std::initializer_list<std::string_view> args) {
    send(args);
    std::vector<Reply> r = replies();
    REQUIRE(r.size() == 1);
    return r[0];
  }
};

struct Listener {
  std::vector<Session*> told;
  static void on_output(void* ctx, Session& s) { static_cast<Listener*>(ctx)->told.push_back(&s); }
  bool was_told(const Session* s) const {
    for (Session* t : told) {
      if (t == s) return true;
    }
    return false;
  }
};

std::string info_field(Harness& h, const std::string& name) {
  std::string info = h.run({"INFO", "clients"}).str;
  std::size_t pos = info.find(name + ":");
  if (pos == std::string::npos) return "<missing>";
  pos += name.size() + 1;
  return info.substr(pos, info.find('\r', pos) - pos);
}

}  // namespace

TEST_SUITE("sessions") {
  TEST_CASE("CLIENT PAUSE WRITE holds writes, lets reads run, and UNPAUSE resumes them in order") {
    Harness h;
    Listener listener;
    h.engine.set_output_listener(&Listener::on_output, &listener);
    Client admin(h), writer(h), reader(h);
    CHECK(admin.run({"SET", "k", "old"}) == ok());
    CHECK(admin.run({"CLIENT", "PAUSE", "100000", "WRITE"}) == ok());

    // A write and what was pipelined behind it wait; nothing of it has run.
    writer.s->feed(multibulk({"SET", "k", "new"}) + multibulk({"GET", "k"}) + multibulk({"INCR", "n"}));
    CHECK(writer.s->blocked());
    CHECK(!writer.s->want_read());
    CHECK(writer.replies().empty());
    CHECK(h.run({"GET", "k"}) == bulk("old"));
    CHECK(info_field(h, "blocked_clients") == "1");
    CHECK(h.run({"CLIENT", "LIST", "ID", std::to_string(writer.s->id())}).str.find("flags=b ") != std::string::npos);

    // Reads, PING and INFO are not held; PUBLISH and PFCOUNT (may-replicate) are.
    CHECK(reader.run({"GET", "k"}) == bulk("old"));
    CHECK(reader.run({"PING"}) == simple("PONG"));
    Client publisher(h);
    publisher.send({"PUBLISH", "ch", "m"});
    CHECK(publisher.replies().empty());
    CHECK(h.engine.paused_count() == 2);

    // Commands refused before running (arity, unknown) answer at once.
    CHECK(reader.run({"SET", "k"}) == error("ERR wrong number of arguments for 'set' command"));

    listener.told.clear();
    CHECK(admin.run({"CLIENT", "UNPAUSE"}) == ok());
    CHECK(writer.replies() == std::vector<Reply>{ok(), bulk("new"), integer(1)});
    CHECK(publisher.replies() == std::vector<Reply>{integer(0)});
    CHECK(listener.was_told(writer.s));
    CHECK(listener.was_told(publisher.s));
    CHECK(!writer.s->blocked());
    CHECK(info_field(h, "blocked_clients") == "0");
    CHECK(h.engine.paused_count() == 0);
  }

  TEST_CASE("CLIENT PAUSE ALL holds every command, UNPAUSE included, until its timeout") {
    Harness h;
    Listener listener;
    h.engine.set_output_listener(&Listener::on_output, &listener);
    Client a(h), b(h);
    CHECK(a.run({"CLIENT", "PAUSE", "500"}) == ok());  // ALL is the default
    CHECK(h.engine.pause_mode() == microredis::Engine::PauseMode::all);
    CHECK(h.engine.next_deadline_us() <= h.clock.now_us() + 501'000);
    b.send({"PING"});
    a.send({"CLIENT", "UNPAUSE"});
    CHECK(a.replies().empty());
    CHECK(b.replies().empty());
    // The in-process session is never held.
    CHECK(h.run({"GET", "x"}) == nil());

    h.clock.advance_ms(500);
    h.engine.tick();
    CHECK(b.s->blocked());  // the pause lasts until its end has passed
    h.clock.advance_ms(1);
    h.engine.tick();
    CHECK(b.replies() == std::vector<Reply>{simple("PONG")});
    CHECK(a.replies() == std::vector<Reply>{ok()});
    CHECK(listener.was_told(a.s));
    CHECK(listener.was_told(b.s));
    CHECK(h.engine.pause_mode() == microredis::Engine::PauseMode::off);
  }

  TEST_CASE("a later CLIENT PAUSE extends and tightens a pause, never shortens it") {
    Harness h;
    Client a(h), b(h);
    CHECK(a.run({"CLIENT", "PAUSE", "1000", "ALL"}) == ok());
    CHECK(h.run({"CLIENT", "PAUSE", "10", "WRITE"}) == ok());
    CHECK(h.engine.pause_mode() == microredis::Engine::PauseMode::all);
    h.clock.advance_ms(20);
    h.engine.tick();
    b.send({"GET", "k"});
    CHECK(b.replies().empty());
    CHECK(h.run({"CLIENT", "PAUSE", "0"}) == ok());  // 0: ends at once, changes nothing
    h.clock.advance_ms(1000);
    h.engine.tick();
    CHECK(b.replies() == std::vector<Reply>{nil()});
  }

  TEST_CASE("CLIENT PAUSE argument errors") {
    Harness h;
    CHECK(h.run({"CLIENT", "PAUSE", "10", "READ"}) == error("ERR CLIENT PAUSE mode must be WRITE or ALL"));
    CHECK(h.run({"CLIENT", "PAUSE", "x"}) == error("ERR timeout is not an integer or out of range"));
    CHECK(h.run({"CLIENT", "PAUSE", "1.5"}) == error("ERR timeout is not an integer or out of range"));
    CHECK(h.run({"CLIENT", "PAUSE", "-1"}) == error("ERR timeout is negative"));
    CHECK(h.run({"CLIENT", "PAUSE", "x", "FOO"}) == error("ERR CLIENT PAUSE mode must be WRITE or ALL"));
    CHECK(h.run({"CLIENT", "PAUSE", "1", "ALL", "x"}).is_error());
    CHECK(h.run({"CLIENT", "UNPAUSE"}) == ok());
    CHECK(h.run({"CLIENT", "UNPAUSE", "x"}) ==
          error("ERR wrong number of arguments for 'client|unpause' command"));
  }

  TEST_CASE("transactions under CLIENT PAUSE WRITE") {
    Harness h;
    Client admin(h), c(h);
    CHECK(admin.run({"SET", "foo", "bar"}) == ok());

    SUBCASE("a read-only transaction runs") {
      CHECK(admin.run({"CLIENT", "PAUSE", "100000", "WRITE"}) == ok());
      CHECK(c.run({"MULTI"}) == ok());
      CHECK(c.run({"PING"}) == simple("QUEUED"));
      CHECK(c.run({"GET", "foo"}) == simple("QUEUED"));
      CHECK(c.run({"EXEC"}) == array({simple("PONG"), bulk("bar")}));
    }
    SUBCASE("EXEC of a transaction that writes waits") {
      CHECK(c.run({"MULTI"}) == ok());
      CHECK(c.run({"SET", "foo", "baz"}) == simple("QUEUED"));
      CHECK(admin.run({"CLIENT", "PAUSE", "100000", "WRITE"}) == ok());
      c.send({"EXEC"});
      CHECK(c.replies().empty());
      CHECK(admin.run({"GET", "foo"}) == bulk("bar"));
      CHECK(admin.run({"CLIENT", "UNPAUSE"}) == ok());
      CHECK(c.replies() == std::vector<Reply>{array({ok()})});
    }
    SUBCASE("a pause started inside a transaction starts after EXEC") {
      CHECK(c.run({"MULTI"}) == ok());
      CHECK(c.run({"SET", "a", "1"}) == simple("QUEUED"));
      CHECK(c.run({"CLIENT", "PAUSE", "60000", "WRITE"}) == simple("QUEUED"));
      CHECK(c.run({"SET", "b", "2"}) == simple("QUEUED"));
      CHECK(c.run({"EXEC"}) == array({ok(), ok(), ok()}));
      admin.send({"SET", "c", "3"});
      CHECK(admin.replies().empty());
      CHECK(h.run({"MGET", "a", "b", "c"}) == array({bulk("1"), bulk("2"), nil()}));
      CHECK(h.run({"CLIENT", "UNPAUSE"}) == ok());
      CHECK(admin.replies() == std::vector<Reply>{ok()});
    }
  }

  TEST_CASE("expiry and eviction delete nothing while clients are paused") {
    Harness h;
    Client c(h);
    CHECK(c.run({"SET", "foo", "v", "PX", "10"}) == ok());
    CHECK(c.run({"SET", "bar", "v", "PX", "10"}) == ok());
    CHECK(c.run({"CLIENT", "PAUSE", "50000", "WRITE"}) == ok());
    h.clock.advance_ms(20);
    h.engine.tick();  // no active expiry
    CHECK(c.run({"GET", "foo"}) == nil());  // logically expired...
    CHECK(c.run({"EXISTS", "bar"}) == integer(0));
    CHECK(c.run({"DBSIZE"}) == integer(2));  // ...but still there
    std::string stats = h.run({"INFO", "stats"}).str;
    CHECK(stats.find("expired_keys:0\r\n") != std::string::npos);
    CHECK(c.run({"CLIENT", "UNPAUSE"}) == ok());
    CHECK(c.run({"GET", "foo"}) == nil());
    CHECK(c.run({"GET", "bar"}) == nil());
    CHECK(c.run({"DBSIZE"}) == integer(0));
    stats = h.run({"INFO", "stats"}).str;
    CHECK(stats.find("expired_keys:2\r\n") != std::string::npos);
  }

  TEST_CASE("a held session that hangs up is forgotten") {
    Harness h;
    Client admin(h);
    Session* gone = h.engine.open_session();
    CHECK(admin.run({"CLIENT", "PAUSE", "100000", "WRITE"}) == ok());
    gone->feed(multibulk({"SET", "k", "v"}));
    CHECK(h.engine.paused_count() == 1);
    h.engine.close_session(gone);
    CHECK(h.engine.paused_count() == 0);
    CHECK(admin.run({"CLIENT", "UNPAUSE"}) == ok());
    CHECK(h.run({"EXISTS", "k"}) == integer(0));
  }

  TEST_CASE("a resumed command can pause again: what follows it waits for the new pause") {
    Harness h;
    Client admin(h), c(h), d(h);
    CHECK(admin.run({"CLIENT", "PAUSE", "100000", "ALL"}) == ok());
    c.s->feed(multibulk({"CLIENT", "PAUSE", "100000", "WRITE"}) + multibulk({"SET", "x", "1"}));
    d.send({"GET", "x"});
    h.run({"CLIENT", "UNPAUSE"});
    CHECK(c.replies() == std::vector<Reply>{ok()});
    CHECK(d.replies() == std::vector<Reply>{nil()});
    CHECK(c.s->blocked());
    h.run({"CLIENT", "UNPAUSE"});
    CHECK(c.replies() == std::vector<Reply>{ok()});
  }

  TEST_CASE("MONITOR shows every other command in Redis's format") {
    Harness h;
    Client mon(h, "127.0.0.1:40000"), c(h, "127.0.0.1:40001");
    CHECK(mon.run({"MONITOR"}) == ok());
    h.clock.set_us(1339518083'107412);
    CHECK(c.run({"SET", "foo", "bar"}) == ok());
    CHECK(take_output(*mon.s) == "+1339518083.107412 [0 127.0.0.1:40001] \"SET\" \"foo\" \"bar\"\r\n");

    SUBCASE("escaping as sdscatrepr, and the db the command ended in") {
      h.clock.set_us(1339518083'000005);
      CHECK(c.run({"SELECT", "3"}) == ok());
      CHECK(c.run({"SET", std::string_view("a b\"\\\n\r\t\a\b\x01\x7f\xff", 13), "x"}) == ok());
      CHECK(take_output(*mon.s) ==
            "+1339518083.000005 [3 127.0.0.1:40001] \"SELECT\" \"3\"\r\n"
            "+1339518083.000005 [3 127.0.0.1:40001] \"SET\" "
            "\"a b\\\"\\\\\\n\\r\\t\\a\\b\\x01\\x7f\\xff\" \"x\"\r\n");
    }
    SUBCASE("passwords are redacted; admin commands are hidden; errors at dispatch are not shown") {
      CHECK(c.run({"AUTH", "secret"}).is_error());
      CHECK(c.run({"AUTH", "user", "secret"}).is_error());
      CHECK(c.run({"AUTH", "a", "b", "c"}) == error(Status::syntax));
      CHECK(c.run({"HELLO", "2", "AUTH", "user", "secret"}).is_error());
      CHECK(c.run({"HELLO", "4", "AUTH", "user", "secret"}).is_error());
      CHECK(c.run({"CONFIG", "SET", "maxclients", "100"}) == ok());
      CHECK(c.run({"CLIENT", "LIST"}).type != Reply::Type::error);
      CHECK(c.run({"NOSUCHCOMMAND"}).is_error());
      CHECK(c.run({"GET"}).is_error());
      std::string out = take_output(*mon.s);
      CHECK(out.find("\"AUTH\" \"(redacted)\"\r\n") != std::string::npos);
      CHECK(out.find("\"AUTH\" \"(redacted)\" \"(redacted)\"\r\n") != std::string::npos);
      CHECK(out.find("\"AUTH\" \"a\" \"b\" \"c\"\r\n") != std::string::npos);
      CHECK(out.find("\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n") != std::string::npos);
      CHECK(out.find("\"HELLO\" \"4\" \"AUTH\" \"user\" \"secret\"\r\n") != std::string::npos);
      CHECK(out.find("secret\" \"(") == std::string::npos);
      CHECK(out.find("CONFIG") == std::string::npos);
      CHECK(out.find("CLIENT") == std::string::npos);
      CHECK(out.find("NOSUCH") == std::string::npos);
      CHECK(out.find("\"GET\"") == std::string::npos);
    }
    SUBCASE("MULTI, the queued commands as EXEC runs them, then EXEC") {
      CHECK(c.run({"MULTI"}) == ok());
      CHECK(c.run({"SET", "foo", "1"}) == simple("QUEUED"));
      CHECK(take_output(*mon.s).find("\"MULTI\"") != std::string::npos);
      CHECK(c.run({"EXEC"}) == array({ok()}));
      std::string out = take_output(*mon.s);
      CHECK(out.find("\"SET\" \"foo\" \"1\"\r\n+") != std::string::npos);
      CHECK(out.find("\"EXEC\"\r\n") == out.size() - 8);
      // A transaction that fails to queue still shows its EXEC.
      CHECK(c.run({"MULTI"}) == ok());
      CHECK(c.run({"NOSUCH"}).is_error());
      CHECK(c.run({"EXEC"}).is_error());
      out = take_output(*mon.s);
      CHECK(out.find("\"MULTI\"\r\n+") != std::string::npos);
      CHECK(out.find("\"EXEC\"\r\n") == out.size() - 8);
    }
    SUBCASE("a monitor sees its own commands but may not touch the keyspace") {
      CHECK(mon.run({"GET", "foo"}) == error("ERR Replica can't interact with the keyspace"));
      mon.send({"PING"});
      CHECK(take_output(*mon.s) == "+PONG\r\n+1339518083.107412 [0 127.0.0.1:40000] \"PING\"\r\n");
      mon.send({"MONITOR"});  // already monitoring: no reply at all
      CHECK(take_output(*mon.s).empty());
    }
    SUBCASE("CLIENT LIST flag O; RESET and closing end monitoring") {
      std::string list = c.run({"CLIENT", "LIST", "ID", std::to_string(mon.s->id())}).str;
      CHECK(list.find("flags=O ") != std::string::npos);
      CHECK(h.engine.monitor_count() == 1);
      CHECK(mon.run({"RESET"}) == simple("RESET"));
      CHECK(h.engine.monitor_count() == 0);
      CHECK(c.run({"SET", "foo", "bar"}) == ok());
      CHECK(take_output(*mon.s).empty());
      Session* other = h.engine.open_session();
      other->feed(multibulk({"MONITOR"}));
      CHECK(h.engine.monitor_count() == 1);
      h.engine.close_session(other);
      CHECK(h.engine.monitor_count() == 0);
    }
  }

  TEST_CASE("MONITOR inside a transaction, and from the in-process session, is refused") {
    Harness h;
    Client c(h);
    CHECK(c.run({"MULTI"}) == ok());
    CHECK(c.run({"MONITOR"}) == simple("QUEUED"));
    CHECK(c.run({"EXEC"}) == array({error("ERR MONITOR isn't allowed for DENY BLOCKING client")}));
    CHECK(h.run({"MONITOR"}) == error("ERR MONITOR isn't allowed for DENY BLOCKING client"));
    CHECK(h.engine.monitor_count() == 0);
  }

  TEST_CASE("a monitor is never held by CLIENT PAUSE") {
    Harness h;
    Client mon(h), c(h);
    CHECK(mon.run({"MONITOR"}) == ok());
    CHECK(c.run({"CLIENT", "PAUSE", "100000", "ALL"}) == ok());
    mon.send({"PING"});
    CHECK(take_output(*mon.s).rfind("+PONG\r\n", 0) == 0);
    CHECK(h.run({"CLIENT", "UNPAUSE"}) == ok());
  }

  TEST_CASE("keys that active expiry removes reach BCAST trackers at tick(), not with the next command") {
    Harness h;
    Client redirect(h), tracker(h);
    CHECK(redirect.run({"SUBSCRIBE", "__redis__:invalidate"}) == array({bulk("subscribe"), bulk("__redis__:invalidate"), integer(1)}));
    CHECK(tracker.run({"CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", std::to_string(redirect.s->id()),
                       "NOLOOP"}) == ok());
    CHECK(tracker.run({"SET", "mykey", "v", "PX", "1"}) == ok());
    CHECK(redirect.replies().empty());  // NOLOOP: its own write
    h.clock.advance_ms(10);
    h.engine.tick();
    CHECK(redirect.replies() ==
          std::vector<Reply>{array({bulk("message"), bulk("__redis__:invalidate"), bulks({"mykey"})})});
  }

  TEST_CASE("a lowered tracking-table-max-keys applies at tick(), without another command") {
    Harness h;
    Client redirect(h), tracker(h);
    redirect.run({"SUBSCRIBE", "__redis__:invalidate"});
    CHECK(tracker.run({"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(redirect.s->id())}) == ok());
    CHECK(tracker.run({"MSET", "k1", "1", "k2", "2"}) == ok());
    CHECK(tracker.run({"MGET", "k1", "k2"}) == bulks({"1", "2"}));
    CHECK(tracker.run({"CONFIG", "SET", "tracking-table-max-keys", "1"}) == ok());
    CHECK(redirect.replies().empty());
    h.engine.tick();
    std::vector<Reply> got = redirect.replies();
    REQUIRE(got.size() == 1);
    CHECK(got[0].elements.size() == 3);
    CHECK(got[0].elements[2].elements.size() == 1);
    CHECK(h.run({"CONFIG", "SET", "tracking-table-max-keys", "0"}) == ok());
  }

  TEST_CASE("RESET puts the connection back to a new one's state") {
    Harness h;
    Client c(h);
    CHECK(c.run({"CLIENT", "SETNAME", "me"}) == ok());
    CHECK(c.run({"SELECT", "2"}) == ok());
    CHECK(c.run({"CLIENT", "TRACKING", "ON"}) == ok());
    CHECK(c.run({"WATCH", "w"}) == ok());
    CHECK(c.run({"MULTI"}) == ok());
    CHECK(c.run({"SET", "k", "v"}) == simple("QUEUED"));
    CHECK(c.run({"RESET"}) == simple("RESET"));
    CHECK(c.run({"CLIENT", "GETNAME"}) == nil());
    CHECK(c.run({"EXEC"}) == error("ERR EXEC without MULTI"));
    CHECK(c.run({"CLIENT", "GETREDIR"}) == integer(-1));
    std::string info = c.run({"CLIENT", "INFO"}).str;
    CHECK(info.find(" db=0 ") != std::string::npos);
    CHECK(info.find(" flags=N ") != std::string::npos);
    CHECK(info.find(" resp=2") != std::string::npos);
    CHECK(h.run({"EXISTS", "k"}) == integer(0));

    SUBCASE("leaves RESP3 and pub/sub") {
      c.run({"HELLO", "3"});
      c.send({"SUBSCRIBE", "a", "b"});
      c.send({"PSUBSCRIBE", "p*"});
      c.replies();
      CHECK(c.run({"RESET"}) == simple("RESET"));
      CHECK(c.s->protocol() == 2);
      CHECK(!c.s->in_pubsub());
      CHECK(h.run({"PUBLISH", "a", "m"}) == integer(0));
      CHECK(c.run({"PING"}) == simple("PONG"));
    }
    SUBCASE("ends CLIENT REPLY OFF, so that +RESET is sent") {
      c.send({"CLIENT", "REPLY", "OFF"});
      c.send({"PING"});
      CHECK(c.replies().empty());
      CHECK(c.run({"RESET"}) == simple("RESET"));
      CHECK(c.run({"PING"}) == simple("PONG"));
    }
    SUBCASE("logs out when a password is required") {
      CHECK(h.run({"CONFIG", "SET", "requirepass", "pw"}) == ok());
      CHECK(c.run({"AUTH", "pw"}) == ok());
      CHECK(c.run({"RESET"}) == simple("RESET"));
      CHECK(c.run({"GET", "k"}) == error(Status::no_auth));
      CHECK(c.run({"AUTH", "pw"}) == ok());
      CHECK(h.run({"CONFIG", "SET", "requirepass", ""}) == ok());
    }
  }

  TEST_CASE("rarely used session state is one block, allocated on first use and freed once unused") {
    Harness h;
    Client a(h);
    Client b(h);
    CHECK(!a.s->has_extras());
    CHECK(a.run({"SET", "k", "v"}) == ok());
    CHECK(a.run({"GET", "k"}) == bulk("v"));
    CHECK(!a.s->has_extras());
    SUBCASE("MULTI ... EXEC") {
      CHECK(a.run({"WATCH", "k"}) == ok());
      CHECK(a.s->has_extras());
      CHECK(a.run({"MULTI"}) == ok());
      CHECK(a.run({"SET", "k", "w"}) == simple("QUEUED"));
      CHECK(a.run({"EXEC"}) == array({ok()}));
      CHECK(!a.s->has_extras());
      CHECK(a.run({"MULTI"}) == ok());
      CHECK(a.run({"DISCARD"}) == ok());
      CHECK(!a.s->has_extras());
    }
    SUBCASE("SUBSCRIBE ... UNSUBSCRIBE") {
      a.send({"SUBSCRIBE", "ch"});
      CHECK(a.replies().size() == 1);
      CHECK(a.s->has_extras());
      CHECK(h.run({"PUBLISH", "ch", "hi"}) == integer(1));
      CHECK(a.replies().size() == 1);
      a.send({"UNSUBSCRIBE"});
      CHECK(a.replies().size() == 1);
      CHECK(!a.s->has_extras());
    }
    SUBCASE("a blocked command, served") {
      a.send({"BLPOP", "list", "0"});
      CHECK(a.replies().empty());
      CHECK(a.s->has_extras());
      CHECK(b.run({"RPUSH", "list", "x"}) == integer(1));
      CHECK(a.replies() == std::vector<Reply>{bulks({"list", "x"})});
      CHECK(!a.s->has_extras());
    }
    SUBCASE("a blocked command, timed out") {
      a.send({"BLPOP", "list", "1"});
      CHECK(a.s->has_extras());
      h.clock.advance_ms(1500);
      (void)h.engine.tick();
      CHECK(a.replies() == std::vector<Reply>{nil()});
      CHECK(!a.s->has_extras());
    }
    SUBCASE("CLIENT TRACKING and CLIENT SETNAME") {
      CHECK(a.run({"CLIENT", "TRACKING", "on"}) == ok());
      CHECK(a.run({"CLIENT", "GETREDIR"}) == integer(0));
      CHECK(a.run({"CLIENT", "TRACKING", "off"}) == ok());
      CHECK(!a.s->has_extras());
      CHECK(a.run({"CLIENT", "GETREDIR"}) == integer(-1));
      CHECK(a.run({"CLIENT", "SETNAME", "worker"}) == ok());
      CHECK(a.run({"CLIENT", "GETNAME"}) == bulk("worker"));
      CHECK(a.s->has_extras());
      CHECK(a.run({"CLIENT", "SETNAME", ""}) == ok());
      CHECK(a.run({"CLIENT", "GETNAME"}) == nil());
      CHECK(!a.s->has_extras());
    }
  }
}
