// The epoll loop behind microredis::posix::Server. The contract is described in server.hpp.
#include "microredis/posix/server.hpp"
#include "microredis/posix/aof.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <new>

#include "microredis/status.hpp"

namespace microredis::posix {

namespace {

constexpr int kMaxEvents = 256;
constexpr int kMaxAcceptsPerWake = 64;
// Reads and writes per connection and wake-up, so that one busy client cannot starve the others.
constexpr int kMaxReadsPerWake = 16;
constexpr int kMaxWritesPerWake = 16;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::int64_t kLingerMs = 1000;
constexpr std::int64_t kAcceptPauseMs = 100;

std::int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::string errno_text() { return std::strerror(errno); }

// Everything registered with epoll starts with its kind.
enum class Kind : std::uint8_t { wake, listener, connection };
struct Watched {
  explicit Watched(Kind k) : kind(k) {}
  Kind kind;
};

struct Listener : Watched {
  Listener(int f, bool u) : Watched(Kind::listener), fd(f), is_unix(u) {}
  int fd;
  bool is_unix;
};

struct Connection : Watched {
  Connection() : Watched(Kind::connection) {}
  int fd = -1;
  Session* session = nullptr;  // nullptr once lingering
  std::uint32_t events = 0;    // the interest armed in epoll
  bool dirty = false;          // queued by the engine's output listener
  bool peer_eof = false;       // the peer shut its side: write what is left, then close
  bool closed = false;
  bool connecting = false;     // the master link (REPLICAOF): connect() in progress
  bool received = false;       // input read this wake-up that has not run yet (run_received)
  Session::InputPrefetch prefetch;  // Session::prefetch_input()'s, for the received input
  std::uint64_t link_generation = 0;
  std::int64_t linger_until_ms = 0;
  Connection* prev = nullptr;  // list of every open connection
  Connection* next = nullptr;
};

// Redis's addr/laddr text: "1.2.3.4:5", "[::1]:5".
std::string format_addr(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "?:0";
}

void set_keepalive(int fd, std::int64_t seconds) {
  if (seconds <= 0) return;
  int interval = seconds > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(seconds);
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes);
  // As Redis: first probe after `interval` idle seconds, then every interval/3, dead after 3.
  int probe_every = interval / 3 > 0 ? interval / 3 : 1;
  int probes = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &probe_every, sizeof probe_every);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
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

struct Server::Impl {
  FileAof aof;  // the engine's append-only file (CONFIG SET appendonly yes)
  Impl(Engine& e, ServerOptions o) : engine(e), options(std::move(o)) {}

  Engine& engine;
  ServerOptions options;
  int epfd = -1;
  int wake[2] = {-1, -1};
  int spare_fd = -1;  // given up to accept (and refuse) one connection when descriptors run out
  Watched wake_watch{Kind::wake};
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::string> endpoints;
  std::string unix_path;  // the socket file this server created
  int tcp_port = 0;
  Connection* connections = nullptr;
  std::size_t active = 0;  // connections with a session
  std::vector<Connection*> dirty;
  std::vector<Connection*> lingering;
  std::vector<Connection*> graveyard;  // closed this round, freed at its end
  std::atomic<bool> stop{false};
  std::int64_t next_tick_us = 0;
  std::int64_t accept_paused_until_ms = 0;

  // --- engine output listener ---
  static void on_output(void* ctx, Session& s) {
    auto* self = static_cast<Impl*>(ctx);
    auto* c = static_cast<Connection*>(s.user_data());
    if (c == nullptr || c->dirty || c->closed) return;
    c->dirty = true;
    self->dirty.push_back(c);
  }

  // --- busy scripts (Engine::serve_while_busy): one non-waiting pass over the events, every
  // connection but the busy one (its command is still running: its buffers must stay put) ---
  static void on_busy(void* ctx, Session& busy) { static_cast<Impl*>(ctx)->serve_busy(busy); }

  void serve_busy(Session& busy) {
    epoll_event events[kMaxEvents];
    const int n = epoll_wait(epfd, events, kMaxEvents, 0);
    for (int i = 0; i < n; ++i) {
      auto* w = static_cast<Watched*>(events[i].data.ptr);
      if (w->kind == Kind::listener) {
        accept_from(*static_cast<Listener*>(w));
      } else if (w->kind == Kind::connection) {
        auto* c = static_cast<Connection*>(w);
        if (c->session != &busy) on_event(c, events[i].events);
      }  // the wake pipe: stop() is seen once the script ends
    }
    // The interrupted pass's connections: run the input it received but had not run yet, and
    // send the replies of those it ran before the busy one (they wait for them to send more).
    for (Connection* c : received) {
      if (c->closed || c->session == nullptr || c->session == &busy) continue;
      if (c->received) {
        c->received = false;
        c->session->run_input();
      }
      flush(c);
    }
    flush_dirty(&busy);
  }

  void set_interest(Connection* c, std::uint32_t events) {
    if (events == c->events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = static_cast<Watched*>(c);
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = events;
  }

  void detach_session(Connection* c) {
    if (c->session == nullptr) return;
    c->session->set_user_data(nullptr);
    engine.close_session(c->session);
    c->session = nullptr;
    --active;
  }

  // Closes at once: errors, end of stream, shutdown.
  void destroy(Connection* c) {
    if (c->closed) return;
    if (c->connecting) engine.master_link_failed(c->link_generation);
    link_done(c);
    detach_session(c);
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    c->closed = true;
    if (c->prev) c->prev->next = c->next;
    if (c->next) c->next->prev = c->prev;
    if (connections == c) connections = c->next;
    graveyard.push_back(c);
  }

  // The session asked to close: send FIN after the last reply, then read and discard what the
  // peer still sends until it closes or kLingerMs pass.
  void linger(Connection* c) {
    detach_session(c);
    if (c->peer_eof || ::shutdown(c->fd, SHUT_WR) != 0) return destroy(c);
    c->linger_until_ms = monotonic_ms() + kLingerMs;
    set_interest(c, EPOLLIN);
    lingering.push_back(c);
  }

  void drain(Connection* c) {
    char buf[4096];
    for (int i = 0; i < kMaxReadsPerWake; ++i) {
      ssize_t n = ::read(c->fd, buf, sizeof buf);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return destroy(c);  // the peer closed (or failed): done
    }
  }

  // defer: a first read that drains the socket only takes its bytes (Session::receive_input) and
  // returns true; run_received() runs them. Anything bigger runs read by read, as it arrives.
  bool read_from(Connection* c, bool defer = false) {
    Session& s = *c->session;
    for (int round = 0; round < kMaxReadsPerWake; ++round) {
      // Ask for as much room as is buffered already: a big command's buffer then grows
      // geometrically instead of by one chunk per read.
      std::size_t want = s.query_buffer_size() > kReadChunk ? s.query_buffer_size() : kReadChunk;
      std::size_t avail = 0;
      char* space = s.input_space(want, avail);
      if (space == nullptr) {  // out of memory
        destroy(c);
        return false;
      }
      ssize_t n = ::read(c->fd, space, avail);
      if (n > 0) {
        if (defer && round == 0 && static_cast<std::size_t>(n) < avail) {
          s.receive_input(static_cast<std::size_t>(n));
          return true;
        }
        s.commit_input(static_cast<std::size_t>(n));
        if (s.closing() || static_cast<std::size_t>(n) < avail) return false;
        continue;
      }
      s.drop_input_space();
      if (n == 0) {
        c->peer_eof = true;
        return false;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      destroy(c);
      return false;
    }
    return false;
  }

  // Writes what the socket takes, then closes or re-arms the interest the session needs.
  void flush(Connection* c) {
    if (c->closed || c->session == nullptr) return;
    Session& s = *c->session;
    for (int i = 0; i < kMaxWritesPerWake && s.has_output() && !s.want_close(); ++i) {
      std::string_view out = s.pending_output();
      ssize_t n = ::send(c->fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        s.consume_output(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return destroy(c);  // EPIPE, ECONNRESET
    }
    if (s.want_close()) return linger(c);
    if (c->peer_eof && !s.has_output()) return destroy(c);
    std::uint32_t events = 0;
    // A blocked session keeps reading so that a disconnect is seen; its input waits in the session.
    if (!c->peer_eof && (s.want_read() || s.blocked())) events |= EPOLLIN;
    if (s.has_output()) events |= EPOLLOUT;
    set_interest(c, events);
  }

  void on_event(Connection* c, std::uint32_t events) {
    if (c->closed) return;
    if (c->connecting) return finish_connect(c);
    if (c->session == nullptr) return drain(c);
    if (!c->peer_eof && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_from(c);
    if (c->peer_eof && (events & (EPOLLHUP | EPOLLERR))) return destroy(c);
    flush(c);
  }

  // --- one wake-up's connections in passes (run_once) ---
  // At one command per read (clients that wait for each reply) a command's own time is mostly
  // cache and TLB misses: the kernel's work on the sockets between two commands evicts the
  // connection's session and buffers and the keyspace lines the command touches, and a system
  // call waits for the loads issued before it. So the first pass only reads every readable
  // connection (receive_event); run_received() then, with no system call in between, starts
  // loading the keyspace lines of every received command (Session::prefetch_input's steps),
  // runs the commands one after the other, and only then writes the replies. The misses of the
  // wake-up's commands overlap, and the engine's own lines stay cached from one command to the
  // next.
  std::vector<Connection*> received;

  void receive_event(Connection* c, std::uint32_t events) {
    if (c->closed || c->connecting || c->session == nullptr || c->peer_eof ||
        !(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
      return on_event(c, events);
    }
    if (!read_from(c, true)) {
      if (c->closed) return;
      if (c->peer_eof && (events & (EPOLLHUP | EPOLLERR))) return destroy(c);
      return flush(c);
    }
    c->received = true;
    received.push_back(c);
  }

  // Commands run before run_received() (serve_busy's, or a big read's) may have closed any of them.
  static bool live(const Connection* c) { return c->received && !c->closed && c->session != nullptr; }

  void run_received() {
    if (received.empty()) return;
    for (int step = 0; step < Session::kInputPrefetchSteps; ++step) {
      for (Connection* c : received) {
        if (live(c)) c->session->prefetch_input(c->prefetch, step);
      }
    }
    {
      // One time snapshot for the wake-up's commands, as for the commands of one pipelined read.
      const Engine::InputBatch batch(engine);
      for (Connection* c : received) {
        if (!c->received) continue;  // already run by serve_busy()'s pass
        c->received = false;
        if (c->closed || c->session == nullptr) continue;
        c->session->run_input();
      }
    }
    for (Connection* c : received) flush(c);
    received.clear();
  }

  void adopt(int fd, const sockaddr_storage& peer, bool is_unix) {
    if (!is_unix) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      set_keepalive(fd, engine.settings().tcp_keepalive);
    }
    auto* c = new (std::nothrow) Connection;
    Session* s = c ? engine.open_session() : nullptr;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = static_cast<Watched*>(c);
    if (s == nullptr || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      if (s) engine.close_session(s);
      delete c;
      ::close(fd);
      return;
    }
    c->fd = fd;
    c->session = s;
    c->events = EPOLLIN;
    c->next = connections;
    if (connections) connections->prev = c;
    connections = c;
    ++active;
    s->set_user_data(c);
    s->set_unix_socket(is_unix);
    s->set_fd(fd);
    if (is_unix) {
      std::string addr = unix_path + ":0";
      s->set_peer(addr, addr);
    } else {
      sockaddr_storage local{};
      socklen_t len = sizeof local;
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
      s->set_peer(format_addr(peer), format_addr(local));
    }
    flush(c);  // a session refused by maxclients already holds its error reply
  }

  // --- the master link (Engine::wanted_master_link): a non-blocking connect to the address the
  // engine names; once connected, the engine's session for it is served like a client's ---
  Connection* link = nullptr;  // the connection being opened for the engine, if any

  void link_done(Connection* c) {
    if (link == c) link = nullptr;
  }

  void open_master_link() {
    MasterLinkRequest req;
    if (!engine.wanted_master_link(req)) return;
    if (link != nullptr) {  // an attempt the engine gave up on (timeout, REPLICAOF elsewhere)
      Connection* old = link;
      link = nullptr;
      destroy(old);
    }
    engine.master_link_connecting(req.generation);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string host(req.host);
    const std::string port = std::to_string(req.port);
    int fd = -1;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) == 0) {
      for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
          ::close(fd);
          fd = -1;
        }
      }
      freeaddrinfo(res);
    }
    auto* c = fd >= 0 ? new (std::nothrow) Connection : nullptr;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.ptr = static_cast<Watched*>(c);
    if (c == nullptr || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      delete c;
      if (fd >= 0) ::close(fd);
      engine.master_link_failed(req.generation);
      return;
    }
    c->fd = fd;
    c->events = EPOLLOUT;
    c->connecting = true;
    c->link_generation = req.generation;
    c->next = connections;
    if (connections) connections->prev = c;
    connections = c;
    link = c;
  }

  void finish_connect(Connection* c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == EINPROGRESS) return;
    c->connecting = false;
    link_done(c);
    Session* s = err == 0 ? engine.attach_master_link(c->link_generation) : nullptr;
    if (s == nullptr) {
      if (err != 0) engine.master_link_failed(c->link_generation);
      return destroy(c);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_keepalive(c->fd, engine.settings().tcp_keepalive);
    c->session = s;
    ++active;
    s->set_user_data(c);
    s->set_fd(c->fd);
    sockaddr_storage local{}, peer{};
    socklen_t l1 = sizeof local, l2 = sizeof peer;
    getsockname(c->fd, reinterpret_cast<sockaddr*>(&local), &l1);
    getpeername(c->fd, reinterpret_cast<sockaddr*>(&peer), &l2);
    s->set_peer(format_addr(peer), format_addr(local));
    flush(c);  // the handshake's first command
  }

  // Out of descriptors: accept one pending connection with the spare descriptor and refuse it.
  bool refuse_with_spare(const Listener& l) {
    if (spare_fd < 0) return false;
    ::close(spare_fd);
    spare_fd = -1;
    int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      std::string reply = "-" + std::string(status_text(Status::max_clients)) + "\r\n";
      (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(fd);
      ++engine.stats().rejected_connections;
    }
    spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd >= 0;
  }

  void set_accepting(bool on) {
    for (auto& l : listeners) {
      epoll_event ev{};
      ev.events = on ? static_cast<std::uint32_t>(EPOLLIN) : 0u;
      ev.data.ptr = static_cast<Watched*>(l.get());
      epoll_ctl(epfd, EPOLL_CTL_MOD, l->fd, &ev);
    }
  }

  void accept_from(const Listener& l) {
    for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(l.fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        adopt(fd, peer, l.is_unix);
        continue;
      }
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if ((errno == EMFILE || errno == ENFILE) && refuse_with_spare(l)) continue;
      // Nothing left to refuse with (or an unexpected error): stop accepting for a moment rather
      // than spin on a listener that stays readable.
      accept_paused_until_ms = monotonic_ms() + kAcceptPauseMs;
      set_accepting(false);
      return;
    }
  }

  void flush_dirty(const Session* skip = nullptr) {
    Connection* kept = nullptr;  // the busy session's connection stays queued for later
    while (!dirty.empty()) {
      std::vector<Connection*> batch;
      batch.swap(dirty);
      for (Connection* c : batch) {
        if (skip != nullptr && c->session == skip) {
          kept = c;
          continue;
        }
        c->dirty = false;
        flush(c);
      }
    }
    if (kept != nullptr) dirty.push_back(kept);
  }

  // tick() when due, lingering deadlines, paused listeners.
  void run_timers() {
    const std::int64_t now_us = engine.clock().now_us();
    // A deadline more than a second ahead (hz >= 1) means the wall clock went back: tick now.
    if (now_us >= next_tick_us || next_tick_us - now_us > 1'000'000) next_tick_us = engine.tick();
    next_tick_us = engine.next_deadline_us();
    flush_dirty();
    if (lingering.empty() && accept_paused_until_ms == 0) return;  // no clock read needed
    const std::int64_t now_ms = monotonic_ms();
    std::size_t kept = 0;
    for (Connection* c : lingering) {
      if (!c->closed && now_ms >= c->linger_until_ms) destroy(c);
      if (!c->closed) lingering[kept++] = c;
    }
    lingering.resize(kept);
    if (accept_paused_until_ms != 0 && now_ms >= accept_paused_until_ms) {
      accept_paused_until_ms = 0;
      set_accepting(true);
    }
  }

  int wait_ms(int timeout_ms) const {
    std::int64_t wait = timeout_ms < 0 ? INT_MAX : timeout_ms;
    if (!dirty.empty()) return 0;
    std::int64_t until_tick = (next_tick_us - engine.clock().now_us() + 999) / 1000;
    if (until_tick < wait) wait = until_tick;
    if (lingering.empty() && accept_paused_until_ms == 0) return wait < 0 ? 0 : static_cast<int>(wait);
    const std::int64_t now_ms = monotonic_ms();
    for (const Connection* c : lingering) {
      if (c->linger_until_ms - now_ms < wait) wait = c->linger_until_ms - now_ms;
    }
    if (accept_paused_until_ms != 0 && accept_paused_until_ms - now_ms < wait) wait = accept_paused_until_ms - now_ms;
    return wait < 0 ? 0 : static_cast<int>(wait);
  }

  bool add_listener(int fd, bool is_unix, std::string endpoint) {
    auto l = std::make_unique<Listener>(fd, is_unix);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = static_cast<Watched*>(l.get());
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      return false;
    }
    listeners.push_back(std::move(l));
    endpoints.push_back(std::move(endpoint));
    return true;
  }

  // One TCP listener per bind address (the first address that host resolves to and binds).
  bool listen_tcp(std::string addr, std::string& error) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    std::string host = addr == "*" ? "0.0.0.0" : addr == "::*" ? "::" : addr;
    int port = tcp_port != 0 ? tcp_port : options.port < 0 ? 0 : options.port;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string where = "Could not create server TCP listening socket " + addr + ":" + std::to_string(options.port);
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
      if (optional) return true;
      error = where + ": " + gai_strerror(rc);
      return false;
    }
    int fd = -1;
    int last_errno = 0;
    const char* step = "socket";
    for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
      fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) {
        last_errno = errno;
        continue;
      }
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      step = "bind";
      bool ok = ::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
      if (ok) step = "listen";
      if (!ok || ::listen(fd, options.backlog) != 0) {
        last_errno = errno;
        ::close(fd);
        fd = -1;
      }
    }
    freeaddrinfo(found);
    if (fd < 0) {
      // Redis skips an optional address the machine does not have or cannot speak.
      if (optional && (last_errno == EADDRNOTAVAIL || last_errno == EAFNOSUPPORT || last_errno == EPROTONOSUPPORT))
        return true;
      error = where + ": " + step + ": " + std::strerror(last_errno);
      return false;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    if (tcp_port == 0) tcp_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                                     : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (!add_listener(fd, false, format_addr(bound))) return error = where + ": epoll: " + errno_text(), false;
    return true;
  }

  bool listen_unix(std::string& error) {
    const std::string& path = options.unixsocket;
    std::string where = "Could not create server unix socket " + path;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return error = where + ": path too long", false;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return error = where + ": socket: " + errno_text(), false;
    ::unlink(path.c_str());  // a stale file from an earlier run, as Redis does
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      error = where + ": bind: " + errno_text();
      ::close(fd);
      return false;
    }
    unix_path = path;
    if ((options.unixsocketperm != 0 && chmod(path.c_str(), options.unixsocketperm) != 0) ||
        ::listen(fd, options.backlog) != 0) {
      error = where + ": " + errno_text();
      ::close(fd);
      return false;
    }
    if (!add_listener(fd, true, path)) return error = where + ": epoll: " + errno_text(), false;
    return true;
  }

  bool open(std::string& error) {
    if (epfd >= 0) return error = "already listening", false;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return error = "epoll_create1: " + errno_text(), false;
    if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0) return error = "pipe2: " + errno_text(), false;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wake_watch;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, wake[0], &ev) != 0) return error = "epoll_ctl: " + errno_text(), false;
    spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    // CONFIG GET dir answers the server's working directory, as Redis's does (the AOF lives there).
    if (engine.settings().dir.empty()) {
      char cwd[PATH_MAX];
      if (::getcwd(cwd, sizeof cwd) != nullptr) (void)engine.settings().dir.append(std::string_view(cwd));
    }
    if (options.port > 65535 || options.port < -1) return error = "port out of range", false;
    if (options.port != 0) {
      for (const std::string& addr : options.bind) {
        if (!listen_tcp(addr, error)) return false;
      }
    }
    if (!options.unixsocket.empty() && !listen_unix(error)) return false;
    if (listeners.empty()) return error = "nothing to listen on (no TCP address bound and no unixsocket)", false;
    return true;
  }

  void close_all() {
    while (connections != nullptr) destroy(connections);
    lingering.clear();
    dirty.clear();
    for (Connection* c : graveyard) delete c;
    graveyard.clear();
    for (auto& l : listeners) ::close(l->fd);
    listeners.clear();
    endpoints.clear();
    if (!unix_path.empty()) ::unlink(unix_path.c_str());
    unix_path.clear();
    for (int* fd : {&wake[0], &wake[1], &spare_fd, &epfd}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }
};

Server::Server(Engine& engine, ServerOptions options) : impl_(std::make_unique<Impl>(engine, std::move(options))) {
  engine.set_output_listener(&Impl::on_output, impl_.get());
  // SHUTDOWN: run() returns once the command's event has been handled.
  engine.set_shutdown_listener([](void* server) { static_cast<Server*>(server)->stop(); }, this);
  engine.set_busy_handler(&Impl::on_busy, impl_.get());
  // DEBUG SLEEP inside EXEC or a script holds the whole server, as Redis's does.
  engine.set_sleep_handler(
      [](void*, std::int64_t us) {
        timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
        while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
      },
      nullptr);
  // REPLICAOF: the loop looks at Engine::wanted_master_link() after every round; the listener
  // only wakes it.
  engine.set_master_link_listener([](void* server) { static_cast<Server*>(server)->wake_up(); }, this);
  install_host_info(engine);
  impl_->aof.install(engine);
}

Server::~Server() {
  close();
  impl_->engine.set_output_listener(nullptr, nullptr);
  impl_->engine.set_shutdown_listener(nullptr, nullptr);
  impl_->engine.set_busy_handler(nullptr, nullptr);
  impl_->engine.set_sleep_handler(nullptr, nullptr);
  impl_->engine.set_master_link_listener(nullptr, nullptr);
  impl_->aof.uninstall();
}

bool Server::listen(std::string& error) {
  if (impl_->open(error)) return true;
  impl_->close_all();
  return false;
}

void Server::run_once(int timeout_ms) {
  Impl& m = *impl_;
  if (m.epfd < 0) return;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(m.epfd, events, kMaxEvents, m.wait_ms(timeout_ms));
  // The kernel's work since the last wake-up has evicted the connections and their sessions: start
  // loading all of them at once rather than missing on each in turn (see receive_event).
  for (int i = 0; i < n; ++i) MICROREDIS_PREFETCH(events[i].data.ptr);
  for (int i = 0; i < n; ++i) {
    const auto* w = static_cast<const Watched*>(events[i].data.ptr);
    if (w->kind != Kind::connection) continue;
    if (const Session* s = static_cast<const Connection*>(w)->session) s->prefetch();
  }
  for (int i = 0; i < n; ++i) {
    auto* w = static_cast<Watched*>(events[i].data.ptr);
    switch (w->kind) {
      case Kind::wake: {
        char buf[64];
        while (::read(m.wake[0], buf, sizeof buf) > 0) {
        }
        break;
      }
      case Kind::listener:
        m.accept_from(*static_cast<Listener*>(w));
        break;
      case Kind::connection:
        m.receive_event(static_cast<Connection*>(w), events[i].events);
        break;
    }
  }
  m.run_received();
  m.flush_dirty();
  m.run_timers();
  m.open_master_link();
  for (Connection* c : m.graveyard) delete c;
  m.graveyard.clear();
}

void Server::run() {
  while (!impl_->stop.load(std::memory_order_relaxed)) run_once(-1);
}

void Server::stop() {
  impl_->stop.store(true, std::memory_order_relaxed);
  wake_up();
}

void Server::wake_up() {
  if (impl_->wake[1] >= 0) {
    char b = 1;
    (void)!::write(impl_->wake[1], &b, 1);
  }
}

bool Server::stopping() const { return impl_->stop.load(std::memory_order_relaxed); }

void Server::close() { impl_->close_all(); }

int Server::tcp_port() const { return impl_->tcp_port; }

const std::vector<std::string>& Server::endpoints() const { return impl_->endpoints; }

std::size_t Server::connection_count() const { return impl_->active; }

}  // namespace microredis::posix
