// The polling loop behind microredis::serial::Server. The contract is described in server.hpp.
#include "microredis/serial/server.hpp"

namespace microredis::serial {

Server::Server(Engine& engine, SerialPort& port, ServerOptions options)
    : engine_(engine), port_(port), options_(options) {
  (void)open();
}

Server::~Server() {
  if (session_ != nullptr) engine_.close_session(session_);
}

bool Server::open() {
  session_ = engine_.open_session();
  if (session_ == nullptr) {
    ++stats_.open_failures;
    return false;
  }
  ++stats_.sessions;
  session_->set_peer(options_.peer, options_.local);
  last_input_ms_ = last_activity_ms_ = engine_.clock().now_ms();
  return true;
}

void Server::replace() {
  engine_.close_session(session_);
  session_ = nullptr;
  (void)open();
}

// Writes pending output until the port stops taking bytes. A session closing "now" has its output
// discarded, as a socket adapter would close without writing it.
bool Server::drain() {
  bool moved = false;
  while (session_->has_output() && !session_->want_close()) {
    std::string_view out = session_->pending_output();
    std::size_t n = port_.write(out.data(), out.size());
    if (n == 0) break;
    session_->consume_output(n);
    stats_.bytes_out += n;
    moved = true;
  }
  return moved;
}

bool Server::poll() {
  if (engine_.clock().now_us() >= engine_.next_deadline_us()) (void)engine_.tick();
  if (session_ == nullptr && !open()) return false;

  bool moved = drain();
  if (session_->want_close()) {
    ++stats_.closed_by_session;
    replace();
    return true;
  }
  const std::int64_t now_ms = engine_.clock().now_ms();
  if (moved) last_activity_ms_ = now_ms;

  // Input is read once the previous replies are out (backpressure), and also while the session is
  // blocked: Redis keeps reading a blocked client's commands and runs them after the block.
  if (!session_->has_output() && !session_->closing()) {
    char chunk[ServerOptions::kChunk];
    std::size_t got = 0;
    for (std::uint32_t idle = 0; got < sizeof chunk;) {
      std::size_t n = port_.read(chunk + got, sizeof chunk - got);
      if (n != 0) {
        got += n;
        idle = 0;
      } else if (++idle > options_.gather_polls) {
        break;
      }
    }
    if (got != 0) {
      stats_.bytes_in += got;
      last_input_ms_ = last_activity_ms_ = now_ms;
      session_->feed(chunk, got);
      moved = true;
      (void)drain();
      if (session_->want_close()) {
        ++stats_.closed_by_session;
        replace();
      }
      return true;
    }
  }
  if (moved) return true;

  // Nothing moved: look for a sender that went away.
  if (options_.resync_idle_ms > 0 && !session_->blocked() && session_->query_buffer_size() > 0 &&
      now_ms - last_input_ms_ >= options_.resync_idle_ms) {
    ++stats_.resyncs;
    replace();
  } else if (options_.reset_idle_ms > 0 && session_->commands_processed() > 0 && !session_->has_output() &&
             now_ms - last_activity_ms_ >= options_.reset_idle_ms) {
    ++stats_.idle_resets;
    replace();
  }
  return false;
}

void Server::run(const volatile bool* stop) {
  while (stop == nullptr || !*stop) (void)poll();
}

}  // namespace microredis::serial
