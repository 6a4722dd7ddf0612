// The in-process adapter's engine hooks seen over the network: commands the application registers
// at run time and injected faults, on an engine served by microredis::posix::Server on 127.0.0.1,
// driven with raw RESP and, when installed, redis-cli.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "loopback.hpp"

#include "microredis/inproc.hpp"
#include "microredis/posix/server.hpp"

using namespace microredis;

namespace {

using loopback::connect_tcp;

// Sends one command and reads one whole reply (or what came before the peer closed).
std::string call(int fd, std::string_view request) {
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    Reply r;
    if (!out.empty() && parse_reply(out, r) == out.size()) return out;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::string run_cli(int port, const std::string& args) {
  std::string cmd = "redis-cli -p " + std::to_string(port) + " " + args + " 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {};
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  ::pclose(p);
  return out;
}

bool have_redis_cli() { return std::system("redis-cli --version >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("custom commands and faults over the POSIX adapter") {
  Engine engine;  // the system clock: the server's loop ticks it
  inproc::CommandRegistry commands(engine);
  inproc::CommandDef greet;
  greet.name = "greet";
  greet.arity = -1;
  greet.flags = kReadonly | kFast;
  greet.summary = "Says hello.";
  greet.syntax = "[name]";
  REQUIRE(commands.add(greet, [](Context& c) {
    c.out.bulk("hello " + std::string(c.argc > 1 ? c.arg(1) : "world"));
  }));
  inproc::CommandDef sum;
  sum.name = "app.sum";
  sum.arity = -2;
  sum.flags = kReadonly;
  sum.summary = "Adds integers.";
  sum.syntax = "number [number ...]";
  REQUIRE(commands.add(sum, [](Context& c) {
    ArgReader r(c, 1);
    std::int64_t total = 0;
    while (r.more()) total += r.int64();
    if (!r) return r.reply_error(c.out);
    c.out.integer(total);
  }));
  inproc::Faults faults(engine);
  faults.fail("lpush", "ERR injected", 1);
  faults.delay("echo", std::chrono::milliseconds(300), 1);
  faults.drop("debug", 1);

  posix::ServerOptions options;
  options.port = -1;
  posix::Server server(engine, options);
  std::string error;
  REQUIRE(server.listen(error));
  const int port = server.tcp_port();
  std::thread loop([&] { server.run(); });

  int fd = connect_tcp(port);
  REQUIRE(fd >= 0);
  CHECK(call(fd, "*1\r\n$5\r\nGREET\r\n") == "$11\r\nhello world\r\n");
  CHECK(call(fd, "*3\r\n$7\r\napp.sum\r\n$1\r\n2\r\n$2\r\n40\r\n") == ":42\r\n");
  CHECK(call(fd, "*2\r\n$7\r\napp.sum\r\n$1\r\nx\r\n") == "-ERR value is not an integer or out of range\r\n");
  CHECK(call(fd, "*1\r\n$7\r\napp.sum\r\n") == "-ERR wrong number of arguments for 'app.sum' command\r\n");
  // Faults: an error once, then the command works.
  CHECK(call(fd, "*3\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n$1\r\na\r\n") == "-ERR injected\r\n");
  CHECK(call(fd, "*3\r\n$5\r\nLPUSH\r\n$1\r\nl\r\n$1\r\na\r\n") == ":1\r\n");
  // A delayed reply.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(call(fd, "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n") == "$2\r\nhi\r\n");
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(290));
  // A dropped connection: no reply, end of stream.
  CHECK(call(fd, "*2\r\n$5\r\nDEBUG\r\n$4\r\nHELP\r\n").empty());
  ::close(fd);

  if (have_redis_cli()) {
    CHECK(run_cli(port, "greet you") == "hello you\n");
    CHECK(run_cli(port, "app.sum 1 2 3") == "6\n");
    std::string info = run_cli(port, "COMMAND INFO greet");
    CHECK(info.find("greet") != std::string::npos);
    CHECK(info.find("fast") != std::string::npos);
    std::string docs = run_cli(port, "COMMAND DOCS app.sum");
    CHECK(docs.find("Adds integers.") != std::string::npos);
    CHECK(run_cli(port, "COMMAND LIST FILTERBY PATTERN app.*") == "app.sum\n");
  } else {
    MESSAGE("redis-cli not installed: its part of the test is skipped");
  }

  server.stop();
  loop.join();
  server.close();
}

// A long command (as a busy script is) serves the other clients while it runs. Commands that ran
// before it in the same wake-up of the server's loop have their replies sent then too: their
// clients wait for them before they send anything else (a client that pings until it sees BUSY
// would otherwise wait for the long command to end, and nothing ends it).
TEST_CASE("a busy command: replies of the commands run before it in its wake-up go out while it runs") {
  Engine engine;
  inproc::CommandRegistry commands(engine);
  int waiting_fd = -1;
  inproc::CommandDef spin;
  spin.name = "app.spin";
  spin.arity = 1;
  spin.flags = 0;
  spin.summary = "Runs until the waiting client has its reply (2 s at most).";
  spin.syntax = "";
  REQUIRE(commands.add(spin, [&](Context& c) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    bool served = false;
    while (!served && std::chrono::steady_clock::now() < until) {
      c.engine.serve_while_busy(c.session, Status::busy_script);
      char byte;
      served = ::recv(waiting_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
    }
    c.engine.end_busy();
    c.out.integer(served ? 1 : 0);
  }));
  posix::ServerOptions options;
  options.port = -1;
  posix::Server server(engine, options);
  std::string error;
  REQUIRE(server.listen(error));
  const int waiting = connect_tcp(server.tcp_port());
  const int spinning = connect_tcp(server.tcp_port());
  REQUIRE(waiting >= 0);
  REQUIRE(spinning >= 0);
  waiting_fd = waiting;
  for (int i = 0; i < 100 && server.connection_count() < 2; ++i) server.run_once(10);
  REQUIRE(server.connection_count() == 2);
  // Both commands become readable before the loop wakes: one wake-up reads and runs both.
  loopback::send_all(waiting, "PING\r\n");
  loopback::send_all(spinning, "*1\r\n$8\r\napp.spin\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server.run_once(100);
  CHECK(call(spinning, "") == ":1\r\n");
  CHECK(call(waiting, "") == "+PONG\r\n");
  ::close(waiting);
  ::close(spinning);
  server.close();
}
