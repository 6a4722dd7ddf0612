// Lua scripting (Redis 7.0's EVAL family) over the engine's public hooks: run-time commands
// (Engine::add_commands), Engine::call() on a session of our own for redis.call, and
// Engine::serve_while_busy() from the Lua count hook for busy scripts.
//
// Lua 5.1 raises errors with longjmp: every function Lua calls back (lua_CFunction, the hook)
// keeps no object with a destructor alive where it may raise; the C++ work is done in helpers
// that return before the error is raised.
#include "microredis/scripting.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "microredis/commands.hpp"
#include "microredis/functions.hpp"
#include "microredis/store/rdb.hpp"
#include "microredis/util/glob.hpp"
#include "microredis/util/sha1.hpp"
#include "microredis/version.hpp"

#include "lua_libs.hpp"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace microredis::lua {

namespace {

// Script flags (the shebang's flags=...).
enum ScriptFlag : std::uint32_t {
  kNoWrites = 1u << 0,
  kAllowOom = 1u << 1,
  kAllowStale = 1u << 2,
  kNoCluster = 1u << 3,
  kAllowCrossSlot = 1u << 4,
  kCompatMode = 1u << 5,  // no shebang: Redis's pre-7.0 EVAL rules
};

// Redis's evalExtractShebangFlags. false with err set (the error text without its code).
bool parse_shebang(std::string_view body, std::uint32_t& flags, std::size_t& shebang_len, std::string& err) {
  flags = kCompatMode;
  shebang_len = 0;
  if (body.substr(0, 2) != "#!") return true;
  const std::size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    err = "Invalid script shebang";
    return false;
  }
  shebang_len = end;
  std::vector<std::string_view> parts;
  std::string_view line = body.substr(0, end);
  for (std::size_t i = 0; i < line.size();) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    std::size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) parts.push_back(line.substr(i, j - i));
    i = j;
  }
  if (parts.empty()) {
    err = "Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    err = "Unexpected engine in script shebang: " + std::string(parts[0]);
    return false;
  }
  flags = 0;
  static constexpr struct {
    std::string_view name;
    std::uint32_t flag;
  } kFlags[] = {{"no-writes", kNoWrites},
                {"allow-oom", kAllowOom},
                {"allow-stale", kAllowStale},
                {"no-cluster", kNoCluster},
                {"allow-cross-slot-keys", kAllowCrossSlot}};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, 6) != "flags=") {
      err = "Unknown lua shebang option: " + std::string(parts[i]);
      return false;
    }
    std::string_view list = parts[i].substr(6);
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view name = list.substr(0, comma);
      bool found = false;
      for (const auto& f : kFlags) {
        if (f.name == name) {
          flags |= f.flag;
          found = true;
        }
      }
      if (!found) {
        err = "Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return true;
}

constexpr char kImplKey[] = "__microredis_scripting";

}  // namespace

// ---------------------------------------------------------------------------------------------

// Functions (FUNCTION LOAD, FCALL): libraries of Lua functions, kept as Redis's functions.c keeps
// them: each library holds its code and its functions (in registration order); the set indexes
// the functions by name, case-insensitively.
struct LuaFunction {
  std::string name;
  std::string description;
  bool has_description = false;
  std::uint32_t flags = 0;
  int ref = LUA_NOREF;  // the callback, in the function interpreter's registry
};
struct LuaLibrary {
  std::string name;
  std::string code;  // the whole code, shebang included (FUNCTION LIST WITHCODE, DUMP, images)
  std::vector<LuaFunction> functions;
};
struct LibrarySet {
  std::vector<std::unique_ptr<LuaLibrary>> libraries;
  std::unordered_map<std::string, std::pair<LuaLibrary*, std::size_t>> functions;  // lower-case name
  LuaLibrary* find_library(std::string_view name) const {
    for (const auto& lib : libraries) {
      if (lib->name == name) return lib.get();
    }
    return nullptr;
  }
};

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = ascii_lower(ch);
  return out;
}

struct Scripting::Impl final : FunctionHost {
  explicit Impl(Engine& e) : engine(e) {}
  ~Impl();

  struct Script {
    std::string body;
    std::uint32_t flags;
  };
  struct Run {
    Session* caller = nullptr;
    const std::string_view* keys = nullptr;  // the declared keys (client-side caching)
    std::size_t nkeys = 0;
    std::int64_t start_us = 0;
    bool read_only = false;
    bool allow_oom = false;
    bool oom_at_start = false;
    bool wrote = false;
    bool timed_out = false;
    bool killed = false;
    bool function = false;  // FCALL (else EVAL): which KILL and which BUSY error apply
    const std::string_view* argv = nullptr;  // the caller's command (FUNCTION STATS)
    std::size_t argc = 0;
    std::string name;  // the sha (EVAL) or the function's name
  };

  Engine& engine;
  lua_State* L = nullptr;        // the interpreter in use: eval_L, or fn_L while a function loads or runs
  lua_State* eval_L = nullptr;   // EVAL's (SCRIPT FLUSH starts a new one)
  lua_State* fn_L = nullptr;     // the functions' (Redis keeps the two apart, too)
  LibrarySet libs;
  LuaLibrary* loading = nullptr;  // the library FUNCTION LOAD is running (redis.register_function)
  std::int64_t load_start_us = 0;
  std::int64_t load_timeout_ms = 0;
  Session* client = nullptr;  // runs the scripts' commands; "lua" in MONITOR
  std::unordered_map<std::string, Script> scripts;
  Run run;
  bool running = false;
  bool registered = false;
  std::vector<std::string_view> call_argv;
  std::uint64_t rand48 = 0x1234abcd330eull;
  long gc_count = 0;
  LogSink log_sink = nullptr;
  void* log_ctx = nullptr;
  LogLevel log_min = LogLevel::notice;

  // The command specs the engine holds: each array is the first member of a struct that also
  // points back here, so a handler finds its Impl from the spec the engine hands it.
  struct TopSpecs {
    CommandSpec specs[5];
    Impl* owner;
  } top{};
  struct ScriptSpecs {
    CommandSpec specs[5];
    Impl* owner;
  } script_subs{};

  bool start();
  bool start_functions();
  // min-replicas-to-write is set and not met (Redis's checkGoodReplicasStatus fails).
  // A read-only replica refuses writes but its master's (Redis's scriptVerifyWriteCommandAllow).
  bool readonly_replica(const Session* caller) const {
    return engine.is_replica() && engine.settings().replica_read_only && (caller == nullptr || !caller->master_link());
  }
  bool not_enough_replicas() const {
    const Settings& st = engine.settings();
    return st.min_replicas_to_write != 0 && st.min_replicas_max_lag != 0 &&
           engine.good_replicas() < static_cast<std::size_t>(st.min_replicas_to_write);
  }
  void reset_lua();
  bool create_function(Writer& out, std::string_view body, char sha[41]);
  void eval(Context& c, bool by_sha, bool read_only);
  // scriptPrepareForRun's checks, then the run (the callable and its arguments set up by
  // `push`), the reply and the clean-up. fn: the function (FCALL) or nullptr (EVAL, sha in name).
  void execute(Context& c, std::uint32_t flags, bool read_only, std::size_t numkeys, std::string_view name,
               const LuaFunction* fn);
  // redis.register_function's work: false with the error table pushed.
  bool register_function();
  // functionsCreateWithLibraryCtx: compiles and runs a library's code into set; false with err.
  bool create_library(LibrarySet& set, std::string_view code, bool replace, std::int64_t timeout_ms,
                      std::string& err, std::string* name_out);
  void free_library(LuaLibrary& lib);
  void unlink_library(LibrarySet& set, LuaLibrary* lib, std::unique_ptr<LuaLibrary>* keep);
  void link_library(LibrarySet& set, std::unique_ptr<LuaLibrary> lib);
  void clear_set(LibrarySet& set);
  bool join(LibrarySet& dst, LibrarySet& src, bool replace, std::string& err);
  const LuaFunction* find_function(std::string_view name) const;
  void kill(Context& c, bool function);
  void fcall(Context& c, bool read_only);
  void function_list(Context& c);
  void function_stats(Context& c);
  void function_restore(Context& c);

  // FunctionHost
  void command(Context& c, Op op) override;
  std::uint32_t call_flags(std::uint32_t spec_flags, std::string_view name) const override;
  bool save(Buffer& out) const override;
  bool load(std::string_view code, bool replace) override;
  void flush() override;
  Stats stats() const override;
  void reply_from_lua(Writer& w, int script_resp, int depth);
  // redis.call/pcall: true when the error table on the stack is to be raised.
  bool call_command(bool raise);
  void push_reply(std::string_view& in);
};

namespace {

Scripting::Impl* impl_of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kImplKey);
  auto* impl = static_cast<Scripting::Impl*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return impl;
}

// Pushes Redis's error table {err="CODE message"} for "-CODE message" or "message" (code ERR).
void push_error_table(lua_State* L, const char* text, std::size_t len) {
  const char* msg = text;
  std::size_t msg_len = len;
  const char* code = "ERR";
  std::size_t code_len = 3;
  if (len > 0 && text[0] == '-') {
    const char* space = static_cast<const char*>(std::memchr(text, ' ', len));
    if (space == nullptr) {
      msg = text + 1;
      msg_len = len - 1;
    } else {
      code = text + 1;
      code_len = static_cast<std::size_t>(space - text - 1);
      msg = space + 1;
      msg_len = len - static_cast<std::size_t>(space + 1 - text);
    }
  }
  while (msg_len > 0 && (msg[msg_len - 1] == '\r' || msg[msg_len - 1] == '\n')) --msg_len;
  while (msg_len > 0 && (msg[0] == '\r' || msg[0] == '\n')) {
    ++msg;
    --msg_len;
  }
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, code, code_len);
  lua_pushlstring(L, " ", 1);
  lua_pushlstring(L, msg, msg_len);
  lua_concat(L, 3);
  lua_settable(L, -3);
}

void push_error(lua_State* L, const char* text) { push_error_table(L, text, std::strlen(text)); }

void mark_ignore_stats(lua_State* L) {
  lua_pushstring(L, "ignore_error_stats_update");
  lua_pushboolean(L, 1);
  lua_settable(L, -3);
}

// Writes the error of the error table at `index`: an error already counted when a command the
// script ran replied it (mark_ignore_stats) is not counted again.
void write_script_error(lua_State* L, int index, Writer& w, std::string_view text) {
  lua_pushstring(L, "ignore_error_stats_update");
  lua_rawget(L, index < 0 ? index - 1 : index);
  const bool counted = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  if (counted) {
    w.error_text_no_stats(text);
  } else {
    w.error_text(text);
  }
}

// --- the redis.* API -------------------------------------------------------------------------

int redis_call(lua_State* L) {
  if (impl_of(L)->call_command(true)) return lua_error(L);
  return 1;
}

int redis_pcall(lua_State* L) {
  (void)impl_of(L)->call_command(false);
  return 1;
}

int redis_sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) {
    push_error(L, "wrong number of arguments");
    return lua_error(L);
  }
  std::size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char digest[41];
  sha1_hex(s != nullptr ? std::string_view(s, len) : std::string_view(), digest);
  lua_pushstring(L, digest);
  return 1;
}

int redis_error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error(L, "wrong number or type of arguments");
    return 1;
  }
  std::size_t len = 0;
  const char* err = lua_tolstring(L, -1, &len);
  if (len > 0 && err[0] == '-') {
    push_error_table(L, err, len);
  } else {
    lua_pushstring(L, "-");
    lua_pushvalue(L, -2);
    lua_concat(L, 2);
    std::size_t n = 0;
    const char* dashed = lua_tolstring(L, -1, &n);
    push_error_table(L, dashed, n);
  }
  return 1;
}

int redis_status_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int redis_set_repl(lua_State* L) {
  // The flags are checked as Redis checks them but not applied: a script's writes always go to
  // both the replicas and the AOF (the engine has one propagation target list, not two).
  if (lua_gettop(L) != 1) {
    push_error(L, "redis.set_repl() requires two arguments.");
    return lua_error(L);
  }
  const int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0) {
    push_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return lua_error(L);
  }
  return 0;
}

int redis_replicate_commands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int redis_breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // no debugger session
  return 1;
}

int redis_debug(lua_State*) { return 0; }

int redis_setresp(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc != 1) {
    push_error(L, "redis.setresp() requires one argument.");
    return lua_error(L);
  }
  const int resp = static_cast<int>(lua_tonumber(L, -argc));
  if (resp != 2 && resp != 3) {
    push_error(L, "RESP version must be 2 or 3.");
    return lua_error(L);
  }
  Scripting::Impl* impl = impl_of(L);
  impl->client->set_protocol(resp);
  return 0;
}

void emit_log(Scripting::Impl* impl, int level, const char* text, std::size_t len) {
  if (impl->log_sink != nullptr && level >= static_cast<int>(impl->log_min)) {
    impl->log_sink(impl->log_ctx, static_cast<LogLevel>(level), std::string_view(text, len));
  }
}

int redis_log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) {
    push_error(L, "redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, -argc)) {
    push_error(L, "First argument must be a number (log level).");
    return lua_error(L);
  }
  const int level = static_cast<int>(lua_tonumber(L, -argc));
  if (level < 0 || level > 3) {
    push_error(L, "Invalid debug level.");
    return lua_error(L);
  }
  // Glue the arguments together with spaces, as Redis (non-strings are skipped).
  int parts = 0;
  for (int j = 2; j <= argc; ++j) {
    if (!lua_isstring(L, j)) continue;
    if (parts > 0) {
      lua_pushliteral(L, " ");
      ++parts;
    }
    lua_pushvalue(L, j);
    ++parts;
  }
  if (parts == 0) lua_pushliteral(L, "");
  else lua_concat(L, parts);
  std::size_t len = 0;
  const char* text = lua_tolstring(L, -1, &len);
  emit_log(impl_of(L), level, text, len);
  return 0;
}

// Redis's pcall: a Redis error table caught becomes its message string (Redis 6 compatibility).
int lua_redis_pcall(lua_State* L) {
  const int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// math.random / math.randomseed on a 48-bit linear congruential generator (as Redis's
// redisLrand48), so that a seed gives the same sequence everywhere.
std::int32_t next_rand48(Scripting::Impl* impl) {
  impl->rand48 = (impl->rand48 * 0x5deece66dull + 0xb) & ((1ull << 48) - 1);
  return static_cast<std::int32_t>(impl->rand48 >> 17);
}

int math_random(lua_State* L) {
  constexpr std::int32_t kMax = 2147483647;
  const lua_Number r = static_cast<lua_Number>(next_rand48(impl_of(L)) % kMax) / static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int math_randomseed(lua_State* L) {
  const int seed = luaL_checkint(L, 1);
  impl_of(L)->rand48 = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(seed)) << 16) | 0x330e;
  return 0;
}

int redis_register_function(lua_State* L) {
  if (!impl_of(L)->register_function()) return lua_error(L);
  return 0;
}

// FUNCTION LOAD's time limit (Redis's luaEngineLoadHook): the load fails past it.
void load_hook(lua_State* L, lua_Debug*) {
  Scripting::Impl* impl = impl_of(L);
  if (impl == nullptr || impl->loading == nullptr || impl->load_timeout_ms <= 0) return;
  if ((impl->engine.clock().now_us() - impl->load_start_us) / 1000 <= impl->load_timeout_ms) return;
  lua_sethook(L, load_hook, LUA_MASKLINE, 0);
  push_error(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

// --- the sandbox -------------------------------------------------------------------------------
// Stock Lua 5.1 has no read-only tables (Redis patches its Lua for them). Each protected table
// (the globals, redis, string, math, table, cjson, bit, cmsgpack, struct, coroutine) is replaced
// with an empty proxy whose metatable reads from the real table and refuses writes; setmetatable,
// rawset and getmetatable are wrapped so that a proxy and its metatable cannot be changed either.

constexpr char kProxiesKey[] = "__microredis_proxies";  // weak-keyed set of protected tables

bool is_protected(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  index = index < 0 && index > LUA_REGISTRYINDEX ? lua_gettop(L) + index + 1 : index;
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  const bool yes = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return yes;
}

int readonly_error(lua_State* L) {
  luaL_where(L, 1);
  lua_pushliteral(L, "Attempt to modify a readonly table");
  lua_concat(L, 2);
  return lua_error(L);
}

int readonly_newindex(lua_State* L) { return readonly_error(L); }

int missing_global(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

int safe_setmetatable(lua_State* L) {
  if (is_protected(L, 1)) return readonly_error(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int safe_rawset(lua_State* L) {
  if (is_protected(L, 1)) return readonly_error(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// loadstring() and load() refuse precompiled chunks (Redis's Lua does too): crafted bytecode can
// break out of the sandbox. The refusal is a nil result, as for a chunk that does not compile.
int safe_loadstring(lua_State* L) {
  std::size_t len = 0;
  const char* code = luaL_checklstring(L, 1, &len);
  if (len > 0 && code[0] == '\033') {
    lua_pushnil(L);
    lua_pushliteral(L, "binary chunks are not allowed");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int safe_load(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 2);
  int pieces = 0;
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1) || (lua_isstring(L, -1) && lua_objlen(L, -1) == 0)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
    if (++pieces == 32) {
      lua_concat(L, pieces);
      pieces = 1;
    }
  }
  lua_concat(L, pieces);  // the whole chunk (an empty string for none)
  lua_pushvalue(L, lua_upvalueindex(1));  // the loadstring wrapper
  lua_insert(L, 1);
  lua_replace(L, 2);  // stack: wrapper, chunk, chunkname
  lua_call(L, 2, LUA_MULTRET);
  return lua_gettop(L);
}

// Replaces the table at the top of the stack with a read-only proxy of it. global_misses: reading
// a missing key raises Redis's "nonexistent global variable" error.
void make_proxy(lua_State* L, bool global_misses) {
  const int real = lua_gettop(L);
  if (global_misses) {
    lua_newtable(L);  // the real table's own metatable: misses raise
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, real);
  }
  lua_newtable(L);  // proxy
  const int proxy = lua_gettop(L);
  lua_newtable(L);  // its metatable
  const int meta = lua_gettop(L);
  lua_pushvalue(L, real);
  lua_setfield(L, meta, "__index");
  lua_pushcfunction(L, readonly_newindex);
  lua_setfield(L, meta, "__newindex");
  // getmetatable(proxy) returns a read-only view of the metatable.
  lua_newtable(L);
  const int meta_view = lua_gettop(L);
  lua_newtable(L);
  lua_pushvalue(L, meta);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, meta_view);
  lua_pushvalue(L, meta_view);
  lua_setfield(L, meta, "__metatable");
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, proxy);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pushvalue(L, meta_view);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_pushvalue(L, meta);
  lua_setmetatable(L, proxy);
  lua_settop(L, proxy);
  lua_replace(L, real);
}

// The EVAL error handler (Redis's __redis__err__handler, in C so that no Lua line runs while a
// killed script unwinds): turns any error into {err=..., source=..., line=...}.
int error_handler(lua_State* L) {
  lua_Debug ar;
  int level = 1;
  bool found = lua_getstack(L, level, &ar) != 0 && lua_getinfo(L, "Sl", &ar) != 0;
  if (found && std::strcmp(ar.what, "C") == 0) {
    found = lua_getstack(L, ++level, &ar) != 0 && lua_getinfo(L, "Sl", &ar) != 0;
  }
  if (!lua_istable(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, "__microredis_tostring");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_newtable(L);
    lua_pushliteral(L, "ERR ");
    lua_pushvalue(L, -3);
    lua_concat(L, 2);
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (found) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

void count_hook(lua_State* L, lua_Debug*) {
  Scripting::Impl* impl = impl_of(L);
  if (impl == nullptr || !impl->running) return;
  Scripting::Impl::Run& run = impl->run;
  Engine& engine = impl->engine;
  if (!run.timed_out) {
    const std::int64_t elapsed_ms = (engine.clock().now_us() - run.start_us) / 1000;
    if (elapsed_ms >= engine.settings().busy_reply_threshold) run.timed_out = true;
  }
  if (run.timed_out) engine.serve_while_busy(*run.caller, run.function ? Status::busy_function : Status::busy_script);
  if (run.killed || engine.shutdown_requested()) {
    // Every line raises from now on, so that a pcall in the script cannot keep it running.
    lua_sethook(L, count_hook, LUA_MASKLINE, 0);
    push_error(L, "Script killed by user with SCRIPT KILL...");
    lua_error(L);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Interpreter set-up

bool Scripting::Impl::start() {
  L = luaL_newstate();
  if (L == nullptr) return false;
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kImplKey);
  lua_newtable(L);  // the set of protected tables, weak keys
  lua_newtable(L);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxiesKey);

  const struct {
    const char* name;
    lua_CFunction open;
  } std_libs[] = {{"", luaopen_base},           {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
              {LUA_MATHLIBNAME, luaopen_math}, {"cjson", luaopen_cjson},      {"bit", luaopen_bit},
              {"cmsgpack", open_cmsgpack}, {"struct", open_struct}};
  for (const auto& lib : std_libs) {
    lua_pushcfunction(L, lib.open);
    lua_pushstring(L, lib.name);
    lua_call(L, 1, 1);
    // Some modules (Debian's cjson) return their table without setting the global.
    if (lib.name[0] != '\0' && lua_istable(L, -1)) {
      lua_setglobal(L, lib.name);
    } else {
      lua_pop(L, 1);
    }
  }
  // Not available to scripts, as in Redis.
  for (const char* name : {"dofile", "loadfile", "print"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_getglobal(L, "tostring");
  lua_setfield(L, LUA_REGISTRYINDEX, "__microredis_tostring");
  lua_pushcfunction(L, lua_redis_pcall);
  lua_setglobal(L, "pcall");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, safe_setmetatable, 1);
  lua_setglobal(L, "setmetatable");
  lua_getglobal(L, "rawset");
  lua_pushcclosure(L, safe_rawset, 1);
  lua_setglobal(L, "rawset");
  lua_getglobal(L, "loadstring");
  lua_pushcclosure(L, safe_loadstring, 1);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "loadstring");
  lua_pushcclosure(L, safe_load, 1);
  lua_setglobal(L, "load");

  lua_newtable(L);  // redis
  const struct {
    const char* name;
    lua_CFunction fn;
  } api[] = {{"call", redis_call},
             {"pcall", redis_pcall},
             {"log", redis_log},
             {"setresp", redis_setresp},
             {"sha1hex", redis_sha1hex},
             {"error_reply", redis_error_reply},
             {"status_reply", redis_status_reply},
             {"set_repl", redis_set_repl},
             {"replicate_commands", redis_replicate_commands},
             {"breakpoint", redis_breakpoint},
             {"debug", redis_debug}};
  for (const auto& f : api) {
    lua_pushcfunction(L, f.fn);
    lua_setfield(L, -2, f.name);
  }
  const struct {
    const char* name;
    int value;
  } constants[] = {{"LOG_DEBUG", 0},  {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2},   {"LOG_WARNING", 3},
                   {"REPL_NONE", 0},  {"REPL_AOF", 1},    {"REPL_SLAVE", 2},   {"REPL_REPLICA", 2},
                   {"REPL_ALL", 3}};
  for (const auto& k : constants) {
    lua_pushnumber(L, k.value);
    lua_setfield(L, -2, k.name);
  }
  lua_pushstring(L, MICROREDIS_REDIS_COMPAT_VERSION);
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_pushnumber(L, 0x07000f);  // 7.0.15, as Redis's REDIS_VERSION_NUM
  lua_setfield(L, -2, "REDIS_VERSION_NUM");
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  lua_pushcfunction(L, math_random);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, math_randomseed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  // Lock the libraries, then the globals themselves (the thread's globals become the proxy, so
  // chunks loaded later, scripts included, see only it).
  for (const char* name : {"redis", "string", "math", "table", "cjson", "bit", "cmsgpack", "struct", "coroutine"}) {
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    make_proxy(L, false);
    lua_setglobal(L, name);
  }
  lua_settop(L, 0);
  lua_pushvalue(L, LUA_GLOBALSINDEX);  // 1: the real globals (KEYS and ARGV are set there)
  lua_pushvalue(L, 1);
  make_proxy(L, true);                 // 2: the proxy
  lua_pushvalue(L, 2);
  lua_setfield(L, 1, "_G");
  lua_pushvalue(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "__microredis_globals");
  lua_pushvalue(L, 2);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
  return true;
}

// The functions' interpreter: EVAL's sandbox (redis.*, the libraries, read-only globals) plus
// the load-time view Redis's luaEngineCreate switches to while a library's code runs: globals
// that hold only `redis`, itself holding only register_function, log, the LOG_* levels and the
// version (any other name raises "Script attempted to access nonexistent global variable").
// The switch is the __index of the global proxy's metatable, as in Redis.
bool Scripting::Impl::start_functions() {
  if (!start()) return false;
  lua_newtable(L);  // the load-time redis table
  lua_pushcfunction(L, redis_register_function);
  lua_setfield(L, -2, "register_function");
  lua_pushcfunction(L, redis_log);
  lua_setfield(L, -2, "log");
  const struct {
    const char* name;
    int value;
  } levels[] = {{"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3}};
  for (const auto& k : levels) {
    lua_pushnumber(L, k.value);
    lua_setfield(L, -2, k.name);
  }
  lua_pushstring(L, MICROREDIS_REDIS_COMPAT_VERSION);
  lua_setfield(L, -2, "REDIS_VERSION");
  lua_pushnumber(L, 0x07000f);
  lua_setfield(L, -2, "REDIS_VERSION_NUM");
  make_proxy(L, true);
  lua_newtable(L);  // the load-time globals
  lua_insert(L, -2);
  lua_setfield(L, -2, "redis");
  lua_newtable(L);
  lua_pushcfunction(L, missing_global);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, "__microredis_load_globals");
  lua_settop(L, 0);
  return true;
}

namespace {
// Points the global proxy at the load-time globals or back at the real ones.
void use_load_globals(lua_State* L, bool on) {
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  lua_getfield(L, LUA_REGISTRYINDEX, on ? "__microredis_load_globals" : "__microredis_globals");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
}  // namespace

Scripting::Impl::~Impl() {
  if (engine.function_host() == this) engine.set_function_host(nullptr);
  if (eval_L != nullptr) lua_close(eval_L);
  if (fn_L != nullptr) lua_close(fn_L);
  if (client != nullptr) engine.memory().destroy(client);
}

void Scripting::Impl::reset_lua() {
  scripts.clear();
  if (eval_L != nullptr) lua_close(eval_L);
  L = eval_L = nullptr;
  (void)start();
  eval_L = L;
}

// Redis's luaCreateFunction: compiles body as f_<sha> (once), replying the error on failure.
bool Scripting::Impl::create_function(Writer& out, std::string_view body, char sha[41]) {
  sha1_hex(body, sha);
  if (scripts.count(std::string(sha, 40)) != 0) return true;
  std::uint32_t flags = 0;
  std::size_t shebang_len = 0;
  std::string err;
  if (!parse_shebang(body, flags, shebang_len, err)) {
    out.error_text("ERR " + err);
    return false;
  }
  // The shebang line is skipped but its line feed kept, so that line numbers stay the user's.
  if (luaL_loadbuffer(L, body.data() + shebang_len, body.size() - shebang_len, "@user_script") != 0) {
    std::size_t len = 0;
    const char* msg = lua_tolstring(L, -1, &len);
    out.error_text("ERR Error compiling script (new function): " + std::string(msg ? msg : "", msg ? len : 0));
    lua_pop(L, 1);
    return false;
  }
  char name[43] = {'f', '_'};
  std::memcpy(name + 2, sha, 41);
  lua_setfield(L, LUA_REGISTRYINDEX, name);
  scripts.emplace(std::string(sha, 40), Script{std::string(body), flags});
  return true;
}

// ---------------------------------------------------------------------------------------------
// Conversions

// A Redis reply (RESP2 or RESP3, as the script client's protocol made it) to a Lua value.
void Scripting::Impl::push_reply(std::string_view& in) {
  if (!lua_checkstack(L, 5)) return;
  const char type = in.empty() ? '_' : in[0];
  const std::size_t eol = in.find("\r\n");
  const std::string_view line = in.substr(1, eol == std::string_view::npos ? 0 : eol - 1);
  in.remove_prefix(eol == std::string_view::npos ? in.size() : eol + 2);
  auto length = [&]() {
    std::int64_t n = 0;
    (void)parse_int64(line, n);
    return n;
  };
  switch (type) {
    case '+':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      lua_setfield(L, -2, "ok");
      return;
    case '-': {
      std::string dashed = "-";
      dashed.append(line);
      push_error_table(L, dashed.data(), dashed.size());
      mark_ignore_stats(L);
      return;
    }
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(length()));
      return;
    case '$':
    case '=': {
      const std::int64_t n = length();
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      const std::string_view body = in.substr(0, static_cast<std::size_t>(n));
      in.remove_prefix(body.size() + 2 <= in.size() ? body.size() + 2 : in.size());
      if (type == '$') {
        lua_pushlstring(L, body.data(), body.size());
      } else {
        lua_newtable(L);
        lua_newtable(L);
        lua_pushlstring(L, body.data(), body.size() < 3 ? body.size() : 3);
        lua_setfield(L, -2, "format");
        const std::string_view text = body.size() > 4 ? body.substr(4) : std::string_view();
        lua_pushlstring(L, text.data(), text.size());
        lua_setfield(L, -2, "string");
        lua_setfield(L, -2, "verbatim_string");
      }
      return;
    }
    case '*':
    case '>': {
      const std::int64_t n = length();
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      lua_newtable(L);
      for (std::int64_t j = 0; j < n; ++j) {
        lua_pushnumber(L, static_cast<lua_Number>(j + 1));
        push_reply(in);
        lua_settable(L, -3);
      }
      return;
    }
    case '%': {
      const std::int64_t n = length();
      lua_newtable(L);
      lua_newtable(L);
      for (std::int64_t j = 0; j < n; ++j) {
        push_reply(in);
        push_reply(in);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "map");
      return;
    }
    case '~': {
      const std::int64_t n = length();
      lua_newtable(L);
      lua_newtable(L);
      for (std::int64_t j = 0; j < n; ++j) {
        push_reply(in);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "set");
      return;
    }
    case '|': {  // attributes are not shown to scripts
      const std::int64_t n = length();
      for (std::int64_t j = 0; j < 2 * n; ++j) {
        push_reply(in);
        lua_pop(L, 1);
      }
      push_reply(in);
      return;
    }
    case '_':
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, line == "t");
      return;
    case ',': {
      double d = 0;
      if (line == "inf") d = HUGE_VAL;
      else if (line == "-inf") d = -HUGE_VAL;
      else if (line == "nan") d = NAN;
      else (void)parse_double(line, d);
      lua_newtable(L);
      lua_pushnumber(L, d);
      lua_setfield(L, -2, "double");
      return;
    }
    case '(':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      lua_setfield(L, -2, "big_number");
      return;
    default:
      lua_pushnil(L);
      return;
  }
}

namespace {
std::string one_line(const char* s, std::size_t n) {
  std::string out(s, n);
  for (char& ch : out) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return out;
}
}  // namespace

// Redis's luaReplyToRedisReply: the value at the top of the stack (consumed) as a reply.
void Scripting::Impl::reply_from_lua(Writer& w, int script_resp, int depth) {
  if (!lua_checkstack(L, 4) || depth > 1000) {
    w.error_text("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      w.bulk({s, len});
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) w.integer(1);
        else w.null();
      } else {
        w.boolean(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      w.integer(static_cast<std::int64_t>(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      lua_pushstring(L, "err");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        write_script_error(L, -2, w, one_line(s, len));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "ok");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        w.simple(one_line(s, len));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "double");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        w.dbl(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "big_number");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        w.big_number(one_line(s, len));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "verbatim_string");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushstring(L, "format");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TSTRING) {
          lua_pushstring(L, "string");
          lua_rawget(L, -3);
          if (lua_type(L, -1) == LUA_TSTRING) {
            std::size_t flen = 0, len = 0;
            const char* format = lua_tolstring(L, -2, &flen);
            const char* s = lua_tolstring(L, -1, &len);
            w.verbatim({s, len}, {format, flen});
            lua_pop(L, 4);
            return;
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      lua_pushstring(L, "map");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        const Writer::Deferred d = w.defer();
        std::size_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          reply_from_lua(w, script_resp, depth + 1);  // key
          reply_from_lua(w, script_resp, depth + 1);  // value
          ++pairs;
        }
        w.end_map(d, pairs);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      lua_pushstring(L, "set");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        const Writer::Deferred d = w.defer();
        std::size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          reply_from_lua(w, script_resp, depth + 1);
          ++n;
        }
        w.end_set(d, n);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      const Writer::Deferred d = w.defer();
      std::size_t n = 0;
      for (int j = 1;; ++j) {
        lua_pushnumber(L, j);
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TNIL) {
          lua_pop(L, 1);
          break;
        }
        reply_from_lua(w, script_resp, depth + 1);
        ++n;
      }
      w.end_array(d, n);
      break;
    }
    default:
      w.null();
  }
  lua_pop(L, 1);
}

// ---------------------------------------------------------------------------------------------
// redis.call / redis.pcall (Redis's luaRedisGenericCommand and scriptCall)

bool Scripting::Impl::call_command(bool raise) {
  const int argc = lua_gettop(L);
  if (argc == 0) {
    push_error(L, "Please specify at least one argument for this redis lib call");
    return raise;
  }
  call_argv.clear();
  for (int j = 1; j <= argc; ++j) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      // %.17g, not Lua's own conversion, which loses precision.
      char buf[64];
      const int n = std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, j)));
      lua_pushlstring(L, buf, static_cast<std::size_t>(n));
      lua_replace(L, j);
    }
    std::size_t len = 0;
    const char* s = lua_type(L, j) == LUA_TSTRING ? lua_tolstring(L, j, &len) : nullptr;
    if (s == nullptr) {
      lua_settop(L, 0);
      push_error(L, "Lua redis lib command arguments must be strings or integers");
      return raise;
    }
    call_argv.emplace_back(s, len);
  }
  // The arguments stay on the stack (their strings back call_argv) until the reply is pushed.
  const char* err = nullptr;
  std::string err_text;
  CommandRef ref = engine.commands().find(call_argv[0]);
  if (ref && ref.spec->subcommand_count > 0 && call_argv.size() >= 2) {
    ref = engine.commands().find_subcommand(ref, call_argv[1]);
  }
  const auto n = static_cast<int>(call_argv.size());
  if (!ref) {
    err = "Unknown Redis command called from script";
  } else if ((ref.spec->arity > 0 && ref.spec->arity != n) || n < -ref.spec->arity) {
    err = "Wrong number of args calling Redis command from script";
  } else if ((ref.spec->flags & kNoscript) && !engine.settings().scripts_allow_noscript) {
    err = "This Redis command is not allowed from script";
  } else if (run.read_only && (ref.spec->flags & (kWrite | kMayReplicate))) {
    err = "Write commands are not allowed from read-only scripts.";
  } else if ((ref.spec->flags & kWrite) && readonly_replica(run.caller)) {
    err_text = "-";
    err_text.append(status_text(Status::readonly_replica));
    err = err_text.c_str();
  } else if ((ref.spec->flags & kWrite) && not_enough_replicas()) {
    err_text = "-";
    err_text.append(status_text(Status::no_replicas));
    err = err_text.c_str();
  } else if (!run.allow_oom && !run.wrote && run.oom_at_start && engine.settings().maxmemory != 0 &&
             (ref.spec->flags & kDenyOom)) {
    err_text = "-";
    err_text.append(status_text(Status::oom));
    err = err_text.c_str();
  }
  if (err != nullptr) {
    // Counted here, as Redis's scriptCall counts its refusals (the command's rejected_calls and
    // errorstats); the script's own error reply then is not counted again.
    // Texts without a '-' are plain messages, which Redis counts as ERR.
    engine.count_rejected_call(ref, err[0] == '-' ? error_code(err + 1) : std::string_view("ERR"));
    lua_settop(L, 0);
    push_error(L, err);
    mark_ignore_stats(L);
    return raise;
  }
  if (ref.spec->flags & kWrite) run.wrote = true;
  Buffer& out = client->writer().buffer();
  out.clear();
  engine.call(*client, ref, call_argv.data(), call_argv.size());
  // Client-side caching: a script that reads makes its caller track the keys it declared.
  if ((ref.spec->flags & kReadonly) && run.caller->tracking_enabled() && !run.caller->tracking().options.bcast &&
      run.nkeys > 0) {
    engine.tracking().remember(*run.caller, run.keys, run.nkeys);
  }
  std::string_view reply = out.view();
  const bool is_error = !reply.empty() && reply[0] == '-';
  lua_settop(L, 0);
  push_reply(reply);
  out.clear();
  return raise && is_error;
}

// ---------------------------------------------------------------------------------------------
// EVAL and friends

void Scripting::Impl::eval(Context& c, bool by_sha, bool read_only) {
  Writer& w = c.out;
  if (running) return w.error(Status::busy_script);  // (not reachable: EVAL is not allow-busy)
  // Scripts replicate their effects (Redis 7.0): the writes they run are propagated, wrapped in
  // MULTI/EXEC when there are several; EVAL itself never is (a replay would apply them twice).
  c.prevent_propagation();
  // MONITOR shows the script before the commands it runs (EVAL is skip-monitor for call()).
  if (engine.monitor_count() > 0) engine.feed_monitors(c.session, c.argv, c.argc, 0);
  std::int64_t numkeys = 0;
  if (!parse_int64(c.arg(2), numkeys)) return w.error(Status::not_integer);
  if (numkeys > static_cast<std::int64_t>(c.argc) - 3) {
    return w.error_text("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return w.error_text("ERR Number of keys can't be negative");
  char sha[41];
  if (by_sha) {
    if (c.arg(1).size() != 40) return w.error_text("NOSCRIPT No matching script. Please use EVAL.");
    for (int i = 0; i < 40; ++i) sha[i] = ascii_lower(c.arg(1)[static_cast<std::size_t>(i)]);
    sha[40] = '\0';
    if (scripts.count(std::string(sha, 40)) == 0) {
      return w.error_text("NOSCRIPT No matching script. Please use EVAL.");
    }
  } else if (!create_function(w, c.arg(1), sha)) {
    return;
  }
  const Script& script = scripts.find(std::string(sha, 40))->second;
  execute(c, script.flags, read_only, static_cast<std::size_t>(numkeys), std::string_view(sha, 40), nullptr);
}

void Scripting::Impl::execute(Context& c, std::uint32_t flags, bool read_only, std::size_t numkeys,
                              std::string_view name, const LuaFunction* fn) {
  Writer& w = c.out;
  // Redis's scriptPrepareForRun.
  const bool oom = engine.settings().maxmemory != 0 && engine.over_memory_limit();
  if (!(flags & kCompatMode)) {
    if (!(flags & kNoWrites) && read_only) {
      return w.error_text("ERR Can not execute a script with write flag using *_ro command.");
    }
    if (!(flags & kNoWrites) && readonly_replica(&c.session)) {
      return w.error_text("READONLY Can not run script with write flag on readonly replica");
    }
    if (!(flags & kNoWrites) && not_enough_replicas()) return w.error(Status::no_replicas);
    if (oom && !(flags & (kAllowOom | kNoWrites))) {
      return w.error_text("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
    }
  }
  if (client == nullptr) {
    client = engine.memory().create<Session>(engine, 0);
    if (client == nullptr) return w.error(Status::oom);
    client->set_peer("lua", "");
    client->set_authenticated(true);
    client->set_in_exec(true);  // blocking commands answer at once, as inside MULTI
    client->set_script_client(true);
  }
  client->select_db(c.session.db_index());
  client->set_protocol(2);
  run = Run{};
  run.caller = &c.session;
  run.keys = c.argv + 3;
  run.nkeys = numkeys;
  run.start_us = engine.clock().now_us();
  run.read_only = read_only || (!(flags & kCompatMode) && (flags & kNoWrites));
  run.allow_oom = !(flags & kCompatMode) && (flags & kAllowOom);
  run.oom_at_start = oom;
  run.function = fn != nullptr;
  run.argv = c.argv;
  run.argc = c.argc;
  run.name.assign(name);

  if (fn != nullptr) L = fn_L;
  lua_settop(L, 0);
  lua_pushcfunction(L, error_handler);
  if (fn != nullptr) {
    // A function gets KEYS and ARGV as its two arguments.
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn->ref);
    for (int table = 0; table < 2; ++table) {
      const std::size_t from = table == 0 ? 3 : 3 + numkeys;
      const std::size_t to = table == 0 ? 3 + numkeys : c.argc;
      lua_createtable(L, static_cast<int>(to - from), 0);
      for (std::size_t j = from; j < to; ++j) {
        lua_pushlstring(L, c.argv[j].data(), c.argv[j].size());
        lua_rawseti(L, -2, static_cast<int>(j - from + 1));
      }
    }
  } else {
    char fname[43] = {'f', '_'};
    std::memcpy(fname + 2, name.data(), 40);
    fname[42] = '\0';
    lua_getfield(L, LUA_REGISTRYINDEX, fname);
    // KEYS and ARGV go into the real globals table, behind the read-only proxy.
    lua_getfield(L, LUA_REGISTRYINDEX, "__microredis_globals");
    for (const char* table : {"KEYS", "ARGV"}) {
      const bool keys = table[0] == 'K';
      const std::size_t from = keys ? 3 : 3 + numkeys;
      const std::size_t to = keys ? 3 + numkeys : c.argc;
      lua_pushstring(L, table);
      lua_createtable(L, static_cast<int>(to - from), 0);
      for (std::size_t j = from; j < to; ++j) {
        lua_pushlstring(L, c.argv[j].data(), c.argv[j].size());
        lua_rawseti(L, -2, static_cast<int>(j - from + 1));
      }
      lua_rawset(L, -3);
    }
    lua_pop(L, 1);
  }

  const bool hook = engine.settings().busy_reply_threshold > 0;
  if (hook) lua_sethook(L, count_hook, LUA_MASKCOUNT, 100000);
  running = true;
  const int rc = lua_pcall(L, fn != nullptr ? 2 : 0, 1, 1);
  running = false;
  if (hook) lua_sethook(L, nullptr, 0, 0);
  if (run.timed_out) engine.end_busy();
  if (++gc_count == 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    gc_count = 0;
  }
  if (rc != 0) {
    if (!lua_istable(L, -1)) {
      const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      std::string text = "ERR Error running script ";
      text.append(run.name).append(", ").append(std::string(msg).substr(0, 100)).append(" ");
      w.error_text(text);
    } else {
      std::string text;
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) text = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "source");
      std::string source = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
      const bool has_source = lua_isstring(L, -1) != 0;
      lua_pop(L, 1);
      lua_getfield(L, -1, "line");
      std::string line = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
      const bool has_line = lua_isstring(L, -1) != 0;
      lua_pop(L, 1);
      if (has_line && has_source) {
        text.append(" script: ").append(run.name).append(", on ").append(source + ":" + line + ".");
      }
      write_script_error(L, -1, w, text);
    }
    lua_settop(L, 0);
  } else {
    reply_from_lua(w, client->protocol(), 0);
    lua_settop(L, 0);
  }
  run.caller = nullptr;
  run.argv = nullptr;
  L = eval_L;
}

// ---------------------------------------------------------------------------------------------
// Functions: libraries (Redis's functions.c and function_lua.c)

namespace {
constexpr struct {
  const char* name;
  std::uint32_t flag;
} kFunctionFlags[] = {{"no-writes", kNoWrites},
                      {"allow-oom", kAllowOom},
                      {"allow-stale", kAllowStale},
                      {"no-cluster", kNoCluster},
                      {"allow-cross-slot-keys", kAllowCrossSlot}};

bool string_at(lua_State* L, int index, std::string& out) {
  if (!lua_isstring(L, index)) return false;
  std::size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  out.assign(s, len);
  return true;
}
}  // namespace

bool Scripting::Impl::register_function() {
  if (loading == nullptr) {
    push_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return false;
  }
  LuaFunction f;
  const char* err = nullptr;
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) {
    err = "wrong number of arguments to redis.register_function";
  } else if (argc == 1) {
    // Named arguments: {function_name=, callback=, flags={...}, description=}.
    if (!lua_istable(L, 1)) {
      err = "calling redis.register_function with a single argument is only applicable to Lua table (representing "
            "named arguments).";
    } else {
      bool have_name = false;
      lua_pushnil(L);
      while (err == nullptr && lua_next(L, 1)) {
        if (!lua_isstring(L, -2)) {
          err = "named argument key given to redis.register_function is not a string";
          break;
        }
        const char* key = lua_tostring(L, -2);
        if (iequals(key, "function_name")) {
          if (!string_at(L, -1, f.name)) err = "function_name argument given to redis.register_function must be a string";
          have_name = true;
        } else if (iequals(key, "description")) {
          if (!string_at(L, -1, f.description)) {
            err = "description argument given to redis.register_function must be a string";
          }
          f.has_description = true;
        } else if (iequals(key, "callback")) {
          if (!lua_isfunction(L, -1)) {
            err = "callback argument given to redis.register_function must be a function";
          } else {
            if (f.ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
            f.ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value
            continue;
          }
        } else if (iequals(key, "flags")) {
          if (!lua_istable(L, -1)) {
            err = "flags argument to redis.register_function must be a table representing function flags";
          } else {
            std::uint32_t flags = 0;
            for (int j = 1; err == nullptr; ++j) {
              lua_rawgeti(L, -1, j);
              if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
              }
              bool found = false;
              if (lua_isstring(L, -1)) {
                const char* name = lua_tostring(L, -1);
                for (const auto& flag : kFunctionFlags) {
                  if (iequals(flag.name, name)) {
                    flags |= flag.flag;
                    found = true;
                  }
                }
              }
              lua_pop(L, 1);
              if (!found) err = "unknown flag given";
            }
            f.flags = flags;
          }
        } else {
          err = "unknown argument given to redis.register_function";
        }
        if (err == nullptr) lua_pop(L, 1);
      }
      if (err == nullptr && !have_name) err = "redis.register_function must get a function name argument";
      if (err == nullptr && f.ref == LUA_NOREF) err = "redis.register_function must get a callback argument";
    }
  } else {
    if (!string_at(L, 1, f.name)) {
      err = "first argument to redis.register_function must be a string";
    } else if (!lua_isfunction(L, 2)) {
      err = "second argument to redis.register_function must be a function";
    } else {
      lua_settop(L, 2);
      f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
  }
  // functionLibCreateFunction's checks.
  if (err == nullptr && !valid_function_name(f.name)) err = kBadFunctionName;
  if (err == nullptr) {
    for (const LuaFunction& other : loading->functions) {
      if (other.name == f.name) err = "Function already exists in the library";
    }
  }
  if (err != nullptr) {
    if (f.ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    lua_settop(L, 0);
    push_error(L, err);
    return false;
  }
  loading->functions.push_back(std::move(f));
  return true;
}

void Scripting::Impl::free_library(LuaLibrary& lib) {
  for (LuaFunction& f : lib.functions) {
    if (f.ref != LUA_NOREF) luaL_unref(fn_L, LUA_REGISTRYINDEX, f.ref);
    f.ref = LUA_NOREF;
  }
}

void Scripting::Impl::unlink_library(LibrarySet& set, LuaLibrary* lib, std::unique_ptr<LuaLibrary>* keep) {
  for (const LuaFunction& f : lib->functions) set.functions.erase(lower(f.name));
  for (auto it = set.libraries.begin(); it != set.libraries.end(); ++it) {
    if (it->get() != lib) continue;
    if (keep != nullptr) {
      *keep = std::move(*it);
    } else {
      free_library(**it);
    }
    set.libraries.erase(it);
    return;
  }
}

void Scripting::Impl::link_library(LibrarySet& set, std::unique_ptr<LuaLibrary> lib) {
  for (std::size_t i = 0; i < lib->functions.size(); ++i) set.functions[lower(lib->functions[i].name)] = {lib.get(), i};
  set.libraries.push_back(std::move(lib));
}

void Scripting::Impl::clear_set(LibrarySet& set) {
  for (auto& lib : set.libraries) free_library(*lib);
  set.libraries.clear();
  set.functions.clear();
}

bool Scripting::Impl::create_library(LibrarySet& set, std::string_view code, bool replace, std::int64_t timeout_ms,
                                     std::string& err, std::string* name_out) {
  Buffer scratch(engine.memory()), error(engine.memory());
  LibraryMetadata md;
  if (!parse_library_metadata(code, scratch, md, error)) {
    err.assign(error.size() == 0 || error.incomplete() ? "out of memory" : error.view());
    return false;
  }
  if (!valid_function_name(md.name)) {
    err = kBadFunctionName;
    return false;
  }
  if (!iequals(md.engine, "lua")) {
    err = "Engine '" + std::string(md.engine) + "' not found";
    return false;
  }
  if (fn_L == nullptr) {
    err = "Engine 'LUA' could not start (out of memory)";
    return false;
  }
  LuaLibrary* old = set.find_library(md.name);
  if (old != nullptr && !replace) {
    err = "Library '" + std::string(md.name) + "' already exists";
    return false;
  }
  auto lib = std::make_unique<LuaLibrary>();
  lib->name.assign(md.name);
  lib->code.assign(code);
  std::unique_ptr<LuaLibrary> old_kept;
  if (old != nullptr) unlink_library(set, old, &old_kept);
  auto restore_old = [&]() {
    if (old_kept) link_library(set, std::move(old_kept));
  };

  lua_State* const saved = L;
  L = fn_L;
  lua_settop(L, 0);
  const std::string_view body = code.substr(md.body_offset);
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    err = "Error compiling function: ";
    err.append(lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_settop(L, 0);
    L = saved;
    restore_old();
    return false;
  }
  use_load_globals(L, true);
  loading = lib.get();
  load_start_us = engine.clock().now_us();
  load_timeout_ms = timeout_ms;
  lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
  const int rc = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  loading = nullptr;
  use_load_globals(L, false);
  if (rc != 0) {
    // luaExtractErrorInformation: a string is "ERR <it>", a table its err field.
    std::string msg;
    if (lua_isstring(L, -1)) {
      msg = "ERR ";
      msg.append(lua_tostring(L, -1));
    } else if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    err = "Error registering functions: " + msg;
  } else if (lib->functions.empty()) {
    err = "No functions registered";
  } else {
    for (const LuaFunction& f : lib->functions) {
      if (set.functions.count(lower(f.name)) != 0) {
        err = "Function " + f.name + " already exists";
        break;
      }
    }
  }
  lua_settop(L, 0);
  L = saved;
  if (!err.empty()) {
    free_library(*lib);
    restore_old();
    return false;
  }
  if (old_kept) free_library(*old_kept);
  if (name_out != nullptr) *name_out = lib->name;
  link_library(set, std::move(lib));
  return true;
}

// libraryJoin: src's libraries move into dst, all or none.
bool Scripting::Impl::join(LibrarySet& dst, LibrarySet& src, bool replace, std::string& err) {
  std::vector<std::unique_ptr<LuaLibrary>> replaced;
  for (const auto& lib : src.libraries) {
    LuaLibrary* old = dst.find_library(lib->name);
    if (old == nullptr) continue;
    if (!replace) {
      err = "Library " + lib->name + " already exists";
      break;
    }
    replaced.emplace_back();
    unlink_library(dst, old, &replaced.back());
  }
  if (err.empty()) {
    for (const auto& [name, where] : src.functions) {
      if (dst.functions.count(name) != 0) {
        err = "Function " + where.first->functions[where.second].name + " already exists";
        break;
      }
    }
  }
  if (!err.empty()) {
    for (auto& lib : replaced) link_library(dst, std::move(lib));
    return false;
  }
  for (auto& lib : replaced) free_library(*lib);
  for (auto& lib : src.libraries) link_library(dst, std::move(lib));
  src.libraries.clear();
  src.functions.clear();
  return true;
}

const LuaFunction* Scripting::Impl::find_function(std::string_view name) const {
  auto it = libs.functions.find(lower(name));
  if (it == libs.functions.end()) return nullptr;
  return &it->second.first->functions[it->second.second];
}

// scriptKill: SCRIPT KILL (function = false) and FUNCTION KILL each stop only their own kind.
void Scripting::Impl::kill(Context& c, bool function) {
  if (!running) return c.out.error(Status::function_not_busy);
  if (run.wrote) {
    return c.out.error_text(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the "
        "script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
  }
  if (run.function && !function) return c.out.error(Status::busy_function);
  if (!run.function && function) return c.out.error(Status::busy_script);
  run.killed = true;
  c.out.ok();
}

void Scripting::Impl::fcall(Context& c, bool read_only) {
  const LuaFunction* fn = find_function(c.arg(1));
  if (fn == nullptr) return c.out.error(Status::function_not_found);
  std::int64_t numkeys = 0;
  if (!parse_int64(c.arg(2), numkeys)) return c.out.error_text("ERR Bad number of keys provided");
  if (numkeys > static_cast<std::int64_t>(c.argc) - 3) {
    return c.out.error_text("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return c.out.error_text("ERR Number of keys can't be negative");
  if (running) return c.out.error(Status::busy_function);  // (not reachable: FCALL is not allow-busy)
  execute(c, fn->flags, read_only, static_cast<std::size_t>(numkeys), fn->name, fn);
}

void Scripting::Impl::function_list(Context& c) {
  bool with_code = false;
  std::string_view pattern;
  bool has_pattern = false;
  for (std::size_t i = 2; i < c.argc; ++i) {  // checked by the core
    if (iequals(c.arg(i), "WITHCODE")) {
      with_code = true;
    } else {
      pattern = c.arg(++i);
      has_pattern = true;
    }
  }
  Writer& w = c.out;
  const Writer::Deferred d = w.defer();
  std::size_t n = 0;
  for (const auto& lib : libs.libraries) {
    if (has_pattern && !glob_match(pattern, lib->name, true)) continue;
    ++n;
    w.map(with_code ? 4 : 3);
    w.bulk("library_name");
    w.bulk(lib->name);
    w.bulk("engine");
    w.bulk("LUA");
    w.bulk("functions");
    w.array(lib->functions.size());
    for (const LuaFunction& f : lib->functions) {
      w.map(3);
      w.bulk("name");
      w.bulk(f.name);
      w.bulk("description");
      if (f.has_description) {
        w.bulk(f.description);
      } else {
        w.null();
      }
      w.bulk("flags");
      std::size_t count = 0;
      for (const auto& flag : kFunctionFlags) count += (f.flags & flag.flag) ? 1 : 0;
      w.set(count);
      for (const auto& flag : kFunctionFlags) {
        if (f.flags & flag.flag) w.simple(flag.name);
      }
    }
    if (with_code) {
      w.bulk("library_code");
      w.bulk(lib->code);
    }
  }
  w.end_array(d, n);
}

void Scripting::Impl::function_stats(Context& c) {
  Writer& w = c.out;
  if (running && !run.function) return w.error(Status::busy_script);
  w.map(2);
  w.bulk("running_script");
  if (!running) {
    w.null();
  } else {
    w.map(3);
    w.bulk("name");
    w.bulk(run.name);
    w.bulk("command");
    w.array(run.argc);
    for (std::size_t i = 0; i < run.argc; ++i) w.bulk(run.argv[i]);
    w.bulk("duration_ms");
    w.integer((engine.clock().now_us() - run.start_us) / 1000);
  }
  w.bulk("engines");
  w.map(1);
  w.bulk("LUA");
  w.map(2);
  w.bulk("libraries_count");
  w.integer(static_cast<std::int64_t>(libs.libraries.size()));
  w.bulk("functions_count");
  w.integer(static_cast<std::int64_t>(libs.functions.size()));
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (the policy and the footer checked by the core).
void Scripting::Impl::function_restore(Context& c) {
  const std::string_view payload = c.arg(2);
  const bool flush_first = c.argc == 4 && iequals(c.arg(3), "FLUSH");
  const bool replace = c.argc == 4 && iequals(c.arg(3), "REPLACE");
  LibrarySet loaded;
  std::string err;
  rdb::Reader in(payload.data(), payload.size() - 10);
  Buffer scratch(engine.memory());
  while (err.empty() && in.left() > 0) {
    std::uint8_t type;
    if (!in.byte(type)) {
      err = "can not read data type";
      break;
    }
    if (type != rdb::kOpFunction2) {
      err = "given type is not a function";
      break;
    }
    std::string_view code;
    if (in.string(scratch, engine.settings().proto_max_bulk_len, code) != rdb::LoadResult::ok) {
      err = "Failed loading library payload";
      break;
    }
    const std::string copy(code);
    if (!create_library(loaded, copy, false, 0, err, nullptr) && err.empty()) err = "Failed creating the library";
  }
  if (err.empty()) {
    if (flush_first) {
      clear_set(libs);
      for (auto& lib : loaded.libraries) link_library(libs, std::move(lib));
      loaded.libraries.clear();
      loaded.functions.clear();
    } else {
      (void)join(libs, loaded, replace, err);
    }
  }
  clear_set(loaded);
  if (!err.empty()) return c.out.error_text("ERR " + err);
  c.engine.add_dirty(1);
  c.out.ok();
}

void Scripting::Impl::command(Context& c, Op op) {
  switch (op) {
    case Op::load: {
      std::string err, name;
      // The AOF's FUNCTION LOAD has no time limit (Redis's mustObeyClient).
      const std::int64_t timeout = c.engine.replication().loading ? 0 : 500;
      const bool replace = c.argc == 4;
      if (!create_library(libs, c.arg(c.argc - 1), replace, timeout, err, &name)) {
        return c.out.error_text("ERR " + err);
      }
      c.engine.add_dirty(1);
      return c.out.bulk(name);
    }
    case Op::delete_library: {
      LuaLibrary* lib = libs.find_library(c.arg(2));
      if (lib == nullptr) return c.out.error(Status::function_no_library);
      unlink_library(libs, lib, nullptr);
      c.engine.add_dirty(1);
      return c.out.ok();
    }
    case Op::flush:
      clear_set(libs);
      c.engine.add_dirty(1);
      return c.out.ok();
    case Op::list:
      return function_list(c);
    case Op::stats:
      return function_stats(c);
    case Op::kill:
      return kill(c, true);
    case Op::dump: {
      Buffer payload(engine.memory());
      if (!save(payload)) return c.out.error(Status::oom);
      const std::uint8_t ver[2] = {rdb::kVersion & 0xff, (rdb::kVersion >> 8) & 0xff};
      if (!payload.append(ver, 2)) return c.out.error(Status::oom);
      std::uint64_t crc = rdb::crc64(0, payload.data(), payload.size());
      char le[8];
      for (int b = 0; b < 8; ++b) le[b] = static_cast<char>((crc >> (8 * b)) & 0xff);
      if (!payload.append(le, 8)) return c.out.error(Status::oom);
      return c.out.bulk(payload.view());
    }
    case Op::restore:
      return function_restore(c);
    case Op::fcall:
      return fcall(c, false);
    case Op::fcall_ro:
      return fcall(c, true);
  }
}

// Redis's scriptFlagsToCmdFlags.
inline std::uint32_t script_command_flags(std::uint32_t flags, std::uint32_t script_flags) {
  flags &= ~(kStale | kDenyOom | kWrite | kMayReplicate);
  if (!(script_flags & (kAllowOom | kNoWrites))) flags |= kDenyOom;
  if (!(script_flags & kNoWrites)) flags |= kWrite;
  if (script_flags & kAllowStale) flags |= kStale;
  return flags;
}

std::uint32_t Scripting::Impl::call_flags(std::uint32_t spec_flags, std::string_view name) const {
  const LuaFunction* fn = find_function(name);
  return fn == nullptr ? spec_flags : script_command_flags(spec_flags, fn->flags);
}

bool Scripting::Impl::save(Buffer& out) const {
  rdb::Saver s(engine.memory(), out);
  for (const auto& lib : libs.libraries) {
    if (!s.byte(rdb::kOpFunction2) || !s.string(lib->code)) return false;
  }
  return true;
}

bool Scripting::Impl::load(std::string_view code, bool replace) {
  std::string err;
  return create_library(libs, code, replace, 0, err, nullptr);
}

void Scripting::Impl::flush() { clear_set(libs); }

FunctionHost::Stats Scripting::Impl::stats() const {
  Stats st;
  st.libraries = libs.libraries.size();
  st.functions = libs.functions.size();
  if (fn_L != nullptr) {
    st.vm_memory = static_cast<std::size_t>(lua_gc(fn_L, LUA_GCCOUNT, 0)) * 1024 +
                   static_cast<std::size_t>(lua_gc(fn_L, LUA_GCCOUNTB, 0));
  }
  // The registry's own structures, as Redis's functionsMemoryOverhead counts them.
  st.overhead = sizeof(LibrarySet);
  for (const auto& lib : libs.libraries) {
    st.overhead += sizeof(LuaLibrary) + lib->name.capacity() + lib->code.capacity();
    for (const LuaFunction& f : lib->functions) {
      st.overhead += sizeof(LuaFunction) + f.name.capacity() + f.description.capacity() + 2 * sizeof(void*);
    }
  }
  st.cached_scripts = scripts.size();
  if (eval_L != nullptr) {
    st.eval_vm_memory = static_cast<std::size_t>(lua_gc(eval_L, LUA_GCCOUNT, 0)) * 1024 +
                        static_cast<std::size_t>(lua_gc(eval_L, LUA_GCCOUNTB, 0));
  }
  // The cache's entries: the sha, the body and the map node (Redis's evalScriptsMemory).
  for (const auto& [sha, script] : scripts) {
    st.eval_overhead += sizeof(std::pair<const std::string, Script>) + 2 * sizeof(void*) + sha.capacity() +
                        script.body.capacity();
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// Command handlers

namespace {

template <int I>
Scripting::Impl& top_owner(Context& c) {
  return *reinterpret_cast<const Scripting::Impl::TopSpecs*>(c.cmd.spec - I)->owner;
}
template <int I>
Scripting::Impl& sub_owner(Context& c) {
  return *reinterpret_cast<const Scripting::Impl::ScriptSpecs*>(c.cmd.spec - I)->owner;
}

void eval_cmd(Context& c) { top_owner<0>(c).eval(c, false, false); }
void evalsha_cmd(Context& c) { top_owner<1>(c).eval(c, true, false); }
void eval_ro_cmd(Context& c) { top_owner<2>(c).eval(c, false, true); }
void evalsha_ro_cmd(Context& c) { top_owner<3>(c).eval(c, true, true); }

void script_load(Context& c) {
  Scripting::Impl& impl = sub_owner<0>(c);
  char sha[41];
  if (impl.create_function(c.out, c.arg(2), sha)) c.out.bulk({sha, 40});
}

void script_exists(Context& c) {
  Scripting::Impl& impl = sub_owner<1>(c);
  c.out.array(c.argc - 2);
  for (std::size_t j = 2; j < c.argc; ++j) {
    std::string sha(c.arg(j));
    for (char& ch : sha) ch = ascii_lower(ch);
    c.out.integer(impl.scripts.count(sha) != 0 ? 1 : 0);
  }
}

void script_flush(Context& c) {
  Scripting::Impl& impl = sub_owner<2>(c);
  if (c.argc == 3 && !iequals(c.arg(2), "sync") && !iequals(c.arg(2), "async")) {
    return c.out.error_text("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  if (c.argc > 3) return c.out.error_text("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  impl.reset_lua();  // ASYNC frees at once too: nothing here is slow enough to defer
  c.out.ok();
}

void script_kill(Context& c) { sub_owner<3>(c).kill(c, false); }

void script_help(Context& c) {
  c.reply_help({"EXISTS <sha1> [<sha1> ...]",
                "    Return information about the existence of the scripts in the script cache.",
                "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
                "    When called without the optional mode argument, the behavior is determined by the",
                "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
                "    * ASYNC: Asynchronously flush the scripts cache.",
                "    * SYNC: Synchronously flush the scripts cache.", "KILL",
                "    Kill the currently executing Lua script.", "LOAD <script>",
                "    Load a script into the scripts cache without executing it."});
}

// Redis's evalGetCommandFlags: a script with a shebang replaces EVAL's write, deny-oom, stale and
// may-replicate flags with what its flags say (so CLIENT PAUSE WRITE lets a no-writes script run).
template <int I, bool BySha>
std::uint32_t eval_flags(const Engine&, const CommandSpec& spec, const std::string_view* argv, std::size_t argc) {
  std::uint32_t flags = spec.flags;
  if (argc < 2 || (BySha && argv[1].size() != 40)) return flags;
  const Scripting::Impl& impl = *reinterpret_cast<const Scripting::Impl::TopSpecs*>(&spec - I)->owner;
  std::uint32_t script_flags = kCompatMode;
  std::string sha;
  if (BySha) {
    sha.assign(argv[1]);
    for (char& ch : sha) ch = ascii_lower(ch);
  } else {
    char hex[41];
    sha1_hex(argv[1], hex);
    sha.assign(hex, 40);
  }
  auto it = impl.scripts.find(sha);
  if (it != impl.scripts.end()) {
    script_flags = it->second.flags;
  } else {
    std::size_t shebang_len = 0;
    std::string err;
    if (BySha || !parse_shebang(argv[1], script_flags, shebang_len, err)) return flags;
  }
  if (script_flags & kCompatMode) return flags;
  return script_command_flags(flags, script_flags);
}

// EVAL script numkeys [key ...] [arg ...]: the keys are the numkeys arguments after numkeys.
std::size_t eval_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  std::int64_t n = 0;
  if (argc < 3 || !parse_int64(argv[2], n) || n <= 0 || static_cast<std::size_t>(n) > argc - 3) return 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n) && count < cap; ++i) out[count++] = 3 + i;
  return count;
}

constexpr std::uint32_t kEvalFlags = kNoscript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale |
                                     kMovableKeys | kScriptKeys;
constexpr std::uint32_t kEvalRoFlags = kNoscript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadonly |
                                       kMovableKeys | kScriptKeys;
constexpr char kEvalSyntax[] = "script numkeys [key [key ...]] [arg [arg ...]]";
constexpr char kEvalShaSyntax[] = "sha1 numkeys [key [key ...]] [arg [arg ...]]";
constexpr char kDepends[] = "Depends on the script that is executed.";

}  // namespace

// ---------------------------------------------------------------------------------------------

Scripting::Scripting(Engine& engine) : impl_(std::make_unique<Impl>(engine)) {
  Impl& m = *impl_;
  if (!m.start()) return;
  m.eval_L = m.L;
  m.L = nullptr;
  if (m.start_functions()) m.fn_L = m.L;
  m.L = m.eval_L;
  m.script_subs.owner = &m;
  m.script_subs.specs[0] = {"script|load", 3, kNoscript | kStale, 0, 0, 0, script_load, "scripting",
                            "Loads a server-side Lua script to the script cache.", "2.6.0",
                            "O(N) with N being the length in bytes of the script body.", "script", kAclScripting};
  m.script_subs.specs[1] = {"script|exists", -3, kNoscript, 0, 0, 0, script_exists, "scripting",
                            "Determines whether server-side Lua scripts exist in the script cache.", "2.6.0",
                            "O(N) with N being the number of scripts to check.", "sha1 [sha1 ...]", kAclScripting};
  m.script_subs.specs[2] = {"script|flush", -2, kNoscript, 0, 0, 0, script_flush, "scripting",
                            "Removes all server-side Lua scripts from the script cache.", "2.6.0",
                            "O(N) with N being the number of scripts in cache", "[ASYNC | SYNC]", kAclScripting};
  m.script_subs.specs[3] = {"script|kill", 2, kNoscript | kAllowBusy, 0, 0, 0, script_kill, "scripting",
                            "Terminates a server-side Lua script during execution.", "2.6.0", "O(1)", "",
                            kAclScripting};
  m.script_subs.specs[4] = {"script|help", 2, kLoading | kStale, 0, 0, 0, script_help, "scripting",
                            "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", "",
                            kAclScripting};
  m.top.owner = &m;
  m.top.specs[0] = {"eval", -3, kEvalFlags, 0, 0, 0, eval_cmd, "scripting", "Executes a server-side Lua script.",
                    "2.6.0", kDepends, kEvalSyntax, kAclScripting, nullptr, 0, eval_keys, eval_flags<0, false>};
  m.top.specs[1] = {"evalsha", -3, kEvalFlags, 0, 0, 0, evalsha_cmd, "scripting",
                    "Executes a server-side Lua script by SHA1 digest.", "2.6.0", kDepends, kEvalShaSyntax,
                    kAclScripting, nullptr, 0, eval_keys, eval_flags<1, true>};
  m.top.specs[2] = {"eval_ro", -3, kEvalRoFlags, 0, 0, 0, eval_ro_cmd, "scripting",
                    "Executes a read-only server-side Lua script.", "7.0.0", kDepends, kEvalSyntax, kAclScripting,
                    nullptr, 0, eval_keys, eval_flags<2, false>};
  m.top.specs[3] = {"evalsha_ro", -3, kEvalRoFlags, 0, 0, 0, evalsha_ro_cmd, "scripting",
                    "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0", kDepends, kEvalShaSyntax,
                    kAclScripting, nullptr, 0, eval_keys, eval_flags<3, true>};
  m.top.specs[4] = {"script", -2, 0, 0, 0, 0, nullptr, "scripting", "A container for Lua scripts management commands.",
                    "2.6.0", "Depends on subcommand.", "", 0, m.script_subs.specs, 5};
  m.registered = engine.add_commands(m.top.specs, 5);
  // FUNCTION and FCALL are the core's commands: they reach the libraries through the host.
  if (m.registered && m.fn_L != nullptr && engine.function_host() == nullptr) engine.set_function_host(&m);
}

Scripting::~Scripting() = default;

bool Scripting::ok() const { return impl_->registered; }

void Scripting::set_log_sink(LogSink fn, void* ctx, LogLevel min_level) {
  impl_->log_sink = fn;
  impl_->log_ctx = ctx;
  impl_->log_min = min_level;
}

std::size_t Scripting::script_count() const { return impl_->scripts.size(); }

bool Scripting::running() const { return impl_->running; }

}  // namespace microredis::lua
