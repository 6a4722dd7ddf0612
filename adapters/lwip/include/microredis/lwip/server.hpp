// lwIP adapter: serves one microredis Engine over lwIP's raw TCP API, for firmware whose network
// stack is lwIP. It owns the pcbs and nothing else; every byte goes to and from engine sessions.
//
// The contract with the engine (session.hpp, engine.hpp), in lwIP terms:
//  - accept  -> engine.open_session(); the Connection lives in Session::user_data(). A session
//               refused by maxclients is born closing with its error reply as the only output.
//  - recv    -> each pbuf of the chain is fed to Session::feed() straight from its payload (the
//               session copies only an incomplete command's tail), then freed and acknowledged
//               with tcp_recved(). While the session does not want input (blocked, closing) or
//               has options().output_pause_bytes of output waiting, the pbufs are kept unfed and
//               unacknowledged: the receive window closes and the peer stops sending.
//  - output  -> pending_output() goes to tcp_write() in chunks of at most tcp_sndbuf() bytes
//               while the send queue has room, then tcp_output(); draining resumes from the
//               sent and poll callbacks. Data is always copied (TCP_WRITE_FLAG_COPY): lwIP keeps
//               a zero-copy pointer until the peer acknowledges it, but consume_output() compacts
//               the session's buffer and every new reply may reallocate it.
//  - others  -> the engine's output listener (pub/sub, served blocked clients, CLIENT KILL) only
//               marks a connection; it is serviced when the current lwIP callback ends, or from a
//               tcpip_callback when the output came from outside one.
//  - time    -> a sys_timeout armed for engine.next_deadline_us() runs engine.tick().
//  - closing -> after want_close() and the last reply, the send side is shut (FIN) and whatever
//               the peer still sends is read and dropped until it closes or about a second passes
//               (closing with unread data would make lwIP answer with a reset that can destroy
//               the final reply). tcp_err means lwIP freed the pcb: only the session is dropped.
//
// Threading: lwIP's core context owns the server and the engine. Construct, use and destroy the
// server, and call the engine, from the tcpip thread (a tcpip_callback) or with the core lock held
// (LOCK_TCPIP_CORE()/UNLOCK_TCPIP_CORE()). One Server per Engine: it is the engine's output listener.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

// lwIP's options file may declare the port's C functions without extern "C" (Debian's declares
// sys_lock_tcpip_core() and the others behind LOCK_TCPIP_CORE()): read first, with C linkage, so
// that C++ code using those macros links. Include this header before lwIP's own headers.
extern "C" {
#include "lwipopts.h"
}

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "microredis/engine.hpp"

namespace microredis::lwip {

struct ServerOptions {
  ip_addr_t bind{};          // value-initialized: IPv4 any (0.0.0.0); IP_ANY_TYPE's value for dual stack
  std::uint16_t port = 6379;  // 0: lwIP picks a free port (see Server::port())
  std::uint8_t backlog = 0xff;  // pending connections (effective when lwIP has TCP_LISTEN_BACKLOG)
  // Stop feeding a connection's input while this many bytes of its output wait for the send
  // buffer (0: never), so that a client that does not read cannot make the session buffer
  // replies without bound. Redis keeps reading; firmware should not.
  std::size_t output_pause_bytes = 64 * 1024;

  // The listener settings of the engine's Settings: port, the first address of bind ("*" or
  // empty: any; an unparsable address leaves the default), tcp-backlog (capped at 255).
  static ServerOptions from_settings(const Settings& settings);
};

// What the adapter did, for tests and diagnostics.
struct ServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t bytes_fed = 0;        // input given to sessions (and acknowledged to lwIP)
  std::uint64_t bytes_written = 0;    // output handed to tcp_write
  std::uint64_t send_buffer_full = 0;  // drains stopped by a full send buffer or queue
  std::uint64_t input_held = 0;       // times input was kept back (backpressure)
  std::uint64_t refused = 0;          // pbufs returned to lwIP with ERR_MEM (held chain full)
  std::uint64_t aborted = 0;          // connections ended with tcp_abort
  std::uint64_t reset_by_peer = 0;    // connections ended by tcp_err (reset, timeout)
};

class Server {
 public:
  // Installs itself as the engine's output listener; the engine must outlive the server.
  Server(Engine& engine, ServerOptions options);
  ~Server();  // close()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates, binds and starts the listening pcb. ERR_OK or the lwIP error (ERR_USE: the address
  // is taken, ERR_MEM, ERR_ALREADY: already listening); nothing stays open on failure.
  err_t listen();
  // Aborts every connection (their sessions close) and closes the listener. Idempotent.
  void close();

  // The port listened on (the one lwIP chose for port 0); 0 when not listening.
  std::uint16_t port() const;
  const ServerOptions& options() const;
  // Connections with a session.
  std::size_t connection_count() const;
  // Connections whose session ended and whose pcb is still closing (lingering).
  std::size_t closing_count() const;
  // Input bytes kept back in pbufs right now (not fed, not acknowledged).
  std::size_t held_bytes() const;
  const ServerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace microredis::lwip
