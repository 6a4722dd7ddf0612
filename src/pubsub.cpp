#include "microredis/pubsub.hpp"

#include <new>

#include "microredis/session.hpp"

namespace microredis {

MICROREDIS_INLINE PubSub::PubSub(Memory& mem, std::uint64_t seed)
    : mem_(&mem),
      tables_{HashTable<NodeTraits>(mem, seed), HashTable<NodeTraits>(mem, seed + 1),
              HashTable<NodeTraits>(mem, seed + 2)} {}

MICROREDIS_INLINE PubSub::~PubSub() {
  for (auto& t : tables_) t.clear([this](void* n) { free_node(static_cast<Node*>(n)); });
}

MICROREDIS_INLINE void PubSub::free_node(Node* n) {
  std::size_t bytes = sizeof(Node) + n->name_len;
  n->~Node();
  mem_->deallocate(n, bytes, alignof(Node));
}

namespace pubsub_detail {
template <class T>
inline bool contains(const Vec<T*>& v, const T* x) {
  for (const T* p : v) {
    if (p == x) return true;
  }
  return false;
}
template <class T>
inline bool erase_one(Vec<T*>& v, const T* x) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == x) {
      // Keep order: subscribers receive messages in subscription order, as in Redis.
      for (std::size_t j = i + 1; j < v.size(); ++j) v[j - 1] = v[j];
      v.pop_back();
      return true;
    }
  }
  return false;
}
}  // namespace pubsub_detail

MICROREDIS_INLINE bool PubSub::subscribe(Session& s, SubscriptionKind kind, std::string_view name, bool& oom) {
  oom = false;
  if (!s.ensure_extras()) return oom = true, false;
  HashTable<NodeTraits>& t = tables_[static_cast<int>(kind)];
  const std::uint64_t h = t.hash(name);
  auto* node = static_cast<Node*>(t.find(name, h));
  Vec<Node*>& mine = s.subscriptions(kind);
  if (node != nullptr) {
    // Search whichever list is shorter: the session's or the channel's.
    bool already = mine.size() <= node->subscribers.size() ? pubsub_detail::contains(mine, node)
                                                            : pubsub_detail::contains(node->subscribers, &s);
    if (already) return false;
  }
  bool created = false;
  if (node == nullptr) {
    void* p = mem_->allocate(sizeof(Node) + name.size(), alignof(Node));
    if (p == nullptr) return oom = true, false;
    node = new (p) Node(*mem_);
    node->name_len = name.size();
    if (!name.empty()) std::memcpy(node->name_bytes(), name.data(), name.size());
    if (!t.insert(node, h)) {
      free_node(node);
      return oom = true, false;
    }
    created = true;
  }
  if (!node->subscribers.push_back(&s)) {
    oom = true;
  } else if (!mine.push_back(node)) {
    node->subscribers.pop_back();
    oom = true;
  }
  if (oom) {
    if (created) {
      (void)t.remove(name, h);
      free_node(node);
    }
    return false;
  }
  return true;
}

MICROREDIS_INLINE bool PubSub::unsubscribe(Session& s, SubscriptionKind kind, std::string_view name) {
  HashTable<NodeTraits>& t = tables_[static_cast<int>(kind)];
  const std::uint64_t h = t.hash(name);
  auto* node = static_cast<Node*>(t.find(name, h));
  if (node == nullptr || s.subscription_count(kind) == 0 || !pubsub_detail::erase_one(s.subscriptions(kind), node)) {
    return false;
  }
  (void)pubsub_detail::erase_one(node->subscribers, &s);
  if (node->subscribers.empty()) {
    (void)t.remove(name, h);
    free_node(node);
  }
  return true;
}

MICROREDIS_INLINE const PubSub::Node* PubSub::channel(SubscriptionKind kind, std::string_view name) const {
  return static_cast<const Node*>(const_cast<HashTable<NodeTraits>&>(tables_[static_cast<int>(kind)]).find(name));
}

}  // namespace microredis
