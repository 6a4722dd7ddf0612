// The publish/subscribe registry of one engine: channels, patterns and shard channels, each name
// mapping to the sessions subscribed to it. Delivery writes into the subscribers' own output
// buffers; the engine tells their adapters through the output listener.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memory.hpp"
#include "store/table.hpp"

namespace microredis {

class Session;

enum class SubscriptionKind : std::uint8_t { channel = 0, pattern = 1, shard = 2 };
inline constexpr int kSubscriptionKinds = 3;

class PubSub {
 public:
  struct Node;

  PubSub(Memory& mem, std::uint64_t seed);
  ~PubSub();
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Adds s to name's subscribers; false when s already was one. oom is set when memory ran out.
  bool subscribe(Session& s, SubscriptionKind kind, std::string_view name, bool& oom);
  // Removes s from name's subscribers; false when s was not one.
  bool unsubscribe(Session& s, SubscriptionKind kind, std::string_view name);

  // Sessions subscribed to exactly this channel (or shard channel), or nullptr.
  const Node* channel(SubscriptionKind kind, std::string_view name) const;
  // Calls fn(name, subscribers) for every channel of a kind (patterns included for kind pattern).
  template <class Fn>
  void for_each(SubscriptionKind kind, Fn&& fn) const;
  std::size_t count(SubscriptionKind kind) const { return tables_[static_cast<int>(kind)].size(); }

  struct Node {
    explicit Node(Memory& mem) : subscribers(mem) {}
    Vec<Session*> subscribers;
    std::size_t name_len = 0;
    std::string_view name() const { return {reinterpret_cast<const char*>(this + 1), name_len}; }
    char* name_bytes() { return reinterpret_cast<char*>(this + 1); }
  };

 private:
  struct NodeTraits {
    static std::string_view key_of(const void* n) { return static_cast<const Node*>(n)->name(); }
  };
  void free_node(Node* n);

  Memory* mem_;
  HashTable<NodeTraits> tables_[kSubscriptionKinds];
};

template <class Fn>
void PubSub::for_each(SubscriptionKind kind, Fn&& fn) const {
  tables_[static_cast<int>(kind)].for_each([&](void* p) {
    const Node* n = static_cast<const Node*>(p);
    fn(n->name(), n->subscribers);
  });
}

}  // namespace microredis
