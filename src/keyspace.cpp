#include "microredis/store/keyspace.hpp"

#if MICROREDIS_WITH_HASHES
#include "microredis/store/hash.hpp"
#endif
#if MICROREDIS_WITH_LISTS
#include "microredis/store/quicklist.hpp"
#endif
#if MICROREDIS_WITH_SETS
#include "microredis/store/set.hpp"
#endif
#if MICROREDIS_WITH_STREAMS
#include "microredis/store/stream.hpp"
#endif
#if MICROREDIS_WITH_ZSETS
#include "microredis/store/zset.hpp"
#endif

#include <utility>

namespace microredis {

MICROREDIS_INLINE void free_value(Memory& mem, ValueType type, Encoding enc, void* pointer) {
  if (pointer == nullptr) return;
  switch (type) {
    case ValueType::string:
      if (enc == Encoding::raw) RawString::destroy(mem, static_cast<RawString*>(pointer));
      break;
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: HashObject(enc, pointer).destroy(mem); break;
#endif
#if MICROREDIS_WITH_SETS
    case ValueType::set: SetObject(enc, pointer).destroy(mem); break;
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: ZsetObject(enc, pointer).destroy(mem); break;
#endif
#if MICROREDIS_WITH_LISTS
    case ValueType::list: Quicklist::destroy(mem, static_cast<Quicklist*>(pointer)); break;
#endif
#if MICROREDIS_WITH_STREAMS
    case ValueType::stream: Stream::destroy(mem, static_cast<Stream*>(pointer)); break;
#endif
    default:
      break;
  }
}

MICROREDIS_INLINE bool copy_value(Memory& mem, const Entry& e, Entry::Layout& out) {
  out = e.layout();
  switch (e.type()) {
    case ValueType::string:
      // A duplicate is its own object in Redis, never a shared integer.
      out.private_int = e.encoding() == Encoding::int_;
      if (e.encoding() == Encoding::raw) {
        // The copy is sized to its content: spare capacity belongs to the original's APPENDs.
        auto* src = e.object<RawString>();
        RawString* r = RawString::create(mem, src->view(), src->len);
        if (r == nullptr) return false;
        out.pointer = r;
      }
      return true;
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: {
      HashObject copy;
      if (!HashObject::of(e).clone(mem, copy)) return false;
      out.pointer = copy.pointer();
      return true;
    }
#endif
#if MICROREDIS_WITH_SETS
    case ValueType::set: {
      SetObject copy;
      if (!SetObject::of(e).clone(mem, copy)) return false;
      out.pointer = copy.pointer();
      return true;
    }
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: {
      ZsetObject copy;
      if (!ZsetObject::of(e).clone(mem, copy)) return false;
      out.pointer = copy.pointer();
      return true;
    }
#endif
#if MICROREDIS_WITH_LISTS
    case ValueType::list: {
      Quicklist* copy = e.object<Quicklist>()->clone(mem);
      if (copy == nullptr) return false;
      out.pointer = copy;
      return true;
    }
#endif
#if MICROREDIS_WITH_STREAMS
    case ValueType::stream: {
      Stream* copy = e.object<Stream>()->clone(mem);
      if (copy == nullptr) return false;
      out.pointer = copy;
      return true;
    }
#endif
    default:
      return false;
  }
  return false;
}

MICROREDIS_INLINE std::size_t value_memory(const Entry& e) {
  switch (e.type()) {
    case ValueType::string:
      return e.encoding() == Encoding::raw ? sizeof(RawString) + e.object<RawString>()->cap : 0;
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: return HashObject::of(e).memory_usage();
#endif
#if MICROREDIS_WITH_SETS
    case ValueType::set: return SetObject::of(e).memory_usage();
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: return ZsetObject::of(e).memory_usage();
#endif
#if MICROREDIS_WITH_LISTS
    case ValueType::list: return e.object<Quicklist>()->memory_usage();
#endif
#if MICROREDIS_WITH_STREAMS
    case ValueType::stream: return e.object<Stream>()->memory_usage();
#endif
    default: return 0;
  }
}

namespace detail {
inline void free_value_of(Memory& mem, const Entry* e) {
  if (e->encoding() != Encoding::int_ && e->encoding() != Encoding::embstr) {
    free_value(mem, e->type(), e->encoding(), e->ptr());
  }
}

inline std::uint32_t lfu_minutes(std::int64_t now_ms) { return static_cast<std::uint32_t>(now_ms / 60000) & 0xffff; }

inline std::uint32_t lfu_decayed_counter(std::uint32_t lru, std::int64_t now_ms, int decay_time) {
  std::uint32_t ldt = lru >> 8;
  std::uint32_t counter = lru & 0xff;
  std::uint32_t now = lfu_minutes(now_ms);
  std::uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  std::uint32_t periods = decay_time > 0 ? elapsed / static_cast<std::uint32_t>(decay_time) : 0;
  if (periods) counter = periods > counter ? 0 : counter - periods;
  return counter;
}
}  // namespace detail

MICROREDIS_INLINE Db::Db(KeyspaceShared& shared, int index, std::uint64_t seed)
    : shared_(&shared), index_(index), table_(shared.mem, seed) {}

MICROREDIS_INLINE Db::~Db() { clear(); }

MICROREDIS_INLINE std::uint32_t Db::fresh_lru() const {
  // LFU entries start at LFU_INIT_VAL (5) so that new keys are not evicted first.
  if (shared_->lfu) return (detail::lfu_minutes(now_ms()) << 8) | 5u;
  return lru_clock(now_ms());
}

MICROREDIS_INLINE void Db::touch(Entry* e) {
  if (!shared_->lfu) {
    e->set_lru(lru_clock(now_ms()));
    return;
  }
  std::uint32_t counter = detail::lfu_decayed_counter(e->lru(), now_ms(), shared_->lfu_decay_time);
  // Logarithmic increment: the more hits a key has, the less likely the next one counts.
  if (counter < 255) {
    double base = counter > 5 ? static_cast<double>(counter - 5) : 0.0;
    double p = 1.0 / (base * shared_->lfu_log_factor + 1);
    if (shared_->rng.unit() < p) ++counter;
  }
  e->set_lru((detail::lfu_minutes(now_ms()) << 8) | counter);
}

MICROREDIS_INLINE std::int64_t Db::idle_ms(const Entry& e) const {
  // Redis's estimateObjectIdleTime: the 24-bit clock wraps about every 194 days.
  std::uint32_t now = lru_clock(now_ms());
  std::uint32_t lru = e.lru();
  std::uint32_t seconds = now >= lru ? now - lru : now + (kLruClockMax - lru);
  return static_cast<std::int64_t>(seconds) * 1000;
}

MICROREDIS_INLINE std::uint32_t Db::lfu_frequency(const Entry& e) const {
  return detail::lfu_decayed_counter(e.lru(), now_ms(), shared_->lfu_decay_time);
}

MICROREDIS_INLINE void Db::expire_now(std::string_view key, std::uint64_t h) {
  auto* e = static_cast<Entry*>(table_.remove(key, h));
  if (e == nullptr) return;
  ++shared_->expired_keys;
  if (shared_->observer) shared_->observer->on_key_removed(*this, *e, KeyRemoval::expired);
  discard(e);
}

MICROREDIS_INLINE Entry* Db::lookup_no_touch(std::string_view key) {
  std::uint64_t h = table_.hash(key);
  auto* e = static_cast<Entry*>(table_.find(key, h));
  if (e != nullptr && MICROREDIS_UNLIKELY(is_expired(e))) {
    if (!shared_->keep_expired) expire_now(key, h);
    return nullptr;
  }
  return e;
}

MICROREDIS_INLINE void Db::prefetch(const std::string_view* keys, std::size_t n, std::size_t stride) const {
  if (n > kPrefetchBatch) n = kPrefetchBatch;
  std::uint64_t hashes[kPrefetchBatch];
  for (std::size_t i = 0; i < n; ++i) {
    hashes[i] = table_.hash(keys[i * stride]);
    table_.prefetch_bucket(hashes[i]);
  }
  // By now the first buckets have arrived (or are about to): their entries can be requested.
  for (std::size_t i = 0; i < n; ++i) table_.prefetch_entries(hashes[i]);
}

MICROREDIS_INLINE bool Db::prefetch_member_bucket(const Entry& e, std::string_view member, MemberHint& hint) {
  hint.type = e.type();
  switch (e.type()) {
#if MICROREDIS_WITH_SETS
    case ValueType::set: {
      if (e.encoding() != Encoding::hashtable) return false;
      const auto* t = static_cast<const SetMemberTable*>(e.ptr());
      hint.table = t;
      hint.hash = t->hash(member);
      t->prefetch_bucket(hint.hash);
      return true;
    }
#endif
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: {
      if (e.encoding() != Encoding::hashtable) return false;
      const auto* t = static_cast<const HashFieldTable*>(e.ptr());
      hint.table = t;
      hint.hash = t->hash(member);
      t->prefetch_bucket(hint.hash);
      return true;
    }
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: {
      if (e.encoding() != Encoding::skiplist) return false;
      const ZsetDict* t = &static_cast<const ZsetBig*>(e.ptr())->dict;
      hint.table = t;
      hint.hash = t->hash(member);
      t->prefetch_bucket(hint.hash);
      return true;
    }
#endif
    default:
      (void)member;
      return false;
  }
}

MICROREDIS_INLINE void Db::prefetch_member_entries(const MemberHint& hint) {
  switch (hint.type) {
#if MICROREDIS_WITH_SETS
    case ValueType::set: static_cast<const SetMemberTable*>(hint.table)->prefetch_entries(hint.hash); break;
#endif
#if MICROREDIS_WITH_HASHES
    case ValueType::hash: static_cast<const HashFieldTable*>(hint.table)->prefetch_entries(hint.hash); break;
#endif
#if MICROREDIS_WITH_ZSETS
    case ValueType::zset: static_cast<const ZsetDict*>(hint.table)->prefetch_entries(hint.hash); break;
#endif
    default:
      break;
  }
}

MICROREDIS_INLINE Entry* Db::lookup(std::string_view key) {
  Entry* e = lookup_no_touch(key);
  if (e != nullptr) touch(e);
  return e;
}

MICROREDIS_INLINE void Db::free_entry(Entry* e) {
  // A detached entry is no longer counted (detach() did that).
  detail::free_value_of(mem(), e);
  Entry::free_block(mem(), e);
}

MICROREDIS_INLINE void Db::discard(Entry* e) {
  if (e->has_expire()) --volatile_count_;
  free_entry(e);
}

MICROREDIS_INLINE Entry* Db::put(std::string_view key, const Entry::Layout& value, std::int64_t expire_ms) {
  std::uint64_t h = table_.hash(key);
  void** slot = table_.find_slot(key, h);
  if (slot != nullptr && static_cast<Entry*>(*slot)->overwrite(value, expire_ms, fresh_lru())) {
    return static_cast<Entry*>(*slot);
  }
  Entry* e = Entry::create(mem(), key, expire_ms, value, fresh_lru());
  if (e == nullptr) {
    if (value.encoding != Encoding::int_ && value.encoding != Encoding::embstr) {
      free_value(mem(), value.type, value.encoding, value.pointer);
    }
    return nullptr;
  }
  if (expire_ms >= 0) ++volatile_count_;
  if (slot != nullptr) {
    auto* old = static_cast<Entry*>(*slot);
    *slot = e;
    discard(old);
    return e;
  }
  if (!table_.insert(e, h)) {
    discard(e);
    return nullptr;
  }
  if (shared_->observer) shared_->observer->on_key_added(*this, e->key());
  return e;
}

MICROREDIS_INLINE Entry* Db::rebuild(Entry* e, const Entry::Layout& value, std::int64_t expire_ms,
                                     bool keep_old_value) {
  std::string_view key = e->key();
  void** slot = table_.find_slot(key, table_.hash(key));
  if (slot == nullptr) return nullptr;
  Entry* fresh = Entry::create(mem(), key, expire_ms, value, e->lru());
  if (fresh == nullptr) return nullptr;
  *slot = fresh;
  if (fresh->has_expire()) ++volatile_count_;
  if (e->has_expire()) --volatile_count_;
  if (!keep_old_value) detail::free_value_of(mem(), e);
  Entry::free_block(mem(), e);
  return fresh;
}

MICROREDIS_INLINE Entry* Db::set_expire(Entry* e, std::int64_t expire_ms) {
  if (e->has_expire() && expire_ms >= 0) {
    e->set_expire_in_place(expire_ms);
    return e;
  }
  if (!e->has_expire() && expire_ms < 0) return e;
  return rebuild(e, e->layout(), expire_ms, true);
}

MICROREDIS_INLINE bool Db::remove(std::string_view key) {
  auto* e = static_cast<Entry*>(table_.remove(key));
  if (e == nullptr) return false;
  discard(e);
  return true;
}

MICROREDIS_INLINE Entry* Db::rename(Entry* e, std::string_view new_key) {
  // The value moves by pointer (or inline bytes): only the entry block is rebuilt.
  Entry* fresh = Entry::create(mem(), new_key, e->expire_ms(), e->layout(), e->lru());
  if (fresh == nullptr) return nullptr;
  if (!table_.insert(fresh, table_.hash(new_key))) {
    Entry::free_block(mem(), fresh);
    return nullptr;
  }
  if (fresh->has_expire()) ++volatile_count_;
  (void)table_.remove(e->key());
  if (e->has_expire()) --volatile_count_;
  Entry::free_block(mem(), e);
  if (shared_->observer) shared_->observer->on_key_added(*this, fresh->key());
  return fresh;
}

MICROREDIS_INLINE Entry* Db::detach(std::string_view key) {
  auto* e = static_cast<Entry*>(table_.remove(key));
  if (e != nullptr && e->has_expire()) --volatile_count_;
  return e;
}

MICROREDIS_INLINE bool Db::attach(Entry* e) {
  if (!table_.insert(e, table_.hash(e->key()))) return false;
  if (e->has_expire()) ++volatile_count_;
  if (shared_->observer) shared_->observer->on_key_added(*this, e->key());
  return true;
}

MICROREDIS_INLINE void Db::clear() {
  Memory& m = mem();
  table_.clear([&m](void* p) {
    auto* e = static_cast<Entry*>(p);
    detail::free_value_of(m, e);
    Entry::free_block(m, e);
  });
  volatile_count_ = 0;
  expire_cursor_ = 0;
}

MICROREDIS_INLINE void Db::swap_contents(Db& other) {
  // O(1): the tables exchange their buckets; each Db keeps its index.
  std::swap(volatile_count_, other.volatile_count_);
  std::swap(expire_cursor_, other.expire_cursor_);
  table_.swap(other.table_);
}

MICROREDIS_INLINE Entry* Db::random_entry() {
  // Every expired key drawn is deleted, so the loop ends: with a live key, or with an empty table.
  for (int draws = 0;; ++draws) {
    auto* e = static_cast<Entry*>(table_.random(shared_->rng));
    if (e == nullptr || !is_expired(e)) return e;
    // Paused clients: expired keys stay, so a table of only expired keys must not loop forever.
    if (shared_->keep_expired) {
      if (draws == 100) return nullptr;
      continue;
    }
    std::string_view key = e->key();
    expire_now(key, table_.hash(key));
  }
}

MICROREDIS_INLINE std::size_t Db::sample_volatile(Entry** out, std::size_t want) {
  std::size_t n = 0;
  if (volatile_count_ == 0 || want == 0) return 0;
  const std::uint64_t start = shared_->rng.next();
  std::uint64_t cursor = start;
  bool wrapped = false;
  while (n < want) {
    const std::uint64_t next = table_.scan(cursor, [&](void* p) {
      auto* e = static_cast<Entry*>(p);
      if (n < want && e->has_expire()) out[n++] = e;
    });
    // Once around hash space: past the end (next == 0), then back beyond the starting point.
    if (next == 0) {
      if (wrapped) break;
      wrapped = true;
    } else if (wrapped && next > start) {
      break;
    }
    cursor = next;
  }
  return n;
}

MICROREDIS_INLINE std::size_t Db::active_expire(std::size_t max_steps) {
  if (volatile_count_ == 0) return 0;
  std::size_t expired = 0;
  Entry* batch[64];
  for (std::size_t step = 0; step < max_steps && volatile_count_ > 0; ++step) {
    std::size_t n = 0;
    bool overflow = false;
    std::uint64_t next = table_.scan(expire_cursor_, [&](void* p) {
      auto* e = static_cast<Entry*>(p);
      if (!is_expired(e)) return;
      if (n < 64) {
        batch[n++] = e;
      } else {
        overflow = true;
      }
    });
    for (std::size_t i = 0; i < n; ++i) {
      std::string_view key = batch[i]->key();
      expire_now(key, table_.hash(key));
    }
    expired += n;
    // A chain with more than 64 expired keys is revisited before moving on.
    if (overflow) continue;
    expire_cursor_ = next;
    if (next == 0) break;  // the whole hash space was visited
  }
  return expired;
}

}  // namespace microredis
