// The declarative command table. Each command family file opens with an array of CommandSpec
// (name, arity, flags, key positions, handler, docs) and registers it; dispatch, COMMAND, COMMAND
// DOCS, ACL categories and the README coverage table all read these arrays. Runtime statistics
// live in the engine, indexed by CommandId, never in the specs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "memory.hpp"
#include "resp/writer.hpp"
#include "spec_text.hpp"
#include "status.hpp"
#include "store/object.hpp"
#include "util/strconv.hpp"

namespace microredis {

class Engine;
class Session;
class Db;
struct Context;

// Command flags as COMMAND INFO names them.
enum CommandFlag : std::uint32_t {
  kWrite = 1u << 0,
  kReadonly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubsub = 1u << 4,
  kNoscript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kFast = 1u << 11,
  kNoAuth = 1u << 12,
  kMayReplicate = 1u << 13,
  kNoMandatoryKeys = 1u << 14,
  kNoMulti = 1u << 15,
  kMovableKeys = 1u << 16,
  kAllowBusy = 1u << 17,
  kNoAsyncLoading = 1u << 18,
  // microredis-internal, not a Redis flag: runs at once inside MULTI instead of being queued
  // (MULTI EXEC DISCARD WATCH QUIT RESET). COMMAND INFO does not show it.
  kTransactionControl = 1u << 19,
  // microredis-internal: allowed in a RESP2 session's subscribed context ((P|S)SUBSCRIBE,
  // (P|S)UNSUBSCRIBE, PING, QUIT, RESET).
  kSubscribedContext = 1u << 20,
  // Redis's "asking" (RESTORE-ASKING): accepted from a client in ASKING state during a slot
  // migration; without cluster mode, a flag COMMAND INFO shows.
  kAsking = 1u << 21,
  // microredis-internal: the key arguments are a script's declared keys (EVAL_RO, EVALSHA_RO):
  // client-side caching remembers them when the script reads, not for the command itself.
  kScriptKeys = 1u << 22,
};

// ACL categories beyond those implied by flags (write -> @write, fast -> @fast, ...).
enum AclCategory : std::uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubsub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};

// Keyspace event classes, as the letters of notify-keyspace-events name them.
enum NotifyClass : std::uint32_t {
  kNotifyKeyspace = 1u << 0,   // K
  kNotifyKeyevent = 1u << 1,   // E
  kNotifyGeneric = 1u << 2,    // g
  kNotifyString = 1u << 3,     // $
  kNotifyList = 1u << 4,       // l
  kNotifySet = 1u << 5,        // s
  kNotifyHash = 1u << 6,       // h
  kNotifyZset = 1u << 7,       // z
  kNotifyExpired = 1u << 8,    // x
  kNotifyEvicted = 1u << 9,    // e
  kNotifyStream = 1u << 10,    // t
  kNotifyKeyMiss = 1u << 11,   // m
  kNotifyModule = 1u << 12,    // d
  kNotifyNew = 1u << 13,       // n
};

// Defined in blocking.hpp (which needs this header).
enum class TimeoutReply : std::uint8_t;

using CommandHandler = void (*)(Context&);
struct CommandSpec;
// For commands whose flags depend on their arguments (EVAL of a script with a shebang: Redis's
// getCommandFlags): the flags for these arguments. The engine asks only where it decides on flags
// beyond dispatch's hot path: CLIENT PAUSE, the OOM check, a transaction's flags.
using GetFlagsFunction = std::uint32_t (*)(const Engine& engine, const CommandSpec& spec, const std::string_view* argv,
                                           std::size_t argc);
// For commands whose keys are not a fixed range (movable keys): writes key argument indexes into
// out (at most cap) and returns how many there are.
using GetKeysFunction = std::size_t (*)(const std::string_view* argv, std::size_t argc, std::size_t* out,
                                        std::size_t cap);

// One command's declarative data. Built by the constructor below from the table rows of the
// command files ({"get", 2, kReadonly | kFast, 1, 1, 1, get, "string", "Returns ...", "1.0.0",
// "O(1)", "key", kAclString}), and stored packed: the texts as NUL-terminated pointers (the name's
// length kept beside it, for dispatch), the counts and key positions in bytes. 48 bytes per
// command on a 32-bit target where string_views and full-width fields took 84: ~12 KB of flash
// over the ~330 commands and subcommands. Texts must outlive the spec and be NUL-terminated
// (string literals, or std::string's data for the in-process registry).
struct CommandSpec {
  constexpr CommandSpec() = default;
  constexpr CommandSpec(SpecText name_text, int arity_value, std::uint32_t flag_bits, int first, int last, int step,
                        CommandHandler handler_fn, SpecText group_text, SpecText summary_text, SpecText since_text,
                        DocText complexity_text, DocText syntax_text = {}, std::uint32_t acl_bits = 0,
                        const CommandSpec* subcommand_array = nullptr, std::size_t subcommand_array_size = 0,
                        GetKeysFunction get_keys_fn = nullptr, GetFlagsFunction get_flags_fn = nullptr)
      : name_(name_text.data()),
        handler(handler_fn),
        group_(group_text.data()),
        summary_(summary_text.data()),
        since_(since_text.data()),
        complexity_(complexity_text.empty() ? nullptr : complexity_text.data()),
        syntax_(syntax_text.empty() ? nullptr : syntax_text.data()),
        subcommands(subcommand_array),
        get_keys(get_keys_fn),
        get_flags(get_flags_fn),
        flags(flag_bits),
        acl(acl_bits),
        arity(static_cast<std::int8_t>(arity_value)),
        first_key(static_cast<std::int8_t>(first)),
        last_key(static_cast<std::int8_t>(last)),
        key_step(static_cast<std::int8_t>(step)),
        name_size_(static_cast<std::uint8_t>(name_text.size())),
        subcommand_count(static_cast<std::uint8_t>(subcommand_array_size)) {}

  // Lower case; "client|setname" for a subcommand.
  constexpr std::string_view name() const { return {name_, name_size_}; }
  // "string", "generic", "server", "connection", ...
  std::string_view group() const { return text(group_); }
  std::string_view summary() const { return text(summary_); }
  std::string_view since() const { return text(since_); }
  // Empty without MICROREDIS_WITH_COMMAND_DOCS.
  std::string_view complexity() const { return text(complexity_); }
  // The argument grammar, as in Redis's docs: "key value [NX | XX] [EX seconds | PX milliseconds]".
  // COMMAND DOCS derives its argument tree from it. Empty without MICROREDIS_WITH_COMMAND_DOCS.
  std::string_view syntax() const { return text(syntax_); }

 private:
  static constexpr std::string_view text(const char* s) { return s == nullptr ? std::string_view() : s; }
  const char* name_ = "";

 public:
  CommandHandler handler = nullptr;  // nullptr for a container: dispatch always resolves its subcommand

 private:
  const char* group_ = nullptr;
  const char* summary_ = nullptr;
  const char* since_ = nullptr;
  const char* complexity_ = nullptr;
  const char* syntax_ = nullptr;

 public:
  const CommandSpec* subcommands = nullptr;  // a container command (CLIENT, CONFIG, OBJECT, ...)
  GetKeysFunction get_keys = nullptr;
  GetFlagsFunction get_flags = nullptr;
  std::uint32_t flags = 0;
  std::uint32_t acl = 0;
  std::int8_t arity = 0;      // Redis's convention: -N means "at least N" (the name counts)
  std::int8_t first_key = 0;  // 0: no keys
  std::int8_t last_key = 0;   // negative: counted from the end (-1 = last argument)
  std::int8_t key_step = 0;

 private:
  std::uint8_t name_size_ = 0;

 public:
  std::uint8_t subcommand_count = 0;
};

// The spec's flags, or what its get_flags says for these arguments.
inline std::uint32_t command_flags(const Engine& engine, const CommandSpec& spec, const std::string_view* argv,
                                   std::size_t argc) {
  return spec.get_flags == nullptr ? spec.flags : spec.get_flags(engine, spec, argv, argc);
}

// The full name as errors and COMMAND show it: "get", "client|setname".
inline std::string_view full_name(const CommandSpec& c) { return c.name(); }

using CommandId = std::uint32_t;

struct CommandRef {
  const CommandSpec* spec = nullptr;
  CommandId id = 0;
  explicit operator bool() const { return spec != nullptr; }
};

// All commands an engine knows, with case-insensitive lookup. Specs are not copied: they must
// outlive the table (the built-in ones are static arrays).
class CommandTable {
 public:
  explicit CommandTable(Memory& mem) : commands_(mem), index_(mem) {}

  // Adds top-level commands (and, for containers, their subcommands). False when out of memory or
  // when a name is already taken.
  bool add(const CommandSpec* specs, std::size_t count);
  template <std::size_t N>
  bool add(const CommandSpec (&specs)[N]) {
    return add(specs, N);
  }

  CommandRef find(std::string_view name) const;
  // The subcommand of a container, or an empty ref.
  CommandRef find_subcommand(CommandRef container, std::string_view name) const;
  // Resolves "container|sub" names as COMMAND INFO accepts them.
  CommandRef find_full(std::string_view name) const;

  std::size_t size() const { return commands_.size(); }  // top-level commands
  CommandRef at(std::size_t i) const { return commands_[i]; }
  // Number of ids handed out (top-level commands plus subcommands): sizes the stats arrays.
  CommandId id_count() const { return next_id_; }

 private:
  bool rebuild_index(std::size_t capacity);
  static std::uint64_t name_hash(std::string_view s);

  Vec<CommandRef> commands_;
  Vec<std::uint32_t> index_;  // open addressing over commands_; 0 = empty, else position + 1
  CommandId next_id_ = 0;
};

// Per-command counters (INFO commandstats).
struct CommandStats {
  std::uint64_t calls = 0;
  std::uint64_t usec = 0;
  std::uint64_t rejected_calls = 0;
  std::uint64_t failed_calls = 0;
};

// What a handler sees: its arguments, the session and database it runs for, and the writer.
struct Context {
  Engine& engine;
  Session& session;
  Db& db;
  Writer& out;
  const std::string_view* argv;
  std::size_t argc;
  CommandRef cmd;
  // Arguments MONITOR shows as "(redacted)" (bit i: argument i), as Redis hides passwords.
  std::uint64_t redacted = 0;
  // The command's own arguments are not propagated (prevent_propagation, propagate_as).
  bool propagation_prevented = false;
  // Propagated even if it changed nothing (FLUSHALL/FLUSHDB on empty databases).
  bool propagation_forced = false;
  // ... to replicas only, not the AOF (PUBLISH: Redis's forceCommandPropagation(PROPAGATE_REPL)).
  bool propagation_replicas_only = false;

  std::string_view arg(std::size_t i) const { return argv[i]; }
  void redact(std::size_t i) {
    if (i < 64) redacted |= std::uint64_t{1} << i;
  }
  std::int64_t now_ms() const;
  std::int64_t now_us() const;
  Memory& mem() const;

  // Parses a blocking command's timeout (seconds, decimals allowed, 0 = none) into an absolute
  // deadline on the engine clock (0 = none). false after replying Redis's error.
  bool parse_timeout(std::string_view arg, std::int64_t& deadline_us) const;
  // Blocks the session on keys[0..n) until one of them gets data or the deadline passes; the
  // command then runs again (see blocking.hpp). Inside EXEC, blocking commands do not block: the
  // timeout reply is written at once. The handler writes nothing after calling this.
  void block_on_keys(const std::string_view* keys, std::size_t n, std::int64_t deadline_us, TimeoutReply reply,
                     ValueType wait_type) const;

  // Propagation (replication.hpp). propagating(): a replica or the AOF listens — handlers that
  // rewrite test it first, so that nothing is formatted when nobody listens.
  bool propagating() const;  // defined in engine.hpp
  // Propagate these arguments instead of the command's own (Redis's rewriteClientCommandVector),
  // in the session's current database; call it only when the command changed the dataset.
  void propagate_as(std::initializer_list<std::string_view> args);
  void propagate_as(const std::string_view* args, std::size_t n);
  // Propagate an extra command (before the command's own, as Redis's alsoPropagate).
  void also_propagate(std::initializer_list<std::string_view> args) const;
  void also_propagate(const std::string_view* args, std::size_t n) const;
  // The command's own arguments are not propagated (what also_propagate recorded still is).
  void prevent_propagation() { propagation_prevented = true; }
  void force_propagation() { propagation_forced = true; }
  void force_propagation_to_replicas() { propagation_forced = propagation_replicas_only = true; }

  // The reply of a container's HELP subcommand: a header naming the command, the given lines, and
  // the HELP line itself, all as simple strings (Redis's addReplyHelp).
  void reply_help(std::initializer_list<std::string_view> lines) const;

  // The live entry for key, for a command that reads it: counts keyspace hits and misses.
  Entry* read_key(std::string_view key) const;
  // The live entry for key, for a command about to modify it (no hit/miss statistics).
  Entry* write_key(std::string_view key) const;
  // False, after replying WRONGTYPE, when e exists with another type.
  bool check_type(const Entry* e, ValueType t) const;
  // Every write to a key calls modified(): it invalidates WATCH and client-side caches and counts
  // towards the dirty counter. The db defaults to the session's.
  void modified(std::string_view key) const;
  void modified(Db& in, std::string_view key) const;
  // A keyspace event ("set", "del", "expire", ...) of a class; published when notify-keyspace-events
  // enables that class.
  void notify(NotifyClass cls, std::string_view event, std::string_view key) const;
  void notify(Db& in, NotifyClass cls, std::string_view event, std::string_view key) const;
};

// Positions of a command's key arguments (its key range, or its get_keys function), at most cap.
std::size_t command_key_positions(const CommandSpec& spec, const std::string_view* argv, std::size_t argc,
                                  std::size_t* out, std::size_t cap);

// For the blocking commands: whether one of keys (checked in order) holds a value of type t —
// aggregates are never empty in the keyspace — or is of another type, for which WRONGTYPE has been
// replied, as Redis checks them.
enum class KeyReadiness : std::uint8_t { ready, none, wrong_type };
KeyReadiness first_ready_key(const Context& c, const std::string_view* keys, std::size_t n, ValueType t);

// Reads command arguments left to right and latches the first error, so option loops stay flat:
//   ArgReader r(ctx, 3);
//   while (r.more()) { if (r.match("NX")) nx = true; else if (r.match("EX")) ex = r.int64(); else r.fail(); }
//   if (!r) return r.reply_error(ctx.out);
class ArgReader {
 public:
  ArgReader(const Context& ctx, std::size_t start) : argv_(ctx.argv), argc_(ctx.argc), pos_(start) {}
  ArgReader(const std::string_view* argv, std::size_t argc, std::size_t start)
      : argv_(argv), argc_(argc), pos_(start) {}

  bool more() const { return ok() && pos_ < argc_; }
  std::size_t remaining() const { return pos_ < argc_ ? argc_ - pos_ : 0; }
  std::size_t position() const { return pos_; }
  bool ok() const { return status_ == Status::ok; }
  explicit operator bool() const { return ok(); }
  Status status() const { return status_; }

  // Consumes the next argument if it equals keyword (ASCII case-insensitive).
  bool match(std::string_view keyword) {
    if (!more() || !iequals(argv_[pos_], keyword)) return false;
    ++pos_;
    return true;
  }
  bool peek(std::string_view keyword) const { return more() && iequals(argv_[pos_], keyword); }
  // The next argument; a syntax error if there is none.
  std::string_view next() {
    if (!ok()) return {};
    if (pos_ >= argc_) {
      fail(Status::syntax);
      return {};
    }
    return argv_[pos_++];
  }
  // The next argument as an integer; `err` when it is not one (or is out of [lo, hi]).
  std::int64_t int64(Status err = Status::not_integer, std::int64_t lo = INT64_MIN, std::int64_t hi = INT64_MAX) {
    std::string_view s = next();
    std::int64_t v = 0;
    if (ok() && (!parse_int64(s, v) || v < lo || v > hi)) fail(err);
    return v;
  }
  double float64(Status err = Status::not_float) {
    std::string_view s = next();
    double v = 0;
    if (ok() && !parse_double(s, v)) fail(err);
    return v;
  }
  // Latches err (the first failure wins).
  void fail(Status err = Status::syntax) {
    if (status_ == Status::ok) status_ = err;
  }
  void reply_error(Writer& out) const { out.error(status_); }

 private:
  const std::string_view* argv_;
  std::size_t argc_;
  std::size_t pos_;
  Status status_ = Status::ok;
};

}  // namespace microredis
