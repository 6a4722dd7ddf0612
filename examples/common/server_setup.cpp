// The configuration, logging and start-up of the example servers (see server_setup.hpp), as
// redis-server does them.
#include "server_setup.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "microredis/microredis.hpp"

namespace microredis::examples {

namespace {

FILE* g_log = stderr;
char g_role = 'C';  // 'C' while loading the configuration, 'M' once serving, as Redis marks them

}  // namespace

void log_line(char level, const char* fmt, ...) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  char when[64];
  tm local{};
  localtime_r(&tv.tv_sec, &local);
  std::size_t n = std::strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &local);
  std::snprintf(when + n, sizeof when - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  std::fprintf(g_log, "%d:%c %s %c ", static_cast<int>(getpid()), g_role, when, level);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(g_log, fmt, ap);
  va_end(ap);
  std::fputc('\n', g_log);
  std::fflush(g_log);
}

namespace {

// --- redis.conf syntax ---

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits a line into words as Redis's sdssplitargs: "double quotes" with \n \r \t \b \a \xHH
// escapes, 'single quotes' with \' only; a closing quote must end the word. False: unbalanced.
bool split_words(const std::string& line, std::vector<std::string>& words) {
  words.clear();
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i == n) return true;
    std::string word;
    char quote = 0;
    for (bool done = false; !done;) {
      if (i == n) {
        if (quote) return false;  // unterminated quotes
        break;
      }
      char c = line[i];
      if (quote == '"') {
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 && hex_value(line[i + 3]) >= 0) {
          word += static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          word += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e == 'b' ? '\b' : e == 'a' ? '\a' : e;
        } else if (c == '"') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          word += c;
        }
      } else if (quote == '\'') {
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          word += '\'';
        } else if (c == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          word += c;
        }
      } else if (is_space(c)) {
        done = true;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else {
        word += c;
      }
      ++i;
    }
    words.push_back(std::move(word));
  }
}

// A word quoted so that split_words gives it back (Redis's sdscatrepr).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (std::isprint(c)) {
          out += static_cast<char>(c);
        } else {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        }
    }
  }
  return out + "\"";
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

bool read_all(FILE* f, std::string& out) {
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return !std::ferror(f);
}

// One directive of the configuration, with where it came from for error messages.
struct Directive {
  std::vector<std::string> words;  // words[0] lower-cased
  std::string text;                // the line as written
  int line = 0;
};

struct ConfigError {
  std::string text;  // the reason
  std::string line;  // the offending line ("" for errors not tied to one)
  int lineno = 0;
};

// Settings that take several words (joined by spaces); every other one takes exactly one.
bool takes_several_words(const std::string& name) {
  return name == "bind" || name == "save" || name == "client-output-buffer-limit" || name == "replicaof" ||
         name == "slaveof";
}

bool parse_config(const std::string& config, std::vector<Directive>& out, ConfigError& err, int depth);

bool load_file(const std::string& path, std::vector<Directive>& out, ConfigError& err, int depth) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    err = {"Fatal error, can't open config file '" + path + "': " + std::strerror(errno), "", 0};
    return false;
  }
  std::string text;
  bool ok = read_all(f, text);
  std::fclose(f);
  if (!ok) {
    err = {"Fatal error, can't read config file '" + path + "'", "", 0};
    return false;
  }
  return parse_config(text, out, err, depth);
}

bool parse_config(const std::string& config, std::vector<Directive>& out, ConfigError& err, int depth) {
  int lineno = 0;
  for (std::size_t pos = 0; pos <= config.size();) {
    std::size_t end = config.find('\n', pos);
    if (end == std::string::npos) end = config.size();
    std::string line = trim(config.substr(pos, end - pos));
    pos = end + 1;
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    Directive d;
    d.text = line;
    d.line = lineno;
    if (!split_words(line, d.words)) {
      err = {"Unbalanced quotes in configuration line", line, lineno};
      return false;
    }
    if (d.words.empty()) continue;
    for (char& c : d.words[0]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (d.words[0] == "include" && d.words.size() == 2) {
      if (depth >= 16) {
        err = {"include nested too deeply", line, lineno};
        return false;
      }
      if (!load_file(d.words[1], out, err, depth + 1)) return false;
      continue;
    }
    out.push_back(std::move(d));
  }
  return true;
}

bool apply(microredis::Engine& engine, const Directive& d, ConfigError& err) {
  const std::string& name = d.words[0];
  const microredis::ConfigSpec* spec = microredis::find_config(name);
  if (spec == nullptr || (!takes_several_words(name) && d.words.size() != 2)) {
    err = {spec == nullptr ? "Bad directive or wrong number of arguments" : "wrong number of arguments", d.text, d.line};
    return false;
  }
  std::string value;
  for (std::size_t i = 1; i < d.words.size(); ++i) value += (i > 1 ? " " : "") + d.words[i];
  microredis::ConfigError why;
  if (!spec->set(engine, value, why)) {
    err = {std::string(why.view()), d.text, d.line};
    return false;
  }
  return true;
}

void print_config_error(const ConfigError& err) {
  if (err.line.empty()) {
    log_line('#', "%s", err.text.c_str());
    return;
  }
  std::fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (microredis %s) ***\n", MICROREDIS_VERSION_STRING);
  std::fprintf(stderr, "Reading the configuration file, at line %d\n", err.lineno);
  std::fprintf(stderr, ">>> '%s'\n", err.line.c_str());
  std::fprintf(stderr, "%s\n", err.text.c_str());
}

// The configuration text as redis-server composes it: file, standard input, then the options,
// "--name value" becoming the line `name "value"`.
bool compose_config(int argc, char** argv, std::string& config, std::string& config_file, ConfigError& err) {
  int j = 1;
  if (argc > 1 && argv[1][0] != '-') {
    config_file = argv[1];
    j = 2;
  }
  bool from_stdin = false;
  std::string options;
  bool value_pending = false;  // an option name still waiting for its first value
  for (; j < argc; ++j) {
    const std::string arg = argv[j];
    if (arg == "-" && (j == 1 || j == argc - 1)) {
      from_stdin = true;
    } else if (!value_pending && arg.rfind("--", 0) == 0) {
      if (!options.empty()) options += "\n";
      options += arg.substr(2) + " ";
      std::vector<std::string> words;
      value_pending = split_words(arg, words) && words.size() == 1;
      if (value_pending && arg == "--save" && (j == argc - 1 || std::strncmp(argv[j + 1], "--", 2) == 0)) {
        options += "\"\"";  // "--save" alone means save "", as redis-server reads it
        value_pending = false;
      }
    } else {
      options += quoted(arg) + " ";
      value_pending = false;
    }
  }
  if (!config_file.empty()) {
    FILE* f = std::fopen(config_file.c_str(), "r");
    if (f == nullptr) {
      err = {"Fatal error, can't open config file '" + config_file + "': " + std::strerror(errno), "", 0};
      return false;
    }
    (void)read_all(f, config);
    std::fclose(f);
  }
  if (from_stdin && !read_all(stdin, config)) {
    err = {"Fatal error, can't read config from stdin", "", 0};
    return false;
  }
  config += "\n" + options;
  return true;
}

bool configure(microredis::Engine& engine, const std::vector<Directive>& directives, ConfigError& err) {
  for (const Directive& d : directives) {
    if (!apply(engine, d, err)) return false;
  }
  engine.apply_settings();
  return true;
}

// Like redis-server: make room for maxclients plus a few descriptors for listeners and files, or
// lower maxclients to what the descriptor limit allows.
bool adjust_open_files_limit(microredis::Engine& engine) {
  constexpr rlim_t kReserved = 32;
  auto& maxclients = engine.settings().maxclients;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return true;
  const rlim_t wanted = static_cast<rlim_t>(maxclients) + kReserved;
  if (lim.rlim_cur >= wanted) return true;
  rlimit raised = lim;
  raised.rlim_cur = lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= wanted ? wanted : lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  if (lim.rlim_cur >= wanted) return true;
  if (lim.rlim_cur <= kReserved) {
    log_line('#',
             "Your current 'ulimit -n' of %llu is not enough for the server to start. Please increase your open file "
             "limit to at least %llu. Exiting.",
             static_cast<unsigned long long>(lim.rlim_cur), static_cast<unsigned long long>(kReserved + 1));
    return false;
  }
  log_line('#', "You requested maxclients of %lld requiring at least %llu max file descriptors.",
           static_cast<long long>(maxclients), static_cast<unsigned long long>(wanted));
  maxclients = static_cast<std::int64_t>(lim.rlim_cur - kReserved);
  log_line('#',
           "Current maximum open files is %llu. maxclients has been reduced to %lld to compensate for low ulimit. If "
           "you need higher maxclients increase 'ulimit -n'.",
           static_cast<unsigned long long>(lim.rlim_cur), static_cast<long long>(maxclients));
  return true;
}

void usage(FILE* out, const char* prog, const char* adapter) {
  std::fprintf(out,
               "Usage: %s [/path/to/redis.conf] [options] [-]\n"
               "       %s - (read config from stdin)\n"
               "       %s -v or --version\n"
               "       %s -h or --help\n\n"
               "The %s adapter serves the engine. Options are the settings of redis.conf (CONFIG GET *), e.g.\n"
               "       %s --port 7777 --bind 127.0.0.1 ::1 --requirepass secret\n"
               "       %s --unixsocket /tmp/microredis.sock --unixsocketperm 700 --port 0\n"
               "       %s --maxclients 100 --timeout 300 --maxmemory 64mb --maxmemory-policy allkeys-lru\n"
               "       %s /etc/microredis.conf --maxclients 100\n",
               prog, prog, prog, prog, adapter, prog, prog, prog, prog);
}

}  // namespace

int setup(int argc, char** argv, const char* adapter_name, Setup& out) {
  if (argc >= 2 && (std::strcmp(argv[1], "-v") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("microredis server v=%s redis_version=%s bits=%d adapter=%s\n", MICROREDIS_VERSION_STRING,
                MICROREDIS_REDIS_COMPAT_VERSION, static_cast<int>(sizeof(void*) * 8), adapter_name);
    return 0;
  }
  if (argc >= 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    usage(stdout, argv[0], adapter_name);
    return 0;
  }

  std::string config;
  std::vector<Directive> directives;
  ConfigError err;
  if (!compose_config(argc, argv, config, out.config_file, err) || !parse_config(config, directives, err, 0)) {
    print_config_error(err);
    return 1;
  }
  // The number of databases is fixed when the engine is made: read it from a trial run of the
  // configuration on a throwaway engine, which also reports any bad line before anything starts.
  int databases = MICROREDIS_DEFAULT_DATABASES;
  {
    microredis::Engine trial;
    if (!configure(trial, directives, err)) {
      print_config_error(err);
      return 1;
    }
    databases = static_cast<int>(trial.settings().databases);
  }
  microredis::EngineOptions engine_options;
  engine_options.databases = databases;
  out.engine = std::make_unique<microredis::Engine>(engine_options);
  microredis::Engine& engine = *out.engine;
  (void)configure(engine, directives, err);
  for (const Directive& d : directives) {
    if (d.words[0] == "bind" && d.words.size() == 1) out.tcp_unbound = true;  // "bind" alone: no TCP
  }

  const microredis::Settings& st = engine.settings();
  if (!st.logfile.empty()) {
    std::string path(st.logfile.view());
    if (FILE* f = std::fopen(path.c_str(), "a")) {
      g_log = f;
    } else {
      std::fprintf(stderr, "Can't open the log file: %s\n", std::strerror(errno));
      return 1;
    }
  }
  log_line('#', "oO0OoO0OoO0Oo microredis is starting oO0OoO0OoO0Oo");
  log_line('#', "microredis version=%s (Redis %s compatible), bits=%d, pid=%d, adapter=%s, just started",
           MICROREDIS_VERSION_STRING, MICROREDIS_REDIS_COMPAT_VERSION, static_cast<int>(sizeof(void*) * 8),
           static_cast<int>(getpid()), adapter_name);
  if (out.config_file.empty()) {
    log_line('#', "Warning: no config file specified, using the default config. In order to specify a config file "
                  "use %s /path/to/redis.conf", argv[0]);
  } else {
    log_line('#', "Configuration loaded");
  }
  g_role = 'M';
  if (!adjust_open_files_limit(engine)) return 1;
  return -1;
}

void log_ready(int tcp_port, const std::vector<std::string>& endpoints, const std::string& unixsocket) {
  log_line('*', "Running mode=standalone, port=%d.", tcp_port);
  for (const std::string& e : endpoints) log_line('*', "Listening on %s", e.c_str());
  if (tcp_port != 0) log_line('*', "Ready to accept connections");
  if (!unixsocket.empty()) log_line('*', "The server is now ready to accept connections at %s", unixsocket.c_str());
}

void log_listen_failure(const std::string& error, int port) {
  log_line('#', "%s", error.c_str());
  log_line('#', "Failed listening on port %d (tcp), aborting.", port);
}

void log_shutdown_start(int sig, const std::string& unixsocket) {
  // sig 0: the SHUTDOWN command, which Redis logs with only the line below.
  if (sig != 0) log_line('#', "Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
  log_line('#', "User requested shutdown...");
  if (!unixsocket.empty()) log_line('*', "Removing the unix socket file.");
}

void log_shutdown_done() {
  log_line('#', "microredis is now ready to exit, bye bye...");
  if (g_log != stderr) std::fclose(g_log);
  g_log = stderr;
}

}  // namespace microredis::examples
