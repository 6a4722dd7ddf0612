// microredis-server: the engine behind the POSIX adapter, configured like redis-server.
//   microredis-server                               127.0.0.1:6379, default settings
//   microredis-server --port 7000 --requirepass secret
//   microredis-server /etc/microredis.conf --maxclients 100
//   echo 'port 7000' | microredis-server -
// The configuration is read as redis-server reads it (examples/common/server_setup.hpp): the file
// (redis.conf syntax, with include and quoted values), then standard input, then the command-line
// options, each "--name value..." being one more line; any setting of the settings table (CONFIG
// GET *) is accepted, anything else stops the server with Redis's "Bad directive or wrong number
// of arguments".
#include <csignal>
#include <memory>
#include <string>

#include "microredis/microredis.hpp"
#include "microredis/posix/server.hpp"
#include "server_setup.hpp"

namespace {

microredis::posix::Server* g_server = nullptr;
volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) {
  g_signal = sig;
  if (g_server) g_server->stop();
}

}  // namespace

int main(int argc, char** argv) {
  namespace ex = microredis::examples;
  ex::Setup setup;
  if (int status = ex::setup(argc, argv, "posix", setup); status >= 0) return status;
  microredis::Engine& engine = *setup.engine;

  microredis::posix::ServerOptions options = microredis::posix::ServerOptions::from_settings(engine.settings());
  if (setup.tcp_unbound) options.bind.clear();
  auto server = std::make_unique<microredis::posix::Server>(engine, options);
  std::string error;
  if (!server->listen(error)) {
    ex::log_listen_failure(error, options.port);
    return 1;
  }

  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  g_server = server.get();
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);  // as redis-server: a closed terminal does not stop the server

  ex::log_ready(server->tcp_port(), server->endpoints(), options.unixsocket);
  server->run();

  ex::log_shutdown_start(g_signal, options.unixsocket);
  g_server = nullptr;
  server.reset();  // closes every connection and listener, removes the socket file
  ex::log_shutdown_done();
  return 0;
}
