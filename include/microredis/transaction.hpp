// MULTI/EXEC state of one session, and the WATCH registry of one engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "argv_store.hpp"
#include "command.hpp"
#include "memory.hpp"
#include "key_waiters.hpp"

namespace microredis {

class Session;
class Db;

// Commands queued between MULTI and EXEC, their arguments copied out of the query buffer.
class Transaction {
 public:
  explicit Transaction(Memory& mem) : commands_(mem), args_(mem) {}

  bool active() const { return active_; }
  // An error while queueing (unknown command, arity, ...) makes EXEC fail with EXECABORT.
  bool aborted() const { return aborted_; }
  void begin() { active_ = true; }
  void flag_error() {
    if (active_) aborted_ = true;
  }
  [[nodiscard]] bool queue(CommandRef cmd, const std::string_view* argv, std::size_t argc, std::uint32_t flags);
  std::size_t size() const { return commands_.size(); }
  // The union of the queued commands' flags (EXEC is refused on OOM if any is denyoom).
  std::uint32_t flags() const { return flags_; }
  // The union of the flags the queued commands lack (EXEC is refused on a stale replica if one
  // is not flagged stale: Redis's cmd_inv_flags).
  std::uint32_t missing_flags() const { return inv_flags_; }
  // The i-th queued command and its arguments (views valid until the next call).
  CommandRef command(std::size_t i) const { return commands_[i].cmd; }
  const std::string_view* arguments(std::size_t i, std::size_t& argc);
  // Back to no transaction, releasing the queued arguments.
  void clear();
  // Bytes held for the queued commands (CLIENT LIST multi-mem).
  std::size_t memory() const { return args_.memory() + commands_.capacity() * sizeof(Queued); }

 private:
  struct Queued {
    CommandRef cmd;
    std::size_t offset;
    std::uint32_t argc;
  };
  Vec<Queued> commands_;
  ArgvStore args_;
  std::uint32_t flags_ = 0;
  std::uint32_t inv_flags_ = 0;
  bool active_ = false;
  bool aborted_ = false;
};

// Keys watched by sessions: a write to a watched key marks the sessions watching it, so that their
// EXEC fails.
class WatchRegistry {
 public:
  struct Watcher {
    Session* session;
    bool expired;  // the key existed but had logically expired at WATCH time
  };
  using Node = KeyWaiters<Watcher>::Node;

  WatchRegistry(Memory& mem, std::uint64_t seed, int databases) : keys_(mem, seed, databases) {}

  // WATCH key in db for s. false when out of memory (nothing of this call left allocated).
  [[nodiscard]] bool watch(Session& s, int db, std::string_view key, bool expired);
  void unwatch_all(Session& s);
  // A write to key: every session watching it gets its EXEC failed.
  void touch(Db& db, std::string_view key);
  // FLUSHDB/FLUSHALL (other == nullptr) or SWAPDB: called before the change; every watched key of
  // db that exists in db (or in other) counts as written.
  void touch_all(Db& db, Db* other);
  // True when a key s watches, alive at WATCH time, has expired since.
  bool watched_key_expired(Session& s, Engine& engine);

 private:
  KeyWaiters<Watcher> keys_;
};

}  // namespace microredis
