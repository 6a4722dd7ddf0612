// microredis::asio::Server in-process: what microredis-asio-server cannot show from outside (the
// application's own io_context, an OS-chosen port, stop() from another thread, output caused by
// the application's engine calls, the server destroyed while its handlers are still queued, two
// servers on one io_context, a strand of a multi-threaded io_context).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "microredis/asio/server.hpp"
#include "loopback.hpp"
#include "microredis/microredis.hpp"

namespace {

using namespace loopback;

// Runs the io_context on a thread until stopped (or until it runs out of work).
struct Loop {
  explicit Loop(asio::io_context& io) : thread([&io] { io.run(); }) {}
  ~Loop() {
    if (thread.joinable()) thread.join();
  }
  std::thread thread;
};

microredis::asio::ServerOptions any_port() {
  microredis::asio::ServerOptions options;
  options.port = -1;
  return options;
}

const std::string kMaxClients = "-ERR max number of clients reached\r\n";

}  // namespace

TEST_SUITE("asio adapter") {
  TEST_CASE("the application's io_context: OS-chosen port, TCP and unix socket, stop() from another thread") {
    asio::io_context io;
    microredis::Engine engine;
    microredis::asio::ServerOptions options = any_port();
    char dir[] = "/tmp/microredis-asio-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    options.unixsocket = std::string(dir) + "/s.sock";
    options.unixsocketperm = 0700;
    microredis::asio::Server server(io, engine, options);
    std::string error;
    REQUIRE(server.listen(error));
    const int port = server.tcp_port();
    REQUIRE(port > 0);
    REQUIRE(server.endpoints().size() == 2);
    CHECK(server.endpoints()[0] == "127.0.0.1:" + std::to_string(port));
    CHECK(server.endpoints()[1] == options.unixsocket);

    int tcp = -1, unix_fd = -1;
    {
      Loop loop(io);
      tcp = connect_tcp(port);
      unix_fd = connect_unix(options.unixsocket);
      REQUIRE(tcp >= 0);
      REQUIRE(unix_fd >= 0);
      send_all(tcp, "PING\r\n");
      CHECK(read_some(tcp, 7) == "+PONG\r\n");
      send_all(unix_fd, resp({"ECHO", "abc"}));
      CHECK(read_some(unix_fd, 9) == "$3\r\nabc\r\n");
      send_all(tcp, resp({"CLIENT", "LIST"}));
      std::string list = read_some(tcp, 100);
      CHECK(list.find("laddr=127.0.0.1:" + std::to_string(port)) != std::string::npos);
      server.stop();  // closes everything on the io thread; run() then has nothing left and returns
    }
    CHECK(server.connection_count() == 0);
    CHECK(engine.session_count() == 0);
    CHECK(server.endpoints().empty());
    CHECK(access(options.unixsocket.c_str(), F_OK) != 0);
    CHECK(read_to_end(tcp).empty());
    CHECK(read_to_end(unix_fd).empty());
    ::close(tcp);
    ::close(unix_fd);
    server.close();  // idempotent
    rmdir(dir);
  }

  TEST_CASE("a second server on the same port fails with the reason; optional addresses are skipped") {
    asio::io_context io;
    microredis::Engine engine, other;
    microredis::asio::ServerOptions options = any_port();
    microredis::asio::Server first(io, engine, options);
    std::string error;
    REQUIRE(first.listen(error));
    options.port = first.tcp_port();
    microredis::asio::Server second(io, other, options);
    CHECK_FALSE(second.listen(error));
    CHECK(error.find("Could not create server TCP listening socket 127.0.0.1:") == 0);
    CHECK(error.find("Address already in use") != std::string::npos);
    CHECK(second.endpoints().empty());
    options.bind = {"-192.0.2.1", "127.0.0.1"};  // an optional address this machine lacks is skipped
    options.port = -1;
    microredis::asio::Server third(io, other, options);
    CHECK(third.listen(error));
    CHECK(third.endpoints().size() == 1);
    options.bind.clear();
    microredis::asio::Server nothing(io, other, options);
    CHECK_FALSE(nothing.listen(error));
    CHECK(error == "nothing to listen on (no TCP address bound and no unixsocket)");
  }

  TEST_CASE("the timer drives tick(): an idle session is closed promptly") {
    asio::io_context io;
    microredis::Engine engine;
    engine.settings().timeout = 1;
    microredis::asio::Server server(io, engine, any_port());
    std::string error;
    REQUIRE(server.listen(error));
    int fd = connect_tcp(server.tcp_port());
    REQUIRE(fd >= 0);
    send_all(fd, "PING\r\n");
    std::string got;
    const auto start = Clock::now();
    bool closed = false;
    while (!closed && seconds_since(start) < 3.0) {
      io.run_for(std::chrono::milliseconds(50));
      char buf[64];
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
      if (n == 0) closed = true;
    }
    CHECK(got == "+PONG\r\n");
    CHECK(closed);
    CHECK(seconds_since(start) >= 1.0);
    CHECK(seconds_since(start) < 2.5);
    CHECK(server.connection_count() == 0);
    ::close(fd);
  }

  TEST_CASE("maxclients refusal arrives even when the client already sent a command") {
    asio::io_context io;
    microredis::Engine engine;
    engine.settings().maxclients = 1;
    microredis::asio::Server server(io, engine, any_port());
    std::string error;
    REQUIRE(server.listen(error));
    int first = connect_tcp(server.tcp_port());
    io.run_for(std::chrono::milliseconds(50));
    int second = connect_tcp(server.tcp_port());
    send_all(second, "PING\r\n" + std::string(10000, 'x'));
    {
      Loop loop(io);
      CHECK(read_to_end(second) == kMaxClients);
      send_all(first, "PING\r\n");
      CHECK(read_some(first, 7) == "+PONG\r\n");
      server.stop();
    }
    CHECK(engine.stats().rejected_connections == 1);
    ::close(first);
    ::close(second);
  }

  TEST_CASE("output the application causes with its own engine calls reaches the subscriber") {
    asio::io_context io;
    microredis::Engine engine;
    microredis::asio::Server server(io, engine, any_port());
    std::string error;
    REQUIRE(server.listen(error));
    int fd = connect_tcp(server.tcp_port());
    REQUIRE(fd >= 0);
    Loop loop(io);
    send_all(fd, resp({"SUBSCRIBE", "news"}));
    const std::string confirmation = "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n";
    CHECK(read_some(fd, confirmation.size()) == confirmation);
    std::atomic<long long> delivered{-1};
    asio::post(io, [&] { delivered = engine.execute({"PUBLISH", "news", "from the app"}).integer; });
    const std::string message = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$12\r\nfrom the app\r\n";
    CHECK(read_some(fd, message.size()) == message);
    CHECK(delivered == 1);
    server.stop();
    ::close(fd);
  }

  TEST_CASE("the server may be destroyed while the io_context still holds its handlers") {
    asio::io_context io;
    microredis::Engine engine;
    auto server = std::make_unique<microredis::asio::Server>(io, engine, any_port());
    std::string error;
    REQUIRE(server->listen(error));
    int fd = connect_tcp(server->tcp_port());
    REQUIRE(fd >= 0);
    send_all(fd, resp({"BLPOP", "q", "0"}) + "PING\r\n");
    io.run_for(std::chrono::milliseconds(100));  // accepted, blocked, a read and the timer in flight
    CHECK(engine.session_count() == 1);
    server.reset();
    CHECK(engine.session_count() == 0);
    io.restart();
    io.run_for(std::chrono::milliseconds(100));  // the cancelled handlers run and find nothing to do
    CHECK(io.stopped());
    CHECK(read_to_end(fd).empty());
    ::close(fd);
  }

  TEST_CASE("two engines, two servers, one io_context: independent keyspaces") {
    asio::io_context io;
    microredis::Engine a, b;
    microredis::asio::Server sa(io, a, any_port()), sb(io, b, any_port());
    std::string error;
    REQUIRE(sa.listen(error));
    REQUIRE(sb.listen(error));
    int fa = connect_tcp(sa.tcp_port());
    int fb = connect_tcp(sb.tcp_port());
    {
      Loop loop(io);
      send_all(fa, resp({"SET", "k", "in a"}));
      CHECK(read_some(fa, 5) == "+OK\r\n");
      send_all(fb, resp({"GET", "k"}));
      CHECK(read_some(fb, 5) == "$-1\r\n");
      send_all(fa, resp({"GET", "k"}));
      CHECK(read_some(fa, 10) == "$4\r\nin a\r\n");
      sa.stop();
      sb.stop();
    }
    ::close(fa);
    ::close(fb);
  }

  TEST_CASE("a strand of an io_context run by several threads serialises the engine") {
    asio::io_context io(2);
    microredis::Engine engine;
    auto strand = asio::make_strand(io);
    microredis::asio::Server server(asio::any_io_executor(strand), engine, any_port());
    std::string error;
    REQUIRE(server.listen(error));
    constexpr int kClients = 4, kIncrements = 300;
    std::vector<std::thread> loops;
    for (int i = 0; i < 2; ++i) loops.emplace_back([&] { io.run(); });
    std::vector<std::thread> clients;
    std::atomic<int> wrong{0};
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&] {
        int fd = connect_tcp(server.tcp_port());
        for (int i = 0; i < kIncrements; ++i) {
          send_all(fd, resp({"INCR", "n"}));
          std::string reply = read_some(fd, 3);
          if (reply.empty() || reply[0] != ':') ++wrong;
          while (!reply.empty() && reply.back() != '\n') reply += read_some(fd, 1);
        }
        ::close(fd);
      });
    }
    for (auto& t : clients) t.join();
    CHECK(wrong == 0);
    server.stop();
    for (auto& t : loops) t.join();
    CHECK(engine.execute({"GET", "n"}).str == std::to_string(kClients * kIncrements));
  }
}
