// Blocking commands: registration on keys, serving when keys get data, timeouts (blocking.hpp).
#include <cmath>

#include "microredis/engine.hpp"

namespace microredis {

MICROREDIS_INLINE bool Context::parse_timeout(std::string_view arg, std::int64_t& deadline_us) const {
  // Redis's getTimeoutFromObjectOrReply in seconds: a long double, rounded up to milliseconds.
  long double seconds = 0;
  if (!parse_long_double(arg, seconds)) {
    out.error(Status::timeout_not_float);
    return false;
  }
  const long double ms = std::ceil(seconds * 1000.0L);
  if (ms > static_cast<long double>(INT64_MAX / 1000)) {
    out.error(Status::timeout_out_of_range);
    return false;
  }
  if (ms < 0) {
    out.error(Status::timeout_negative);
    return false;
  }
  const auto timeout_ms = static_cast<std::int64_t>(ms);
  if (timeout_ms == 0) {
    deadline_us = 0;
    return true;
  }
  if (timeout_ms > INT64_MAX / 1000 - now_ms()) {
    out.error(Status::timeout_out_of_range);
    return false;
  }
  deadline_us = (now_ms() + timeout_ms) * 1000;
  return true;
}

MICROREDIS_INLINE KeyReadiness first_ready_key(const Context& c, const std::string_view* keys, std::size_t n,
                                               ValueType t) {
  for (std::size_t i = 0; i < n; ++i) {
    const Entry* e = c.write_key(keys[i]);
    if (e == nullptr) continue;
    return c.check_type(e, t) ? KeyReadiness::ready : KeyReadiness::wrong_type;
  }
  return KeyReadiness::none;
}

MICROREDIS_INLINE void Context::block_on_keys(const std::string_view* keys, std::size_t n, std::int64_t deadline_us,
                                              TimeoutReply reply, ValueType wait_type) const {
  if (session.rerunning_blocked()) {
    // Running again for a key that got data, and still nothing to serve: keep the place in line.
    session.blocked_command().blocks_again = true;
    return;
  }
  if (session.in_exec()) {
    // Inside a transaction a blocking command answers as if its timeout had passed.
    return reply == TimeoutReply::null_bulk ? out.null() : out.null_array();
  }
  if (!engine.block_on_keys(session, db, cmd, argv, argc, keys, n, deadline_us, reply, wait_type)) {
    out.error(Status::oom);
  }
}

MICROREDIS_INLINE bool Engine::block_on_keys(Session& s, Db& db, CommandRef cmd, const std::string_view* argv,
                                             std::size_t argc, const std::string_view* keys, std::size_t n,
                                             std::int64_t deadline_us, TimeoutReply reply, ValueType wait_type) {
  if (!s.ensure_extras()) return false;
  BlockedCommand& blocked = s.blocked_command();
  if (!blocked.save(cmd, argv, argc, reply)) {
    blocked.clear();
    return false;
  }
  blocked.wait_type = wait_type;
  for (std::size_t i = 0; i < n; ++i) {
    bool seen = false;  // a key named twice waits once
    for (const BlockingKeys::Node* k : blocked.keys) seen = seen || k->key() == keys[i];
    if (seen) continue;
    BlockingKeys::Node* node = blocking_->add(db.index(), keys[i], &s);
    if (node == nullptr || !blocked.keys.push_back(node)) {
      if (node != nullptr) blocking_->remove(node, [&](Session* w) { return w == &s; });
      release_block(s);
      return false;
    }
  }
  s.block_until(BlockReason::keys, deadline_us);
  ++blocked_on_keys_;
  return true;
}

// Removes s from the waiters of its keys and forgets its command; s stays marked blocked.
MICROREDIS_INLINE void Engine::release_block(Session& s) {
  if (!s.has_extras()) return;  // blocked for another reason than keys: nothing registered
  BlockedCommand& blocked = s.blocked_command();
  for (BlockingKeys::Node* node : blocked.keys) blocking_->remove(node, [&](Session* w) { return w == &s; });
  if (s.block_reason() == BlockReason::keys) --blocked_on_keys_;
  blocked.clear();
}

MICROREDIS_INLINE void Engine::unblock_with_timeout(Session& s) {
  if (s.block_reason() == BlockReason::wait) return finish_wait(s);  // WAIT answers its count
  const TimeoutReply reply = s.has_extras() ? s.blocked_command().timeout_reply : TimeoutReply::null_array;
  release_block(s);
  s.unblock();
  s.release_extras_if_unused();
  if (reply == TimeoutReply::null_bulk) {
    s.writer().null();
  } else {
    s.writer().null_array();
  }
  s.process_input();
  notify_output(s);
}

MICROREDIS_INLINE void Engine::unblock_with_error(Session& s) {
  if (s.block_reason() == BlockReason::wait) end_wait(s);
  release_block(s);
  s.unblock();
  s.release_extras_if_unused();
  s.writer().error(Status::unblocked);
  count_error_reply(s.writer().last_error_code());
  s.process_input();
  notify_output(s);
}

MICROREDIS_INLINE void Engine::mark_ready(Db& db, std::string_view key) {
  // A short list, in the order keys became ready; a key already on it is not added twice.
  const auto dbid = static_cast<std::uint32_t>(db.index());
  std::string_view all = ready_keys_.view();
  for (std::size_t p = 0; p < all.size();) {
    std::uint32_t d;
    std::size_t len;
    std::memcpy(&d, all.data() + p, sizeof d);
    std::memcpy(&len, all.data() + p + sizeof d, sizeof len);
    p += sizeof d + sizeof len;
    if (d == dbid && all.substr(p, len) == key) return;
    p += len;
  }
  const std::size_t len = key.size();
  const std::size_t before = ready_keys_.size();
  if (!ready_keys_.append(&dbid, sizeof dbid) || !ready_keys_.append(&len, sizeof len) || !ready_keys_.append(key)) {
    // Out of memory: the waiters are not lost, they are served by the next write to the key or
    // time out.
    (void)ready_keys_.resize(before);
  }
}

MICROREDIS_INLINE void Engine::serve_ready_keys() {
  if (serving_ready_) return;  // a served command made more keys ready: the loop below takes them
  serving_ready_ = true;
  Buffer batch(mem_);
  Vec<Session*> waiters(mem_);
  while (!ready_keys_.empty()) {
    batch.clear();
    (void)batch.append(ready_keys_.view());
    ready_keys_.clear();
    std::string_view all = batch.view();
    for (std::size_t p = 0; p < all.size();) {
      std::uint32_t dbid;
      std::size_t len;
      std::memcpy(&dbid, all.data() + p, sizeof dbid);
      std::memcpy(&len, all.data() + p + sizeof dbid, sizeof len);
      p += sizeof dbid + sizeof len;
      const std::string_view key = all.substr(p, len);
      p += len;
      BlockingKeys::Node* node = blocking_->find(static_cast<int>(dbid), key);
      if (node == nullptr) continue;
      // Serving changes the waiter list: work on a copy, in arrival order.
      waiters.clear();
      for (Session* w : node->waiters) (void)waiters.push_back(w);
      Db& d = *dbs_[dbid];
      for (Session* w : waiters) {
        if (w->block_reason() != BlockReason::keys || w->closing()) continue;
        // Only a key holding what the waiter wants wakes it (LPUSH then SET does not wake BLPOP),
        // unless the waiter asked to hear of its key going away (XREADGROUP).
        refresh_time();
        const Entry* e = d.lookup_no_touch(key);
        const BlockedCommand& b = w->blocked_command();
        if ((e != nullptr && e->type() == b.wait_type) || b.wake_on_delete) serve_blocked(*w);
      }
    }
  }
  serving_ready_ = false;
}

MICROREDIS_INLINE void Engine::serve_blocked(Session& s) {
  BlockedCommand& blocked = s.blocked_command();
  std::size_t argc = 0;
  const std::string_view* saved = blocked.arguments(argc);
  if (saved == nullptr) return;  // out of memory: the session keeps waiting
  // The arguments are copied off the blocked command's storage, which serving releases.
  ArgvStore args(mem_);
  if (args.append(saved, argc) == ArgvStore::npos) return;
  const std::string_view* argv = args.get(0, argc);
  if (argv == nullptr) return;
  blocked.rerun = true;
  blocked.blocks_again = false;
  refresh_time();
  call(s, blocked.cmd, argv, argc);
  blocked.rerun = false;
  if (blocked.blocks_again) return;  // nothing for it yet: it keeps its place in line
  release_block(s);
  s.unblock();
  s.release_extras_if_unused();
  s.process_input();  // commands pipelined behind the blocking one
  notify_output(s);
}

}  // namespace microredis
