#include <string>

#include "harness.hpp"

using namespace mrtest;
using microredis::Session;

namespace {

// The value of field `name` in a CLIENT LIST line.
std::string field(const std::string& line, const std::string& name) {
  std::size_t pos = line.find(" " + name + "=");
  if (line.rfind(name + "=", 0) == 0) pos = 0;
  else if (pos == std::string::npos) return "<missing>";
  else pos += 1;
  pos += name.size() + 1;
  std::size_t end = line.find_first_of(" \n", pos);
  return line.substr(pos, end - pos);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_SUITE("client") {
  TEST_CASE("CLIENT ID, SETNAME and GETNAME") {
    Harness h;
    Session* other = h.engine.open_session();
    Reply id = h.run({"CLIENT", "ID"});
    REQUIRE(id.type == Reply::Type::integer);
    CHECK(other->execute({"CLIENT", "ID"}) == integer(static_cast<std::int64_t>(other->id())));
    CHECK(id.integer != static_cast<std::int64_t>(other->id()));

    CHECK(h.run({"CLIENT", "GETNAME"}) == nil());
    CHECK(h.run({"CLIENT", "SETNAME", "myname"}) == ok());
    CHECK(h.run({"CLIENT", "GETNAME"}) == bulk("myname"));
    CHECK(h.run({"CLIENT", "SETNAME", "foo bar"}) ==
          error("ERR Client names cannot contain spaces, newlines or special characters."));
    CHECK(h.run({"CLIENT", "SETNAME", "a\nb"}) ==
          error("ERR Client names cannot contain spaces, newlines or special characters."));
    CHECK(h.run({"CLIENT", "GETNAME"}) == bulk("myname"));
    CHECK(h.run({"CLIENT", "SETNAME", ""}) == ok());  // an empty name removes the name
    CHECK(h.run({"CLIENT", "GETNAME"}) == nil());
    CHECK(other->execute({"CLIENT", "GETNAME"}) == nil());
    h.engine.close_session(other);
  }

  TEST_CASE("arity and unknown subcommands") {
    Harness h;
    CHECK(h.run({"CLIENT"}) == error("ERR wrong number of arguments for 'client' command"));
    CHECK(h.run({"CLIENT", "SETNAME"}) == error("ERR wrong number of arguments for 'client|setname' command"));
    CHECK(h.run({"CLIENT", "GETNAME", "x"}) == error("ERR wrong number of arguments for 'client|getname' command"));
    CHECK(h.run({"CLIENT", "ID", "x"}) == error("ERR wrong number of arguments for 'client|id' command"));
    CHECK(h.run({"CLIENT", "INFO", "x"}) == error("ERR wrong number of arguments for 'client|info' command"));
    CHECK(h.run({"CLIENT", "KILL"}) == error("ERR wrong number of arguments for 'client|kill' command"));
    CHECK(h.run({"client", "foo"}) == error("ERR unknown subcommand 'foo'. Try CLIENT HELP."));
    CHECK(h.run({"CLIENT", "PAUSE"}) == error("ERR wrong number of arguments for 'client|pause' command"));
  }

  TEST_CASE("CLIENT INFO has Redis 7.0's fields in order") {
    Harness h;
    CHECK(h.run({"CLIENT", "SETNAME", "me"}) == ok());
    CHECK(h.run({"SELECT", "3"}) == ok());
    Reply r = h.run({"CLIENT", "INFO"});
    REQUIRE(r.type == Reply::Type::bulk);
    const std::string& line = r.str;
    CHECK(line.back() == '\n');
    const char* names[] = {"id",   "addr",      "laddr",    "fd",        "name", "age", "idle", "flags",
                           "db",   "sub",       "psub",     "ssub",      "multi", "qbuf", "qbuf-free",
                           "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem",
                           "events", "cmd",     "user",     "redir",     "resp"};
    std::size_t pos = 0;
    for (const char* n : names) {
      std::size_t at = line.find(std::string(n) + "=", pos);
      CHECK_MESSAGE(at != std::string::npos, n);
      if (at != std::string::npos) pos = at;
    }
    CHECK(field(line, "name") == "me");
    CHECK(field(line, "db") == "3");
    CHECK(field(line, "flags") == "N");
    CHECK(field(line, "fd") == "-1");
    CHECK(field(line, "multi") == "-1");
    CHECK(field(line, "sub") == "0");
    CHECK(field(line, "argv-mem") == "10");  // "client" + "info"
    CHECK(field(line, "cmd") == "client|info");
    CHECK(field(line, "user") == "default");
    CHECK(field(line, "redir") == "-1");
    CHECK(field(line, "resp") == "2");
    CHECK(field(line, "events") == "r");

    h.clock.advance_ms(5000);
    CHECK(field(h.run({"CLIENT", "INFO"}).str, "age") == "5");

    // RESP3: a verbatim string.
    (void)h.run({"HELLO", "3"});
    r = h.run({"CLIENT", "INFO"});
    CHECK(r.type == Reply::Type::verbatim);
    CHECK(field(r.str, "resp") == "3");
  }

  TEST_CASE("CLIENT INFO flags and idle time") {
    Harness h;
    Session* s = h.engine.open_session();
    h.clock.advance_ms(3000);
    std::string line = h.run({"CLIENT", "LIST", "ID", std::to_string(s->id())}).str;
    CHECK(field(line, "idle") == "3");
    CHECK(field(line, "cmd") == "NULL");  // never ran a command
    CHECK(field(line, "argv-mem") == "0");
    s->set_unix_socket(true);
    s->set_no_evict(true);
    line = h.run({"CLIENT", "LIST", "ID", std::to_string(s->id())}).str;
    CHECK(field(line, "flags") == "Ue");
    CHECK(s->execute({"CLIENT", "NO-EVICT", "off"}) == ok());
    CHECK(field(s->execute({"CLIENT", "INFO"}).str, "flags") == "U");
    CHECK(s->execute({"CLIENT", "NO-EVICT", "maybe"}) == error("ERR syntax error"));
    CHECK(s->execute({"CLIENT", "NO-EVICT", "ON"}) == ok());
    CHECK(s->no_evict());
    h.engine.close_session(s);
  }

  TEST_CASE("CLIENT LIST") {
    Harness h;
    Session& me = *h.engine.default_session();
    Session* a = h.engine.open_session();
    Session* b = h.engine.open_session();
    a->set_peer("10.0.0.1:5000", "127.0.0.1:6379");
    b->set_peer("10.0.0.2:6000", "127.0.0.1:6379");

    auto all = lines(h.run({"CLIENT", "LIST"}).str);
    REQUIRE(all.size() == 3);
    // Oldest first.
    CHECK(field(all[0], "id") == std::to_string(me.id()));
    CHECK(field(all[1], "id") == std::to_string(a->id()));
    CHECK(field(all[2], "id") == std::to_string(b->id()));
    CHECK(field(all[1], "addr") == "10.0.0.1:5000");
    CHECK(field(all[1], "laddr") == "127.0.0.1:6379");
    CHECK(field(all[0], "cmd") == "client|list");

    CHECK(lines(h.run({"CLIENT", "LIST", "TYPE", "normal"}).str).size() == 3);
    CHECK(h.run({"CLIENT", "LIST", "TYPE", "PUBSUB"}) == bulk(""));
    CHECK(h.run({"CLIENT", "LIST", "TYPE", "replica"}) == bulk(""));
    CHECK(h.run({"CLIENT", "LIST", "TYPE", "master"}) == bulk(""));
    CHECK(h.run({"CLIENT", "LIST", "TYPE", "slave"}) == bulk(""));
    CHECK(h.run({"CLIENT", "LIST", "TYPE", "foo"}) == error("ERR Unknown client type 'foo'"));

    auto some = lines(h.run({"CLIENT", "LIST", "ID", std::to_string(b->id()), "999", std::to_string(a->id())}).str);
    REQUIRE(some.size() == 2);  // in the order asked, unknown ids skipped
    CHECK(field(some[0], "id") == std::to_string(b->id()));
    CHECK(field(some[1], "id") == std::to_string(a->id()));
    CHECK(h.run({"CLIENT", "LIST", "ID", "abc"}) == error("ERR Invalid client ID"));
    CHECK(h.run({"CLIENT", "LIST", "ID", "1", "abc"}) == error("ERR Invalid client ID"));
    CHECK(h.run({"CLIENT", "LIST", "ID"}) == error("ERR syntax error"));
    CHECK(h.run({"CLIENT", "LIST", "foo"}) == error("ERR syntax error"));
    CHECK(h.run({"CLIENT", "LIST", "TYPE", "normal", "x"}) == error("ERR syntax error"));

    // A killed session is gone from the list even before the adapter closes it.
    a->close_now();
    CHECK(lines(h.run({"CLIENT", "LIST"}).str).size() == 2);
    h.engine.close_session(a);
    h.engine.close_session(b);
  }

  TEST_CASE("CLIENT LIST shows the pending query buffer of a pipelined batch") {
    Harness h;
    Session* s = h.engine.open_session();
    std::string batch = multibulk({"CLIENT", "LIST"});
    std::size_t avail = 0;
    char* space = s->input_space(batch.size(), avail);
    REQUIRE(space != nullptr);
    std::memcpy(space, batch.data(), batch.size());
    s->commit_input(batch.size());
    std::string out = take_output(*s);
    CHECK(out.find("qbuf=26 ") != std::string::npos);  // the command itself, as Redis
    h.engine.close_session(s);
  }

  TEST_CASE("CLIENT KILL, old form") {
    Harness h;
    Session* a = h.engine.open_session();
    a->set_peer("10.0.0.1:5000", "127.0.0.1:6379");
    int notified = 0;
    h.engine.set_output_listener([](void* ctx, Session&) { ++*static_cast<int*>(ctx); }, &notified);
    CHECK(h.run({"CLIENT", "KILL", "10.0.0.9:1"}) == error("ERR No such client"));
    CHECK(!a->want_close());
    CHECK(h.run({"CLIENT", "KILL", "10.0.0.1:5000"}) == ok());
    CHECK(a->want_close());
    CHECK(notified == 1);
    // Already killed: nothing left to kill.
    CHECK(h.run({"CLIENT", "KILL", "10.0.0.1:5000"}) == error("ERR No such client"));
    h.engine.set_output_listener(nullptr, nullptr);
    h.engine.close_session(a);
  }

  TEST_CASE("CLIENT KILL, old form, can kill the caller after replying") {
    Harness h;
    Session* a = h.engine.open_session();
    a->set_peer("10.0.0.1:5000", "127.0.0.1:6379");
    a->feed(multibulk({"CLIENT", "KILL", "10.0.0.1:5000"}));
    CHECK(take_output(*a) == "+OK\r\n");
    CHECK(a->want_close());
    h.engine.close_session(a);
  }

  TEST_CASE("CLIENT KILL with filters") {
    Harness h;
    Session& me = *h.engine.default_session();
    Session* a = h.engine.open_session();
    Session* b = h.engine.open_session();
    Session* c = h.engine.open_session();
    a->set_peer("10.0.0.1:5000", "127.0.0.1:6379");
    b->set_peer("10.0.0.2:6000", "127.0.0.1:6380");
    c->set_peer("10.0.0.3:7000", "127.0.0.1:6380");

    CHECK(h.run({"CLIENT", "KILL", "ID", "999"}) == integer(0));
    CHECK(h.run({"CLIENT", "KILL", "ID", std::to_string(a->id())}) == integer(1));
    CHECK(a->want_close());
    CHECK(h.run({"CLIENT", "KILL", "ADDR", "10.0.0.2:6000"}) == integer(1));
    CHECK(b->want_close());
    CHECK(h.run({"CLIENT", "KILL", "LADDR", "127.0.0.1:6380", "ID", std::to_string(b->id())}) == integer(0));
    CHECK(h.run({"CLIENT", "KILL", "LADDR", "127.0.0.1:6380"}) == integer(1));
    CHECK(c->want_close());
    CHECK(!me.closing());

    Session* d = h.engine.open_session();
    Session* e = h.engine.open_session();
    // MAXAGE (Redis 7.4): only sessions at least that old.
    h.clock.advance_ms(10'000);
    Session* young = h.engine.open_session();
    CHECK(h.run({"CLIENT", "KILL", "MAXAGE", "5", "SKIPME", "yes"}) == integer(2));
    CHECK(d->want_close());
    CHECK(e->want_close());
    CHECK(!young->want_close());
    CHECK(h.run({"CLIENT", "KILL", "TYPE", "pubsub"}) == integer(0));
    CHECK(h.run({"CLIENT", "KILL", "USER", "default", "TYPE", "normal"}) == integer(1));
    CHECK(young->want_close());
    CHECK(!me.closing());
    // SKIPME no: the caller too, after its reply.
    CHECK(h.run({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"}) == integer(1));
    CHECK(me.closing());
    for (Session* s : {a, b, c, d, e, young}) h.engine.close_session(s);
  }

  TEST_CASE("CLIENT KILL errors") {
    Harness h;
    CHECK(h.run({"CLIENT", "KILL", "ID", "10", "wrong_arg"}) == error("ERR syntax error"));
    CHECK(h.run({"CLIENT", "KILL", "ID", "str"}) == error("ERR client-id should be greater than 0"));
    CHECK(h.run({"CLIENT", "KILL", "ID", "-1"}) == error("ERR client-id should be greater than 0"));
    CHECK(h.run({"CLIENT", "KILL", "ID", "0"}) == error("ERR client-id should be greater than 0"));
    CHECK(h.run({"CLIENT", "KILL", "TYPE", "wrong_type"}) == error("ERR Unknown client type 'wrong_type'"));
    CHECK(h.run({"CLIENT", "KILL", "USER", "wrong_user"}) == error("ERR No such user 'wrong_user'"));
    CHECK(h.run({"CLIENT", "KILL", "SKIPME", "yes_or_no"}) == error("ERR syntax error"));
    CHECK(h.run({"CLIENT", "KILL", "MAXAGE", "x"}) == error("ERR maxage is not an integer or out of range"));
    CHECK(h.run({"CLIENT", "KILL", "MAXAGE", "0"}) == error("ERR maxage should be greater than 0"));
    CHECK(h.run({"CLIENT", "KILL", "FOO", "bar"}) == error("ERR syntax error"));
    CHECK(!h.engine.default_session()->closing());
  }

  TEST_CASE("CLIENT REPLY OFF, ON and SKIP") {
    Harness h;
    Session* s = h.engine.open_session();
    s->feed(multibulk({"CLIENT", "REPLY", "OFF"}) + multibulk({"PING", "a"}) + multibulk({"PING", "b"}) +
            multibulk({"CLIENT", "REPLY", "ON"}) + multibulk({"PING", "c"}));
    CHECK(take_output(*s) == "+OK\r\n$1\r\nc\r\n");

    s->feed(multibulk({"CLIENT", "REPLY", "SKIP"}) + multibulk({"PING", "a"}) + multibulk({"PING", "b"}));
    CHECK(take_output(*s) == "$1\r\nb\r\n");

    // ON right after SKIP answers and clears the skip.
    s->feed(multibulk({"CLIENT", "REPLY", "SKIP"}) + multibulk({"CLIENT", "REPLY", "ON"}) +
            multibulk({"PING"}));
    CHECK(take_output(*s) == "+OK\r\n+PONG\r\n");

    // SKIP while OFF changes nothing; errors are silenced too.
    s->feed(multibulk({"CLIENT", "REPLY", "OFF"}) + multibulk({"CLIENT", "REPLY", "SKIP"}) +
            multibulk({"CLIENT", "REPLY", "bad"}) + multibulk({"PING", "x"}) +
            multibulk({"CLIENT", "REPLY", "ON"}));
    CHECK(take_output(*s) == "+OK\r\n");
    CHECK(s->execute({"CLIENT", "REPLY", "maybe"}) == error("ERR syntax error"));
    h.engine.close_session(s);
  }

  TEST_CASE("CLIENT HELP") {
    Harness h;
    Reply r = h.run({"CLIENT", "HELP"});
    REQUIRE(r.type == Reply::Type::array);
    CHECK(r[0] == simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    CHECK(r[r.size() - 2] == simple("HELP"));
    CHECK(r[r.size() - 1] == simple("    Prints this help."));
    bool kill = false;
    for (const Reply& line : r.elements) kill = kill || line.str == "KILL <ip:port>";
    CHECK(kill);
  }
}

TEST_SUITE("client") {
  // A request whose last argument is still arriving: its bytes stay in the session's input.
  static std::string partial_bulk(std::size_t n) {
    return "*1\r\n$" + std::to_string(n + 10) + "\r\n" + std::string(n, 'v');
  }

  static std::string info_field(Harness& h, const std::string& section, const std::string& name) {
    std::string text = h.run({"INFO", section}).str;
    std::size_t pos = text.find(name + ":");
    if (pos == std::string::npos) return "<missing>";
    pos += name.size() + 1;
    return text.substr(pos, text.find('\r', pos) - pos);
  }

  TEST_CASE("maxmemory-clients evicts the sessions using the most memory") {
    Harness h;
    Session* a = h.engine.open_session();
    Session* b = h.engine.open_session();
    Session* c = h.engine.open_session();
    a->feed(partial_bulk(300000));
    b->feed(partial_bulk(150000));
    CHECK(h.engine.client_eviction_limit() == 0);
    CHECK(h.engine.client_memory() == 0);  // not tracked without a limit
    const std::size_t ma = a->memory_usage(), mb = b->memory_usage(), mc = c->memory_usage();
    CHECK(ma >= 300000);
    CHECK(field(h.run({"CLIENT", "LIST", "ID", std::to_string(a->id())}).str, "tot-mem") == std::to_string(ma));

    SUBCASE("a lower limit evicts the largest sessions until the rest fit") {
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", std::to_string(ma + mb + mc)}) == ok());
      CHECK(a->want_close());  // at the limit is over it, as in Redis
      CHECK_FALSE(b->want_close());
      CHECK_FALSE(c->want_close());
      CHECK(h.engine.client_memory() == mb + mc);
      CHECK(info_field(h, "stats", "evicted_clients") == "1");
      CHECK(h.run({"CONFIG", "RESETSTAT"}) == ok());
      CHECK(info_field(h, "stats", "evicted_clients") == "0");
    }
    SUBCASE("input growing past the limit evicts the session before its command runs") {
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", std::to_string(ma + mb + mc + 100000)}) == ok());
      CHECK_FALSE(a->want_close());
      c->feed(partial_bulk(400000));  // now the largest
      CHECK(c->want_close());
      CHECK_FALSE(a->want_close());
      CHECK_FALSE(b->want_close());
    }
    SUBCASE("CLIENT NO-EVICT on keeps a session; off makes it a candidate again") {
      CHECK(a->execute({"CLIENT", "NO-EVICT", "on"}) == ok());
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "1"}) == ok());  // read as 128 KB, Redis's floor
      CHECK(h.engine.client_eviction_limit() == 128 * 1024);
      CHECK_FALSE(a->want_close());
      CHECK(b->want_close());
      CHECK_FALSE(c->want_close());
      CHECK(field(a->execute({"CLIENT", "INFO"}).str, "flags") == "e");
      CHECK(a->execute({"CLIENT", "NO-EVICT", "off"}) == ok());
      CHECK(a->want_close());
      CHECK(info_field(h, "stats", "evicted_clients") == "2");
    }
    SUBCASE("a percentage of maxmemory, which off means no limit") {
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "50%"}) == ok());
      CHECK(h.engine.client_eviction_limit() == 0);
      CHECK(h.run({"CONFIG", "SET", "maxmemory", std::to_string((ma + mb + mc) * 2)}) == ok());
      CHECK(h.engine.client_eviction_limit() == ma + mb + mc);
      CHECK(a->want_close());
      CHECK_FALSE(b->want_close());
    }
    SUBCASE("limit 0 stops tracking") {
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "10mb"}) == ok());
      CHECK(h.engine.client_memory() == ma + mb + mc);
      CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "0"}) == ok());
      CHECK(h.engine.client_memory() == 0);
      CHECK_FALSE(a->want_close());
    }
    for (Session* s : {a, b, c}) h.engine.close_session(s);
    CHECK(h.engine.client_memory() == 0);
  }

  TEST_CASE("client memory counts MULTI queues, watched keys and subscriptions") {
    Harness h;
    Session* s = h.engine.open_session();
    auto tot_mem = [&] {
      return std::stoull(field(h.run({"CLIENT", "LIST", "ID", std::to_string(s->id())}).str, "tot-mem"));
    };
    const auto idle = tot_mem();
    for (int i = 0; i < 100; ++i) CHECK(s->execute({"WATCH", "key" + std::to_string(i)}) == ok());
    const auto watching = tot_mem();
    CHECK(watching > idle);
    CHECK(s->execute({"MULTI"}) == ok());
    CHECK(s->execute({"SET", "k", std::string(10000, 'v')}) == simple("QUEUED"));
    CHECK(tot_mem() > watching + 10000);
    CHECK(s->execute({"DISCARD"}) == ok());
    CHECK(s->execute({"UNWATCH"}) == ok());

    // Subscriptions count, and so do the messages waiting in the output buffer.
    CHECK(h.run({"CONFIG", "SET", "maxmemory-clients", "200000"}) == ok());
    const std::size_t before = h.engine.client_memory();
    s->feed(multibulk({"SUBSCRIBE", "a", "b", "c"}));
    CHECK(h.engine.client_memory() > before);
    const std::string big(100000, 'm');
    CHECK(h.run({"PUBLISH", "a", big}) == integer(1));
    CHECK_FALSE(s->want_close());
    CHECK(h.run({"PUBLISH", "a", big}) == integer(1));
    CHECK(s->want_close());  // its unread messages passed the limit
    h.engine.close_session(s);
  }

  TEST_CASE("INFO clients and stats fields of client eviction and timeouts") {
    Harness h;
    Session* s = h.engine.open_session();
    CHECK(info_field(h, "clients", "clients_in_timeout_table") == "0");
    s->feed(multibulk({"BLPOP", "list", "5"}));
    CHECK(info_field(h, "clients", "clients_in_timeout_table") == "1");
    CHECK(info_field(h, "clients", "blocked_clients") == "1");
    s->feed(multibulk({"BLPOP", "list", "0"}));  // waits behind the first
    h.clock.advance_ms(6000);
    h.engine.tick();
    CHECK(info_field(h, "clients", "clients_in_timeout_table") == "0");  // blocked with no timeout
    CHECK(info_field(h, "clients", "blocked_clients") == "1");
    CHECK(info_field(h, "stats", "evicted_clients") == "0");
    // INFO memory splits client memory as Redis: replicas apart from every other client.
    CHECK(info_field(h, "memory", "mem_clients_slaves") == "0");
    CHECK(std::stoull(info_field(h, "memory", "mem_clients_normal")) >= s->memory_usage());
    Session* replica = h.engine.open_session();
    replica->feed(multibulk({"SYNC"}));
    REQUIRE(replica->replica());
    CHECK(std::stoull(info_field(h, "memory", "mem_clients_slaves")) == replica->memory_usage());
    h.engine.close_session(replica);
    h.engine.close_session(s);
  }
}
