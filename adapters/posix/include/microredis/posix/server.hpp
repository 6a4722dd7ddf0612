// POSIX adapter: one thread, one epoll loop, one Engine, serving TCP (IPv4/IPv6) and Unix sockets.
// It owns the sockets and nothing else; every byte goes to and from engine sessions.
//
// The contract with the engine (session.hpp, engine.hpp):
//  - accept    -> engine.open_session(); the Connection lives in Session::user_data(). A session
//                 refused by maxclients is born closing with "-ERR max number of clients reached"
//                 as its only output, so it is written and closed like any other closing session.
//  - readable  -> read straight into Session::input_space(). A read that drains the socket is only
//                 taken (Session::receive_input); once every connection of the wake-up has been read,
//                 their first commands' keyspace lines are prefetched together, the commands run
//                 (Session::run_input) and the replies are written. Bigger input runs read by read
//                 (commit_input), as before.
//  - output    -> after every read, and for every session the engine's output listener names
//                 (tick()'s idle timeouts, output caused by other sessions), pending_output() is
//                 written until the socket would block and consume_output() is told what went out.
//                 EPOLLOUT is armed only while output is pending.
//  - closing   -> when want_close(): the socket is half-closed after the last reply and the peer's
//                 remaining input is drained for a short while (a "lingering close"), so that the
//                 kernel does not answer unread input with a reset that would destroy the final
//                 reply (QUIT, protocol errors, maxclients). The session is gone at once.
//  - time      -> engine.tick() runs when it asked to; its deadline bounds epoll_wait's timeout.
//  - settings  -> listeners come from ServerOptions (ServerOptions::from_settings reads them from
//                 the engine's Settings as redis-server does); tcp-keepalive is read from the engine
//                 at each accept, so CONFIG SET applies to new connections as in Redis.
//  - EMFILE    -> one spare descriptor is kept: when accept() runs out of descriptors the spare is
//                 used to accept the connection, tell it "-ERR max number of clients reached" and
//                 close it, instead of leaving it in the backlog where level-triggered epoll would
//                 spin on it. If even that fails the listeners pause for 100 ms.
//
// One Server per Engine: the server is the engine's output listener.
// Threading: the engine is not thread-safe, so run()/run_once() and every engine call belong to one
// thread. stop() alone may be called from a signal handler or another thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "microredis/engine.hpp"

namespace microredis::posix {

struct ServerOptions {
  // Addresses to listen on: IPv4/IPv6 literals or host names, "*" (every IPv4 address), "::*"
  // (every IPv6 address); a leading "-" makes an address optional (skipped if unavailable), as
  // in redis.conf's "bind 127.0.0.1 -::1".
  std::vector<std::string> bind = {"127.0.0.1"};
  int port = 6379;        // 0: no TCP listener (as in Redis); -1: a port the OS picks (see tcp_port())
  std::string unixsocket;  // empty: no Unix socket listener
  unsigned unixsocketperm = 0;  // permission bits of the socket file (e.g. 0700); 0: leave the umask's
  int backlog = 511;

  // The listener settings of a redis.conf (port, bind, unixsocket, unixsocketperm, tcp-backlog).
  // An empty bind means 127.0.0.1. unixsocketperm is written in octal as in redis.conf ("700"):
  // the settings table keeps its digits, which are read here as octal.
  static ServerOptions from_settings(const Settings& settings);
};

class Server {
 public:
  // Installs itself as the engine's output listener; the engine must outlive the server.
  Server(Engine& engine, ServerOptions options);
  ~Server();  // close()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listeners. On failure returns false with a message in error; nothing stays open.
  bool listen(std::string& error);
  // Serves until stop() is called or a client's SHUTDOWN asks the engine to stop.
  void run();
  // One round of the loop: waits at most timeout_ms (-1: until something happens or the engine's
  // next tick), handles what is ready, runs tick() when due.
  void run_once(int timeout_ms);
  // Makes run() return. Async-signal-safe.
  void stop();
  // Makes a run_once() waiting in epoll return now (the engine wants a master link). Async-signal-safe.
  void wake_up();
  bool stopping() const;
  // Closes every connection (their sessions too) and listener and removes the Unix socket file.
  // Idempotent; the destructor calls it.
  void close();

  // The TCP port of the first TCP listener (the one the OS chose with port -1); 0 if none.
  int tcp_port() const;
  // What the server listens on, for logs: "127.0.0.1:6379", "[::1]:6379", "/tmp/redis.sock".
  const std::vector<std::string>& endpoints() const;
  // Client connections with a session (not counting ones being closed).
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Registers INFO's host facts (process id, OS, executable, CPU time) with the engine. Server's
// constructor does it; applications that drive sessions themselves may call it too.
void install_host_info(Engine& engine);

}  // namespace microredis::posix
