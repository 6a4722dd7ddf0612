// Sessions waiting on keys, per database: what WATCH (sessions whose EXEC a write must fail) and
// the blocking commands (sessions to serve when a key gets data) are both built on. Each database
// has a table of key -> waiters, created on first use and freed when its last waiter leaves, so an
// engine nobody waits on holds nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

#include "memory.hpp"
#include "store/table.hpp"
#include "util/random.hpp"

namespace microredis {

template <class Waiter>
class KeyWaiters {
 public:
  struct Node {
    explicit Node(Memory& mem) : waiters(mem) {}
    Vec<Waiter> waiters;  // in arrival order
    int db = 0;
    std::size_t key_len = 0;
    std::string_view key() const { return {reinterpret_cast<const char*>(this + 1), key_len}; }
    char* key_bytes() { return reinterpret_cast<char*>(this + 1); }
  };

  KeyWaiters(Memory& mem, std::uint64_t seed, int databases) : mem_(&mem), seed_(seed), databases_(databases) {
    tables_ = static_cast<Table**>(mem.allocate(sizeof(Table*) * static_cast<std::size_t>(databases), alignof(Table*)));
    for (int i = 0; i < databases_ && tables_ != nullptr; ++i) tables_[i] = nullptr;
  }
  ~KeyWaiters() {
    if (tables_ == nullptr) return;
    for (int i = 0; i < databases_; ++i) {
      if (tables_[i] == nullptr) continue;
      tables_[i]->clear([this](void* n) { free_node(static_cast<Node*>(n)); });
      mem_->destroy(tables_[i]);
    }
    mem_->deallocate(tables_, sizeof(Table*) * static_cast<std::size_t>(databases_), alignof(Table*));
  }
  KeyWaiters(const KeyWaiters&) = delete;
  KeyWaiters& operator=(const KeyWaiters&) = delete;

  bool valid() const { return tables_ != nullptr; }
  bool empty(int db) const { return tables_[db] == nullptr; }

  Node* find(int db, std::string_view key) {
    Table* t = tables_[db];
    return t == nullptr ? nullptr : static_cast<Node*>(t->find(key));
  }

  // Appends w to key's waiters. nullptr when out of memory, with nothing of this call left allocated.
  Node* add(int db, std::string_view key, const Waiter& w) {
    if (tables_[db] == nullptr) {
      tables_[db] = mem_->template create<Table>(*mem_, seed_ + static_cast<std::uint64_t>(db));
      if (tables_[db] == nullptr) return nullptr;
    }
    Table& t = *tables_[db];
    const std::uint64_t h = t.hash(key);
    auto* node = static_cast<Node*>(t.find(key, h));
    bool created = false;
    if (node == nullptr) {
      void* p = mem_->allocate(sizeof(Node) + key.size(), alignof(Node));
      if (p != nullptr) {
        node = new (p) Node(*mem_);
        node->db = db;
        node->key_len = key.size();
        if (!key.empty()) std::memcpy(node->key_bytes(), key.data(), key.size());
        if (!t.insert(node, h)) {
          free_node(node);
          node = nullptr;
        }
        created = node != nullptr;
      }
    }
    if (node != nullptr && node->waiters.push_back(w)) return node;
    if (created) {
      (void)t.remove(key, h);
      free_node(node);
    }
    drop_table_if_empty(db);
    return nullptr;
  }

  // Removes the first waiter of node for which is(waiter) holds; frees the node once nobody waits.
  template <class Pred>
  void remove(Node* node, Pred&& is) {
    Vec<Waiter>& w = node->waiters;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (!is(w[i])) continue;
      // Keep arrival order: blocked clients are served first come, first served.
      for (std::size_t j = i + 1; j < w.size(); ++j) w[j - 1] = w[j];
      w.pop_back();
      break;
    }
    if (!w.empty()) return;
    const int db = node->db;
    (void)tables_[db]->remove(node->key());
    free_node(node);
    drop_table_if_empty(db);
  }

  // Drops node with all its waiters.
  void erase(Node* node) {
    const int db = node->db;
    (void)tables_[db]->remove(node->key());
    free_node(node);
    drop_table_if_empty(db);
  }
  // Keys waited on in db.
  std::size_t size(int db) const { return tables_[db] == nullptr ? 0 : tables_[db]->size(); }
  // A random key node of db (nullptr when none).
  Node* random(int db, Random& rng) const {
    return tables_[db] == nullptr ? nullptr : static_cast<Node*>(tables_[db]->random(rng));
  }

  // Calls fn(Node&) for every key waited on in db. fn must not add or remove waiters.
  template <class Fn>
  void for_each(int db, Fn&& fn) {
    if (tables_[db] == nullptr) return;
    tables_[db]->for_each([&](void* n) { fn(*static_cast<Node*>(n)); });
  }

 private:
  struct NodeTraits {
    static std::string_view key_of(const void* n) { return static_cast<const Node*>(n)->key(); }
  };
  using Table = HashTable<NodeTraits>;

  void free_node(Node* n) {
    const std::size_t bytes = sizeof(Node) + n->key_len;
    n->~Node();
    mem_->deallocate(n, bytes, alignof(Node));
  }
  void drop_table_if_empty(int db) {
    if (tables_[db] != nullptr && tables_[db]->empty()) {
      mem_->destroy(tables_[db]);
      tables_[db] = nullptr;
    }
  }

  Memory* mem_;
  std::uint64_t seed_;
  int databases_;
  Table** tables_;
};

}  // namespace microredis
