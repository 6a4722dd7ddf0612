// The serial adapter on the host, against a simulated UART: chunked and byte-at-a-time input,
// output drained a few bytes at a time, sessions replaced after QUIT, protocol errors, stale
// partial commands and idle resets, blocking commands across polls.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "microredis/microredis.hpp"
#include "microredis/serial/server.hpp"

namespace {

using microredis::serial::SerialPort;

// A UART seen from the device: `rx` holds bytes that have arrived, `tx` collects what was sent.
// read_per_round/write_per_round model a slow line: that many bytes move between two polls
// (new_round() is called before each poll), then the port reports nothing more / busy.
class FakePort final : public SerialPort {
 public:
  static constexpr std::size_t kUnlimited = static_cast<std::size_t>(-1);
  std::string rx;
  std::string tx;
  std::size_t read_per_round = kUnlimited;
  std::size_t write_per_round = kUnlimited;

  void new_round() {
    read_budget_ = read_per_round;
    write_budget_ = write_per_round;
  }
  std::size_t read(char* buf, std::size_t cap) override {
    std::size_t n = rx.size() < cap ? rx.size() : cap;
    if (n > read_budget_) n = read_budget_;
    rx.copy(buf, n);
    rx.erase(0, n);
    read_budget_ -= n;
    return n;
  }
  std::size_t write(const char* data, std::size_t n) override {
    if (n > write_budget_) n = write_budget_;
    tx.append(data, n);
    write_budget_ -= n;
    return n;
  }
  std::string take() {
    std::string out;
    out.swap(tx);
    return out;
  }

 private:
  std::size_t read_budget_ = kUnlimited;
  std::size_t write_budget_ = kUnlimited;
};

std::string resp(std::initializer_list<std::string_view> args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    s += "$" + std::to_string(a.size()) + "\r\n";
    s.append(a.data(), a.size());
    s += "\r\n";
  }
  return s;
}

struct Rig {
  microredis::ManualClock clock;
  microredis::Engine engine;
  FakePort port;
  microredis::serial::Server server;

  explicit Rig(microredis::serial::ServerOptions o = {}) : engine(options(clock)), server(engine, port, o) {}

  static microredis::EngineOptions options(const microredis::Clock& c) {
    microredis::EngineOptions o;
    o.clock = &c;
    o.seed = 7;
    return o;
  }

  bool poll() {
    port.new_round();
    return server.poll();
  }
  // Polls until nothing moves any more; returns what was sent.
  std::string exchange(std::string_view in) {
    port.rx.append(in.data(), in.size());
    for (int i = 0; i < 100000 && poll(); ++i) {
    }
    return port.take();
  }
};

}  // namespace

TEST_SUITE("serial adapter") {
  TEST_CASE("a command in, its reply out") {
    Rig r;
    CHECK(r.exchange(resp({"PING"})) == "+PONG\r\n");
    CHECK(r.exchange(resp({"SET", "k", "v"}) + resp({"GET", "k"})) == "+OK\r\n$1\r\nv\r\n");
    CHECK(r.exchange("PING\r\n") == "+PONG\r\n");  // inline commands, as typed into a terminal
    CHECK(r.server.stats().sessions == 1);
    CHECK(r.server.session()->peer() == "serial:0");
  }

  TEST_CASE("input one byte per poll and output three bytes per poll give the same stream") {
    Rig r;
    r.port.read_per_round = 1;
    r.port.write_per_round = 3;
    std::string in = resp({"SET", "k", "hello"}) + resp({"APPEND", "k", " world"}) + resp({"GET", "k"});
    CHECK(r.exchange(in) == "+OK\r\n:11\r\n$11\r\nhello world\r\n");
  }

  TEST_CASE("no input is read while replies are still going out") {
    Rig r;
    r.port.write_per_round = 1;
    r.port.rx = resp({"ECHO", "0123456789"}) + resp({"PING"});
    r.poll();  // reads both commands at once (one chunk): both replies are queued, one byte goes
    CHECK(r.server.session()->pending_output().size() == 23);
    r.port.rx += resp({"ECHO", "later"});
    r.poll();
    CHECK(r.port.rx.size() == resp({"ECHO", "later"}).size());  // not read: output still pending
    CHECK(r.server.session()->pending_output().size() == 22);
    for (int i = 0; i < 1000 && r.poll(); ++i) {
    }
    CHECK(r.port.take() == "$10\r\n0123456789\r\n+PONG\r\n$5\r\nlater\r\n");
  }

  TEST_CASE("QUIT ends the session after its reply; the stream goes on in a fresh one") {
    Rig r;
    CHECK(r.exchange(resp({"SELECT", "1"}) + resp({"SET", "k", "db1"})) == "+OK\r\n+OK\r\n");
    CHECK(r.exchange(resp({"QUIT"})) == "+OK\r\n");
    CHECK(r.server.stats().closed_by_session == 1);
    CHECK(r.server.stats().sessions == 2);
    CHECK(r.exchange(resp({"GET", "k"})) == "$-1\r\n");  // the new session is in db 0 again
    CHECK(r.engine.session_count() == 1);
  }

  TEST_CASE("a protocol error is answered, then a fresh session reads on") {
    Rig r;
    std::string out = r.exchange("*1\r\n$x\r\n");
    CHECK(out == "-ERR Protocol error: invalid bulk length\r\n");
    CHECK(r.server.stats().closed_by_session == 1);
    CHECK(r.exchange(resp({"PING"})) == "+PONG\r\n");
  }

  TEST_CASE("a partial command left by a client that went away is dropped after resync_idle_ms") {
    Rig r;
    CHECK(r.exchange("*2\r\n$3\r\nGET\r\n$4\r\nab").empty());
    CHECK(r.server.session()->query_buffer_size() > 0);
    r.clock.advance_ms(999);
    CHECK_FALSE(r.poll());
    CHECK(r.server.stats().resyncs == 0);
    r.clock.advance_ms(1);
    r.poll();
    CHECK(r.server.stats().resyncs == 1);
    CHECK(r.server.session()->query_buffer_size() == 0);
    CHECK(r.exchange(resp({"PING"})) == "+PONG\r\n");
  }

  TEST_CASE("without resync_idle_ms the next client's bytes continue the old command") {
    microredis::serial::ServerOptions o;
    o.resync_idle_ms = 0;
    Rig r(o);
    CHECK(r.exchange("*2\r\n$3\r\nGET\r\n$4\r\nab").empty());
    r.clock.advance_ms(60000);
    // "cd\r\n" completes the old GET; the PING that follows runs as the new client meant.
    CHECK(r.exchange("cd\r\n" + resp({"PING"})) == "$-1\r\n+PONG\r\n");
    CHECK(r.server.stats().resyncs == 0);
  }

  TEST_CASE("a blocked session is not mistaken for a stale one") {
    Rig r;
    CHECK(r.exchange(resp({"BLPOP", "q", "0"})).empty());
    CHECK(r.server.session()->blocked());
    r.clock.advance_ms(10000);
    r.poll();
    CHECK(r.server.stats().resyncs == 0);
    CHECK(r.engine.execute({"RPUSH", "q", "job"}) == microredis::Reply::integer_value(1));
    CHECK(r.exchange("") == "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
  }

  TEST_CASE("blocking timeouts run through the engine's tick") {
    Rig r;
    CHECK(r.exchange(resp({"BLPOP", "q", "0.5"})).empty());
    r.clock.advance_ms(400);
    CHECK(r.exchange("").empty());
    r.clock.advance_ms(200);
    CHECK(r.exchange("") == "*-1\r\n");
    // And expiry: a key with a TTL disappears without being read.
    CHECK(r.exchange(resp({"SET", "e", "v", "PX", "100"})) == "+OK\r\n");
    r.clock.advance_ms(1000);
    for (int i = 0; i < 50 && r.engine.db(0).size() > 0; ++i) {
      r.clock.advance_ms(100);
      r.poll();
    }
    CHECK(r.engine.db(0).size() == 0);
  }

  TEST_CASE("reset_idle_ms replaces a used session that went quiet") {
    microredis::serial::ServerOptions o;
    o.reset_idle_ms = 5000;
    Rig r(o);
    CHECK(r.exchange(resp({"SELECT", "2"}) + resp({"SET", "k", "v"})) == "+OK\r\n+OK\r\n");
    r.clock.advance_ms(4999);
    r.poll();
    CHECK(r.server.stats().idle_resets == 0);
    r.clock.advance_ms(1);
    r.poll();
    CHECK(r.server.stats().idle_resets == 1);
    // A session that has run nothing is left alone.
    r.clock.advance_ms(60000);
    r.poll();
    CHECK(r.server.stats().idle_resets == 1);
    CHECK(r.exchange(resp({"GET", "k"})) == "$-1\r\n");
  }

  TEST_CASE("CLIENT KILL of the serial session drops its output and opens another") {
    Rig r;
    std::string id = std::to_string(r.server.session()->id());
    r.engine.execute({"CLIENT", "KILL", "ID", id});
    r.poll();
    CHECK(r.server.stats().closed_by_session == 1);
    CHECK(r.exchange(resp({"PING"})) == "+PONG\r\n");
  }
}
