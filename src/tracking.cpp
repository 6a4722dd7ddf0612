#include "microredis/tracking.hpp"

#include <algorithm>
#include <new>

#include "microredis/engine.hpp"
#include "microredis/util/stable_sort.hpp"

namespace microredis {

namespace tracking_detail {

struct PendingKey {
  std::string_view key;
  const Session* modifier;
};

// The pending keys of a prefix, sorted as Redis's radix tree iterates them, each once (the last
// modification's author wins, as a radix tree insert overwrites).
inline bool collect(Memory& mem, const Buffer& pending, Vec<PendingKey>& out) {
  out.clear();
  std::string_view all = pending.view();
  for (std::size_t p = 0; p < all.size();) {
    const Session* who;
    std::size_t len;
    std::memcpy(&who, all.data() + p, sizeof who);
    std::memcpy(&len, all.data() + p + sizeof who, sizeof len);
    p += sizeof who + sizeof len;
    if (!out.push_back({all.substr(p, len), who})) return false;
    p += len;
  }
  const SortCompare by_key = [](const void* a, const void* b, const void*) {
    return static_cast<const PendingKey*>(a)->key.compare(static_cast<const PendingKey*>(b)->key);
  };
  if (!stable_sort(mem, out.data(), out.size(), by_key)) return false;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (kept > 0 && out[kept - 1].key == out[i].key) {
      out[kept - 1] = out[i];
    } else {
      out[kept++] = out[i];
    }
  }
  (void)out.resize(kept);
  return true;
}

inline bool overlaps(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  return a.substr(0, n) == b.substr(0, n);
}

}  // namespace tracking_detail

MICROREDIS_INLINE Tracking::Tracking(Memory& mem, std::uint64_t seed)
    : mem_(&mem), table_(mem, seed, 1), prefixes_(mem), pending_self_(mem) {}

MICROREDIS_INLINE Tracking::~Tracking() {
  for (Prefix* p : prefixes_) mem_->destroy(p);
}

MICROREDIS_INLINE bool Tracking::find_collision(Session& s, const std::string_view* prefixes, std::size_t n,
                                               std::string_view& a, std::string_view& b) const {
  for (std::size_t i = 0; i < n; ++i) {
    const State* st = s.tracking_state();
    for (std::size_t k = 0; st != nullptr && k < st->prefixes.size(); ++k) {
      const Prefix* p = st->prefixes[k];
      if (tracking_detail::overlaps(p->name.view(), prefixes[i])) {
        a = prefixes[i];
        b = p->name.view();
        return true;
      }
    }
    for (std::size_t j = i + 1; j < n; ++j) {
      if (tracking_detail::overlaps(prefixes[i], prefixes[j])) {
        a = prefixes[i];
        b = prefixes[j];
        return true;
      }
    }
  }
  return false;
}

MICROREDIS_INLINE bool Tracking::enable(Session& s, const TrackingOptions& options, const std::string_view* prefixes,
                                        std::size_t n) {
  if (!s.ensure_extras()) return false;
  State& st = s.tracking();
  if (!st.enabled) ++clients_;
  st.enabled = true;
  st.broken_redirect = false;
  st.options = options;
  if (!options.bcast) return true;
  const std::string_view everything;
  if (n == 0) {
    prefixes = &everything;
    n = 1;
  }
  for (std::size_t i = 0; i < n; ++i) {
    Prefix* found = nullptr;
    for (Prefix* p : prefixes_) {
      if (p->name.view() == prefixes[i]) found = p;
    }
    if (found == nullptr) {
      found = mem_->create<Prefix>(*mem_);
      if (found == nullptr || !found->name.append(prefixes[i]) || !prefixes_.push_back(found)) {
        mem_->destroy(found);
        return false;
      }
    }
    bool member = false;
    for (const Session* c : found->clients) member = member || c == &s;
    if (member) continue;
    if (!found->clients.push_back(&s)) return false;
    if (!st.prefixes.push_back(found)) {
      found->clients.pop_back();
      return false;
    }
  }
  return true;
}

MICROREDIS_INLINE void Tracking::remove_from_prefix(Prefix* p, Session& s) {
  for (std::size_t i = 0; i < p->clients.size(); ++i) {
    if (p->clients[i] != &s) continue;
    p->clients[i] = p->clients.back();
    p->clients.pop_back();
    break;
  }
  if (!p->clients.empty()) return;
  for (std::size_t i = 0; i < prefixes_.size(); ++i) {
    if (prefixes_[i] != p) continue;
    for (std::size_t j = i + 1; j < prefixes_.size(); ++j) prefixes_[j - 1] = prefixes_[j];
    prefixes_.pop_back();
    break;
  }
  mem_->destroy(p);
}

MICROREDIS_INLINE void Tracking::disable(Session& s) {
  if (!s.has_extras()) return;  // never tracked
  State& st = s.tracking();
  for (Prefix* p : st.prefixes) remove_from_prefix(p, s);
  st.prefixes.release();
  if (st.enabled) --clients_;
  st.enabled = false;
  st.caching = false;
  st.broken_redirect = false;
  st.options = TrackingOptions{};
}

MICROREDIS_INLINE void Tracking::remember(Session& s, const std::string_view* keys, std::size_t n) {
  const State& st = s.tracking();
  if ((st.options.optin && !st.caching) || (st.options.optout && st.caching)) return;
  const std::uint64_t id = s.id();
  for (std::size_t i = 0; i < n; ++i) {
    auto* node = table_.find(0, keys[i]);
    if (node != nullptr) {
      bool known = false;
      for (std::uint64_t w : node->waiters) known = known || w == id;
      if (known) continue;
    }
    const bool fresh = node == nullptr;
    if (table_.add(0, keys[i], id) == nullptr) return;  // out of memory: this key goes untracked
    ++items_;
    if (fresh) ++keys_count_;
  }
}

MICROREDIS_INLINE void Tracking::forget_key(KeyWaiters<std::uint64_t>::Node* node) {
  items_ -= node->waiters.size();
  --keys_count_;
  table_.erase(node);
}

MICROREDIS_INLINE void Tracking::send(Engine& engine, Session& tracker, const std::string_view* keys, std::size_t n,
                                      bool all) {
  // Redis's sendTrackingMessage.
  State& st = tracker.tracking();
  Session* target = &tracker;
  bool redirected = false;
  if (st.options.redirect != 0) {
    Session* r = engine.find_session(st.options.redirect);
    if (r == nullptr || r->closing()) {
      st.broken_redirect = true;
      if (tracker.protocol() >= 3) {
        Writer& w = tracker.writer();
        const Writer::Unmuted pushes_go_through(w);
        w.push(2);
        w.bulk("tracking-redir-broken");
        w.integer(static_cast<std::int64_t>(st.options.redirect));
        engine.notify_output(tracker);
      }
      return;
    }
    target = r;
    redirected = true;
  }
  Writer& w = target->writer();
  const Writer::Unmuted pushes_go_through(w);
  if (target->protocol() >= 3) {
    w.push(2);
    w.bulk("invalidate");
  } else if (redirected && target->in_pubsub()) {
    w.push(3);
    w.bulk("message");
    w.bulk("__redis__:invalidate");
  } else {
    return;  // RESP2 without a redirect: nothing can carry the message
  }
  if (all) {
    w.null();
  } else {
    w.array(n);
    for (std::size_t i = 0; i < n; ++i) w.bulk(keys[i]);
  }
  engine.notify_output(*target);
}

MICROREDIS_INLINE void Tracking::invalidate(Engine& engine, Session* current, std::string_view key, bool bcast) {
  for (Prefix* p : prefixes_) {
    if (!bcast || key.substr(0, p->name.size()) != p->name.view()) continue;
    const std::size_t len = key.size();
    const std::size_t before = p->pending.size();
    if (!p->pending.append(&current, sizeof current) || !p->pending.append(&len, sizeof len) ||
        !p->pending.append(key)) {
      (void)p->pending.resize(before);
    }
  }
  auto* node = table_.find(0, key);
  if (node == nullptr) return;
  for (std::uint64_t id : node->waiters) {
    Session* target = engine.find_session(id);
    if (target == nullptr || !target->tracking_enabled() || target->tracking().options.bcast) continue;
    if (target == current) {
      if (target->tracking().options.noloop) continue;
      // Its own command changed the key: the message follows the command's reply.
      const std::size_t len = key.size();
      const std::size_t before = pending_self_.size();
      if (!pending_self_.append(&len, sizeof len) || !pending_self_.append(key)) (void)pending_self_.resize(before);
      continue;
    }
    send(engine, *target, &key, 1, false);
  }
  forget_key(node);
}

MICROREDIS_INLINE void Tracking::invalidate_all(Engine& engine, Session* current) {
  if (flush_sent_) return;
  flush_sent_ = true;
  for (Session* s = engine.first_session(); s != nullptr; s = s->next) {
    if (!s->tracking_enabled()) continue;
    if (s == current) {
      pending_self_flush_ = true;
    } else {
      send(engine, *s, nullptr, 0, true);
    }
  }
  forget_all(engine.random());
}

MICROREDIS_INLINE void Tracking::forget_all(Random& rng) {
  while (KeyWaiters<std::uint64_t>::Node* node = table_.random(0, rng)) forget_key(node);
}

MICROREDIS_INLINE void Tracking::after_command(Engine& engine, Session* current) {
  if (current != nullptr && (!pending_self_.empty() || pending_self_flush_)) {
    std::string_view all = pending_self_.view();
    for (std::size_t p = 0; p < all.size();) {
      std::size_t len;
      std::memcpy(&len, all.data() + p, sizeof len);
      p += sizeof len;
      const std::string_view key = all.substr(p, len);
      p += len;
      send(engine, *current, &key, 1, false);
    }
    if (pending_self_flush_) send(engine, *current, nullptr, 0, true);
  }
  pending_self_.clear();
  pending_self_flush_ = false;
  flush_sent_ = false;

  Vec<tracking_detail::PendingKey> keys(*mem_);
  Vec<std::string_view> views(*mem_);
  for (Prefix* p : prefixes_) {
    if (p->pending.empty()) continue;
    if (tracking_detail::collect(*mem_, p->pending, keys)) {
      for (Session* client : p->clients) {
        views.clear();
        const bool noloop = client->tracking().options.noloop;
        for (const auto& k : keys) {
          if (noloop && k.modifier == client) continue;
          (void)views.push_back(k.key);
        }
        if (!views.empty()) send(engine, *client, views.data(), views.size(), false);
      }
    }
    p->pending.clear();
  }
}

MICROREDIS_INLINE void Tracking::enforce_limit(Engine& engine, std::size_t max_keys, Random& rng) {
  // Like Redis's trackingLimitUsedSlots: random keys are invalidated until the table fits.
  if (max_keys == 0) return;
  for (int effort = 0; keys_count_ > max_keys && effort < 1000; ++effort) {
    auto* node = table_.random(0, rng);
    if (node == nullptr) break;
    // Copy the key: invalidating frees the node.
    char small[256];
    Buffer big(*mem_);
    std::string_view key = node->key();
    if (key.size() <= sizeof small) {
      std::memcpy(small, key.data(), key.size());
      key = {small, key.size()};
    } else if (big.append(key)) {
      key = big.view();
    } else {
      break;
    }
    invalidate(engine, nullptr, key, false);
  }
}

}  // namespace microredis
