// One logical database: key -> Entry, with lazy expiry on access and incremental active expiry.
// Knows nothing of RESP or commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "../util/random.hpp"
#include "object.hpp"
#include "table.hpp"

namespace microredis {

class Db;

// Why a key left the keyspace other than by an explicit delete.
enum class KeyRemoval : std::uint8_t { expired, evicted };

// Called by the keyspace for events the engine reacts to (statistics, notifications, WATCH).
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;
  // The entry is still valid during the call and freed right after.
  virtual void on_key_removed(Db& db, const Entry& entry, KeyRemoval why) = 0;
  // A key that did not exist was created (Redis's "new" keyspace event).
  virtual void on_key_added(Db& db, std::string_view key) = 0;
};

// State shared by every database of one engine.
struct KeyspaceShared {
  explicit KeyspaceShared(Memory& m) : mem(m) {}
  Memory& mem;
  Random rng;
  KeyspaceObserver* observer = nullptr;
  std::int64_t now_ms = 0;        // the time snapshot of the running command
  bool lfu = false;               // maxmemory-policy is an LFU one: Entry::lru holds LFU data
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  bool lazy_expire_enabled = true;  // DEBUG SET-ACTIVE-EXPIRE does not touch this; kept for replicas
  // Set while a command runs during CLIENT PAUSE: lookups treat expired keys as missing but leave
  // them in place (the dataset stays constant until the pause ends).
  bool keep_expired = false;
  // Set while a replica applies its master's commands: no key has expired for them.
  bool no_expiry = false;
  std::uint64_t keyspace_hits = 0;
  std::uint64_t keyspace_misses = 0;
  std::uint64_t expired_keys = 0;
  std::uint64_t evicted_keys = 0;
};

// Redis's LRU clock: seconds, 24 bits.
inline constexpr std::uint32_t kLruClockMax = (1u << 24) - 1;
inline std::uint32_t lru_clock(std::int64_t now_ms) { return static_cast<std::uint32_t>(now_ms / 1000) & kLruClockMax; }

class Db {
 public:
  Db(KeyspaceShared& shared, int index, std::uint64_t seed);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int index() const { return index_; }
  std::size_t size() const { return table_.size(); }
  std::size_t volatile_count() const { return volatile_count_; }
  KeyspaceShared& shared() { return *shared_; }
  Memory& mem() { return shared_->mem; }
  std::int64_t now_ms() const { return shared_->now_ms; }
  std::uint64_t hash(std::string_view key) const { return table_.hash(key); }

  // The live entry for key (expired entries are deleted on the way), touching its LRU/LFU data.
  Entry* lookup(std::string_view key);
  // Like lookup() but leaves LRU/LFU data alone (OBJECT, TYPE-less inspections, DEBUG OBJECT).
  Entry* lookup_no_touch(std::string_view key);
  // The entry for key even if it has expired; never deletes (KEYS, SCAN filters, tests).
  Entry* find_raw(std::string_view key) { return static_cast<Entry*>(table_.find(key)); }
  // As Redis's keyIsExpired: a key expires once the time is past its expire time, so at exactly
  // that millisecond it still exists (with a TTL of 0).
  bool is_expired(const Entry* e) const {
    return e->has_expire() && now_ms() > e->expire_ms() && !shared_->no_expiry;
  }
  bool exists(std::string_view key) { return lookup_no_touch(key) != nullptr; }
  // Starts loading what looking up these keys will touch (their buckets, then the entries whose
  // hash tags match), so that the cache misses of a batch of lookups overlap. At most
  // kPrefetchBatch keys are used; the rest are ignored. A hint: nothing changes.
  static constexpr std::size_t kPrefetchBatch = 16;
  // stride: distance between keys in the array (2 for MSET's key value pairs).
  void prefetch(const std::string_view* keys, std::size_t n, std::size_t stride = 1) const;
  // The two steps of prefetch() for callers that space them out: prefetch_bucket() starts loading
  // key's bucket and returns the key's hash; prefetch_entries(hash), once the bucket had time to
  // arrive, starts loading the entries it may hold for that hash.
  std::uint64_t prefetch_bucket(std::string_view key) const {
    const std::uint64_t h = table_.hash(key);
    table_.prefetch_bucket(h);
    return h;
  }
  void prefetch_entries(std::uint64_t h) const { table_.prefetch_entries(h); }
  // The entry for key (h: its hash), expired or not, without any side effect (no rehash step): for hints.
  const Entry* peek(std::string_view key, std::uint64_t h) const { return static_cast<const Entry*>(table_.peek(key, h)); }

  // The same two steps one level down, inside a big collection: a pipeline of SADD / HSET / ZADD
  // on one key misses on the members of that key's table, not on the keyspace. step 1 starts
  // loading the bucket where e's member table (a hashtable set or hash, a skiplist sorted set's
  // dict) keeps `member` and fills `hint`; false (hint unused) when e has no such table. Step 2,
  // once the bucket had time to arrive, starts loading the members whose tags match. Both only
  // read: e and its table must stay as they are between the two steps.
  // Filled by prefetch_member_bucket() (read only where it returned true): no initializers, so
  // that an array of them on a hot path's stack is not zeroed for nothing.
  struct MemberHint {
    const void* table;
    std::uint64_t hash;
    ValueType type;
  };
  static bool prefetch_member_bucket(const Entry& e, std::string_view member, MemberHint& hint);
  static void prefetch_member_entries(const MemberHint& hint);

  // Sets key to value, replacing any old value (which is freed). The entry owns value.pointer from
  // now on, even on failure. expire_ms < 0: no TTL. Returns the new entry, nullptr when out of memory.
  Entry* put(std::string_view key, const Entry::Layout& value, std::int64_t expire_ms);
  // Rebuilds e with a new value and/or expire time; the old value is freed unless keep_old_value
  // (the new layout reuses its pointer). Returns the new entry; on failure nullptr with e intact.
  Entry* rebuild(Entry* e, const Entry::Layout& value, std::int64_t expire_ms, bool keep_old_value);
  // Sets or clears (expire_ms < 0) the TTL of e. Returns the (possibly moved) entry or nullptr (OOM).
  Entry* set_expire(Entry* e, std::int64_t expire_ms);
  // Deletes key; false if it was not there.
  bool remove(std::string_view key);
  // Gives e's value, TTL and LRU/LFU data the key new_key, which must not be present; e's key is
  // gone afterwards. Returns the new entry, or nullptr when out of memory (nothing changed).
  Entry* rename(Entry* e, std::string_view new_key);
  // Unlinks the entry for key without freeing it (RENAME, MOVE); the caller owns it afterwards.
  Entry* detach(std::string_view key);
  // Adds an entry built elsewhere (whose key is not present). False when out of memory.
  [[nodiscard]] bool attach(Entry* e);
  // Removes every key.
  void clear();
  // Swaps the contents of two databases (SWAPDB).
  void swap_contents(Db& other);

  // A random live key's entry, or nullptr. Expired keys it draws are deleted on the way (as Redis's
  // dbRandomKey), so it ends even when every key has expired.
  Entry* random_entry();
  // Up to want entries with a TTL, walking hash space from a random point (eviction's volatile-*
  // policies; Redis samples its expires dict). Finds one whenever volatile_count() > 0. Returns
  // how many it stored in out; expired entries are candidates too.
  std::size_t sample_volatile(Entry** out, std::size_t want);
  // One SCAN step over hash space; see HashTable::scan. fn(const Entry&) must not change the db.
  // Takes and returns positions: clients see them as scan_cursor_of_position() (table.hpp).
  template <class Fn>
  std::uint64_t scan(std::uint64_t cursor, Fn&& fn) const {
    return table_.scan(cursor, [&](void* e) { fn(*static_cast<const Entry*>(e)); });
  }
  template <class Fn>
  void for_each(Fn&& fn) const {
    table_.for_each([&](void* e) { fn(*static_cast<const Entry*>(e)); });
  }

  // Deletes expired keys, visiting at most max_steps hash-space steps from where the last call
  // stopped, and at most the whole hash space once. Returns the number of keys deleted.
  std::size_t active_expire(std::size_t max_steps);
  // Moves rehash work forward (engine tick).
  bool rehash(std::size_t buckets) { return table_.rehash(buckets); }
  void reserve(std::size_t keys) { table_.reserve(keys); }
  std::size_t table_overhead() const { return table_.overhead_bytes(); }

  // Frees a detached entry and its value.
  void free_entry(Entry* e);
  // Initial LRU/LFU field of a new entry.
  std::uint32_t fresh_lru() const;
  // Updates e's LRU/LFU field for an access.
  void touch(Entry* e);
  // OBJECT IDLETIME: milliseconds since the last access, at the LRU clock's one-second resolution.
  std::int64_t idle_ms(const Entry& e) const;
  // OBJECT FREQ: the LFU counter after the decay due since the last access.
  std::uint32_t lfu_frequency(const Entry& e) const;

 private:
  void expire_now(std::string_view key, std::uint64_t h);
  // Frees an entry just unlinked from the table, keeping volatile_count_ right.
  void discard(Entry* e);

  KeyspaceShared* shared_;
  int index_;
  HashTable<EntryTraits> table_;
  std::size_t volatile_count_ = 0;
  std::uint64_t expire_cursor_ = 0;
};

// Frees the value an entry points to (strings' raw buffers and every aggregate type).
void free_value(Memory& mem, ValueType type, Encoding enc, void* pointer);
// A deep copy of e's value as a layout for a new entry (COPY). false when out of memory. Every
// value type needs a case here: the issue that adds a type adds its deep copy.
bool copy_value(Memory& mem, const Entry& e, Entry::Layout& out);
// Bytes e's value holds outside the entry block (MEMORY USAGE, DEBUG): a raw string's buffer, an
// aggregate's blocks and tables.
std::size_t value_memory(const Entry& e);

}  // namespace microredis
