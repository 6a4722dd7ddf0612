// The replica side of replication (REPLICAOF): two engines in one process, the replica's master
// link wired to a session of the master by pumping bytes between them (what an adapter does).
#include "harness.hpp"

#include <string>
#include <vector>

using namespace microredis;
using namespace mrtest;

namespace {

struct Pair {
  Harness m{1};
  Harness r{2};
  Session* link = nullptr;  // the replica's master link
  Session* peer = nullptr;  // the master's session for it
  int wanted = 0;           // master link listener calls

  Pair() {
    r.engine.set_master_link_listener([](void* ctx) { ++*static_cast<int*>(ctx); }, &wanted);
  }
  ~Pair() { drop(); }

  // What an adapter does once the engine wants a link: connect, attach, move bytes.
  void connect() {
    MasterLinkRequest req;
    REQUIRE(r.engine.wanted_master_link(req));
    CHECK(req.host == "master");
    CHECK(req.port == 6379);
    r.engine.master_link_connecting(req.generation);
    peer = m.engine.open_session();
    link = r.engine.attach_master_link(req.generation);
    REQUIRE(link != nullptr);
    pump();
  }
  void pump() {
    for (int i = 0; i < 1000; ++i) {
      bool moved = false;
      if (link != nullptr && link->has_output()) {
        const std::string out = take_output(*link);
        if (peer != nullptr) peer->feed(out);
        moved = true;
      }
      if (peer != nullptr && link != nullptr && peer->has_output()) {
        const std::string out = take_output(*peer);
        link->feed(out);
        moved = true;
      }
      if (!moved) break;
    }
  }
  // The connection ends (either side closed it).
  void drop() {
    if (link != nullptr) r.engine.close_session(link);
    if (peer != nullptr) m.engine.close_session(peer);
    link = peer = nullptr;
  }
  void attach() {
    REQUIRE(r.run({"REPLICAOF", "master", "6379"}) == ok());
    connect();
    REQUIRE(r.run({"ROLE"}).elements.at(3).str == "connected");
  }
};

std::string info_field(Harness& h, const std::string& name) {
  const std::string info = h.run({"INFO", "replication"}).str;
  const std::size_t at = info.find("\r\n" + name + ":");
  if (at == std::string::npos) return "<none>";
  const std::size_t from = at + name.size() + 3;
  return info.substr(from, info.find("\r\n", from) - from);
}

}  // namespace

TEST_SUITE("replication") {
  TEST_CASE("REPLICAOF: full resynchronization copies every type, then the stream is applied") {
    Pair p;
    Harness& m = p.m;
    m.run({"SET", "s", "hello"});
    m.run({"SET", "n", "12345"});
    m.run({"SET", "ttl", "v", "PX", "100000"});
    m.run({"RPUSH", "l", "a", "b", "c"});
    m.run({"HSET", "h", "f", "v", "g", "w"});
    m.run({"SADD", "si", "1", "2", "3"});
    m.run({"SADD", "ss", "x", "y"});
    m.run({"ZADD", "z", "1", "a", "2.5", "b"});
    m.run({"XADD", "x", "1-1", "f", "v"});
    m.run({"PFADD", "hll", "a", "b", "c"});
    m.run({"SELECT", "3"});
    m.run({"SET", "in3", "x"});
    m.run({"SELECT", "0"});
    p.r.run({"SET", "old", "gone"});  // the replica's own data is replaced

    CHECK(p.r.run({"REPLICAOF", "master", "6379"}) == ok());
    CHECK(p.wanted == 1);
    CHECK(p.r.run({"ROLE"}) == Reply::array({bulk("slave"), bulk("master"), integer(6379), bulk("connect"), integer(-1)}));
    CHECK(p.r.run({"REPLICAOF", "master", "6379"}) == Reply::simple("OK Already connected to specified master"));
    p.connect();
    CHECK(p.r.run({"ROLE"}).elements.at(3).str == "connected");
    CHECK(p.r.run({"DEBUG", "DIGEST"}) == m.run({"DEBUG", "DIGEST"}));
    CHECK(p.r.run({"EXISTS", "old"}) == integer(0));
    CHECK(p.r.run({"PTTL", "ttl"}).integer > 99000);
    CHECK(info_field(p.r, "role") == "slave");
    // The link is the replica's master client (flags M, type master).
    const std::string masters = p.r.run({"CLIENT", "LIST", "TYPE", "master"}).str;
    CHECK(masters.find("flags=M ") != std::string::npos);
    CHECK(p.m.run({"CLIENT", "LIST", "TYPE", "replica"}).str.find("flags=S ") != std::string::npos);
    CHECK(info_field(p.r, "master_link_status") == "up");
    CHECK(info_field(p.r, "master_replid") == info_field(m, "master_replid"));
    CHECK(info_field(m, "connected_slaves") == "1");

    // The stream: every kind of write, transactions, databases.
    m.run({"INCR", "n"});
    m.run({"EXPIRE", "s", "1000"});
    m.run({"DEL", "l"});
    m.run({"MULTI"});
    m.run({"SET", "t1", "a"});
    m.run({"SELECT", "5"});
    m.run({"SET", "t2", "b"});
    m.run({"EXEC"});
    m.run({"SELECT", "0"});
    m.run({"LPUSH", "l2", "z"});
    p.pump();
    CHECK(p.r.run({"GET", "n"}) == bulk("12346"));
    CHECK(p.r.run({"TTL", "s"}) == integer(1000));
    CHECK(p.r.run({"EXISTS", "l"}) == integer(0));
    CHECK(p.r.run({"GET", "t1"}) == bulk("a"));
    CHECK(p.r.run({"SELECT", "5"}) == ok());
    CHECK(p.r.run({"GET", "t2"}) == bulk("b"));
    CHECK(p.r.run({"SELECT", "0"}) == ok());
    CHECK(p.r.run({"DEBUG", "DIGEST"}) == m.run({"DEBUG", "DIGEST"}));
    CHECK(info_field(p.r, "slave_repl_offset") == info_field(m, "master_repl_offset"));
    CHECK(info_field(p.r, "master_repl_offset") == info_field(m, "master_repl_offset"));
  }

  TEST_CASE("a replica refuses writes (READONLY) and, link down, serves stale data only if allowed (MASTERDOWN)") {
    Pair p;
    Harness& r = p.r;
    r.run({"SET", "k", "v"});
    CHECK(r.run({"REPLICAOF", "master", "6379"}) == ok());
    CHECK(r.run({"SET", "x", "1"}) == error(Status::readonly_replica));
    CHECK(r.run({"GET", "k"}) == bulk("v"));  // stale data served (replica-serve-stale-data yes)
    // A transaction with a write fails as a whole at EXEC.
    Session* c = r.engine.open_session();
    CHECK(wire(*c, {"MULTI"}) == "+OK\r\n");
    CHECK(wire(*c, {"SET", "x", "1"}) == "-READONLY You can't write against a read only replica.\r\n");
    CHECK(wire(*c, {"EXEC"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
    CHECK(r.run({"CONFIG", "SET", "replica-read-only", "no"}) == ok());
    CHECK(r.run({"SET", "x", "1"}) == ok());
    CHECK(r.run({"CONFIG", "SET", "replica-read-only", "yes"}) == ok());

    CHECK(r.run({"CONFIG", "SET", "replica-serve-stale-data", "no"}) == ok());
    CHECK(r.run({"GET", "k"}) == error(Status::master_down));
    CHECK(r.run({"PING"}) == error(Status::master_down));
    CHECK(r.run({"INFO", "replication"}).str.find("role:slave") != std::string::npos);
    // Refused while queueing, as any command; and EXEC is judged by its queued commands: one
    // without the stale flag aborts it when the link went down after it was queued.
    CHECK(wire(*c, {"MULTI"}) == "+OK\r\n");
    CHECK(wire(*c, {"GET", "k"}) ==
          "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n");
    CHECK(wire(*c, {"EXEC"}) == "-EXECABORT Transaction discarded because of previous errors.\r\n");
    CHECK(r.run({"CONFIG", "SET", "replica-serve-stale-data", "yes"}) == ok());
    CHECK(wire(*c, {"MULTI"}) == "+OK\r\n");
    CHECK(wire(*c, {"GET", "k"}) == "+QUEUED\r\n");
    CHECK(r.run({"CONFIG", "SET", "replica-serve-stale-data", "no"}) == ok());
    CHECK(wire(*c, {"EXEC"}) ==
          "-EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and "
          "replica-serve-stale-data is set to 'no'.\r\n");
    // Once the link is up the replica serves everything again.
    p.connect();
    CHECK(r.run({"GET", "k"}) == nil());  // the master's (empty) dataset
    CHECK(r.run({"PING"}) == Reply::simple("PONG"));
    CHECK(info_field(r, "master_link_down_since_seconds") == "<none>");
    r.engine.close_session(c);
  }

  TEST_CASE("keys do not expire on a replica until the master deletes them") {
    Pair p;
    p.attach();
    CHECK(p.m.run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}) == ok());
    p.m.run({"SET", "k", "v", "PX", "500"});
    p.pump();
    p.r.clock.advance_ms(1000);
    p.r.engine.tick();
    CHECK(p.r.run({"GET", "k"}) == nil());       // logically expired for the replica's clients
    CHECK(p.r.run({"DBSIZE"}) == integer(1));    // ... but still there
    CHECK(p.r.run({"EXISTS", "k"}) == integer(0));
    CHECK(p.r.run({"DBSIZE"}) == integer(1));
    p.m.clock.advance_ms(1000);
    CHECK(p.m.run({"GET", "k"}) == nil());  // the master expires it and propagates the DEL
    p.pump();
    CHECK(p.r.run({"DBSIZE"}) == integer(0));
  }

  TEST_CASE("REPLCONF GETACK is answered with REPLCONF ACK; WAIT counts acknowledging replicas") {
    Pair p;
    p.attach();
    Session* c = p.m.engine.open_session();
    CHECK(wire(*c, {"SET", "a", "1"}) == "+OK\r\n");
    // Blocks until the replica acknowledges; the master asked it for an ACK already.
    c->feed(multibulk({"WAIT", "1", "0"}));
    CHECK(c->blocked());
    CHECK(p.peer->pending_output().find("GETACK") != std::string_view::npos);
    p.pump();
    CHECK(take_output(*c) == ":1\r\n");
    // More replicas than there are: the count at the timeout.
    c->feed(multibulk({"WAIT", "2", "1000"}));
    CHECK(c->blocked());
    p.pump();
    CHECK(!c->has_output());
    p.m.clock.advance_ms(1001);
    p.m.engine.tick();
    CHECK(take_output(*c) == ":1\r\n");
    // Nothing to wait for: at once. (This client's last command, the WAIT before, ended after the
    // GETACK it sent, which the replica's ACK to it does not count, as in Redis.)
    CHECK(wire(*c, {"WAIT", "0", "0"}) == ":0\r\n");
    CHECK(wire(*c, {"WAIT", "1", "-1"}) == "-ERR timeout is negative\r\n");
    // The replica refuses WAIT.
    CHECK(p.r.run({"WAIT", "0", "0"}) == error(Status::wait_on_replica));
    // The replica ACKs once a second by itself.
    p.r.clock.advance_ms(1000);
    p.r.engine.tick();
    CHECK(p.link->pending_output().find("ACK") != std::string_view::npos);
    p.pump();
    CHECK(info_field(p.m, "slave0").find(",offset=" + info_field(p.m, "master_repl_offset") + ",") !=
          std::string::npos);
    CHECK(wire(*c, {"WAIT", "1", "0"}) == ":1\r\n");
    p.m.engine.close_session(c);
  }

  TEST_CASE("REPLICAOF NO ONE: a master again with the data, a new replication id, replicas dropped") {
    Pair p;
    p.m.run({"SET", "k", "v"});
    p.attach();
    const std::string id = info_field(p.r, "master_replid");
    Session* sub = p.r.engine.open_session();
    sub->feed("SYNC\r\n");
    CHECK(sub->replica());
    CHECK(p.r.run({"REPLICAOF", "NO", "ONE"}) == ok());
    CHECK((p.link == nullptr || p.link->want_close()));
    CHECK(sub->want_close());
    CHECK(p.r.run({"ROLE"}).elements.at(0).str == "master");
    CHECK(p.r.run({"GET", "k"}) == bulk("v"));
    CHECK(p.r.run({"SET", "w", "1"}) == ok());
    CHECK(info_field(p.r, "master_replid2") == id);
    CHECK(info_field(p.r, "master_replid") != id);
    CHECK(p.r.run({"REPLICAOF", "NO", "ONE"}) == ok());
    p.r.engine.close_session(sub);
  }

  TEST_CASE("a lost link is reconnected; repl-timeout detects a silent master") {
    Pair p;
    p.attach();
    CHECK(p.r.run({"CONFIG", "SET", "repl-timeout", "5"}) == ok());
    p.m.run({"SET", "a", "1"});
    p.pump();
    p.r.clock.advance_ms(6000);
    p.r.engine.tick();
    CHECK(p.link->want_close());
    p.drop();
    CHECK(p.r.run({"ROLE"}).elements.at(3).str == "connect");
    CHECK(info_field(p.r, "master_link_status") == "down");
    CHECK(info_field(p.r, "master_link_down_since_seconds") == "0");
    CHECK(p.r.run({"GET", "a"}) == bulk("1"));
    p.m.run({"SET", "b", "2"});
    p.connect();
    CHECK(p.r.run({"ROLE"}).elements.at(3).str == "connected");
    CHECK(p.r.run({"GET", "b"}) == bulk("2"));
    // A connection that fails is retried a second later.
    p.drop();
    MasterLinkRequest req;
    REQUIRE(p.r.engine.wanted_master_link(req));
    p.r.engine.master_link_connecting(req.generation);
    CHECK(p.r.run({"ROLE"}).elements.at(3).str == "connecting");
    p.r.engine.master_link_failed(req.generation);
    CHECK(!p.r.engine.wanted_master_link(req));
    p.r.clock.advance_ms(1000);
    p.r.engine.tick();
    CHECK(p.r.engine.wanted_master_link(req));
  }

  TEST_CASE("the diskless payload ($EOF:<mark>) with keep-alive newlines, and a replica's own replicas") {
    Harness m{1};
    m.run({"SET", "k", "v"});
    Session* sync = m.engine.open_session();
    sync->feed("SYNC\r\n");
    std::string image = take_output(*sync);
    image.erase(0, image.find("\r\n") + 2);
    m.engine.close_session(sync);

    Harness r{2};
    int wanted = 0;
    r.engine.set_master_link_listener([](void* ctx) { ++*static_cast<int*>(ctx); }, &wanted);
    REQUIRE(r.run({"REPLICAOF", "127.0.0.1", "1"}) == ok());
    MasterLinkRequest req;
    REQUIRE(r.engine.wanted_master_link(req));
    Session* link = r.engine.attach_master_link(req.generation);
    REQUIRE(link != nullptr);
    CHECK(take_output(*link) == multibulk({"PING"}));
    link->feed("+PONG\r\n");
    CHECK(take_output(*link) == multibulk({"REPLCONF", "listening-port", "6379"}) +
                                    multibulk({"REPLCONF", "capa", "eof", "capa", "psync2"}));
    link->feed("+OK\r\n-ERR whatever\r\n");  // REPLCONF errors are ignored, as Redis does
    const std::string psync = take_output(*link);
    CHECK(psync.find("PSYNC") != std::string::npos);
    const std::string mark(40, 'm');
    const std::string id(40, 'a');
    const std::string payload = "+FULLRESYNC " + id + " 1000\r\n\n\n$EOF:" + mark + "\r\n" + image + mark +
                                multibulk({"SET", "after", "1"}) + multibulk({"PING"});
    // Byte by byte: every split of the input gives the same result.
    for (char ch : payload) link->feed(std::string_view(&ch, 1));
    CHECK(r.run({"ROLE"}).elements.at(3).str == "connected");
    CHECK(r.run({"GET", "k"}) == bulk("v"));
    CHECK(r.run({"GET", "after"}) == bulk("1"));
    CHECK(info_field(r, "master_replid") == id);
    const std::int64_t expected = 1000 + static_cast<std::int64_t>(multibulk({"SET", "after", "1"}).size() +
                                                                   multibulk({"PING"}).size());
    CHECK(info_field(r, "master_repl_offset") == std::to_string(expected));
    // No reply to the master's commands, but the ACK (sent on sync, and for GETACK).
    CHECK(take_output(*link) == multibulk({"REPLCONF", "ACK", "1000"}));
    link->feed(multibulk({"REPLCONF", "GETACK", "*"}));
    CHECK(take_output(*link) == multibulk({"REPLCONF", "ACK", std::to_string(expected)}));

    // A replica of the replica gets the master's stream as it is applied.
    Session* sub = r.engine.open_session();
    sub->feed(multibulk({"PSYNC", "?", "-1"}));
    std::string out = take_output(*sub);
    CHECK(out.rfind("+FULLRESYNC " + id + " ", 0) == 0);
    link->feed(multibulk({"SELECT", "2"}) + multibulk({"SET", "x", "y"}));
    CHECK(take_output(*sub) == multibulk({"SELECT", "2"}) + multibulk({"SET", "x", "y"}));
    r.run({"SET", "own", "1"});  // refused (read-only), and never propagated anyway
    CHECK(!sub->has_output());
    // A transaction reaches the sub-replica whole, once EXEC arrived.
    link->feed(multibulk({"MULTI"}) + multibulk({"INCR", "c"}));
    CHECK(!sub->has_output());
    link->feed(multibulk({"EXEC"}));
    CHECK(take_output(*sub) == multibulk({"MULTI"}) + multibulk({"INCR", "c"}) + multibulk({"EXEC"}));
    r.engine.close_session(sub);
    r.engine.close_session(link);
    CHECK(r.run({"ROLE"}).elements.at(3).str == "connect");
  }

  TEST_CASE("PUBLISH reaches the replicas' subscribers, but not the AOF") {
    Pair p;
    MemoryAof aof(p.m.engine.memory());
    const AofSink sink = aof.sink();
    p.m.engine.set_aof_sink(&sink);
    CHECK(p.m.run({"CONFIG", "SET", "appendonly", "yes"}) == ok());
    p.attach();
    Session* sub = p.r.engine.open_session();
    (void)wire(*sub, {"SUBSCRIBE", "ch"});
    CHECK(p.m.run({"PUBLISH", "ch", "hello"}) == integer(0));
    p.pump();
    CHECK(take_output(*sub) == "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
    CHECK(aof.incremental().find("hello") == std::string_view::npos);
    p.r.engine.close_session(sub);
    p.drop();
    p.m.engine.set_aof_sink(nullptr);
  }

  TEST_CASE("REPLICAOF inside MULTI: the rest of the transaction is not propagated") {
    Harness h;
    int wanted = 0;
    h.engine.set_master_link_listener([](void* ctx) { ++*static_cast<int*>(ctx); }, &wanted);
    Session* sub = h.engine.open_session();
    sub->feed("SYNC\r\n");
    (void)take_output(*sub);
    h.run({"SET", "foo", "bar"});
    CHECK(h.run({"MULTI"}) == ok());
    h.run({"SET", "foo2", "bar"});
    h.run({"REPLICAOF", "localhost", "9999"});
    h.run({"SET", "foo3", "bar"});
    CHECK(h.run({"EXEC"}) == Reply::array({ok(), ok(), ok()}));
    CHECK(h.run({"SET", "foo4", "bar"}) == error(Status::readonly_replica));
    CHECK(take_output(*sub) == multibulk({"SELECT", "0"}) + multibulk({"SET", "foo", "bar"}));
    CHECK(h.run({"REPLICAOF", "NO", "ONE"}) == ok());
    h.engine.close_session(sub);
  }

  TEST_CASE("REPLICAOF errors, blocked clients, CONFIG replicaof") {
    Harness h;
    CHECK(h.run({"REPLICAOF", "host", "70000"}) == error(Status::invalid_master_port));
    CHECK(h.run({"REPLICAOF", "host", "x"}) == error(Status::invalid_master_port));
    // Without a transport that can connect (no master link listener), REPLICAOF is refused.
    CHECK(h.run({"REPLICAOF", "host", "1"}) == error(Status::replicaof_no_transport));
    CHECK(h.run({"REPLICAOF", "no", "one"}) == ok());
    int wanted = 0;
    h.engine.set_master_link_listener([](void* ctx) { ++*static_cast<int*>(ctx); }, &wanted);
    Session* sub = h.engine.open_session();
    sub->feed("SYNC\r\n");
    (void)take_output(*sub);
    CHECK(wire(*sub, {"REPLICAOF", "host", "1"}) == "-ERR Command is not valid when client is a replica.\r\n");
    h.engine.close_session(sub);
    // Clients blocked on keys are unblocked with an error and disconnected.
    Session* b = h.engine.open_session();
    b->feed(multibulk({"BLPOP", "list", "0"}));
    CHECK(b->blocked());
    CHECK(h.run({"SLAVEOF", "host", "1"}) == ok());
    CHECK(take_output(*b) ==
          "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n");
    CHECK(b->want_close());
    h.engine.close_session(b);
    CHECK(h.run({"CONFIG", "GET", "replicaof"}) == Reply::array({bulk("replicaof"), bulk("host 1")}));
    CHECK(h.run({"CONFIG", "GET", "slave-read-only"}) == Reply::array({bulk("slave-read-only"), bulk("yes")}));
    CHECK(h.run({"REPLICAOF", "no", "one"}) == ok());
    CHECK(h.run({"CONFIG", "GET", "replicaof"}) == Reply::array({bulk("replicaof"), bulk("")}));
    ConfigError err;
    CHECK(find_config("replicaof")->set(h.engine, "10.0.0.1 7000", err));
    CHECK(h.run({"ROLE"}) == Reply::array({bulk("slave"), bulk("10.0.0.1"), integer(7000), bulk("connect"), integer(-1)}));
    CHECK(!find_config("replicaof")->set(h.engine, "10.0.0.1 port", err));
    CHECK(err.view() == "Invalid master port");
  }
}
