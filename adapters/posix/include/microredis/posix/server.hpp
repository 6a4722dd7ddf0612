// POSIX adapter: a single-threaded epoll event loop that serves one Engine over TCP and Unix
// sockets. It owns the sockets and nothing else: every byte goes to and from engine sessions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "microredis/engine.hpp"

namespace microredis::posix {

struct ServerOptions {
  std::vector<std::string> bind = {"127.0.0.1"};  // addresses to listen on (IPv4 or IPv6 literals)
  int port = 6379;                                 // 0: no TCP listener
  std::string unixsocket;                          // empty: no Unix socket listener
  unsigned unixsocketperm = 0;                     // octal permissions for the socket file; 0 = umask
  int backlog = 511;
  int tcp_keepalive = 300;                         // seconds; 0 = off
};

class Server {
 public:
  Server(Engine& engine, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listeners. On failure returns false with a message in error.
  bool listen(std::string& error);
  // Serves until stop() is called (from a signal handler or another thread).
  void run();
  // Runs one round of the event loop, waiting at most timeout_ms.
  void run_once(int timeout_ms);
  // Async-signal-safe.
  void stop();
  bool stopping() const;

  // The TCP port actually bound (useful with port 0 in tests is not supported: port 0 disables TCP).
  int port() const { return options_.port; }
  std::size_t connection_count() const;

 private:
  struct Impl;
  Impl* impl_;
  ServerOptions options_;
};

}  // namespace microredis::posix
