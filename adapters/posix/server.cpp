#include "microredis/posix/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace microredis::posix {

namespace {

struct Connection {
  int fd = -1;
  Session* session = nullptr;
  bool writing = false;  // EPOLLOUT armed
  bool dirty = false;    // queued for a flush by an engine notification
  bool closed = false;
};

// epoll user data: listeners are tagged with the low bit so they cannot be taken for connections.
constexpr std::uintptr_t kListenerTag = 1;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string format_peer(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  } else {
    return "/unix";
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

struct Server::Impl {
  explicit Impl(Engine& e) : engine(e) {}

  Engine& engine;
  int epfd = -1;
  int wake[2] = {-1, -1};
  std::vector<int> listeners;
  std::vector<bool> listener_is_unix;
  std::vector<Connection*> dirty;
  std::vector<Connection*> graveyard;
  std::size_t connections = 0;
  std::atomic<bool> stop{false};
  std::int64_t next_tick_us = 0;
  std::string unix_path;

  static void on_output(void* ctx, Session& s) {
    auto* self = static_cast<Impl*>(ctx);
    auto* c = static_cast<Connection*>(s.user_data());
    if (c == nullptr || c->dirty || c->closed) return;
    c->dirty = true;
    self->dirty.push_back(c);
  }

  void close_connection(Connection* c) {
    if (c->closed) return;
    c->closed = true;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    engine.close_session(c->session);
    c->session = nullptr;
    --connections;
    graveyard.push_back(c);
  }

  // Writes what the socket accepts; arms EPOLLOUT for the rest; closes when the session asks.
  void flush(Connection* c) {
    if (c->closed) return;
    Session& s = *c->session;
    while (s.has_output() && !s.want_close()) {
      std::string_view out = s.pending_output();
      ssize_t n = ::send(c->fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        s.consume_output(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      close_connection(c);
      return;
    }
    if (s.want_close()) {
      close_connection(c);
      return;
    }
    bool need_write = s.has_output();
    if (need_write != c->writing) {
      epoll_event ev{};
      ev.events = EPOLLIN | (need_write ? EPOLLOUT : 0u);
      ev.data.ptr = c;
      epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
      c->writing = need_write;
    }
  }

  void read_from(Connection* c) {
    // Bounded per wake-up so that one busy client cannot starve the others.
    for (int round = 0; round < 16 && !c->closed; ++round) {
      std::size_t avail = 0;
      char* space = c->session->input_space(16 * 1024, avail);
      if (space == nullptr) {
        close_connection(c);
        return;
      }
      ssize_t n = ::read(c->fd, space, avail);
      if (n > 0) {
        c->session->commit_input(static_cast<std::size_t>(n));
        if (c->session->want_close()) break;
        if (static_cast<std::size_t>(n) < avail) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      close_connection(c);  // EOF or error
      return;
    }
  }

  void accept_from(int lfd, bool is_unix) {
    for (;;) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd = ::accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN, or a transient error such as EMFILE
      }
      if (!is_unix) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      Session* s = engine.open_session();
      if (s == nullptr) {
        ::close(fd);
        continue;
      }
      auto* c = new Connection;
      c->fd = fd;
      c->session = s;
      s->set_user_data(c);
      s->set_unix_socket(is_unix);
      sockaddr_storage local{};
      socklen_t llen = sizeof local;
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen);
      s->set_peer(is_unix ? std::string("/unix") : format_peer(ss),
                  is_unix ? unix_path : format_peer(local));
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = c;
      epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
      ++connections;
      flush(c);  // a session refused by maxclients already holds its error reply
    }
  }
};

Server::Server(Engine& engine, ServerOptions options) : impl_(new Impl(engine)), options_(std::move(options)) {
  engine.set_output_listener(&Impl::on_output, impl_);
}

Server::~Server() {
  impl_->engine.set_output_listener(nullptr, nullptr);
  for (Session* s = impl_->engine.first_session(); s != nullptr;) {
    Session* next = s->next;
    if (auto* c = static_cast<Connection*>(s->user_data())) impl_->close_connection(c);
    s = next;
  }
  for (Connection* c : impl_->graveyard) delete c;
  for (int fd : impl_->listeners) ::close(fd);
  if (!impl_->unix_path.empty()) ::unlink(impl_->unix_path.c_str());
  if (impl_->wake[0] >= 0) {
    ::close(impl_->wake[0]);
    ::close(impl_->wake[1]);
  }
  if (impl_->epfd >= 0) ::close(impl_->epfd);
  delete impl_;
}

bool Server::listen(std::string& error) {
  Impl& m = *impl_;
  m.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (m.epfd < 0) return error = errno_text("epoll_create1"), false;
  if (pipe2(m.wake, O_NONBLOCK | O_CLOEXEC) != 0) return error = errno_text("pipe2"), false;
  epoll_event wev{};
  wev.events = EPOLLIN;
  wev.data.ptr = nullptr;
  epoll_ctl(m.epfd, EPOLL_CTL_ADD, m.wake[0], &wev);

  auto add_listener = [&](int fd, bool is_unix) {
    std::size_t index = m.listeners.size();
    m.listeners.push_back(fd);
    m.listener_is_unix.push_back(is_unix);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = (static_cast<std::uint64_t>(index) << 1) | kListenerTag;
    epoll_ctl(m.epfd, EPOLL_CTL_ADD, fd, &ev);
  };

  if (options_.port > 0) {
    for (const std::string& addr : options_.bind) {
      bool v6 = addr.find(':') != std::string::npos;
      sockaddr_storage ss{};
      socklen_t len;
      if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<std::uint16_t>(options_.port));
        if (inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr) != 1) return error = "invalid bind address " + addr, false;
        len = sizeof *a;
      } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<std::uint16_t>(options_.port));
        if (inet_pton(AF_INET, addr.c_str(), &a->sin_addr) != 1) return error = "invalid bind address " + addr, false;
        len = sizeof *a;
      }
      int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return error = errno_text("socket"), false;
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, options_.backlog) != 0) {
        error = errno_text(("listen on " + addr + ":" + std::to_string(options_.port)).c_str());
        ::close(fd);
        return false;
      }
      add_listener(fd, false);
    }
  }
  if (!options_.unixsocket.empty()) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (options_.unixsocket.size() >= sizeof sa.sun_path) return error = "unixsocket path too long", false;
    std::memcpy(sa.sun_path, options_.unixsocket.c_str(), options_.unixsocket.size() + 1);
    ::unlink(options_.unixsocket.c_str());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return error = errno_text("socket"), false;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, options_.backlog) != 0) {
      error = errno_text(("listen on " + options_.unixsocket).c_str());
      ::close(fd);
      return false;
    }
    if (options_.unixsocketperm != 0) chmod(options_.unixsocket.c_str(), options_.unixsocketperm);
    m.unix_path = options_.unixsocket;
    add_listener(fd, true);
  }
  if (m.listeners.empty()) return error = "nothing to listen on (port 0 and no unixsocket)", false;
  return true;
}

void Server::run_once(int timeout_ms) {
  Impl& m = *impl_;
  const std::int64_t now = m.engine.clock().now_us();
  if (now >= m.next_tick_us) m.next_tick_us = m.engine.tick();
  std::int64_t until_tick_ms = (m.next_tick_us - m.engine.clock().now_us() + 999) / 1000;
  if (until_tick_ms < 0) until_tick_ms = 0;
  if (timeout_ms < 0 || until_tick_ms < timeout_ms) timeout_ms = static_cast<int>(until_tick_ms);

  epoll_event events[256];
  int n = epoll_wait(m.epfd, events, 256, timeout_ms);
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events[i];
    if (ev.data.ptr == nullptr) {
      char buf[64];
      while (::read(m.wake[0], buf, sizeof buf) > 0) {
      }
      continue;
    }
    if (ev.data.u64 & kListenerTag) {
      std::size_t index = static_cast<std::size_t>(ev.data.u64 >> 1);
      m.accept_from(m.listeners[index], m.listener_is_unix[index]);
      continue;
    }
    auto* c = static_cast<Connection*>(ev.data.ptr);
    if (c->closed) continue;
    if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) m.read_from(c);
    if (!c->closed) m.flush(c);
  }
  // Sessions that received output from other sessions' commands or from tick().
  while (!m.dirty.empty()) {
    std::vector<Connection*> batch;
    batch.swap(m.dirty);
    for (Connection* c : batch) {
      c->dirty = false;
      m.flush(c);
    }
  }
  for (Connection* c : m.graveyard) delete c;
  m.graveyard.clear();
}

void Server::run() {
  while (!impl_->stop.load(std::memory_order_relaxed)) run_once(-1);
}

void Server::stop() {
  impl_->stop.store(true, std::memory_order_relaxed);
  if (impl_->wake[1] >= 0) {
    char b = 1;
    (void)!::write(impl_->wake[1], &b, 1);
  }
}

bool Server::stopping() const { return impl_->stop.load(std::memory_order_relaxed); }

std::size_t Server::connection_count() const { return impl_->connections; }

}  // namespace microredis::posix
