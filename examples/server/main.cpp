// microredis-server: the engine behind the POSIX adapter, configured like redis-server.
//   microredis-server                      127.0.0.1:6379, default settings
//   microredis-server --port 7000 --requirepass secret
//   microredis-server /etc/microredis.conf --maxclients 100
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "microredis/microredis.hpp"
#include "microredis/posix/server.hpp"

namespace {

microredis::posix::Server* g_server = nullptr;

void on_signal(int) {
  if (g_server) g_server->stop();
}

// Splits a redis.conf line into words, honouring "double" and 'single' quotes.
std::vector<std::string> split_config_line(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        char e = line[++i];
        cur += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
      } else if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(cur);
  return words;
}

bool apply(microredis::Engine& engine, const std::vector<std::string>& words, std::string& error) {
  if (words.empty() || words[0][0] == '#') return true;
  const microredis::ConfigSpec* spec = microredis::find_config(words[0]);
  if (spec == nullptr) {
    error = "unknown setting '" + words[0] + "'";
    return false;
  }
  std::string value;
  for (std::size_t i = 1; i < words.size(); ++i) value += (i > 1 ? " " : "") + words[i];
  microredis::ConfigError err;
  if (!spec->set(engine, value, err)) {
    error = "bad value for '" + words[0] + "': " + std::string(err.view());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  microredis::Engine engine;
  std::string error;
  int i = 1;
  if (i < argc && argv[i][0] != '-') {  // a config file first, as redis-server takes it
    std::ifstream in(argv[i]);
    if (!in) {
      std::fprintf(stderr, "cannot open config file %s\n", argv[i]);
      return 1;
    }
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (!apply(engine, split_config_line(line), error)) {
        std::fprintf(stderr, "%s:%d: %s\n", argv[i], lineno, error.c_str());
        return 1;
      }
    }
    ++i;
  }
  while (i < argc) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s [config-file] [--setting value ...]\n", argv[0]);
      return 0;
    }
    if (arg.rfind("--", 0) != 0) {
      std::fprintf(stderr, "unexpected argument '%s'\n", arg.c_str());
      return 1;
    }
    std::vector<std::string> words{arg.substr(2)};
    for (++i; i < argc && std::string(argv[i]).rfind("--", 0) != 0; ++i) words.emplace_back(argv[i]);
    if (!apply(engine, words, error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
  }
  engine.apply_settings();

  const microredis::Settings& st = engine.settings();
  microredis::posix::ServerOptions options;
  if (!st.bind.empty()) {
    options.bind.clear();
    for (const auto& w : split_config_line(std::string(st.bind.view()))) options.bind.push_back(w);
  }
  options.port = static_cast<int>(st.port);
  options.unixsocket = std::string(st.unixsocket.view());
  options.unixsocketperm = static_cast<unsigned>(st.unixsocketperm);
  options.backlog = static_cast<int>(st.tcp_backlog);
  options.tcp_keepalive = static_cast<int>(st.tcp_keepalive);

  microredis::posix::Server server(engine, options);
  if (!server.listen(error)) {
    std::fprintf(stderr, "microredis-server: %s\n", error.c_str());
    return 1;
  }
  g_server = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::fprintf(stderr, "microredis %s ready on port %d\n", MICROREDIS_VERSION_STRING, options.port);
  server.run();
  std::fprintf(stderr, "microredis: shutting down\n");
  g_server = nullptr;
  return 0;
}
