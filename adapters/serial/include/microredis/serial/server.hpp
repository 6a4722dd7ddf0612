// Serial adapter: serves one engine session over a byte stream (a UART), so that a microcontroller
// answers redis-cli through a serial line (or QEMU's "-serial tcp:...").
//
// A UART has no connections. The adapter keeps one Session for whatever is on the other end:
//  - input    -> the bytes that have arrived are gathered into a small chunk (reading on while
//                more keep coming) and fed to the session; complete commands run at once.
//  - output   -> pending_output() goes to the port as fast as it takes bytes; consume_output()
//                is told what went. Reading pauses while output is pending or the session does
//                not want input (backpressure: the UART's own holding register then fills and the
//                sender's flow control, if any, stops it).
//  - closing  -> a session that wants to close (QUIT, a protocol error, CLIENT KILL, out of memory)
//                is replaced by a fresh one once its last reply is written: the stream goes on,
//                as if the client had reconnected.
//  - time     -> engine.tick() runs whenever the engine's deadline has passed (expiry, blocked
//                command timeouts).
//
// A client that goes away mid-command cannot be seen on a UART (QEMU's TCP serial backend does not
// tell the guest either). Its partial command stays in the session's buffer and the next client's
// bytes would be read as its continuation. (Over QEMU's TCP backend this happens when a client
// closes with replies unread: the host's TCP answers with a reset and QEMU drops the bytes it had
// not yet passed to the UART, which takes them one at a time.) Two rules limit the damage:
//  - resync_idle_ms: an incomplete command on which no byte has arrived for this long is taken to
//    be such a remnant. The session is replaced and the bytes dropped. A client that connects
//    sooner than this after an interrupted command can still get an error reply meant for the
//    garbled command (an inline command made of both clients' bytes, or a protocol error after
//    which the session is replaced and the rest of its input runs in the new one).
//  - reset_idle_ms (off by default): a session idle this long with nothing pending is replaced
//    too, so that per-connection state (SELECT, HELLO 3, MULTI, subscriptions, CLIENT SETNAME)
//    does not outlive a client that left without QUIT. Off by default because it would also cut
//    off a subscriber waiting quietly for messages, or an interactive user who paused.
// Without it, per-connection state carries over from one client to the next, as on one long
// connection: redis-cli, for one, closes without QUIT. A client that sends QUIT before leaving
// hands the next one a fresh session.
#pragma once

#include <cstddef>
#include <cstdint>

#include "microredis/engine.hpp"
#include "port.hpp"

namespace microredis::serial {

struct ServerOptions {
  // An incomplete command untouched this long is dropped with its session (0: never).
  std::int64_t resync_idle_ms = 1000;
  // An idle session with no state in flight is replaced after this long (0: never).
  std::int64_t reset_idle_ms = 0;
  // Bytes gathered before they are fed to the session (taken from the stack).
  static constexpr std::size_t kChunk = 256;
  // Empty polls of the port after the last byte before the gathered chunk is fed: bytes of one
  // command usually arrive back to back, and feeding them together saves parser restarts.
  std::uint32_t gather_polls = 64;
  // Shown by CLIENT LIST as addr= and laddr=.
  std::string_view peer = "serial:0";
  std::string_view local = "uart:0";
};

// Counters for diagnostics (and tests).
struct ServerStats {
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t sessions = 0;        // sessions opened (the first one included)
  std::uint64_t closed_by_session = 0;  // QUIT, protocol errors, CLIENT KILL
  std::uint64_t resyncs = 0;         // stale partial commands dropped
  std::uint64_t idle_resets = 0;     // sessions replaced by reset_idle_ms
  std::uint64_t open_failures = 0;   // out of memory when opening a session
};

class Server {
 public:
  // The engine and the port must outlive the server.
  Server(Engine& engine, SerialPort& port, ServerOptions options = ServerOptions{});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // One round: reads what arrived, runs it, writes what the port takes, ticks the engine when it is
  // due, replaces the session when needed. Returns true when any byte moved (a caller may sleep
  // until the next interrupt when it returns false).
  bool poll();
  // Polls until *stop becomes true (or forever with nullptr).
  void run(const volatile bool* stop = nullptr);

  // The session now being served (nullptr only while out of memory).
  Session* session() const { return session_; }
  const ServerStats& stats() const { return stats_; }

 private:
  bool open();
  void replace();
  bool drain();

  Engine& engine_;
  SerialPort& port_;
  ServerOptions options_;
  Session* session_ = nullptr;
  ServerStats stats_;
  std::int64_t last_input_ms_ = 0;
  std::int64_t last_activity_ms_ = 0;
};

}  // namespace microredis::serial
