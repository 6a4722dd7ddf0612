// microredis-asio-server: the engine behind the Asio adapter, configured like redis-server, with
// the same command line and configuration handling as microredis-server
// (examples/common/server_setup.hpp).
//   microredis-asio-server --port 7000 --requirepass secret
//   microredis-asio-server /etc/microredis.conf --maxclients 100
// One io_context run by one thread serves the engine; SIGINT and SIGTERM arrive through an
// asio::signal_set and close the server, after which run() returns.
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <memory>
#include <string>

#include "microredis/asio/server.hpp"
#include "microredis/microredis.hpp"
#include "microredis/posix/server.hpp"  // install_host_info: INFO's process and CPU facts
#include "server_setup.hpp"

int main(int argc, char** argv) {
  namespace ex = microredis::examples;
  ex::Setup setup;
  if (int status = ex::setup(argc, argv, "asio", setup); status >= 0) return status;
  microredis::Engine& engine = *setup.engine;
  microredis::posix::install_host_info(engine);

  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);  // as redis-server: a closed terminal does not stop the server
  ::asio::io_context io(1);
  microredis::asio::ServerOptions options = microredis::asio::ServerOptions::from_settings(engine.settings());
  if (setup.tcp_unbound) options.bind.clear();
  microredis::asio::Server server(io, engine, options);
  std::string error;
  if (!server.listen(error)) {
    ex::log_listen_failure(error, options.port);
    return 1;
  }

  int received = 0;
  ::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int sig) {
    if (ec) return;
    received = sig;
    server.close();  // nothing is left for io.run() to do
  });

  // SHUTDOWN: besides closing the server (what the adapter's own listener does), stop waiting for
  // signals, so that io.run() runs out of work and returns.
  struct Stopper {
    microredis::asio::Server& server;
    ::asio::signal_set& signals;
  } stopper{server, signals};
  engine.set_shutdown_listener(
      [](void* ctx) {
        auto* s = static_cast<Stopper*>(ctx);
        s->server.stop();
        std::error_code ignored;
        s->signals.cancel(ignored);
      },
      &stopper);

  ex::log_ready(server.tcp_port(), server.endpoints(), options.unixsocket);
  io.run();

  ex::log_shutdown_start(received, options.unixsocket);
  server.close();  // already closed: idempotent
  engine.set_shutdown_listener(nullptr, nullptr);
  ex::log_shutdown_done();
  return 0;
}
