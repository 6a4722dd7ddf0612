// The Asio adapter behind microredis::asio::Server. The contract is described in server.hpp.
#include "microredis/asio/server.hpp"

#include <asio/basic_socket_acceptor.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#if defined(ASIO_HAS_LOCAL_SOCKETS)
#include <asio/local/stream_protocol.hpp>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <list>
#include <new>

namespace microredis::asio {

namespace {

using Socket = ::asio::generic::stream_protocol::socket;
using Acceptor = ::asio::basic_socket_acceptor<::asio::generic::stream_protocol>;
using GenericEndpoint = ::asio::generic::stream_protocol::endpoint;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kSideChunk = 4 * 1024;    // reads while blocked, lingering drains
constexpr std::size_t kWriteChunk = 64 * 1024;  // the most copied for one async_write
constexpr int kMaxWritesAtOnce = 16;
constexpr auto kLinger = std::chrono::seconds(1);
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// The timer never sleeps longer (hz >= 1 ticks at least every second): a deadline further away
// means the engine's clock jumped back, and tick() then runs at once, as in the POSIX adapter.
constexpr std::int64_t kMaxTickWaitUs = 1'000'000;

bool is(const std::error_code& ec, int errno_value) {
  return ec == std::error_code(errno_value, ::asio::error::get_system_category());
}

// Redis's addr/laddr text: "1.2.3.4:5", "[::1]:5".
std::string format_addr(const ::asio::ip::tcp::endpoint& ep) {
  std::error_code ec;
  std::string host = ep.address().to_string(ec);
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// The IP endpoint a generic one holds; "?:0" for another family.
std::string format_addr(const GenericEndpoint& g) {
  const int family = g.protocol().family();
  ::asio::ip::tcp::endpoint ep;
  if ((family != AF_INET && family != AF_INET6) || g.size() > ep.capacity()) return "?:0";
  std::memcpy(ep.data(), g.data(), g.size());
  return format_addr(ep);
}

int port_of(const GenericEndpoint& g) {
  const int family = g.protocol().family();
  ::asio::ip::tcp::endpoint ep;
  if ((family != AF_INET && family != AF_INET6) || g.size() > ep.capacity()) return 0;
  std::memcpy(ep.data(), g.data(), g.size());
  return ep.port();
}

// An integer option at IPPROTO_TCP level (the keepalive timings Asio has no names for).
template <int Name>
struct TcpOption {
  int value;
  template <class P> int level(const P&) const { return IPPROTO_TCP; }
  template <class P> int name(const P&) const { return Name; }
  template <class P> const int* data(const P&) const { return &value; }
  template <class P> std::size_t size(const P&) const { return sizeof value; }
};

void set_keepalive(Socket& s, std::int64_t seconds) {
  if (seconds <= 0) return;
  std::error_code ec;
  s.set_option(::asio::socket_base::keep_alive(true), ec);
#if defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
  // As Redis: first probe after `interval` idle seconds, then every interval/3, dead after 3.
  const int interval = seconds > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(seconds);
  s.set_option(TcpOption<TCP_KEEPIDLE>{interval}, ec);
  s.set_option(TcpOption<TCP_KEEPINTVL>{interval / 3 > 0 ? interval / 3 : 1}, ec);
  s.set_option(TcpOption<TCP_KEEPCNT>{3}, ec);
#endif
}

}  // namespace

ServerOptions ServerOptions::from_settings(const Settings& st) {
  ServerOptions o;
  std::string_view bind = st.bind.view();
  if (!bind.empty()) {
    o.bind.clear();
    for_each_bind_address(bind, [&](std::string_view address) { o.bind.emplace_back(address); });
  }
  o.port = static_cast<int>(st.port);
  o.unixsocket = std::string(st.unixsocket.view());
  o.unixsocketperm = static_cast<unsigned>(st.unixsocketperm);  // parsed as octal by the settings table
  o.backlog = static_cast<int>(st.tcp_backlog);
  return o;
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  struct Listener {
    Listener(const ::asio::any_io_executor& ex, bool u) : acceptor(ex), pause(ex), is_unix(u) {}
    Acceptor acceptor;
    ::asio::steady_timer pause;  // accepting again after running out of descriptors
    bool is_unix;
    bool open = true;
  };

  // One client connection. Handlers hold it by shared_ptr; `server` and `session` are used only
  // while the state says so (close() may have run before a cancelled handler does).
  struct Connection : std::enable_shared_from_this<Connection> {
    enum class State : std::uint8_t { open, lingering, closed };
    Connection(Impl& s, Socket&& sock) : server(&s), socket(std::move(sock)), linger_timer(server->executor) {}

    Impl* server;
    Socket socket;
    ::asio::steady_timer linger_timer;
    Session* session = nullptr;  // set while open
    State state = State::open;
    bool reading = false;   // a read in flight
    bool writing = false;   // an async_write in flight
    bool dirty = false;     // queued by the engine's output listener
    bool peer_eof = false;  // the peer shut its side: write what is left, then close
    std::vector<char> write_buf;       // the chunk an async_write is sending
    std::unique_ptr<char[]> side_buf;  // reads while blocked or lingering
    std::list<std::shared_ptr<Connection>>::iterator where;

    // Does what the session's state asks: writes, closes, reads.
    void service() {
      if (state != State::open) return;
      Session& s = *session;
      if (!writing && !s.want_close()) write_now();
      if (state != State::open) return;
      if (s.want_close()) return begin_linger();
      if (peer_eof) {
        if (!writing && !s.has_output()) destroy();
        return;
      }
      // A blocked session keeps reading so that a disconnect is seen; a closing one does not.
      if (!reading && (s.want_read() || s.blocked())) start_read();
    }

    // Straight from the session's buffer, as much as the socket takes now; the rest goes out
    // through async_write.
    void write_now() {
      Session& s = *session;
      for (int i = 0; i < kMaxWritesAtOnce && s.has_output() && !s.want_close(); ++i) {
        std::string_view out = s.pending_output();
        std::error_code ec;
        std::size_t n = socket.write_some(::asio::buffer(out.data(), out.size()), ec);
        if (ec == ::asio::error::would_block || ec == ::asio::error::try_again) break;
        if (ec == ::asio::error::interrupted) continue;
        if (ec) return destroy();  // EPIPE, ECONNRESET
        s.consume_output(n);
      }
      if (s.has_output() && !s.want_close()) start_write();
    }

    void start_write() {
      std::string_view out = session->pending_output();
      const std::size_t n = std::min(out.size(), kWriteChunk);
      write_buf.assign(out.data(), out.data() + n);
      writing = true;
      ::asio::async_write(socket, ::asio::buffer(write_buf.data(), n),
                          [self = shared_from_this()](const std::error_code& ec, std::size_t written) {
                            self->on_written(ec, written);
                          });
    }

    void on_written(const std::error_code& ec, std::size_t written) {
      writing = false;
      if (state != State::open) return;
      Impl& srv = *server;
      if (ec) {
        destroy();
      } else {
        session->consume_output(written);
        if (!session->has_output() && write_buf.capacity() > kSideChunk) std::vector<char>().swap(write_buf);
        service();
      }
      srv.after_handler();
    }

    void start_read() {
      Session& s = *session;
      auto self = shared_from_this();
      if (s.want_read()) {
        // Ask for as much room as is buffered already: a big command's buffer then grows
        // geometrically instead of by one chunk per read.
        std::size_t avail = 0;
        char* space = s.input_space(std::max(s.query_buffer_size(), kReadChunk), avail);
        if (space == nullptr) return destroy();  // out of memory
        reading = true;
        socket.async_read_some(::asio::buffer(space, avail), [self](const std::error_code& ec, std::size_t n) {
          self->on_read(ec, n, true);
        });
        return;
      }
      // Blocked: the session's input buffer may be reworked when the block ends (the engine runs
      // the input that waited), so the read goes to a buffer of the connection and then feed().
      if (!side_buffer()) return destroy();
      reading = true;
      socket.async_read_some(::asio::buffer(side_buf.get(), kSideChunk),
                             [self](const std::error_code& ec, std::size_t n) { self->on_read(ec, n, false); });
    }

    void on_read(const std::error_code& ec, std::size_t n, bool into_session) {
      reading = false;
      if (state != State::open || ec == ::asio::error::operation_aborted) return;
      Impl& srv = *server;
      if (ec == ::asio::error::eof) {
        peer_eof = true;
      } else if (ec) {
        destroy();
        return srv.after_handler();
      } else if (into_session) {
        session->commit_input(n);  // runs the commands
      } else {
        session->feed(side_buf.get(), n);
      }
      service();
      srv.after_handler();
    }

    bool side_buffer() {
      if (!side_buf) side_buf.reset(new (std::nothrow) char[kSideChunk]);
      return side_buf != nullptr;
    }

    void detach_session() {
      if (session == nullptr) return;
      session->set_user_data(nullptr);
      server->engine.close_session(session);
      session = nullptr;
      --server->active;
    }

    // The session asked to close: send FIN after the last reply, then read and discard what the
    // peer still sends until it closes or kLinger passes. The session is gone at once.
    void begin_linger() {
      std::error_code ec;
      socket.cancel(ec);  // the read into the session's buffer, an abandoned write (CLIENT KILL)
      detach_session();
      if (peer_eof || !side_buffer()) return destroy();
      socket.shutdown(Socket::shutdown_send, ec);
      if (ec) return destroy();
      state = State::lingering;
      auto self = shared_from_this();
      linger_timer.expires_after(kLinger);
      linger_timer.async_wait([self](const std::error_code& e) {
        if (!e && self->state == State::lingering) self->destroy();
      });
      drain();
    }

    void drain() {
      socket.async_read_some(::asio::buffer(side_buf.get(), kSideChunk),
                             [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                               if (self->state != State::lingering) return;
                               if (ec || n == 0) return self->destroy();
                               self->drain();
                             });
    }

    // Closes at once: errors, end of stream, the end of a lingering close, shutdown. The caller
    // holds a reference: the server's list lets go of its own here.
    void destroy() {
      if (state == State::closed) return;
      detach_session();
      std::error_code ec;
      socket.close(ec);
      linger_timer.cancel();
      state = State::closed;
      server->connections.erase(where);
    }
  };
  using ConnectionRef = std::shared_ptr<Connection>;

  Impl(const ::asio::any_io_executor& ex, Engine& e, ServerOptions o)
      : executor(ex), engine(e), options(std::move(o)), tick_timer(ex) {}

  ::asio::any_io_executor executor;
  Engine& engine;
  ServerOptions options;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::string> endpoints;
  std::string unix_path;  // the socket file this server created
  int tcp_port = 0;
  std::list<ConnectionRef> connections;
  std::size_t active = 0;  // connections with a session
  std::vector<ConnectionRef> dirty;
  bool flush_posted = false;
  bool running = false;  // listening: accepting and ticking
  ::asio::steady_timer tick_timer;
  bool tick_armed = false;
  std::int64_t tick_at_us = 0;  // engine clock

  // --- engine output listener: only queues (it must not feed or close sessions) ---
  static void on_output(void* ctx, Session& s) {
    auto* self = static_cast<Impl*>(ctx);
    auto* c = static_cast<Connection*>(s.user_data());
    if (c == nullptr || c->dirty || c->state != Connection::State::open) return;
    c->dirty = true;
    self->dirty.push_back(c->shared_from_this());
    // Output caused outside the server's handlers (the application's own engine calls) is
    // flushed by this posted handler; the server's handlers flush before it runs.
    if (self->flush_posted) return;
    self->flush_posted = true;
    ::asio::post(self->executor, [weak = self->weak_from_this()] {
      if (auto me = weak.lock()) {
        me->flush_posted = false;
        me->after_handler();
      }
    });
  }

  void flush_dirty() {
    while (!dirty.empty()) {
      std::vector<ConnectionRef> batch;
      batch.swap(dirty);
      for (const ConnectionRef& c : batch) {
        c->dirty = false;
        c->service();
      }
    }
  }

  // The end of every handler that ran engine code: output for other sessions, the next tick.
  void after_handler() {
    flush_dirty();
    arm_tick();
  }

  void arm_tick() {
    if (!running) return;
    const std::int64_t deadline = engine.next_deadline_us();
    if (tick_armed && deadline >= tick_at_us) return;
    tick_armed = true;
    tick_at_us = deadline;
    const std::int64_t wait = std::clamp<std::int64_t>(deadline - engine.clock().now_us(), 0, kMaxTickWaitUs);
    tick_timer.expires_after(std::chrono::microseconds(wait));  // cancels the wait in flight
    tick_timer.async_wait([weak = weak_from_this()](const std::error_code& ec) {
      if (ec) return;
      if (auto me = weak.lock()) me->on_tick();
    });
  }

  void on_tick() {
    if (!running) return;
    tick_armed = false;
    const std::int64_t now = engine.clock().now_us();
    if (now >= tick_at_us || tick_at_us - now > kMaxTickWaitUs) (void)engine.tick();
    open_master_link();  // a retry whose delay passed
    after_handler();
  }

  // --- accepting ---
  void start_accept(const std::shared_ptr<Listener>& l) {
    l->acceptor.async_accept([weak = weak_from_this(), l](const std::error_code& ec, Socket peer) {
      if (!l->open) return;
      auto me = weak.lock();
      if (!me) return;
      if (ec) return me->accept_failed(l, ec);
      me->adopt(std::move(peer), l->is_unix);
      me->start_accept(l);
      me->after_handler();
    });
  }

  void accept_failed(const std::shared_ptr<Listener>& l, const std::error_code& ec) {
    if (ec == ::asio::error::connection_aborted || ec == ::asio::error::interrupted ||
        ec == ::asio::error::would_block || is(ec, EPROTO)) {
      return start_accept(l);  // that connection is gone: the next one
    }
    // Out of descriptors (or an unexpected error): stop accepting for a moment rather than spin
    // on a listener that stays readable. Waiting connections stay in the backlog meanwhile.
    l->pause.expires_after(kAcceptPause);
    l->pause.async_wait([weak = weak_from_this(), l](const std::error_code& e) {
      if (e || !l->open) return;
      if (auto me = weak.lock()) me->start_accept(l);
    });
  }

  void adopt(Socket peer, bool is_unix, Session* link = nullptr) {
    std::error_code ec;
    if (!is_unix) {
      peer.set_option(::asio::ip::tcp::no_delay(true), ec);
      set_keepalive(peer, engine.settings().tcp_keepalive);
    }
    peer.non_blocking(true, ec);  // for write_now(); Asio's own operations do not care
    Session* s = link != nullptr ? link : engine.open_session();
    if (s == nullptr) return;  // out of memory: the socket closes here
    auto c = std::make_shared<Connection>(*this, std::move(peer));
    connections.push_front(c);
    c->where = connections.begin();
    c->session = s;
    ++active;
    s->set_user_data(c.get());
    s->set_unix_socket(is_unix);
    s->set_fd(static_cast<int>(c->socket.native_handle()));
    if (is_unix) {
      std::string addr = unix_path + ":0";
      s->set_peer(addr, addr);
    } else {
      s->set_peer(format_addr(c->socket.remote_endpoint(ec)), format_addr(c->socket.local_endpoint(ec)));
    }
    c->service();  // a session refused by maxclients already holds its error reply
  }

  // --- the master link (Engine::wanted_master_link): an outgoing connection the engine asks for;
  // once connected, the engine's session for it is served like a client's ---
  bool link_check_posted = false;

  static void on_link_wanted(void* ctx) {
    auto* self = static_cast<Impl*>(ctx);
    if (self->link_check_posted) return;
    self->link_check_posted = true;
    // Not from inside the command that asked (REPLICAOF): after it.
    ::asio::post(self->executor, [weak = self->weak_from_this()] {
      if (auto me = weak.lock()) {
        me->link_check_posted = false;
        me->open_master_link();
      }
    });
  }

  void open_master_link() {
    MasterLinkRequest req;
    if (!running || !engine.wanted_master_link(req)) return;
    engine.master_link_connecting(req.generation);
    const std::uint64_t generation = req.generation;
    ::asio::ip::tcp::resolver resolver(executor);
    std::error_code ec;
    auto found = resolver.resolve(std::string(req.host), std::to_string(req.port), ec);
    if (ec || found.empty()) return engine.master_link_failed(generation);
    auto sock = std::make_shared<Socket>(executor);
    sock->async_connect(GenericEndpoint(found.begin()->endpoint()),
                        [weak = weak_from_this(), sock, generation](const std::error_code& e) {
                          auto me = weak.lock();
                          if (!me || !me->running) return;
                          if (e) {
                            me->engine.master_link_failed(generation);
                          } else if (Session* s = me->engine.attach_master_link(generation)) {
                            me->adopt(std::move(*sock), false, s);
                          }
                          me->after_handler();
                        });
  }

  // --- listening ---
  // One TCP listener per bind address (the first address that host resolves to and binds).
  bool listen_tcp(std::string addr, std::string& error) {
    const bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    const std::string host = addr == "*" ? "0.0.0.0" : addr == "::*" ? "::" : addr;
    const int port = tcp_port != 0 ? tcp_port : options.port < 0 ? 0 : options.port;
    const std::string where = "Could not create server TCP listening socket " + addr + ":" + std::to_string(options.port);
    ::asio::ip::tcp::resolver resolver(executor);
    std::error_code ec;
    auto found = resolver.resolve(host, std::to_string(port),
                                  ::asio::ip::tcp::resolver::passive | ::asio::ip::tcp::resolver::numeric_service, ec);
    if (ec) {
      if (optional) return true;
      error = where + ": " + ec.message();
      return false;
    }
    std::error_code last;
    const char* step = "socket";
    for (const auto& entry : found) {
      const ::asio::ip::tcp::endpoint ep = entry.endpoint();
      auto l = std::make_shared<Listener>(executor, false);
      Acceptor& a = l->acceptor;
      const GenericEndpoint generic(ep);
      step = "socket";
      a.open(generic.protocol(), ec);
      if (!ec) {
        a.set_option(::asio::socket_base::reuse_address(true), ec);
        if (ep.address().is_v6()) a.set_option(::asio::ip::v6_only(true), ec);
        step = "bind";
        a.bind(generic, ec);
      }
      if (!ec) {
        step = "listen";
        a.listen(options.backlog, ec);
      }
      if (ec) {
        last = ec;
        std::error_code ignored;
        a.close(ignored);
        continue;
      }
      const GenericEndpoint bound = a.local_endpoint(ec);
      if (tcp_port == 0) tcp_port = port_of(bound);
      endpoints.push_back(format_addr(bound));
      listeners.push_back(std::move(l));
      return true;
    }
    // Redis skips an optional address the machine does not have or cannot speak.
    if (optional && (is(last, EADDRNOTAVAIL) || is(last, EAFNOSUPPORT) || is(last, EPROTONOSUPPORT))) return true;
    error = where + ": " + step + ": " + last.message();
    return false;
  }

  bool listen_unix(std::string& error) {
    const std::string& path = options.unixsocket;
    const std::string where = "Could not create server unix socket " + path;
#if defined(ASIO_HAS_LOCAL_SOCKETS)
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) return error = where + ": path too long", false;
    const GenericEndpoint generic{::asio::local::stream_protocol::endpoint(path)};
    auto l = std::make_shared<Listener>(executor, true);
    Acceptor& a = l->acceptor;
    std::error_code ec;
    a.open(generic.protocol(), ec);
    if (ec) return error = where + ": socket: " + ec.message(), false;
    ::unlink(path.c_str());  // a stale file from an earlier run, as Redis does
    a.bind(generic, ec);
    if (ec) return error = where + ": bind: " + ec.message(), false;
    unix_path = path;
    if (options.unixsocketperm != 0 && ::chmod(path.c_str(), options.unixsocketperm) != 0) {
      return error = where + ": " + std::strerror(errno), false;
    }
    a.listen(options.backlog, ec);
    if (ec) return error = where + ": " + ec.message(), false;
    endpoints.push_back(path);
    listeners.push_back(std::move(l));
    return true;
#else
    return error = where + ": Unix sockets are not available here", false;
#endif
  }

  bool open(std::string& error) {
    if (running) return error = "already listening", false;
    if (options.port > 65535 || options.port < -1) return error = "port out of range", false;
    if (options.port != 0) {
      for (const std::string& addr : options.bind) {
        if (!listen_tcp(addr, error)) return false;
      }
    }
    if (!options.unixsocket.empty() && !listen_unix(error)) return false;
    if (listeners.empty()) return error = "nothing to listen on (no TCP address bound and no unixsocket)", false;
    running = true;
    for (const auto& l : listeners) start_accept(l);
    arm_tick();
    return true;
  }

  void close_all() {
    running = false;
    tick_armed = false;
    tick_timer.cancel();
    for (const auto& l : listeners) {
      l->open = false;
      std::error_code ec;
      l->acceptor.close(ec);
      l->pause.cancel();
    }
    listeners.clear();
    endpoints.clear();
    while (!connections.empty()) {
      ConnectionRef c = connections.front();
      c->destroy();
    }
    dirty.clear();
#if defined(ASIO_HAS_LOCAL_SOCKETS)
    if (!unix_path.empty()) ::unlink(unix_path.c_str());
#endif
    unix_path.clear();
  }
};

Server::Server(::asio::io_context& io, Engine& engine, ServerOptions options)
    : Server(::asio::any_io_executor(io.get_executor()), engine, std::move(options)) {}

Server::Server(const ::asio::any_io_executor& executor, Engine& engine, ServerOptions options)
    : impl_(std::make_shared<Impl>(executor, engine, std::move(options))) {
  engine.set_output_listener(&Impl::on_output, impl_.get());
  // SHUTDOWN: every connection and listener closes (posted, after the running handler), so that
  // io_context::run() runs out of work and returns.
  engine.set_shutdown_listener([](void* server) { static_cast<Server*>(server)->stop(); }, this);
  engine.set_master_link_listener(&Impl::on_link_wanted, impl_.get());
}

Server::~Server() {
  close();
  impl_->engine.set_output_listener(nullptr, nullptr);
  impl_->engine.set_shutdown_listener(nullptr, nullptr);
  impl_->engine.set_master_link_listener(nullptr, nullptr);
}

bool Server::listen(std::string& error) {
  if (impl_->open(error)) return true;
  impl_->close_all();
  return false;
}

void Server::close() { impl_->close_all(); }

void Server::stop() {
  ::asio::post(impl_->executor, [weak = std::weak_ptr<Impl>(impl_)] {
    if (auto me = weak.lock()) me->close_all();
  });
}

int Server::tcp_port() const { return impl_->tcp_port; }

const std::vector<std::string>& Server::endpoints() const { return impl_->endpoints; }

std::size_t Server::connection_count() const { return impl_->active; }

const ::asio::any_io_executor& Server::executor() const { return impl_->executor; }

}  // namespace microredis::asio
