// microredis::lwip::Server on a real lwIP stack, all in this process: tcpip_init() starts lwIP's
// thread, a netif that loops every packet back carries 127.0.0.1, and the clients are raw-API
// pcbs of the same stack. No host socket is opened. Every wait is bounded; every case ends by
// checking that no session, held pbuf, pcb or engine memory is left behind.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// First: it gives lwipopts.h's declarations C linkage (see there).
#include "microredis/lwip/server.hpp"
// Then lwIP's own.
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "microredis/microredis.hpp"

namespace {

using microredis::Engine;
using microredis::Reply;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;  // the bound of every wait in these tests

// Holds lwIP's core lock: how a thread other than tcpip's may touch lwIP (and the engine).
struct CoreLock {
  CoreLock() { LOCK_TCPIP_CORE(); }
  ~CoreLock() { UNLOCK_TCPIP_CORE(); }
  CoreLock(const CoreLock&) = delete;
  CoreLock& operator=(const CoreLock&) = delete;
};

// --- the stack: lwIP's thread and a loopback interface, once per process ---------------------

netif loop_netif;

err_t loop_output(netif* nif, pbuf* p, const ip4_addr_t*) { return netif_loop_output(nif, p); }

err_t loop_init(netif* nif) {
  nif->name[0] = 'l';
  nif->name[1] = 'o';
  nif->output = loop_output;
  nif->mtu = 1500;
  return ERR_OK;
}

void start_stack() {
  static const bool started = [] {
    struct Ready {
      std::mutex mu;
      std::condition_variable cv;
      bool done = false;
    } ready;
    tcpip_init(
        [](void* arg) {
          auto* r = static_cast<Ready*>(arg);
          std::lock_guard<std::mutex> lock(r->mu);
          r->done = true;
          r->cv.notify_all();
        },
        &ready);
    {
      std::unique_lock<std::mutex> lock(ready.mu);
      if (!ready.cv.wait_for(lock, kWait, [&] { return ready.done; })) return false;
    }
    CoreLock lock;
    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 127, 0, 0, 1);
    IP4_ADDR(&mask, 255, 0, 0, 0);
    ip4_addr_set_zero(&gw);
    // Debian's lwipopts.h has LWIP_NETIF_LOOPBACK without lwIP's own loopif: packets for 127.x
    // and for the interface's own address are looped back by whichever netif is the default.
    if (netif_add(&loop_netif, &addr, &mask, &gw, nullptr, loop_init, tcpip_input) == nullptr) return false;
    netif_set_default(&loop_netif);
    netif_set_up(&loop_netif);
    netif_set_link_up(&loop_netif);
    return true;
  }();
  REQUIRE(started);
}

// Active (not TIME_WAIT) pcbs with this local or remote port: both ends of our connections.
int active_pcbs_on(std::uint16_t port) {
  CoreLock lock;
  int n = 0;
  for (tcp_pcb* p = tcp_active_pcbs; p != nullptr; p = p->next) n += (p->local_port == port || p->remote_port == port);
  return n;
}

bool listening_on(std::uint16_t port) {
  CoreLock lock;
  for (tcp_pcb_listen* p = tcp_listen_pcbs.listen_pcbs; p != nullptr; p = p->next) {
    if (p->local_port == port) return true;
  }
  return false;
}

// Polls cond under the core lock until it holds or kWait passes.
bool eventually(const std::function<bool()>& cond) {
  const auto until = SteadyClock::now() + kWait;
  for (;;) {
    {
      CoreLock lock;
      if (cond()) return true;
    }
    if (SteadyClock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
}

std::string command(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a.data(), a.size());
    out += "\r\n";
  }
  return out;
}

// --- a client on lwIP's raw API ----------------------------------------------------------------
// Its callbacks run on lwIP's thread; the test thread touches the pcb only under the core lock
// and reads what arrived under mu_ (lock order: core lock, then mu_).
class Client {
 public:
  explicit Client(std::uint16_t port) {
    {
      CoreLock lock;
      pcb_ = tcp_new_ip_type(IPADDR_TYPE_V4);
      REQUIRE(pcb_ != nullptr);
      tcp_arg(pcb_, this);
      tcp_recv(pcb_, &Client::on_recv);
      tcp_sent(pcb_, &Client::on_sent);
      tcp_err(pcb_, &Client::on_err);
      ip_addr_t server;
      IP_ADDR4(&server, 127, 0, 0, 1);
      REQUIRE(tcp_connect(pcb_, &server, port, &Client::on_connected) == ERR_OK);
    }
    std::unique_lock<std::mutex> lock(mu_);
    REQUIRE(cv_.wait_for(lock, kWait, [&] { return connected_ || closed_; }));
    REQUIRE(connected_);
  }

  ~Client() {
    CoreLock lock;
    if (pcb_ == nullptr) return;
    release(pcb_);
    if (tcp_close(pcb_) != ERR_OK) tcp_abort(pcb_);
    pcb_ = nullptr;
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view data) {
    CoreLock lock;
    tx_.append(data.data(), data.size());
    pump();
  }

  // The next complete reply, or nothing when none arrives within kWait (or the peer closed).
  std::optional<Reply> read() {
    std::unique_lock<std::mutex> lock(mu_);
    Reply r;
    std::size_t used = 0;
    bool ok = cv_.wait_for(lock, kWait, [&] {
      used = microredis::parse_reply(rx_, r);
      return used > 0 || closed_;
    });
    if (!ok || used == 0) return std::nullopt;
    rx_.erase(0, used);
    return r;
  }

  // Waits until the server closed the connection (FIN or reset); true if it did within kWait.
  bool wait_closed() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return closed_; });
  }
  bool was_reset() {
    std::lock_guard<std::mutex> lock(mu_);
    return reset_;
  }
  std::size_t unread_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return rx_.size();
  }

  // While paused, received data is kept unacknowledged: the window closes, the server must stop.
  void pause_reading() {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = true;
  }
  void resume_reading() {
    CoreLock core;
    std::size_t n;
    {
      std::lock_guard<std::mutex> lock(mu_);
      paused_ = false;
      n = unacked_;
      unacked_ = 0;
    }
    while (pcb_ != nullptr && n > 0) {
      u16_t part = static_cast<u16_t>(n > 0xFFFF ? 0xFFFF : n);
      tcp_recved(pcb_, part);
      n -= part;
    }
  }

  // Resets the connection (RST), as a client that crashed.
  void abort() {
    CoreLock lock;
    if (pcb_ == nullptr) return;
    release(pcb_);
    tcp_abort(pcb_);
    pcb_ = nullptr;
  }

 private:
  static void release(tcp_pcb* pcb) {
    tcp_arg(pcb, nullptr);
    tcp_recv(pcb, nullptr);
    tcp_sent(pcb, nullptr);
    tcp_err(pcb, nullptr);
  }

  // Writes what the send buffer takes (core context).
  void pump() {
    bool wrote = false;
    while (pcb_ != nullptr && tx_pos_ < tx_.size()) {
      std::size_t room = tcp_sndbuf(pcb_);
      if (room == 0 || tcp_sndqueuelen(pcb_) >= TCP_SND_QUEUELEN) break;
      std::size_t n = tx_.size() - tx_pos_;
      if (n > room) n = room;
      if (n > 16384) n = 16384;
      if (tcp_write(pcb_, tx_.data() + tx_pos_, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY) != ERR_OK) break;
      tx_pos_ += n;
      wrote = true;
    }
    if (tx_pos_ == tx_.size()) {
      tx_.clear();
      tx_pos_ = 0;
    }
    if (wrote && pcb_ != nullptr) tcp_output(pcb_);
  }

  static err_t on_connected(void* arg, tcp_pcb*, err_t) {
    auto* self = static_cast<Client*>(arg);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->connected_ = true;
    self->cv_.notify_all();
    return ERR_OK;
  }

  static err_t on_sent(void* arg, tcp_pcb*, u16_t) {
    static_cast<Client*>(arg)->pump();
    return ERR_OK;
  }

  static err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
    auto* self = static_cast<Client*>(arg);
    if (p == nullptr) {  // the server closed: close our side too
      release(pcb);
      if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        self->pcb_ = nullptr;
        self->mark_closed(false);
        return ERR_ABRT;
      }
      self->pcb_ = nullptr;
      self->mark_closed(false);
      return ERR_OK;
    }
    bool ack;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      std::size_t at = self->rx_.size();
      self->rx_.resize(at + p->tot_len);
      pbuf_copy_partial(p, self->rx_.data() + at, p->tot_len, 0);
      ack = !self->paused_;
      if (!ack) self->unacked_ += p->tot_len;
      self->cv_.notify_all();
    }
    if (ack) tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }

  static void on_err(void* arg, err_t) {
    auto* self = static_cast<Client*>(arg);
    self->pcb_ = nullptr;  // lwIP freed it
    self->mark_closed(true);
  }

  void mark_closed(bool reset) {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    reset_ = reset;
    cv_.notify_all();
  }

  tcp_pcb* pcb_ = nullptr;  // core lock
  std::string tx_;          // core lock
  std::size_t tx_pos_ = 0;  // core lock
  std::mutex mu_;
  std::condition_variable cv_;
  std::string rx_;
  std::size_t unacked_ = 0;
  bool paused_ = false;
  bool connected_ = false;
  bool closed_ = false;
  bool reset_ = false;
};

// --- the server under test ------------------------------------------------------------------------
struct Fixture {
  explicit Fixture(microredis::lwip::ServerOptions options = {}) {
    start_stack();
    CoreLock lock;
    IP_ADDR4(&options.bind, 127, 0, 0, 1);
    options.port = 0;
    server = std::make_unique<microredis::lwip::Server>(engine, options);
    REQUIRE(server->listen() == ERR_OK);
    port = server->port();
    REQUIRE(port != 0);
  }
  ~Fixture() {
    CoreLock lock;
    server.reset();
  }

  Reply exec(std::initializer_list<std::string_view> args) {
    CoreLock lock;
    return engine.execute(args);
  }

  // Every client is gone: the server must hold nothing for them any more. The engine's memory
  // (keys flushed, statistics reset) must be the same after every pass of a test: a session,
  // query buffer, subscription or block left behind by the adapter would make it grow. (Only
  // from the second pass on: first uses of the keyspace and statistics allocate for good.)
  void check_clean() {
    CHECK(eventually([&] { return server->connection_count() == 0 && server->closing_count() == 0; }));
    CHECK(eventually([&] { return engine.session_count() <= 1; }));  // the engine's own at most
    const auto until = SteadyClock::now() + kWait;
    while (active_pcbs_on(port) != 0 && SteadyClock::now() < until) std::this_thread::sleep_for(5ms);
    CHECK(active_pcbs_on(port) == 0);
    CoreLock lock;
    CHECK(server->held_bytes() == 0);
    CHECK(engine.blocked_on_keys_count() == 0);
    (void)engine.execute({"FLUSHALL"});
    (void)engine.execute({"CONFIG", "RESETSTAT"});
    // A command that took longer than slowlog-log-slower-than (10 ms: under sanitizers on a busy
    // machine, a GET can) keeps a slow log entry, which is the engine's memory, not a leak.
    (void)engine.execute({"SLOWLOG", "RESET"});
    const std::size_t used = engine.memory().used();
    if (passes++ > 0) CHECK(used == memory_after_first_pass);
    memory_after_first_pass = used;
  }

  Engine engine;
  std::unique_ptr<microredis::lwip::Server> server;
  std::uint16_t port = 0;
  int passes = 0;
  std::size_t memory_after_first_pass = 0;
};

constexpr int kPasses = 3;

Reply R(std::string_view simple) { return Reply::simple(simple); }
Reply I(std::int64_t v) { return Reply::integer_value(v); }
Reply B(std::string_view s) { return Reply::bulk(s); }

}  // namespace

TEST_CASE("single_commands") {
  Fixture f;
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client c(f.port);
      c.send("PING\r\n");  // inline
      CHECK(c.read() == R("PONG"));
      c.send(command({"SET", "greeting", "hello"}));
      CHECK(c.read() == R("OK"));
      c.send(command({"GET", "greeting"}));
      CHECK(c.read() == B("hello"));
      c.send(command({"INCR", "greeting"}));
      CHECK(c.read() == Reply::error("ERR value is not an integer or out of range"));
      // A command split across segments: the session keeps the head until the rest arrives.
      std::string set = command({"SET", "split", "value"});
      c.send(set.substr(0, 7));
      CHECK(eventually([&] { return f.engine.stats().net_input_bytes > 0 && f.server->held_bytes() == 0; }));
      c.send(set.substr(7));
      CHECK(c.read() == R("OK"));
      // CLIENT INFO shows the lwIP addresses.
      c.send(command({"CLIENT", "INFO"}));
      auto info = c.read();
      REQUIRE(info);
      CHECK(info->str.find("addr=127.0.0.1:") != std::string::npos);
      CHECK(info->str.find("laddr=127.0.0.1:" + std::to_string(f.port) + " ") != std::string::npos);
      CHECK(f.exec({"GET", "split"}) == B("value"));
    }
    f.check_clean();
  }
  {
    CoreLock lock;
    CHECK(f.server->stats().accepted == kPasses);
    CHECK(f.server->stats().aborted == 0);
    CHECK(f.server->stats().reset_by_peer == 0);
    f.server->close();
  }
  CHECK_FALSE(listening_on(f.port));
}

TEST_CASE("pipeline") {
  Fixture f;
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client c(f.port);
      std::string batch;
      for (int i = 0; i < 1000; ++i) batch += command({"INCR", "counter"});
      c.send(batch);
      for (int i = 1; i <= 1000; ++i) {
        auto r = c.read();
        REQUIRE(r);
        if (*r != I(i)) {
          FAIL_CHECK("reply " << i << " is " << r->to_string());
          break;
        }
      }
      CHECK(c.unread_bytes() == 0);
      CHECK(f.exec({"GET", "counter"}) == B("1000"));
    }
    f.check_clean();
  }
}

TEST_CASE("large_value") {
  Fixture f;
  std::string value(1 << 20, '\0');
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 23);
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client c(f.port);
      c.send(command({"SET", "big", value}));
      CHECK(c.read() == R("OK"));
      c.send(command({"STRLEN", "big"}));
      CHECK(c.read() == I(1 << 20));
      std::uint64_t stalls_before;
      {
        CoreLock lock;
        stalls_before = f.server->stats().send_buffer_full;
      }
      c.send(command({"GET", "big"}));
      auto r = c.read();
      REQUIRE(r);
      CHECK(r->type == Reply::Type::bulk);
      CHECK(r->str.size() == value.size());
      CHECK(r->str == value);
      CoreLock lock;
      // The reply is 16 times lwIP's send buffer: it went out in chunks as the client acknowledged.
      CHECK(f.server->stats().send_buffer_full > stalls_before);
    }
    f.check_clean();
  }
}

TEST_CASE("backpressure") {
  microredis::lwip::ServerOptions options;
  options.output_pause_bytes = 32 * 1024;
  Fixture f(options);
  const std::string value(4096, 'v');
  for (int pass = 0; pass < kPasses; ++pass) {
    CHECK(f.exec({"SET", "item", value}) == R("OK"));
    {
      Client c(f.port);
      c.pause_reading();
      constexpr int kCommands = 3000;  // 66 KB of commands asking for 12 MB of replies
      std::string batch;
      for (int i = 0; i < kCommands; ++i) batch += command({"GET", "item"});
      c.send(batch);
      // The client reads nothing: the server's send buffer fills, its output passes the pause
      // mark, and the rest of the commands wait unacknowledged in lwIP's pbufs.
      CHECK(eventually([&] { return f.server->held_bytes() > 0; }));
      std::this_thread::sleep_for(50ms);
      {
        CoreLock lock;
        CHECK(f.server->stats().input_held > 0);
        const microredis::Session* s = f.engine.first_session();
        while (s != nullptr && s == f.engine.internal_session()) s = s->next;
        REQUIRE(s != nullptr);
        // Output is bounded by the pause mark plus the replies of one segment's commands.
        CHECK(s->output_buffer_size() < 32 * 1024 + 70 * (value.size() + 16));
      }
      c.resume_reading();
      int good = 0;
      for (int i = 0; i < kCommands; ++i) {
        auto r = c.read();
        if (!r) break;
        good += (*r == B(value));
      }
      CHECK(good == kCommands);
    }
    f.check_clean();
  }
}

TEST_CASE("pubsub") {
  Fixture f;
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client sub(f.port);
      Client pub(f.port);
      sub.send(command({"SUBSCRIBE", "news"}));
      CHECK(sub.read() == Reply::array({B("subscribe"), B("news"), I(1)}));
      pub.send(command({"PUBLISH", "news", "hello"}));
      CHECK(pub.read() == I(1));
      CHECK(sub.read() == Reply::array({B("message"), B("news"), B("hello")}));
      // Output caused outside any lwIP callback (the application publishing under the core
      // lock) reaches the subscriber through the tcpip thread.
      CHECK(f.exec({"PUBLISH", "news", "from the application"}) == I(1));
      CHECK(sub.read() == Reply::array({B("message"), B("news"), B("from the application")}));
      sub.send(command({"UNSUBSCRIBE"}));
      CHECK(sub.read() == Reply::array({B("unsubscribe"), B("news"), I(0)}));
      pub.send(command({"PUBLISH", "news", "nobody"}));
      CHECK(pub.read() == I(0));
      // A subscriber that leaves while subscribed.
      sub.send(command({"PSUBSCRIBE", "n*"}));
      CHECK(sub.read() == Reply::array({B("psubscribe"), B("n*"), I(1)}));
    }
    f.check_clean();
  }
}

TEST_CASE("blocking") {
  Fixture f;
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client waiter(f.port);
      Client pusher(f.port);
      // A command pipelined behind BLPOP waits until BLPOP is served.
      waiter.send(command({"BLPOP", "jobs", "0"}) + command({"PING"}));
      CHECK(eventually([&] { return f.engine.blocked_on_keys_count() == 1; }));
      pusher.send(command({"LPUSH", "jobs", "task"}));
      CHECK(pusher.read() == I(1));
      CHECK(waiter.read() == Reply::array({B("jobs"), B("task")}));
      CHECK(waiter.read() == R("PONG"));

      // A timeout is ended by engine.tick(), which the adapter's lwIP timer drives.
      const auto start = SteadyClock::now();
      waiter.send(command({"BLPOP", "nothing", "0.2"}));
      auto r = waiter.read();
      const auto elapsed = SteadyClock::now() - start;
      CHECK(r == Reply::null());
      CHECK(elapsed >= 190ms);
      CHECK(elapsed < 5s);

      // Input that arrives while the session is blocked is held in lwIP's pbufs, then runs.
      waiter.send(command({"BLPOP", "later", "0"}));
      CHECK(eventually([&] { return f.engine.blocked_on_keys_count() == 1; }));
      waiter.send(command({"ECHO", "after"}));
      CHECK(eventually([&] { return f.server->held_bytes() > 0; }));
      pusher.send(command({"RPUSH", "later", "x"}));
      CHECK(pusher.read() == I(1));
      CHECK(waiter.read() == Reply::array({B("later"), B("x")}));
      CHECK(waiter.read() == B("after"));
    }
    {
      // A blocked client that goes away (with input held) stops waiting.
      Client gone(f.port);
      gone.send(command({"BLPOP", "never", "0"}));
      CHECK(eventually([&] { return f.engine.blocked_on_keys_count() == 1; }));
      gone.send(command({"PING"}));
      CHECK(eventually([&] { return f.server->held_bytes() > 0; }));
    }
    CHECK(eventually([&] { return f.engine.blocked_on_keys_count() == 0; }));
    f.check_clean();
  }
}

TEST_CASE("quit") {
  Fixture f;
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client c(f.port);
      c.send(command({"QUIT"}) + command({"SET", "after-quit", "1"}));
      CHECK(c.read() == R("OK"));
      CHECK(c.wait_closed());
      CHECK_FALSE(c.was_reset());
      CHECK(c.unread_bytes() == 0);
    }
    CHECK(f.exec({"EXISTS", "after-quit"}) == I(0));
    {
      // A protocol error closes after its reply too.
      Client c(f.port);
      c.send("*1\r\n$x\r\n");
      CHECK(c.read() == Reply::error("ERR Protocol error: invalid bulk length"));
      CHECK(c.wait_closed());
      CHECK_FALSE(c.was_reset());
    }
    f.check_clean();
  }
}

TEST_CASE("abort") {
  Fixture f;
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client c(f.port);
      const std::string_view partial = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc";
      std::uint64_t fed_before, resets_before;
      {
        CoreLock lock;
        fed_before = f.server->stats().bytes_fed;
        resets_before = f.server->stats().reset_by_peer;
      }
      c.send(partial);
      CHECK(eventually([&] { return f.server->stats().bytes_fed == fed_before + partial.size(); }));
      c.abort();
      CHECK(eventually([&] { return f.server->connection_count() == 0; }));
      CoreLock lock;
      CHECK(f.server->stats().reset_by_peer == resets_before + 1);
    }
    CHECK(f.exec({"EXISTS", "k"}) == I(0));
    {
      // CLIENT KILL from another connection closes the victim.
      Client victim(f.port);
      Client killer(f.port);
      victim.send(command({"CLIENT", "ID"}));
      auto id = victim.read();
      REQUIRE(id);
      killer.send(command({"CLIENT", "KILL", "ID", std::to_string(id->integer)}));
      CHECK(killer.read() == I(1));
      CHECK(victim.wait_closed());
      killer.send(command({"PING"}));
      CHECK(killer.read() == R("PONG"));
    }
    f.check_clean();
  }
}

TEST_CASE("maxclients") {
  Fixture f;
  CHECK(f.exec({"CONFIG", "SET", "maxclients", "1"}) == R("OK"));
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client first(f.port);
      first.send(command({"PING"}));
      CHECK(first.read() == R("PONG"));
      Client second(f.port);
      CHECK(second.read() == Reply::error("ERR max number of clients reached"));
      CHECK(second.wait_closed());
      first.send(command({"PING"}));
      CHECK(first.read() == R("PONG"));
    }
    f.check_clean();
  }
}

TEST_CASE("idle_timeout") {
  // Redis's "timeout": tick(), run by the adapter's timer, closes an idle client.
  Fixture f;
  CHECK(f.exec({"CONFIG", "SET", "timeout", "1"}) == R("OK"));
  for (int pass = 0; pass < kPasses; ++pass) {
    {
      Client c(f.port);
      c.send(command({"PING"}));
      CHECK(c.read() == R("PONG"));
      const auto start = SteadyClock::now();
      CHECK(c.wait_closed());
      CHECK(SteadyClock::now() - start >= 900ms);
      CHECK_FALSE(c.was_reset());
    }
    f.check_clean();
  }
}

TEST_CASE("shutdown") {
  // Destroying the server with clients in every state resets them and closes their sessions.
  Fixture f;
  Client idle(f.port);
  Client subscriber(f.port);
  Client blocked(f.port);
  Client partial(f.port);
  subscriber.send(command({"SUBSCRIBE", "news"}));
  CHECK(subscriber.read() == Reply::array({B("subscribe"), B("news"), I(1)}));
  blocked.send(command({"BLPOP", "jobs", "0"}) + command({"PING"}));
  partial.send("*2\r\n$4\r\nECHO\r\n$5\r\nab");
  CHECK(eventually([&] {
    return f.server->connection_count() == 4 && f.engine.blocked_on_keys_count() == 1 && f.engine.stats().net_input_bytes > 0;
  }));
  {
    CoreLock lock;
    f.server.reset();
    CHECK(f.engine.session_count() <= 1);
    CHECK(f.engine.blocked_on_keys_count() == 0);
    CHECK(f.engine.pubsub().count(microredis::SubscriptionKind::channel) == 0);
  }
  for (Client* c : {&idle, &subscriber, &blocked, &partial}) {
    CHECK(c->wait_closed());
    CHECK(c->was_reset());
  }
  CHECK(active_pcbs_on(f.port) == 0);
  CHECK_FALSE(listening_on(f.port));
}
