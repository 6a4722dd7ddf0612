// microredis::lwip::Server on lwIP's raw TCP API. The contract is described in server.hpp.
#include "microredis/lwip/server.hpp"

#include <cstdio>
#include <new>

#include "lwip/ip_addr.h"
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"

namespace microredis::lwip {

namespace {

constexpr u8_t kPollInterval = 1;         // poll callback period, in TCP coarse ticks (500 ms)
constexpr std::uint8_t kLingerPolls = 2;  // how long a closing connection drains the peer: ~1 s
// The tick timer re-checks the engine's deadline at least this often (it may be on a wall clock).
constexpr std::int64_t kMaxTimerUs = 1'000'000;
constexpr std::size_t kMaxHeldChain = 0xFFFF;  // pbuf tot_len is 16 bits

// Redis's addr/laddr text: "1.2.3.4:5", "[::1]:5".
void format_endpoint(char* out, std::size_t size, const ip_addr_t* addr, u16_t port) {
  char host[IPADDR_STRLEN_MAX] = "?";
  if (ipaddr_ntoa_r(addr, host, static_cast<int>(sizeof host)) == nullptr) host[0] = '\0';
  std::snprintf(out, size, IP_IS_V6(addr) ? "[%s]:%u" : "%s:%u", host, static_cast<unsigned>(port));
}

}  // namespace

ServerOptions ServerOptions::from_settings(const Settings& st) {
  ServerOptions o;
  if (st.port >= 0 && st.port <= 0xFFFF) o.port = static_cast<std::uint16_t>(st.port);
  o.backlog = static_cast<std::uint8_t>(st.tcp_backlog < 0 ? 0 : st.tcp_backlog > 0xff ? 0xff : st.tcp_backlog);
  // The first address of "bind" (lwIP listens on one address per pcb).
  std::string_view bind = st.bind.view();
  std::size_t start = bind.find_first_not_of(' ');
  if (start == std::string_view::npos) return o;
  std::size_t end = bind.find(' ', start);
  std::string_view first = bind.substr(start, end == std::string_view::npos ? end : end - start);
  if (!first.empty() && first[0] == '-') first.remove_prefix(1);
  if (first == "*") return o;
  if (first == "::*") {
    ip_addr_set_any(1, &o.bind);
    return o;
  }
  char text[IPADDR_STRLEN_MAX + 1];
  if (first.size() >= sizeof text) return o;
  first.copy(text, first.size());
  text[first.size()] = '\0';
  ip_addr_t parsed{};
  if (ipaddr_aton(text, &parsed)) o.bind = parsed;
  return o;
}

struct Server::Impl {
  struct Connection {
    Impl* server = nullptr;
    tcp_pcb* pcb = nullptr;      // nullptr once lwIP freed it or it was handed back to lwIP
    Session* session = nullptr;  // nullptr once the session ended (lingering, or gone)
    pbuf* held = nullptr;        // received but not yet fed, hence not acknowledged either
    Connection* prev = nullptr;  // every connection that still has its pcb
    Connection* next = nullptr;
    Connection* next_dirty = nullptr;
    Connection* next_dead = nullptr;
    bool dirty = false;        // queued by the engine's output listener
    bool peer_closed = false;  // FIN received
    bool lingering = false;    // our FIN sent; draining the peer until it closes
    bool dead = false;         // in the graveyard: freed at the end of the round
    std::uint8_t linger_polls = 0;
  };

  // The context of a queued tcpip_callback: it outlives the server if the server goes first.
  struct FlushToken {
    Impl* server;
    bool queued;
  };

  // Every entry from lwIP (callbacks, the timer, the flush message) is a round. The outermost
  // round ends by servicing the connections the engine named, freeing closed connections and
  // re-arming the tick timer. finish() tells whether the pcb whose callback this is was aborted:
  // lwIP must then be answered ERR_ABRT.
  class Round {
   public:
    Round(Impl& m, tcp_pcb* pcb) : m_(m), saved_pcb_(m.current_pcb), saved_aborted_(m.current_aborted) {
      ++m_.depth;
      m_.current_pcb = pcb;
      m_.current_aborted = false;
    }
    Round(const Round&) = delete;
    Round& operator=(const Round&) = delete;
    err_t finish() {
      if (m_.depth == 1) m_.end_of_round();
      bool aborted = m_.current_aborted;
      m_.current_pcb = saved_pcb_;
      m_.current_aborted = saved_aborted_;
      --m_.depth;
      return aborted ? ERR_ABRT : ERR_OK;
    }

   private:
    Impl& m_;
    tcp_pcb* saved_pcb_;
    bool saved_aborted_;
  };

  Impl(Engine& e, ServerOptions o) : engine(e), options(o) {}

  Engine& engine;
  ServerOptions options;
  ServerStats stats;
  tcp_pcb* listener = nullptr;
  std::uint16_t bound_port = 0;
  Connection* connections = nullptr;
  Connection* dirty = nullptr;
  Connection* graveyard = nullptr;
  std::size_t active = 0;
  std::size_t lingering = 0;
  std::size_t held_total = 0;
  int depth = 0;
  tcp_pcb* current_pcb = nullptr;
  bool current_aborted = false;
  bool timer_armed = false;
  std::int64_t timer_due_us = 0;
  std::int64_t next_tick_us = 0;
  FlushToken* token = nullptr;

  // --- engine output listener ---
  static void on_output(void* ctx, Session& s) {
    auto* self = static_cast<Impl*>(ctx);
    auto* c = static_cast<Connection*>(s.user_data());
    if (c == nullptr || c->dirty || c->dead) return;
    c->dirty = true;
    c->next_dirty = self->dirty;
    self->dirty = c;
    // Output caused outside an lwIP callback (the application called the engine under the core
    // lock): nothing would service it before the next event, so ask the tcpip thread to.
    if (self->depth == 0) self->schedule_flush();
  }

  void schedule_flush() {
    if (token == nullptr || token->queued) return;
    // If the mailbox is full the tick timer services it within a second.
    if (tcpip_try_callback(&Impl::on_flush_message, token) == ERR_OK) token->queued = true;
  }

  static void on_flush_message(void* arg) {
    auto* t = static_cast<FlushToken*>(arg);
    t->queued = false;
    if (t->server == nullptr) {
      delete t;
      return;
    }
    Round round(*t->server, nullptr);
    (void)round.finish();
  }

  // --- lwIP callbacks ---
  static err_t on_accept(void* arg, tcp_pcb* pcb, err_t err) {
    auto* self = static_cast<Impl*>(arg);
    if (self == nullptr || pcb == nullptr || err != ERR_OK) return ERR_VAL;
    Round round(*self, pcb);
    // On failure lwIP aborts the new pcb itself.
    err_t rc = self->adopt(pcb) ? ERR_OK : ERR_MEM;
    if (round.finish() == ERR_ABRT) return ERR_ABRT;
    return rc;
  }

  static err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
    auto* c = static_cast<Connection*>(arg);
    Impl& m = *c->server;
    Round round(m, pcb);
    err_t rc = m.receive(c, p, err);
    if (round.finish() == ERR_ABRT) return ERR_ABRT;
    return rc;
  }

  static err_t on_sent(void* arg, tcp_pcb* pcb, u16_t) {
    auto* c = static_cast<Connection*>(arg);
    Round round(*c->server, pcb);
    c->server->service(c);
    return round.finish();
  }

  static err_t on_poll(void* arg, tcp_pcb* pcb) {
    auto* c = static_cast<Connection*>(arg);
    Impl& m = *c->server;
    Round round(m, pcb);
    if (c->lingering) {
      if (++c->linger_polls >= kLingerPolls) m.close_pcb(c);
    } else {
      m.service(c);  // a write that failed for memory with nothing in flight is retried here
    }
    return round.finish();
  }

  // lwIP already freed the pcb (reset, retransmission timeout): only our side is left to drop.
  static void on_err(void* arg, err_t) {
    auto* c = static_cast<Connection*>(arg);
    if (c == nullptr || c->dead) return;
    Impl& m = *c->server;
    Round round(m, nullptr);
    c->pcb = nullptr;
    m.detach_session(c);
    m.drop_held(c, false);
    ++m.stats.reset_by_peer;
    m.forget(c);
    (void)round.finish();
  }

  static void on_timer(void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->timer_armed = false;
    Round round(*self, nullptr);
    const std::int64_t now_us = self->engine.clock().now_us();
    // A deadline more than the timer's period ahead means the clock went back: tick now.
    if (now_us >= self->next_tick_us || self->next_tick_us - now_us > kMaxTimerUs) self->engine.tick();
    (void)round.finish();  // re-arms
  }

  // --- connections ---
  bool adopt(tcp_pcb* pcb) {
    auto* c = new (std::nothrow) Connection;
    Session* s = c != nullptr ? engine.open_session() : nullptr;
    if (s == nullptr) {
      delete c;
      return false;
    }
    c->server = this;
    c->pcb = pcb;
    c->session = s;
    c->next = connections;
    if (connections != nullptr) connections->prev = c;
    connections = c;
    ++active;
    ++stats.accepted;
    s->set_user_data(c);
    char peer[IPADDR_STRLEN_MAX + 16];
    char local[IPADDR_STRLEN_MAX + 16];
    format_endpoint(peer, sizeof peer, &pcb->remote_ip, pcb->remote_port);
    format_endpoint(local, sizeof local, &pcb->local_ip, pcb->local_port);
    s->set_peer(peer, local);

    tcp_arg(pcb, c);
    tcp_recv(pcb, &Impl::on_recv);
    tcp_sent(pcb, &Impl::on_sent);
    tcp_err(pcb, &Impl::on_err);
    tcp_poll(pcb, &Impl::on_poll, kPollInterval);
    tcp_nagle_disable(pcb);  // replies go out at once, as Redis's TCP_NODELAY
    if (std::int64_t secs = engine.settings().tcp_keepalive; secs > 0) {
      // As Redis: first probe after `secs` idle seconds, then every secs/3, dead after 3.
      const std::int64_t cap = 0xFFFFFFFF / 1000;
      std::int64_t idle = secs > cap ? cap : secs;
      ip_set_option(pcb, SOF_KEEPALIVE);
      pcb->keep_idle = static_cast<u32_t>(idle * 1000);
#if LWIP_TCP_KEEPALIVE
      pcb->keep_intvl = static_cast<u32_t>((idle / 3 > 0 ? idle / 3 : 1) * 1000);
      pcb->keep_cnt = 3;
#endif
    }
    service(c);  // a session refused by maxclients already holds its error reply
    return true;
  }

  err_t receive(Connection* c, pbuf* p, err_t err) {
    if (p == nullptr) {  // the peer closed its side
      c->peer_closed = true;
      if (c->session == nullptr) {
        close_pcb(c);  // lingering ends: both sides closed
      } else {
        service(c);
      }
      return ERR_OK;
    }
    if (err != ERR_OK) {  // lwIP 2 never reports one with data; dropped as its default handler does
      pbuf_free(p);
      return ERR_OK;
    }
    if (c->session == nullptr) {  // lingering: read and drop
      tcp_recved(c->pcb, p->tot_len);
      pbuf_free(p);
      return ERR_OK;
    }
    if (c->held == nullptr) {
      c->held = p;
    } else if (static_cast<std::size_t>(c->held->tot_len) + p->tot_len > kMaxHeldChain) {
      // The held chain cannot grow (only with windows over 64 KiB): lwIP keeps the pbuf as
      // refused data and offers it again later, lwIP's own way of pushing back.
      ++stats.refused;
      return ERR_MEM;
    } else {
      pbuf_cat(c->held, p);
    }
    held_total += p->tot_len;
    service(c);
    return ERR_OK;
  }

  bool can_feed(const Session& s) const {
    return s.want_read() && (options.output_pause_bytes == 0 || s.output_buffer_size() < options.output_pause_bytes);
  }

  // Feeds held pbufs one by one, straight from their payload, while the session takes input;
  // what was fed is freed and acknowledged (the receive window reopens by that much).
  void feed_held(Connection* c) {
    Session& s = *c->session;
    std::size_t fed = 0;
    while (c->held != nullptr && can_feed(s)) {
      pbuf* q = c->held;
      c->held = q->next;
      q->next = nullptr;  // the rest keeps its own tot_len; q alone is freed
      held_total -= q->len;
      s.feed(static_cast<const char*>(q->payload), q->len);
      fed += q->len;
      pbuf_free(q);
    }
    if (c->held != nullptr && fed == 0) ++stats.input_held;
    stats.bytes_fed += fed;
    acknowledge(c, fed);
  }

  void acknowledge(Connection* c, std::size_t n) {
    while (n > 0) {
      u16_t part = static_cast<u16_t>(n > 0xFFFF ? 0xFFFF : n);
      tcp_recved(c->pcb, part);
      n -= part;
    }
  }

  void drop_held(Connection* c, bool ack) {
    if (c->held == nullptr) return;
    std::size_t n = c->held->tot_len;
    held_total -= n;
    pbuf_free(c->held);
    c->held = nullptr;
    if (ack && c->pcb != nullptr) acknowledge(c, n);
  }

  // Hands lwIP as much output as its send buffer and queue take. Copied: see server.hpp.
  void drain(Connection* c) {
    Session& s = *c->session;
    tcp_pcb* pcb = c->pcb;
    bool wrote = false;
    std::size_t limit = 0xFFFF;  // tcp_write's length is 16 bits; halved when lwIP lacks memory
    while (s.has_output() && !s.want_close()) {
      std::size_t room = tcp_sndbuf(pcb);
      if (room == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN) {
        ++stats.send_buffer_full;  // tcp_sent resumes when the peer acknowledges
        break;
      }
      std::string_view out = s.pending_output();
      std::size_t n = out.size();
      if (n > room) n = room;
      if (n > limit) n = limit;
      err_t e = tcp_write(pcb, out.data(), static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY);
      if (e == ERR_MEM) {
        // Out of segments or pbufs for this much: try a smaller piece, else wait for tcp_sent
        // (or the poll callback when nothing is in flight).
        if (n > TCP_MSS) {
          limit = n / 2;
          continue;
        }
        ++stats.send_buffer_full;
        break;
      }
      if (e != ERR_OK) return abort(c);
      s.consume_output(n);
      stats.bytes_written += n;
      wrote = true;
    }
    if (wrote) (void)tcp_output(pcb);  // on failure lwIP's timers send the queue later
  }

  // Input, output and closing for one connection: after every event that concerns it.
  void service(Connection* c) {
    if (c->dead || c->pcb == nullptr || c->session == nullptr) return;
    Session& s = *c->session;
    do {  // input that waited behind paused output is fed as the output drains
      feed_held(c);
      drain(c);
      if (c->dead) return;
    } while (c->held != nullptr && can_feed(s));
    if (s.want_close()) return finish(c);
    // The peer is gone: close once what it asked for is sent (a blocked command never will be).
    if (c->peer_closed && (s.blocked() || (!s.has_output() && c->held == nullptr))) return finish(c);
  }

  void detach_session(Connection* c) {
    if (c->session == nullptr) return;
    c->session->set_user_data(nullptr);
    engine.close_session(c->session);
    c->session = nullptr;
    --active;
  }

  static void clear_callbacks(tcp_pcb* pcb) {
    tcp_arg(pcb, nullptr);
    tcp_recv(pcb, nullptr);
    tcp_sent(pcb, nullptr);
    tcp_err(pcb, nullptr);
    tcp_poll(pcb, nullptr, 0);
  }

  // The session is done (QUIT, protocol error, CLIENT KILL, the peer closed): send FIN after the
  // last reply and drain the peer until it closes too. Everything received is acknowledged first,
  // or tcp_close would answer with a reset.
  void finish(Connection* c) {
    detach_session(c);
    drop_held(c, true);
    if (c->peer_closed) return close_pcb(c);
    if (tcp_shutdown(c->pcb, 0, 1) != ERR_OK) return close_pcb(c);
    c->lingering = true;
    c->linger_polls = 0;
    ++lingering;
  }

  // Hands the pcb back to lwIP, which finishes the TCP close on its own.
  void close_pcb(Connection* c) {
    tcp_pcb* pcb = c->pcb;
    clear_callbacks(pcb);
    if (tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
      ++stats.aborted;
      if (pcb == current_pcb) current_aborted = true;
    }
    forget(c);
  }

  // Resets the connection at once (errors, shutdown).
  void abort(Connection* c) {
    tcp_pcb* pcb = c->pcb;
    detach_session(c);
    drop_held(c, false);
    clear_callbacks(pcb);  // tcp_abort calls the error callback otherwise
    tcp_abort(pcb);
    ++stats.aborted;
    if (pcb == current_pcb) current_aborted = true;
    forget(c);
  }

  // The connection no longer has a pcb: unlinked now, freed when the round ends.
  void forget(Connection* c) {
    c->pcb = nullptr;
    if (c->lingering) --lingering;
    c->lingering = false;
    if (c->prev != nullptr) c->prev->next = c->next;
    if (c->next != nullptr) c->next->prev = c->prev;
    if (connections == c) connections = c->next;
    c->prev = c->next = nullptr;
    c->dead = true;
    c->next_dead = graveyard;
    graveyard = c;
  }

  void reap() {
    while (graveyard != nullptr) {
      Connection* c = graveyard;
      graveyard = c->next_dead;
      delete c;
    }
  }

  void flush_dirty() {
    while (dirty != nullptr) {
      Connection* c = dirty;
      dirty = c->next_dirty;
      c->next_dirty = nullptr;
      c->dirty = false;
      service(c);
    }
  }

  // The tick timer fires by engine.next_deadline_us(), lowered by anything that set an earlier
  // deadline during the round (a blocking command's timeout).
  void arm_timer() {
    if (listener == nullptr) return;
    const std::int64_t now_us = engine.clock().now_us();
    next_tick_us = engine.next_deadline_us();
    std::int64_t delay = next_tick_us - now_us;
    if (delay < 0) delay = 0;
    if (delay > kMaxTimerUs) delay = kMaxTimerUs;
    const std::int64_t due = now_us + delay;
    if (timer_armed && timer_due_us <= due) return;
    if (timer_armed) sys_untimeout(&Impl::on_timer, this);
    sys_timeout(static_cast<u32_t>((delay + 999) / 1000), &Impl::on_timer, this);
    timer_armed = true;
    timer_due_us = due;
  }

  void end_of_round() {
    flush_dirty();
    reap();
    arm_timer();
  }

  err_t open() {
    if (listener != nullptr) return ERR_ALREADY;
    tcp_pcb* pcb = tcp_new_ip_type(IP_GET_TYPE(&options.bind));
    if (pcb == nullptr) return ERR_MEM;
    if (err_t e = tcp_bind(pcb, &options.bind, options.port); e != ERR_OK) {
      tcp_close(pcb);
      return e;
    }
    err_t e = ERR_OK;
    tcp_pcb* l = tcp_listen_with_backlog_and_err(pcb, options.backlog, &e);
    if (l == nullptr) {
      tcp_close(pcb);  // not freed by a failed tcp_listen
      if (e == ERR_OK) e = ERR_MEM;
      return e;
    }
    listener = l;
    bound_port = l->local_port;
    tcp_arg(l, this);
    tcp_accept(l, &Impl::on_accept);
    arm_timer();
    return ERR_OK;
  }

  void close_all() {
    if (timer_armed) sys_untimeout(&Impl::on_timer, this);
    timer_armed = false;
    while (connections != nullptr) abort(connections);
    // Closing sessions may have named others; every connection is gone now.
    while (dirty != nullptr) {
      Connection* c = dirty;
      dirty = c->next_dirty;
      c->next_dirty = nullptr;
      c->dirty = false;
    }
    if (listener != nullptr) {
      tcp_arg(listener, nullptr);
      tcp_accept(listener, nullptr);
      tcp_close(listener);  // always succeeds for a listening pcb
      listener = nullptr;
      bound_port = 0;
    }
    if (depth == 0) reap();
  }
};

Server::Server(Engine& engine, ServerOptions options) : impl_(std::make_unique<Impl>(engine, options)) {
  impl_->token = new (std::nothrow) Impl::FlushToken{impl_.get(), false};
  engine.set_output_listener(&Impl::on_output, impl_.get());
}

Server::~Server() {
  close();
  impl_->engine.set_output_listener(nullptr, nullptr);
  if (impl_->token != nullptr) {
    if (impl_->token->queued) {
      impl_->token->server = nullptr;  // the queued callback frees it
    } else {
      delete impl_->token;
    }
  }
}

err_t Server::listen() { return impl_->open(); }

void Server::close() { impl_->close_all(); }

std::uint16_t Server::port() const { return impl_->bound_port; }

const ServerOptions& Server::options() const { return impl_->options; }

std::size_t Server::connection_count() const { return impl_->active; }

std::size_t Server::closing_count() const { return impl_->lingering; }

std::size_t Server::held_bytes() const { return impl_->held_total; }

const ServerStats& Server::stats() const { return impl_->stats; }

}  // namespace microredis::lwip
