// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): what a blocked session waits for.
//
// A command that finds nothing to serve calls Context::block_on_keys(): the session keeps a copy of
// the command, registers on its keys (first come, first served) and reads no more input. Every write
// to a key reaches Engine::key_modified; a key with waiters goes on the ready list, and after the
// command that wrote it completes (after EXEC, for a write inside MULTI) the engine runs each
// waiter's command again, in arrival order, if the key then holds the type the waiter wants. A waiter whose command finds data is served and
// unblocked; one that finds none stays where it was in the queue. tick() ends blocks whose timeout
// passed with the command's timeout reply.
#pragma once

#include <cstdint>
#include <string_view>

#include "argv_store.hpp"
#include "command.hpp"
#include "key_waiters.hpp"
#include "memory.hpp"
#include "store/object.hpp"

namespace microredis {

class Session;

// What a blocked command answers when its timeout passes (or CLIENT UNBLOCK ... TIMEOUT).
enum class TimeoutReply : std::uint8_t {
  null_array,  // BLPOP BRPOP BLMPOP BZPOPMIN BZPOPMAX BZMPOP XREAD
  null_bulk,   // BLMOVE BRPOPLPUSH
};

using BlockingKeys = KeyWaiters<Session*>;

class BlockedCommand {
 public:
  explicit BlockedCommand(Memory& mem) : keys(mem), args_(mem) {}

  [[nodiscard]] bool save(CommandRef command, const std::string_view* argv, std::size_t argc, TimeoutReply reply) {
    args_.release();
    cmd = command;
    argc_ = argc;
    timeout_reply = reply;
    return args_.append(argv, argc) != ArgvStore::npos;
  }
  // The saved arguments (views valid until the next call); nullptr when out of memory.
  const std::string_view* arguments(std::size_t& argc) {
    argc = argc_;
    return args_.get(0, argc_);
  }
  void clear() {
    args_.release();
    keys.release();
    cmd = {};
    argc_ = 0;
    rerun = blocks_again = wake_on_delete = false;
  }

  CommandRef cmd;
  TimeoutReply timeout_reply = TimeoutReply::null_array;
  // The type a key must hold for the command to be worth running again (a list for BLPOP): a key
  // rewritten with another type does not wake the session.
  ValueType wait_type = ValueType::list;
  // Run the command again also when a key it waits on is deleted or stops holding wait_type
  // (XREADGROUP then fails with -UNBLOCKED, as in Redis); set after blocking.
  bool wake_on_delete = false;
  Vec<BlockingKeys::Node*> keys;  // the keys it waits on (its registrations)
  bool rerun = false;             // the command is running again because a key got data
  bool blocks_again = false;      // ... and it found nothing either
  // Bytes held for the blocked command (its saved arguments and key registrations' slots).
  std::size_t memory() const { return keys.capacity() * sizeof(BlockingKeys::Node*) + args_.memory(); }

 private:
  std::size_t argc_ = 0;
  ArgvStore args_;
};

}  // namespace microredis
