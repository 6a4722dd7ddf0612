// What the example servers (microredis-server on the POSIX adapter, microredis-asio-server on the
// Asio adapter) share: redis-server's command line and configuration handling, its log format and
// its sizing of the descriptor limit. The programs differ only in the adapter they run.
//
// The configuration is read as redis-server reads it: the file (redis.conf syntax, with include and
// quoted values), then standard input ("-"), then the command-line options, each "--name value..."
// being one more line; any setting of the settings table (CONFIG GET *) is accepted, anything else
// stops the program with Redis's "Bad directive or wrong number of arguments".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "microredis/engine.hpp"

namespace microredis::examples {

// One log line in redis-server's format: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message",
// to the configured logfile or standard error.
[[gnu::format(printf, 2, 3)]] void log_line(char level, const char* fmt, ...);

struct Setup {
  std::unique_ptr<Engine> engine;  // configured
  std::string config_file;         // empty: none given
  bool tcp_unbound = false;        // a "bind" with no address: no TCP listener
};

// Everything before the adapter starts: --version and --help, the configuration, the engine built
// from it (its number of databases comes from the configuration), the log file, the start-up log
// lines, and maxclients checked against the descriptor limit. Returns -1 to go on serving, or the
// status main() exits with (0 after --version, 1 after a configuration error).
int setup(int argc, char** argv, const char* adapter_name, Setup& out);

// "Running mode=..., Listening on ..., Ready to accept connections" once the adapter listens.
void log_ready(int tcp_port, const std::vector<std::string>& endpoints, const std::string& unixsocket);
// The listener could not be opened: the reason, then redis-server's last word.
void log_listen_failure(const std::string& error, int port);
// The shutdown lines around closing the adapter (sig: SIGINT or SIGTERM).
void log_shutdown_start(int sig, const std::string& unixsocket);
void log_shutdown_done();

}  // namespace microredis::examples
