// Asio adapter: the engine served over TCP (IPv4/IPv6) and Unix sockets on an application's
// standalone-Asio executor, next to whatever else that io_context runs. It owns the sockets and a
// timer and nothing else; every byte goes to and from engine sessions.
//
// The contract with the engine (session.hpp, engine.hpp, docs/adapters.md):
//  - accept    -> engine.open_session(); the Connection lives in Session::user_data(). A session
//                 refused by maxclients is born closing with "-ERR max number of clients reached"
//                 as its only output, so it is written and closed like any other closing session.
//  - input     -> async_read_some straight into Session::input_space(), then commit_input(): the
//                 commands run there. While a session is blocked (BLPOP, ...) the connection still
//                 reads, into a small buffer of its own passed to feed(), so that a client that
//                 hangs up while blocked is noticed (and cannot be served an element it would lose).
//                 A closing session is not read from.
//  - output    -> one write in flight per connection. pending_output() is first written straight
//                 from the session with a non-blocking write_some (most replies leave there); what
//                 the socket does not take is copied, at most 64 KiB at a time, and sent with
//                 async_write, and consume_output() is told once it went out. The copy is needed:
//                 the session's output buffer may move while a write is in flight (a pub/sub
//                 message appended to it makes it grow), and Asio needs the buffer to stay put.
//  - others    -> the engine's output listener (pub/sub, served blocked clients, CLIENT KILL, idle
//                 timeouts) queues the connection; the queue is serviced at the end of the handler
//                 that caused it, or by a handler posted for output caused outside the server
//                 (the application calling engine.execute({"PUBLISH", ...}) on the executor).
//  - closing   -> when want_close(): the pending operations are cancelled, the session is closed,
//                 the socket is half-closed after the last reply and the peer's remaining input is
//                 drained for at most a second (a "lingering close"), so that the kernel does not
//                 answer unread input with a reset that would destroy the final reply.
//  - time      -> a steady_timer fires at engine.next_deadline_us() and runs engine.tick(); it is
//                 re-armed after every handler that ran engine code (a command that blocks with a
//                 timeout moves the deadline closer).
//  - INFO      -> the adapter installs no info provider (host facts are OS matters); on POSIX call
//                 microredis::posix::install_host_info(engine), as microredis-asio-server does.
//
// Threading: the engine is not thread-safe. Every handler of the server runs on the executor given
// to the constructor, which must not run two of them at once: an io_context run by one thread, or
// a strand. Call engine functions and listen()/close() only from that executor (or before it
// runs); stop() may be called from any thread (not from a signal handler: use asio::signal_set).
// The io_context must outlive the Server.
//
// Inside namespace microredis::asio, Asio itself is ::asio.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "microredis/engine.hpp"

namespace microredis::asio {

struct ServerOptions {
  // Addresses to listen on: IPv4/IPv6 literals or host names, "*" (every IPv4 address), "::*"
  // (every IPv6 address); a leading "-" makes an address optional (skipped if unavailable), as
  // in redis.conf's "bind 127.0.0.1 -::1".
  std::vector<std::string> bind = {"127.0.0.1"};
  int port = 6379;         // 0: no TCP listener (as in Redis); -1: a port the OS picks (see tcp_port())
  std::string unixsocket;  // empty: no Unix socket listener
  unsigned unixsocketperm = 0;  // permission bits of the socket file (e.g. 0700); 0: leave the umask's
  int backlog = 511;

  // The listener settings of a redis.conf (port, bind, unixsocket, unixsocketperm, tcp-backlog).
  // An empty bind means 127.0.0.1; unixsocketperm's digits are read as octal, as in redis.conf.
  static ServerOptions from_settings(const Settings& settings);
};

class Server {
 public:
  // Installs itself as the engine's output listener; the engine must outlive the server.
  Server(::asio::io_context& io, Engine& engine, ServerOptions options);
  Server(const ::asio::any_io_executor& executor, Engine& engine, ServerOptions options);
  ~Server();  // close()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listeners and starts accepting and ticking (the handlers run once the executor's
  // io_context runs). On failure returns false with a message in error; nothing stays open.
  bool listen(std::string& error);
  // Closes every connection (their sessions too), listener and the timer, and removes the Unix
  // socket file; the io_context's run() then returns once nothing else keeps it busy. Idempotent;
  // the destructor calls it.
  void close();
  // close() on the executor: callable from any thread.
  void stop();

  // The TCP port of the first TCP listener (the one the OS chose with port -1); 0 if none.
  int tcp_port() const;
  // What the server listens on, for logs: "127.0.0.1:6379", "[::1]:6379", "/tmp/redis.sock".
  const std::vector<std::string>& endpoints() const;
  // Client connections with a session (not counting ones being closed).
  std::size_t connection_count() const;
  const ::asio::any_io_executor& executor() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the handlers in flight, which may outlive the server
};

}  // namespace microredis::asio
