// Lua scripting for an Engine (optional component, adapters/lua, needs Lua 5.1): EVAL, EVALSHA,
// EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP with Redis 7.0's semantics, and
// Redis 7.0 functions: the Scripting installs itself as the engine's FunctionHost, so the core's
// FUNCTION and FCALL/FCALL_RO commands load, run, list, dump and restore Lua libraries.
//
//   microredis::lua::Scripting scripting(engine);   // registers the commands
//
// One Lua interpreter per Scripting; scripts run to completion as one command. The Lua API is
// Redis's: redis.call/pcall, error_reply/status_reply, sha1hex, log, setresp, set_repl,
// replicate_commands, breakpoint/debug (no-ops), REDIS_VERSION(_NUM), KEYS/ARGV, shebang flags;
// libraries base, table, string, math, cjson, bit (Debian's lua-cjson and lua-bitop).
//
// Busy scripts: past busy-reply-threshold (lua-time-limit) ms, the script calls
// Engine::serve_while_busy() every 100,000 Lua instructions: the adapter's busy handler then
// services the other connections, which get BUSY except for SCRIPT KILL, SHUTDOWN and the other
// allow-busy commands (see docs/adapters.md, "Busy scripts").
//
// Propagation (replication, AOF): as Redis 7, a script's or a function's effects, not the script:
// the write commands it ran (each redis.call goes through Engine::call() on the script session),
// wrapped in MULTI/EXEC, with EVAL/FCALL itself not propagated; redis.set_repl()'s flags are
// checked but not applied. FUNCTION LOAD/DELETE/FLUSH/RESTORE propagate as they are.
//
// Lifetime: the engine keeps pointers to the command specs: the Scripting must outlive every
// command the engine runs (destroy it after the adapters stop, or with the engine unused).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "microredis/engine.hpp"

namespace microredis::lua {

// redis.log levels (Redis's LL_DEBUG .. LL_WARNING).
enum class LogLevel : int { debug = 0, verbose = 1, notice = 2, warning = 3 };

class Scripting {
 public:
  explicit Scripting(Engine& engine);
  ~Scripting();
  Scripting(const Scripting&) = delete;
  Scripting& operator=(const Scripting&) = delete;

  // False when the commands could not be registered (a name taken, out of memory) or Lua could
  // not start: the engine then has no scripting commands.
  bool ok() const;

  // Where redis.log() goes (nothing without a sink), and the lowest level passed on.
  using LogSink = void (*)(void* ctx, LogLevel level, std::string_view message);
  void set_log_sink(LogSink fn, void* ctx, LogLevel min_level = LogLevel::notice);

  std::size_t script_count() const;  // scripts in the cache (SCRIPT LOAD, EVAL)
  bool running() const;              // a script is running (inside EVAL)

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace microredis::lua
