#include "microredis/transaction.hpp"

#include <new>

#include "microredis/engine.hpp"

namespace microredis {

// ---------------------------------------------------------------------------------------------
// Transaction

MICROREDIS_INLINE bool Transaction::queue(CommandRef cmd, const std::string_view* argv, std::size_t argc) {
  std::size_t offset = args_.size();
  for (std::size_t i = 0; i < argc; ++i) {
    std::size_t len = argv[i].size();
    if (!args_.append(&len, sizeof len) || !args_.append(argv[i])) {
      (void)args_.resize(offset);
      return false;
    }
  }
  if (!commands_.push_back({cmd, offset, static_cast<std::uint32_t>(argc)})) {
    (void)args_.resize(offset);
    return false;
  }
  flags_ |= cmd.spec->flags;
  return true;
}

MICROREDIS_INLINE const std::string_view* Transaction::arguments(std::size_t i, std::size_t& argc) {
  const Queued& q = commands_[i];
  argc = q.argc;
  if (!views_.resize(q.argc)) return nullptr;
  const char* p = args_.data() + q.offset;
  for (std::uint32_t a = 0; a < q.argc; ++a) {
    std::size_t len;
    std::memcpy(&len, p, sizeof len);
    p += sizeof len;
    views_[a] = {p, len};
    p += len;
  }
  return views_.data();
}

MICROREDIS_INLINE void Transaction::clear() {
  commands_.release();
  args_.release();
  views_.release();
  flags_ = 0;
  active_ = aborted_ = false;
}

// ---------------------------------------------------------------------------------------------
// WatchRegistry

struct WatchRegistry::Node {
  explicit Node(Memory& mem) : watchers(mem) {}
  Vec<Watcher> watchers;
  int db = 0;
  std::size_t key_len = 0;
  char* key_bytes() { return reinterpret_cast<char*>(this + 1); }
  std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_len}; }
};

MICROREDIS_INLINE std::string_view WatchRegistry::NodeTraits::key_of(const void* n) {
  return static_cast<const Node*>(n)->key();
}

MICROREDIS_INLINE WatchRegistry::WatchRegistry(Memory& mem, std::uint64_t seed, int databases)
    : mem_(&mem), seed_(seed), databases_(databases) {
  tables_ = static_cast<Table**>(mem.allocate(sizeof(Table*) * static_cast<std::size_t>(databases), alignof(Table*)));
  for (int i = 0; i < databases_ && tables_; ++i) tables_[i] = nullptr;
}

MICROREDIS_INLINE WatchRegistry::~WatchRegistry() {
  if (tables_ == nullptr) return;
  for (int i = 0; i < databases_; ++i) {
    if (tables_[i] == nullptr) continue;
    tables_[i]->clear([this](void* n) { free_node(static_cast<Node*>(n)); });
    mem_->destroy(tables_[i]);
  }
  mem_->deallocate(tables_, sizeof(Table*) * static_cast<std::size_t>(databases_), alignof(Table*));
}

MICROREDIS_INLINE void WatchRegistry::free_node(Node* n) {
  std::size_t bytes = sizeof(Node) + n->key_len;
  n->~Node();
  mem_->deallocate(n, bytes, alignof(Node));
}

MICROREDIS_INLINE bool WatchRegistry::empty(int db) const { return tables_[db] == nullptr || tables_[db]->empty(); }

MICROREDIS_INLINE bool WatchRegistry::watch(Session& s, int db, std::string_view key, bool expired) {
  for (Node* n : s.watched_keys()) {
    if (n->db == db && n->key() == key) return true;  // already watched
  }
  if (tables_[db] == nullptr) {
    tables_[db] = mem_->create<Table>(*mem_, seed_ + static_cast<std::uint64_t>(db));
    if (tables_[db] == nullptr) return false;
  }
  Table& t = *tables_[db];
  // On any failure below, nothing of this call stays allocated (an empty table included).
  auto fail = [&](Node* created) {
    if (created != nullptr) {
      (void)t.remove(key);
      free_node(created);
    }
    if (t.empty()) {
      mem_->destroy(tables_[db]);
      tables_[db] = nullptr;
    }
    return false;
  };
  std::uint64_t h = t.hash(key);
  auto* node = static_cast<Node*>(t.find(key, h));
  Node* created = nullptr;
  if (node == nullptr) {
    void* p = mem_->allocate(sizeof(Node) + key.size(), alignof(Node));
    if (p == nullptr) return fail(nullptr);
    node = new (p) Node(*mem_);
    node->db = db;
    node->key_len = key.size();
    if (!key.empty()) std::memcpy(node->key_bytes(), key.data(), key.size());
    if (!t.insert(node, h)) {
      free_node(node);
      return fail(nullptr);
    }
    created = node;
  }
  if (!node->watchers.push_back({&s, expired})) return fail(created);
  if (!s.watched_keys().push_back(node)) {
    node->watchers.pop_back();
    return fail(created);
  }
  return true;
}

MICROREDIS_INLINE void WatchRegistry::unwatch_all(Session& s) {
  for (Node* n : s.watched_keys()) {
    Vec<Watcher>& w = n->watchers;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (w[i].session == &s) {
        w[i] = w.back();
        w.pop_back();
        break;
      }
    }
    if (w.empty()) {
      Table*& t = tables_[n->db];
      (void)t->remove(n->key());
      free_node(n);
      if (t->empty()) {  // keep memory at its baseline when nobody watches
        mem_->destroy(t);
        t = nullptr;
      }
    }
  }
  s.watched_keys().release();
}

MICROREDIS_INLINE void WatchRegistry::mark(Node& node, Db& db, std::string_view key) {
  bool exists = db.find_raw(key) != nullptr;
  for (Watcher& w : node.watchers) {
    // A key that had expired when it was watched and is now deleted: no logical change.
    if (w.expired && !exists) {
      w.expired = false;
      continue;
    }
    w.session->mark_watch_dirty();
  }
}

MICROREDIS_INLINE void WatchRegistry::touch(Db& db, std::string_view key) {
  Table* t = tables_[db.index()];
  if (t == nullptr || t->empty()) return;
  auto* node = static_cast<Node*>(t->find(key));
  if (node != nullptr) mark(*node, db, key);
}

MICROREDIS_INLINE void WatchRegistry::touch_all(Db& db, Db* other) {
  Table* t = tables_[db.index()];
  if (t == nullptr || t->empty()) return;
  t->for_each([&](void* p) {
    auto* node = static_cast<Node*>(p);
    std::string_view key = node->key();
    bool in_db = db.find_raw(key) != nullptr;
    bool in_other = other != nullptr && other->find_raw(key) != nullptr;
    if (!in_db && !in_other) return;
    for (Watcher& w : node->watchers) {
      if (w.expired) {
        if (!in_other) {
          w.expired = false;  // an expired key deleted: no logical change
          continue;
        }
        const Entry* e = other->find_raw(key);
        if (other->is_expired(e)) continue;  // expired on both sides
      }
      w.session->mark_watch_dirty();
    }
  });
}

MICROREDIS_INLINE bool WatchRegistry::watched_key_expired(Session& s, Engine& engine) {
  for (Node* n : s.watched_keys()) {
    for (const Watcher& w : n->watchers) {
      if (w.session != &s || w.expired) continue;
      Db& db = engine.db(n->db);
      const Entry* e = db.find_raw(n->key());
      if (e != nullptr && db.is_expired(e)) return true;
    }
  }
  return false;
}

}  // namespace microredis
