// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. Queueing happens in the dispatcher (every command
// that is not transaction control is checked, then queued with +QUEUED); EXEC runs the queue
// through Engine::call, so each queued command is counted and behaves as if sent alone.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {

namespace transactions_cmds {

inline void discard_state(Context& c) {
  c.session.discard_transaction();
  c.engine.watches().unwatch_all(c.session);
  c.session.clear_watch_dirty();
}

inline void multi(Context& c) {
  if (c.session.in_multi()) return c.out.error(Status::multi_nested);
  if (!c.session.ensure_extras()) return c.out.error(Status::oom);
  c.session.transaction().begin();
  c.out.ok();
}

inline void discard(Context& c) {
  if (!c.session.in_multi()) return c.out.error(Status::discard_without_multi);
  discard_state(c);
  c.out.ok();
}

inline void watch(Context& c) {
  if (c.session.in_multi()) return c.out.error(Status::watch_inside_multi);
  // Once a watched key changed, EXEC fails anyway: no point watching more.
  if (!c.session.watch_dirty()) {
    for (std::size_t i = 1; i < c.argc; ++i) {
      const Entry* e = c.db.find_raw(c.arg(i));
      bool expired = e != nullptr && c.db.is_expired(e);
      if (!c.engine.watches().watch(c.session, c.db.index(), c.arg(i), expired)) return c.out.error(Status::oom);
    }
  }
  c.out.ok();
}

inline void unwatch(Context& c) {
  c.engine.watches().unwatch_all(c.session);
  c.session.clear_watch_dirty();
  c.out.ok();
}

}  // namespace transactions_cmds

MICROREDIS_INLINE void exec_command_handler(Context& c) {
  using transactions_cmds::discard_state;
  Session& s = c.session;
  if (!s.in_multi()) return c.out.error(Status::exec_without_multi);
  if (c.engine.watches().watched_key_expired(s, c.engine)) s.mark_watch_dirty();
  Transaction& tx = s.transaction();
  if (tx.aborted()) {
    c.out.error(Status::exec_aborted);
    return discard_state(c);
  }
  if (s.watch_dirty()) {
    c.out.null_array();
    return discard_state(c);
  }
  // Unwatch first: the queued commands' own writes must not dirty this session.
  c.engine.watches().unwatch_all(s);
  c.out.array(tx.size());
  s.set_in_exec(true);
  for (std::size_t i = 0; i < tx.size(); ++i) {
    std::size_t argc = 0;
    const std::string_view* argv = tx.arguments(i, argc);
    if (argv == nullptr) {
      c.out.error(Status::oom);
      continue;
    }
    c.engine.call(s, tx.command(i), argv, argc);
  }
  s.set_in_exec(false);
  tx.clear();
  s.clear_watch_dirty();
}

namespace transactions_cmds {

constexpr std::uint32_t kControl = kNoscript | kLoading | kStale | kAllowBusy | kTransactionControl;

inline const CommandSpec kCommands[] = {
    {"multi", 1, kControl | kFast, 0, 0, 0, multi, "transactions", "Starts a transaction.", "1.2.0", "O(1)", "",
     kAclTransaction},
    {"exec", 1, kNoscript | kLoading | kStale | kSkipSlowlog | kTransactionControl, 0, 0, 0, exec_command_handler,
     "transactions", "Executes all commands in a transaction.", "1.2.0",
     "Depends on commands in the transaction", "", kAclTransaction},
    {"discard", 1, kControl | kFast, 0, 0, 0, discard, "transactions", "Discards a transaction.", "2.0.0",
     "O(N), when N is the number of queued commands", "", kAclTransaction},
    {"watch", -2, kControl | kFast, 1, -1, 1, watch, "transactions",
     "Monitors changes to keys to determine the execution of a transaction.", "2.2.0",
     "O(1) for every key.", "key [key ...]", kAclTransaction},
    {"unwatch", 1, kNoscript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, unwatch, "transactions",
     "Forgets about watched keys of a transaction.", "2.2.0", "O(1)", "", kAclTransaction},
};

}  // namespace transactions_cmds

MICROREDIS_INLINE bool register_transaction_commands(CommandTable& table) {
  return table.add(transactions_cmds::kCommands);
}

}  // namespace microredis
