// The in-process adapter (adapters/inproc): typed client, test controls, pub/sub callbacks,
// custom commands, observers, fault injection and snapshots.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/inproc.hpp"
#include "microredis/store/string.hpp"

using namespace microredis;
using namespace std::chrono_literals;
using mrtest::bulk;
using mrtest::integer;

namespace {

std::string str(const Reply& r) { return r.to_string(); }

}  // namespace

TEST_SUITE("inproc") {
  TEST_CASE("typed client: strings, keys and TTLs on the manual clock") {
    inproc::Instance db;
    auto& c = db.client();
    CHECK(c.set("k", "v").value());
    auto v = c.get("k");
    REQUIRE(v.ok());
    CHECK(v->value() == "v");
    CHECK(c.get("missing").value() == std::nullopt);
    CHECK(c.exists({"k", "missing", "k"}).value() == 2);

    CHECK(c.set("t", "x", 1500ms).value());
    CHECK(c.ttl("t").value() == 1500ms);
    db.advance(1000ms);
    CHECK(c.ttl("t").value() == 500ms);
    db.advance(501ms);
    CHECK(c.get("t").value() == std::nullopt);
    CHECK(c.ttl("t").value() == -2ms);
    CHECK(c.ttl("k").value() == -1ms);
    CHECK(c.expire("k", 10s).value());
    CHECK_FALSE(c.expire("nope", 10s).value());

    CHECK(c.incr("n").value() == 1);
    CHECK(c.incr("n", 41).value() == 42);
    auto bad = c.incr("k");
    CHECK_FALSE(bad.ok());
    CHECK(bad.error().message == "ERR value is not an integer or out of range");
    CHECK(bad.error().code() == "ERR");
    CHECK(bad.value() == 0);  // no exception: the default value

    CHECK(c.del("k").value() == 1);
    CHECK(c.del({"k", "n"}).value() == 1);

    CHECK(c.select(3).value());
    CHECK(c.get("n").value() == std::nullopt);
    CHECK_FALSE(c.select(99).ok());
    CHECK(c.select(0).value());

    // Anything else: a Reply, RESP3-shaped.
    CHECK(c.command({"ECHO", "hi"}) == bulk("hi"));
    CHECK(c.command({"NOSUCH"}).is_error());
    c.set("counter", "1");
    CHECK(c.command(std::vector<std::string>{"INCRBYFLOAT", "counter", "0.5"}) == bulk("1.5"));
    // Every client has its own session: its SELECT is its own.
    inproc::Client other(db.engine());
    CHECK(other.select(5).value());
    CHECK(c.get("counter").value() == std::optional<std::string>("1.5"));
  }

  TEST_CASE("typed client: hashes, lists, sets, sorted sets") {
    inproc::Instance db;
    auto& c = db.client();
    CHECK(c.hset("h", "a", "1").value() == 1);
    CHECK(c.hset("h", {{"b", "2"}, {"c", "3"}}).value() == 2);
    CHECK(c.hget("h", "b").value() == std::optional<std::string>("2"));
    CHECK(c.hget("h", "zz").value() == std::nullopt);
    auto all = c.hgetall("h").value();
    CHECK(all.size() == 3);
    CHECK(all[0] == std::pair<std::string, std::string>("a", "1"));
    CHECK(c.hdel("h", {"a", "zz"}).value() == 1);
    CHECK(c.hgetall("nohash").value().empty());

    CHECK(c.rpush("l", {"a", "b"}).value() == 2);
    CHECK(c.lpush("l", {"z"}).value() == 3);
    CHECK(c.lrange("l", 0, -1).value() == std::vector<std::string>{"z", "a", "b"});
    CHECK(c.lpop("l").value() == std::optional<std::string>("z"));
    CHECK(c.rpop("l").value() == std::optional<std::string>("b"));
    CHECK(c.lpop("nolist").value() == std::nullopt);

    CHECK(c.sadd("s", {"x", "y", "x"}).value() == 2);
    CHECK(c.sismember("s", "x").value());
    CHECK_FALSE(c.sismember("s", "q").value());
    auto members = c.smembers("s").value();
    std::sort(members.begin(), members.end());
    CHECK(members == std::vector<std::string>{"x", "y"});
    CHECK(c.srem("s", {"x"}).value() == 1);

    CHECK(c.zadd("z", 1.5, "one").value() == 1);
    CHECK(c.zadd("z", {{0.25, "zero"}, {3, "three"}}).value() == 2);
    CHECK(c.zscore("z", "one").value() == std::optional<double>(1.5));
    CHECK(c.zscore("z", "none").value() == std::nullopt);
    CHECK(c.zrange("z", 0, -1).value() == std::vector<std::string>{"zero", "one", "three"});
    auto ws = c.zrange_with_scores("z", 0, 0).value();
    REQUIRE(ws.size() == 1);
    CHECK(ws[0].first == "zero");
    CHECK(ws[0].second == 0.25);
    CHECK(c.zrank("z", "three").value() == std::optional<std::int64_t>(2));
    CHECK(c.zrank("z", "none").value() == std::nullopt);

    // Wrong types come back as typed errors.
    auto wrong = c.lpush("h", {"x"});
    CHECK_FALSE(wrong.ok());
    CHECK(wrong.error().code() == "WRONGTYPE");
    CHECK_FALSE(c.zscore("h", "a").ok());

    // RESP2 shapes work too.
    CHECK(c.command({"HELLO", "2"}).type == Reply::Type::array);
    CHECK(c.zscore("z", "one").value() == std::optional<double>(1.5));
    CHECK(c.hgetall("h").value().size() == 2);
    CHECK(c.zrange_with_scores("z", 0, -1).value().size() == 3);
  }

  TEST_CASE("deterministic seed and the manual clock") {
    auto draw = [](std::uint64_t seed) {
      inproc::InstanceOptions o;
      o.seed = seed;
      inproc::Instance db(o);
      for (int i = 0; i < 50; ++i) db.client().sadd("s", {std::to_string(i)});
      std::string out;
      for (int i = 0; i < 5; ++i) out += db.client().command({"SPOP", "s"}).str + ",";
      db.seed(99);
      out += db.client().command({"SRANDMEMBER", "s"}).str;
      return out;
    };
    CHECK(draw(1) == draw(1));
    CHECK(draw(1) != draw(2));

    inproc::Instance db;
    CHECK(db.client().command({"TIME"})[0] == bulk("1700000000"));
    db.advance(2s);
    CHECK(db.client().command({"TIME"})[0] == bulk("1700000002"));
    // advance() runs tick(): active expiry deletes keys nobody reads.
    db.client().set("gone", "1", 100ms);
    db.advance(200ms);
    CHECK(db.engine().db(0).size() == 0);
  }

  TEST_CASE("pub/sub with callbacks") {
    inproc::Instance db;
    auto& c = db.client();
    std::vector<std::string> got;
    REQUIRE(c.subscribe("news", [&](const inproc::Message& m) {
      got.push_back(std::string(m.kind) + " " + std::string(m.channel) + " " + std::string(m.payload));
    }).ok());
    REQUIRE(c.psubscribe("n*", [&](const inproc::Message& m) {
      got.push_back(std::string(m.kind) + " " + std::string(m.pattern) + " " + std::string(m.payload));
    }).ok());
    CHECK(c.publish("news", "hello").value() == 2);
    CHECK(got == std::vector<std::string>{"message news hello", "pmessage n* hello"});

    // Published elsewhere (the engine's own session, or a network connection): the next call or
    // poll() delivers it.
    got.clear();
    CHECK(db.engine().execute({"PUBLISH", "nope", "x"}) == integer(1));
    CHECK(got.empty());
    CHECK(c.poll() == 1);
    CHECK(got == std::vector<std::string>{"pmessage n* x"});

    // The client's own session is not subscribed: it runs any command.
    CHECK(c.set("k", "v").value());
    CHECK(c.unsubscribe("news").value());
    CHECK(c.punsubscribe("n*").value());
    got.clear();
    CHECK(c.publish("news", "again").value() == 0);
    CHECK(got.empty());

    // A handler may call the client (here: unsubscribe itself and write a key).
    int calls = 0;
    REQUIRE(c.subscribe("once", [&](const inproc::Message&) {
      ++calls;
      CHECK(c.unsubscribe("once").value());
      CHECK(c.set("seen", "1").value());
    }).ok());
    CHECK(c.publish("once", "a").value() == 1);
    CHECK(c.publish("once", "b").value() == 0);
    CHECK(calls == 1);
    CHECK(c.get("seen").value() == std::optional<std::string>("1"));
    CHECK_FALSE(c.subscribe("x", {}).ok());
  }

  TEST_CASE("custom commands: dispatch, errors, COMMAND INFO/DOCS/COUNT, key positions") {
    inproc::Instance db;
    inproc::CommandRegistry commands(db.engine());
    auto& c = db.client();
    const std::int64_t count_before = c.command({"COMMAND", "COUNT"}).integer;

    inproc::CommandDef def;
    def.name = "APPEND2";  // names are lower-cased
    def.arity = 3;
    def.flags = kWrite | kDenyOom;
    def.first_key = 1;
    def.last_key = 1;
    def.key_step = 1;
    def.summary = "Appends the value twice.";
    def.syntax = "key value";
    def.acl = kAclString;
    REQUIRE(commands.add(def, [](Context& ctx) {
      // Built from built-in pieces: the engine's own APPEND, twice, through the writer.
      Entry* e = ctx.write_key(ctx.arg(1));
      if (!ctx.check_type(e, ValueType::string)) return;
      std::string value;
      if (e != nullptr) {
        IntText buf;
        value = std::string(string_of(*e, buf));
      }
      value += std::string(ctx.arg(2)) + std::string(ctx.arg(2));
      Entry::Layout layout;
      if (!make_string(ctx.mem(), value, layout) || ctx.db.put(ctx.arg(1), layout, -1) == nullptr) {
        return ctx.out.error(Status::oom);
      }
      ctx.modified(ctx.arg(1));
      ctx.notify(kNotifyString, "append", ctx.arg(1));
      ctx.out.integer(static_cast<std::int64_t>(value.size()));
    }));
    CHECK_FALSE(commands.add(def, [](Context& ctx) { ctx.out.ok(); }));  // taken
    inproc::CommandDef builtin;
    builtin.name = "get";
    CHECK_FALSE(commands.add(builtin, [](Context& ctx) { ctx.out.ok(); }));
    inproc::CommandDef bad;
    bad.name = "has space";
    CHECK_FALSE(commands.add(bad, [](Context& ctx) { ctx.out.ok(); }));
    bad.name = "zero";
    bad.arity = 0;
    CHECK_FALSE(commands.add(bad, [](Context& ctx) { ctx.out.ok(); }));

    inproc::CommandDef hello;
    hello.name = "greet";
    hello.arity = -1;
    hello.flags = kReadonly | kFast;
    hello.summary = "Says hello.";
    hello.syntax = "[name]";
    REQUIRE(commands.add(hello, [](Context& ctx) {
      std::string s = "hello " + std::string(ctx.argc > 1 ? ctx.arg(1) : "world");
      ctx.out.bulk(s);
    }));

    CHECK(c.command({"append2", "k", "ab"}) == integer(4));
    CHECK(c.command({"APPEND2", "k", "c"}) == integer(6));
    CHECK(c.get("k").value() == std::optional<std::string>("ababcc"));
    CHECK(c.command({"greet"}) == bulk("hello world"));
    CHECK(c.command({"GREET", "you"}) == bulk("hello you"));
    CHECK(c.command({"append2", "k"}) ==
          mrtest::error("ERR wrong number of arguments for 'append2' command"));
    c.hset("h", "f", "v");
    CHECK(c.command({"append2", "h", "x"}) == mrtest::error(Status::wrong_type));

    CHECK(c.command({"COMMAND", "COUNT"}).integer == count_before + 2);
    Reply info = c.command({"COMMAND", "INFO", "append2"});
    REQUIRE(info.size() == 1);
    INFO(str(info));
    CHECK(info[0][0] == bulk("append2"));
    CHECK(info[0][1] == integer(3));
    CHECK(str(info[0][2]).find("write") != std::string::npos);
    CHECK(str(info[0][2]).find("denyoom") != std::string::npos);
    CHECK(info[0][3] == integer(1));
    CHECK(info[0][4] == integer(1));
    CHECK(info[0][5] == integer(1));
    CHECK(c.command({"COMMAND", "GETKEYS", "append2", "mykey", "v"}) == mrtest::bulks({"mykey"}));
    Reply docs = c.command({"COMMAND", "DOCS", "greet"});
    INFO(str(docs));
    CHECK(str(docs).find("Says hello.") != std::string::npos);
    CHECK(str(c.command({"COMMAND", "LIST"})).find("greet") != std::string::npos);

    // Inside MULTI and through WATCH, like any command.
    inproc::Client other(db.engine());
    CHECK(c.command({"WATCH", "k"}) == mrtest::ok());
    CHECK(other.command({"append2", "k", "z"}) == integer(8));
    CHECK(c.command({"MULTI"}) == mrtest::ok());
    CHECK(c.command({"greet"}) == mrtest::simple("QUEUED"));
    CHECK(c.command({"EXEC"}).is_null());
    CHECK(c.command({"MULTI"}) == mrtest::ok());
    CHECK(c.command({"greet", "x"}) == mrtest::simple("QUEUED"));
    CHECK(c.command({"EXEC"}) == mrtest::array({bulk("hello x")}));
    // INFO commandstats counts it.
    CHECK(c.command({"INFO", "commandstats"}).str.find("cmdstat_greet:calls=") != std::string::npos);
  }

  TEST_CASE("observers: write, expire and evict with the old value") {
    inproc::Instance db;
    auto& c = db.client();
    std::vector<std::string> events;
    auto record = [&](const inproc::KeyEvent& e) {
      static const char* names[] = {"write", "expire", "evict"};
      std::string line = std::string(names[static_cast<int>(e.what)]) + " " + std::to_string(e.db) + " " +
                         std::string(e.key) + " ";
      line += e.had_value() ? e.old_value().to_string() : std::string("(none)");
      events.push_back(line);
    };
    {
      inproc::Observers obs(db.engine());
      obs.on_write(record);
      obs.on_expire(record);
      obs.on_evict(record);

      c.set("s", "one");
      c.set("s", "two");
      c.incr("n");
      c.incr("n");
      c.hset("h", {{"a", "1"}});
      c.hset("h", "b", "2");
      c.rpush("l", {"x", "y"});
      c.lpop("l");
      c.del({"s", "missing"});
      c.get("n");  // reads are not writes
      c.set("n", "x", 0ms);  // an int-encoded old value
      REQUIRE(events.size() == 10);
      CHECK(events[0] == "write 0 s (none)");
      CHECK(events[1] == "write 0 s \"one\"");
      CHECK(events[2] == "write 0 n (none)");
      CHECK(events[3] == "write 0 n \"1\"");
      CHECK(events[4] == "write 0 h (none)");
      CHECK(events[5].rfind("write 0 h ", 0) == 0);
      CHECK(events[5].find("\"a\"") != std::string::npos);
      CHECK(events[6] == "write 0 l (none)");
      CHECK(events[7].rfind("write 0 l ", 0) == 0);
      CHECK(events[7].find("\"y\"") != std::string::npos);
      CHECK(events[8] == "write 0 s \"two\"");
      CHECK(events[9] == "write 0 n \"2\"");

      // old_string() gives a view of strings, integers included.
      std::string seen;
      obs.on_write([&](const inproc::KeyEvent& e) {
        if (auto s = e.old_string()) seen = std::string(*s);
      });
      c.set("num", "12345");
      c.set("num", "x");
      CHECK(seen == "12345");
      obs.on_write(record);

      // Multi-key writes: once per key; MULTI/EXEC: per command.
      events.clear();
      c.command({"MSET", "a", "1", "b", "2", "a", "3"});
      CHECK(events == std::vector<std::string>{"write 0 a (none)", "write 0 b (none)"});
      events.clear();
      c.command({"MULTI"});
      c.command({"INCR", "a"});
      c.command({"RENAME", "a", "c"});
      c.command({"EXEC"});
      CHECK(events == std::vector<std::string>{"write 0 a \"3\"", "write 0 a \"4\"", "write 0 c (none)"});

      // Expiry, lazy (on access) and active (tick): the value that went.
      events.clear();
      c.set("e1", "v1", 100ms);
      c.set("e2", "v2", 100ms);
      events.clear();
      db.clock().advance_ms(200);
      CHECK(c.get("e1").value() == std::nullopt);
      CHECK(events == std::vector<std::string>{"expire 0 e1 \"v1\""});
      db.tick();
      CHECK(events.size() == 2);
      CHECK(events[1] == "expire 0 e2 \"v2\"");

      // Eviction.
      events.clear();
      c.command({"FLUSHALL"});
      CHECK(events.empty());  // FLUSHALL is not reported per key
      c.command({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"});
      for (int i = 0; i < 200; ++i) c.set("big" + std::to_string(i), std::string(1000, 'x'));
      events.clear();
      const std::size_t used = db.engine().memory().used();
      c.command({"CONFIG", "SET", "maxmemory", std::to_string(used - 50'000)});
      CHECK(!events.empty());
      bool all_evictions = true;
      for (const auto& e : events) all_evictions = all_evictions && e.rfind("evict 0 big", 0) == 0;
      CHECK(all_evictions);
      CHECK(events[0].find(std::string(1000, 'x')) != std::string::npos);
      c.command({"CONFIG", "SET", "maxmemory", "0"});
    }
    // Uninstalled: nothing is reported, nothing is captured.
    events.clear();
    c.set("after", "1");
    CHECK(events.empty());
    const std::size_t before = db.engine().memory().used();
    c.set("after", "2");
    CHECK(db.engine().memory().used() == before);

    // Without old values: the key only.
    inproc::Observers light(db.engine(), false);
    light.on_write(record);
    c.set("after", "3");
    CHECK(events == std::vector<std::string>{"write 0 after (none)"});
  }

  TEST_CASE("faults: fail, delay, drop") {
    inproc::Instance db;
    auto& c = db.client();
    inproc::Faults faults(db.engine());

    // Fail a command a number of times, then it works again.
    faults.fail("get", "ERR injected failure", 2);
    c.set("k", "v");
    CHECK(c.get("k").error().message == "ERR injected failure");
    CHECK(c.command({"GET", "k"}) == mrtest::error("ERR injected failure"));
    CHECK(c.get("k").value() == std::optional<std::string>("v"));
    CHECK(faults.injected() == 2);
    // Every command, until cleared; the command does not run.
    faults.fail("*", "READONLY You can't write against a read only replica.");
    CHECK(c.set("k", "w").error().code() == "READONLY");
    CHECK(c.command({"PING"}).is_error());
    faults.clear();
    CHECK(c.get("k").value() == std::optional<std::string>("v"));

    // A connection (an adapter's session) whose reply is delayed by the clock.
    Session* s = db.engine().open_session();
    REQUIRE(s != nullptr);
    faults.delay("incr", 500ms, 1);
    s->feed("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nPING\r\n");
    CHECK_FALSE(s->has_output());  // INCR ran; its reply and PING's wait
    CHECK(c.get("n").value() == std::optional<std::string>("1"));
    db.advance(400ms);
    CHECK_FALSE(s->has_output());
    CHECK(db.engine().next_deadline_us() <= db.clock().now_us() + 100'000);
    db.advance(100ms);
    CHECK(s->pending_output() == ":1\r\n+PONG\r\n");
    s->consume_output(s->pending_output().size());
    s->feed("*1\r\n$4\r\nPING\r\n");
    CHECK(s->pending_output() == "+PONG\r\n");
    s->consume_output(7);

    // Delayed by ticks; QUIT waits for the held reply before the session wants to close.
    faults.delay_ticks("*", 2, 1);
    s->feed("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n");
    CHECK_FALSE(s->has_output());
    CHECK_FALSE(s->want_close());
    db.tick();
    CHECK_FALSE(s->has_output());
    db.tick();
    CHECK(s->pending_output() == "+PONG\r\n+OK\r\n");
    s->consume_output(s->pending_output().size());
    CHECK(s->want_close());
    db.engine().close_session(s);

    // Dropping: the connection closes without a reply, as if the peer vanished.
    s = db.engine().open_session();
    faults.drop("get", 1);
    s->feed("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    CHECK(s->want_close());
    db.engine().close_session(s);
    // The in-process client gets an error and reconnects (its SELECT starts afresh).
    c.select(2);
    faults.drop("get", 1);
    CHECK(c.get("k").error().message == "ERR connection closed by the server");
    CHECK(c.get("k").value() == std::optional<std::string>("v"));

    // Any connection, now.
    s = db.engine().open_session();
    CHECK(faults.drop_session(s->id()));
    CHECK(s->want_close());
    CHECK_FALSE(faults.drop_session(123456));
    db.engine().close_session(s);
  }

  TEST_CASE("snapshots: reset a fixture to a prepared state") {
    inproc::Instance db;
    auto& c = db.client();
    c.set("s", "v");
    c.set("ttl", "x", 10s);
    c.hset("h", {{"a", "1"}, {"b", "2"}});
    c.rpush("l", {"1", "2", "3"});
    c.sadd("set", {"a", "b"});
    c.sadd("ints", {"1", "2"});
    c.zadd("z", {{1, "a"}, {2, "b"}});
    c.incr("n");
    c.select(4);
    c.set("other-db", "4");
    c.select(0);
    c.command({"CONFIG", "SET", "hash-max-listpack-entries", "7"});
    c.command({"CONFIG", "SET", "notify-keyspace-events", "KEAn"});

    inproc::Snapshot snap = db.snapshot();
    REQUIRE(snap.ok());
    CHECK(snap.engine().db(0).size() == 8);

    // The test changes everything...
    c.command({"FLUSHALL"});
    c.set("new", "1");
    c.command({"CONFIG", "SET", "hash-max-listpack-entries", "128"});
    // ... and the fixture comes back, TTLs included, with the clock where it is now.
    db.advance(1s);
    std::vector<std::string> keyspace_events;
    REQUIRE(c.subscribe("__keyevent@0__:new", [&](const inproc::Message& m) {
      keyspace_events.emplace_back(m.payload);
    }).ok());
    REQUIRE(db.restore(snap));
    CHECK(keyspace_events.empty());  // a restore makes no keyspace events
    CHECK(c.get("new").value() == std::nullopt);
    CHECK(c.get("s").value() == std::optional<std::string>("v"));
    CHECK(c.ttl("ttl").value() == 9s);
    CHECK(c.hgetall("h").value().size() == 2);
    CHECK(c.lrange("l", 0, -1).value() == std::vector<std::string>{"1", "2", "3"});
    CHECK(c.sismember("ints", "2").value());
    CHECK(c.zscore("z", "b").value() == std::optional<double>(2));
    CHECK(c.command({"OBJECT", "ENCODING", "n"}) == bulk("int"));
    CHECK(c.command({"CONFIG", "GET", "hash-max-listpack-entries"})[1] == bulk("7"));
    CHECK(c.select(4).value());
    CHECK(c.get("other-db").value() == std::optional<std::string>("4"));
    CHECK(c.select(0).value());
    // The client stayed connected and subscribed; writes after a restore notify again.
    c.set("later", "1");
    CHECK(keyspace_events == std::vector<std::string>{"later"});
    // A restore is a write for WATCH.
    inproc::Client watcher(db.engine());
    watcher.command({"WATCH", "s"});
    REQUIRE(db.restore(snap));
    watcher.command({"MULTI"});
    watcher.command({"PING"});
    CHECK(watcher.command({"EXEC"}).is_null());
    // A snapshot restores into another engine too (a fresh fixture per test).
    inproc::Instance fresh;
    REQUIRE(snap.restore_into(fresh.engine()));
    CHECK(fresh.client().get("s").value() == std::optional<std::string>("v"));
  }

  TEST_CASE("snapshots: cost for 100k keys" * doctest::description("prints the figures for docs/adapters.md")) {
    inproc::Instance db;
    for (int i = 0; i < 100'000; ++i) {
      std::string k = "key:" + std::to_string(i);
      db.engine().execute({"SET", k, "value-" + std::to_string(i)});
    }
    const std::size_t used = db.engine().memory().used();
    auto t0 = std::chrono::steady_clock::now();
    inproc::Snapshot snap = db.snapshot();
    auto t1 = std::chrono::steady_clock::now();
    REQUIRE(snap.ok());
    REQUIRE(db.restore(snap));
    auto t2 = std::chrono::steady_clock::now();
    CHECK(db.engine().db(0).size() == 100'000);
    const double take_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const double restore_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
    const std::size_t snap_bytes = snap.engine().memory().used() - snap.engine().startup_memory();
    MESSAGE("100k string keys: engine " << used / 1024 << " KiB; snapshot " << take_ms << " ms, "
                                        << snap_bytes / 1024 << " KiB; restore " << restore_ms << " ms");
  }
}
