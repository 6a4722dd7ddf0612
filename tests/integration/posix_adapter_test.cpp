// microredis::posix::Server in-process: what the example server cannot show from outside (an
// OS-chosen port, run_once driving tick(), stop() from another thread, close()) and descriptor
// exhaustion, which microredis-server avoids by sizing maxclients to its descriptor limit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"
#include "microredis/microredis.hpp"
#include "microredis/posix/server.hpp"

namespace {

using namespace loopback;

// One reply line ("+PONG\r\n", "-ERR ...\r\n"), or what came before the peer closed.
std::string read_line(int fd) {
  std::string out;
  char c;
  while (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
    if (::recv(fd, &c, 1, 0) != 1) break;
    out += c;
  }
  return out;
}

double process_cpu_seconds(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024] = {};
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr || n == 0) return 0;
  unsigned long utime = 0, stime = 0;
  // fields after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

const std::string kMaxClients = "-ERR max number of clients reached\r\n";

microredis::posix::Server* g_child_server = nullptr;

}  // namespace

TEST_SUITE("posix adapter") {
  TEST_CASE("OS-chosen port, TCP and unix socket, stop() from another thread, close()") {
    microredis::Engine engine;
    microredis::posix::ServerOptions options;
    options.port = -1;
    char dir[] = "/tmp/microredis-adapter-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    options.unixsocket = std::string(dir) + "/s.sock";
    options.unixsocketperm = 0700;
    microredis::posix::Server server(engine, options);
    std::string error;
    REQUIRE(server.listen(error));
    CHECK(error.empty());
    const int port = server.tcp_port();
    REQUIRE(port > 0);
    REQUIRE(server.endpoints().size() == 2);
    CHECK(server.endpoints()[0] == "127.0.0.1:" + std::to_string(port));
    CHECK(server.endpoints()[1] == options.unixsocket);

    std::thread loop([&] { server.run(); });
    int tcp = connect_tcp(port);
    int unix_fd = connect_unix(options.unixsocket);
    REQUIRE(tcp >= 0);
    REQUIRE(unix_fd >= 0);
    send_all(tcp, "PING\r\n");
    CHECK(read_some(tcp, 7) == "+PONG\r\n");
    send_all(unix_fd, "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n");
    CHECK(read_some(unix_fd, 9) == "$3\r\nabc\r\n");
    server.stop();
    loop.join();
    CHECK(server.stopping());
    CHECK(server.connection_count() == 2);
    server.close();
    server.close();  // idempotent
    CHECK(server.connection_count() == 0);
    CHECK(access(options.unixsocket.c_str(), F_OK) != 0);
    CHECK(read_to_end(tcp).empty());
    CHECK(read_to_end(unix_fd).empty());
    ::close(tcp);
    ::close(unix_fd);
    CHECK(engine.session_count() == 0);
    rmdir(dir);
  }

  TEST_CASE("a second server on the same port fails with the reason") {
    microredis::Engine engine;
    microredis::posix::ServerOptions options;
    options.port = -1;
    microredis::posix::Server first(engine, options);
    std::string error;
    REQUIRE(first.listen(error));
    microredis::Engine other;
    options.port = first.tcp_port();
    microredis::posix::Server second(other, options);
    CHECK_FALSE(second.listen(error));
    CHECK(error.find("Address already in use") != std::string::npos);
    options.bind = {"-192.0.2.1", "127.0.0.1"};  // an optional address this machine lacks is skipped
    options.port = -1;
    microredis::posix::Server third(other, options);
    CHECK(third.listen(error));
    CHECK(third.endpoints().size() == 1);
  }

  TEST_CASE("run_once drives tick(): an idle session is closed promptly") {
    microredis::Engine engine;
    engine.settings().timeout = 1;
    microredis::posix::ServerOptions options;
    options.port = -1;
    microredis::posix::Server server(engine, options);
    std::string error;
    REQUIRE(server.listen(error));
    int fd = connect_tcp(server.tcp_port());
    REQUIRE(fd >= 0);
    send_all(fd, "PING\r\n");
    std::string got;
    const auto start = Clock::now();
    bool closed = false;
    while (!closed && seconds_since(start) < 3.0) {
      server.run_once(50);
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
    microredis::Engine engine;
    engine.settings().maxclients = 1;
    microredis::posix::ServerOptions options;
    options.port = -1;
    microredis::posix::Server server(engine, options);
    std::string error;
    REQUIRE(server.listen(error));
    int first = connect_tcp(server.tcp_port());
    server.run_once(50);
    int second = connect_tcp(server.tcp_port());
    send_all(second, "PING\r\n" + std::string(10000, 'x'));
    std::thread loop([&] { server.run(); });
    CHECK(read_to_end(second) == kMaxClients);
    send_all(first, "PING\r\n");
    CHECK(read_some(first, 7) == "+PONG\r\n");
    server.stop();
    loop.join();
    CHECK(engine.stats().rejected_connections == 1);
    ::close(first);
    ::close(second);
  }

  TEST_CASE("out of descriptors: pending connections are refused, the loop does not spin") {
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ready[0]);
      rlimit lim{40, 40};
      setrlimit(RLIMIT_NOFILE, &lim);
      microredis::Engine engine;
      engine.settings().maxclients = 10000;  // the descriptor limit is what stops accepting
      microredis::posix::ServerOptions options;
      options.port = -1;
      microredis::posix::Server server(engine, options);
      std::string error;
      int port = server.listen(error) ? server.tcp_port() : 0;
      (void)!::write(ready[1], &port, sizeof port);
      ::close(ready[1]);
      g_child_server = &server;
      std::signal(SIGTERM, [](int) { g_child_server->stop(); });
      server.run();
      server.close();
      _exit(0);
    }
    ::close(ready[1]);
    int port = 0;
    REQUIRE(::read(ready[0], &port, sizeof port) == sizeof port);
    ::close(ready[0]);
    REQUIRE(port > 0);

    std::vector<int> clients;
    for (int i = 0; i < 60; ++i) clients.push_back(connect_tcp(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int served = 0, refused = 0;
    for (int fd : clients) {
      REQUIRE(fd >= 0);
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 0) != 1) send_all(fd, "PING\r\n");  // nothing yet: not refused so far
      std::string line = read_line(fd);
      if (line == "+PONG\r\n") ++served;
      if (line == kMaxClients) ++refused;
    }
    CHECK(served > 10);
    CHECK(refused > 10);
    CHECK(served + refused == 60);

    const double cpu = process_cpu_seconds(child);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(process_cpu_seconds(child) - cpu < 0.1);

    for (int fd : clients) ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    int again = connect_tcp(port);
    send_all(again, "PING\r\n");
    CHECK(read_some(again, 7) == "+PONG\r\n");
    ::close(again);

    kill(child, SIGTERM);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}
