#include "microredis/transaction.hpp"

#include "microredis/engine.hpp"

namespace microredis {

// ---------------------------------------------------------------------------------------------
// Transaction

MICROREDIS_INLINE bool Transaction::queue(CommandRef cmd, const std::string_view* argv, std::size_t argc,
                                          std::uint32_t flags) {
  const std::size_t offset = args_.append(argv, argc);
  if (offset == ArgvStore::npos) return false;
  if (!commands_.push_back({cmd, offset, static_cast<std::uint32_t>(argc)})) return false;
  flags_ |= flags;
  inv_flags_ |= ~flags;
  return true;
}

MICROREDIS_INLINE const std::string_view* Transaction::arguments(std::size_t i, std::size_t& argc) {
  argc = commands_[i].argc;
  return args_.get(commands_[i].offset, argc);
}

MICROREDIS_INLINE void Transaction::clear() {
  commands_.release();
  args_.release();
  flags_ = inv_flags_ = 0;
  active_ = aborted_ = false;
}

// ---------------------------------------------------------------------------------------------
// WatchRegistry

MICROREDIS_INLINE bool WatchRegistry::watch(Session& s, int db, std::string_view key, bool expired) {
  if (!s.ensure_extras()) return false;
  for (const Node* n : s.watched_keys()) {
    if (n->db == db && n->key() == key) return true;  // already watched
  }
  Node* node = keys_.add(db, key, {&s, expired});
  if (node == nullptr) return false;
  if (!s.watched_keys().push_back(node)) {
    keys_.remove(node, [&](const Watcher& w) { return w.session == &s; });
    return false;
  }
  return true;
}

MICROREDIS_INLINE void WatchRegistry::unwatch_all(Session& s) {
  if (s.watched_count() == 0) return;
  for (Node* n : s.watched_keys()) keys_.remove(n, [&](const Watcher& w) { return w.session == &s; });
  s.watched_keys().release();
}

MICROREDIS_INLINE void WatchRegistry::touch(Db& db, std::string_view key) {
  if (keys_.empty(db.index())) return;
  Node* node = keys_.find(db.index(), key);
  if (node == nullptr) return;
  const bool exists = db.find_raw(key) != nullptr;
  for (Watcher& w : node->waiters) {
    // A key that had expired when it was watched and is now deleted: no logical change.
    if (w.expired && !exists) {
      w.expired = false;
      continue;
    }
    w.session->mark_watch_dirty();
  }
}

MICROREDIS_INLINE void WatchRegistry::touch_all(Db& db, Db* other) {
  keys_.for_each(db.index(), [&](Node& node) {
    const std::string_view key = node.key();
    const bool in_db = db.find_raw(key) != nullptr;
    const Entry* in_other = other != nullptr ? other->find_raw(key) : nullptr;
    if (!in_db && in_other == nullptr) return;
    for (Watcher& w : node.waiters) {
      if (w.expired) {
        if (in_other == nullptr) {
          w.expired = false;  // an expired key deleted: no logical change
          continue;
        }
        if (other->is_expired(in_other)) continue;  // expired on both sides
      } else if (!in_db && other->is_expired(in_other)) {
        w.expired = true;  // a missing key replaced by an expired one: no logical change either
        continue;
      }
      w.session->mark_watch_dirty();
    }
  });
}

MICROREDIS_INLINE bool WatchRegistry::watched_key_expired(Session& s, Engine& engine) {
  if (s.watched_count() == 0) return false;
  for (const Node* n : s.watched_keys()) {
    for (const Watcher& w : n->waiters) {
      if (w.session != &s || w.expired) continue;
      Db& db = engine.db(n->db);
      const Entry* e = db.find_raw(n->key());
      if (e != nullptr && db.is_expired(e)) return true;
    }
  }
  return false;
}

}  // namespace microredis
