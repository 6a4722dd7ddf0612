// A hash table of entry pointers, laid out for memory and for SCAN.
//
// Layout: buckets of 7 slots on one 64-byte line (a presence byte, seven 8-bit hash tags, seven
// pointers), as in Valkey 8's hashtable. A full bucket chains a child bucket through its last slot,
// so entries never move inside a table: only an incremental rehash (two tables, old buckets moved a
// few at a time on every operation) moves them, and only between tables. A lookup reads one bucket
// line, compares tags, and touches an entry only when its tag matches.
//
// Buckets are indexed by the top bits of the hash, so a bucket covers a contiguous range of hash
// values and the order of buckets is the order of hashes whatever the table size. A SCAN cursor is a
// position in hash space: every call returns the entries whose hash lies in [cursor, next), looking
// in both tables while a rehash is under way. Entries present for the whole scan are therefore
// returned exactly once, across any number of grows and shrinks (Redis's reverse-binary cursor
// guarantees "at least once").
//
// Traits supplies `static std::string_view key_of(const void* entry)`. The table's code is
// HashTableBase<KeyOf>: KeyOf is how it reads an entry's key. By default every HashTable<Traits>
// calls Traits::key_of directly (its own copy of the code, key_of inlined: the keyspace's GET/SET
// path). With MICROREDIS_COMPACT_TABLES every table shares one copy that calls key_of through a
// pointer stored in the table (in padding on 32-bit targets: no extra bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../memory.hpp"
#include "../util/hash.hpp"
#include "../util/random.hpp"

namespace microredis {

// SCAN cursors as clients see them are bit-reversed hash-space positions. Positions that scans
// return are bucket boundaries (multiples of 2^(64-n) in a table of 2^n buckets), so their cursors
// stay below 2^n, as small as Redis's reverse-binary cursors, and always fit a signed 64-bit
// integer (some clients parse cursors that way). Every 64-bit value is a valid cursor.
inline std::uint64_t reverse_bits64(std::uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
  v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
  v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
  return (v >> 32) | (v << 32);
}
inline std::uint64_t scan_position_of_cursor(std::uint64_t cursor) { return reverse_bits64(cursor); }
inline std::uint64_t scan_cursor_of_position(std::uint64_t position) { return reverse_bits64(position); }

// KeyOf for HashTable<Traits>'s own copy of the code: no state.
template <class Traits>
struct StaticKeyOf {
  std::string_view operator()(const void* entry) const { return Traits::key_of(entry); }
};
// KeyOf for the shared copy: the traits' function, called through a pointer.
struct KeyOfPointer {
  std::string_view (*fn)(const void*) = nullptr;
  std::string_view operator()(const void* entry) const { return fn(entry); }
};

template <class KeyOf>
class HashTableBase {
 public:
  static constexpr int kSlots = 7;

  HashTableBase(Memory& mem, std::uint64_t seed, KeyOf key_of = KeyOf{}) : mem_(&mem), key_of_(key_of), seed_(seed) {}
  HashTableBase(const HashTableBase&) = delete;
  HashTableBase& operator=(const HashTableBase&) = delete;
  ~HashTableBase() { release_buckets(); }

  std::size_t size() const { return tables_[0].used + tables_[1].used; }
  bool empty() const { return size() == 0; }
  std::uint64_t hash(std::string_view key) const { return hash_bytes(key, seed_); }
  bool rehashing() const { return tables_[1].buckets != nullptr; }
  std::size_t bucket_count() const { return tables_[0].count() + (rehashing() ? tables_[1].count() : 0); }
  // Bytes held by bucket arrays and chained buckets.
  std::size_t overhead_bytes() const { return overhead_; }

  // The slot holding the entry for key, or nullptr. The slot stays valid until the table changes;
  // write a new pointer into it to replace the entry (same key) without a second lookup.
  void** find_slot(std::string_view key, std::uint64_t h) {
    rehash_step();
    for (int t = 0; t < 2; ++t) {
      Table& tab = tables_[t];
      if (tab.buckets == nullptr) break;
      const std::uint8_t tag = tag_of(h);
      for (Bucket* b = &tab.buckets[tab.index(h)]; b != nullptr; b = b->child()) {
        unsigned used = b->entry_mask();
        for (unsigned m = used; m != 0; m &= m - 1) {
          int i = ctz(m);
          if (b->tags[i] == tag && key_of_(b->slots[i]) == key) return &b->slots[i];
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }
  void* find(std::string_view key, std::uint64_t h) {
    void** s = find_slot(key, h);
    return s ? *s : nullptr;
  }
  void* find(std::string_view key) { return find(key, hash(key)); }
  // find() without the rehash step every other operation takes: a read for hints (prefetching).
  const void* peek(std::string_view key, std::uint64_t h) const {
    const std::uint8_t tag = tag_of(h);
    for (int t = 0; t < 2; ++t) {
      const Table& tab = tables_[t];
      if (tab.buckets == nullptr) break;
      for (const Bucket* b = &tab.buckets[tab.index(h)]; b != nullptr; b = b->child()) {
        for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) {
          int i = ctz(m);
          if (b->tags[i] == tag && key_of_(b->slots[i]) == key) return b->slots[i];
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Lookups of a batch overlap their cache misses when the batch is first walked with
  // prefetch_bucket() for every key, then prefetch_entries() for every key, then looked up:
  // the misses on buckets, then on entries, are waited for together instead of one by one.
  //
  // Both compute their addresses without branches: GCC 12 at -O2 silently drops a prefetch whose
  // address and enclosing block both depend on conditions (index() has one), which is what the first
  // version of these did. An empty table prefetches address 0 + 0: harmless, a prefetch never faults.
  void prefetch_bucket(std::uint64_t h) const {
    const Table& tab = tables_[rehashing() ? 1 : 0];
    MICROREDIS_PREFETCH(tab.buckets + ((h >> 1) >> (63 - tab.log2)));  // == index(h), 0 when log2 == 0
  }
  // Starts loading the entry of h's home bucket whose tag matches (reads the bucket; with several
  // matches, the last one): its first 64 bytes, which most often span two cache lines (entries
  // are packed at 8-byte steps, so a 40-byte entry crosses a line boundary about half the time,
  // and the key compare and the value read touch both).
  void prefetch_entries(std::uint64_t h) const {
    const Table& tab = tables_[rehashing() ? 1 : 0];
    if (tab.buckets == nullptr) return;
    const Bucket& b = tab.buckets[(h >> 1) >> (63 - tab.log2)];
    const std::uint8_t tag = tag_of(h);
    const void* target = &b;
    for (unsigned m = b.entry_mask(); m != 0; m &= m - 1) {
      const int i = ctz(m);
      target = b.tags[i] == tag ? b.slots[i] : target;
    }
    MICROREDIS_PREFETCH(target);
    MICROREDIS_PREFETCH(static_cast<const char*>(target) + 63);
  }

  // Adds an entry whose key is not in the table. False when memory ran out (nothing changed).
  [[nodiscard]] bool insert(void* entry, std::uint64_t h) {
    rehash_step();
    if (!rehashing() && needs_grow()) (void)start_resize(tables_[0].log2 + 1);
    Table& tab = rehashing() ? tables_[1] : tables_[0];
    if (tab.buckets == nullptr && !init_table(tab, 0)) return false;
    if (!place(tab, entry, h)) return false;
    ++tab.used;
    return true;
  }

  // Removes the entry for key and returns it (nullptr if absent).
  void* remove(std::string_view key, std::uint64_t h) {
    rehash_step();
    for (int t = 0; t < 2; ++t) {
      Table& tab = tables_[t];
      if (tab.buckets == nullptr) break;
      const std::uint8_t tag = tag_of(h);
      for (Bucket* b = &tab.buckets[tab.index(h)]; b != nullptr; b = b->child()) {
        for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) {
          int i = ctz(m);
          if (b->tags[i] == tag && key_of_(b->slots[i]) == key) {
            void* e = b->slots[i];
            b->present = static_cast<std::uint8_t>(b->present & ~(1u << i));
            --tab.used;
            fill_hole(&tab.buckets[tab.index(h)], b, i);
            if (size() == 0) {
              release_buckets();  // an empty table holds no memory (a drained db, a channel map)
            } else if (!rehashing() && needs_shrink()) {
              (void)start_resize(shrink_target());
            }
            return e;
          }
        }
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }
  void* remove(std::string_view key) { return remove(key, hash(key)); }

  // Removes every entry, calling dispose(entry) on each, and frees the buckets.
  template <class Fn>
  void clear(Fn&& dispose) {
    for (auto& tab : tables_) {
      if (tab.buckets == nullptr) continue;
      for (std::size_t i = 0; i < tab.count(); ++i) {
        for (Bucket* b = &tab.buckets[i]; b != nullptr; b = b->child()) {
          for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) dispose(b->slots[ctz(m)]);
        }
      }
    }
    release_buckets();
  }

  // Calls fn(entry) for every entry. The table must not change during the walk.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& tab : tables_) {
      if (tab.buckets == nullptr) continue;
      for (std::size_t i = 0; i < tab.count(); ++i) {
        for (const Bucket* b = &tab.buckets[i]; b != nullptr; b = b->child()) {
          for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) fn(b->slots[ctz(m)]);
        }
      }
    }
  }

  // One SCAN step: calls fn(entry) for the entries whose hash is in [cursor, next) and returns next
  // (0 when the whole hash space has been covered). fn must not change the table.
  template <class Fn>
  std::uint64_t scan(std::uint64_t cursor, Fn&& fn) const {
    if (tables_[0].buckets == nullptr) return 0;
    // The finest table decides how far one step goes.
    const Table& fine = (rehashing() && tables_[1].log2 > tables_[0].log2) ? tables_[1] : tables_[0];
    std::uint64_t bucket = fine.index(cursor);
    std::uint64_t next = fine.log2 == 0 ? 0 : (bucket + 1) << (64 - fine.log2);  // wraps to 0 at the end
    for (const auto& tab : tables_) {
      if (tab.buckets == nullptr) continue;
      bool whole = &tab == &fine && cursor == (fine.log2 == 0 ? 0 : bucket << (64 - fine.log2));
      for (const Bucket* b = &tab.buckets[tab.index(cursor)]; b != nullptr; b = b->child()) {
        for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) {
          void* e = b->slots[ctz(m)];
          if (!whole) {
            std::uint64_t h = hash(key_of_(e));
            if (h < cursor || (next != 0 && h >= next)) continue;
          }
          fn(e);
        }
      }
    }
    return next;
  }

  // A random entry (nullptr if empty): a random non-empty bucket, then a random entry in its chain.
  void* random(Random& rng) const {
    if (empty()) return nullptr;
    for (int attempt = 0; attempt < 100; ++attempt) {
      const Table& tab = pick_table(rng);
      if (tab.used == 0) continue;
      if (void* e = random_in_bucket(tab, tab.buckets[rng.below(tab.count())], rng)) return e;
    }
    // A sparse table: walk from a random bucket to the first non-empty one.
    const Table& tab = tables_[0].used ? tables_[0] : tables_[1];
    std::size_t start = rng.below(tab.count());
    for (std::size_t i = 0; i < tab.count(); ++i) {
      if (void* e = random_in_bucket(tab, tab.buckets[(start + i) % tab.count()], rng)) return e;
    }
    return nullptr;
  }

  // Moves up to n old buckets into the new table. Returns true while a rehash remains.
  bool rehash(std::size_t n) {
    while (n-- > 0 && rehashing()) move_bucket();
    return rehashing();
  }

  // Exchanges the contents of two tables (SWAPDB).
  void swap(HashTableBase& o) {
    Table t0 = tables_[0], t1 = tables_[1];
    tables_[0] = o.tables_[0];
    tables_[1] = o.tables_[1];
    o.tables_[0] = t0;
    o.tables_[1] = t1;
    std::uint64_t seed = seed_;
    seed_ = o.seed_;
    o.seed_ = seed;
    std::size_t idx = rehash_index_, ovh = overhead_;
    rehash_index_ = o.rehash_index_;
    overhead_ = o.overhead_;
    o.rehash_index_ = idx;
    o.overhead_ = ovh;
  }

  // Grows the table ahead of inserting `expected` entries (DEBUG POPULATE, bulk loads).
  void reserve(std::size_t expected) {
    if (rehashing()) return;
    int log2 = 0;
    while ((std::size_t{kSlots} << log2) < expected && log2 < 60) ++log2;
    if (tables_[0].buckets == nullptr) {
      (void)init_table(tables_[0], log2);
    } else if (log2 > tables_[0].log2) {
      (void)start_resize(log2);
    }
  }

 private:
  struct Bucket {
    std::uint8_t present;  // bit i: slot i holds an entry; bit 7: slot 6 holds the child bucket
    std::uint8_t tags[kSlots];
    void* slots[kSlots];

    bool chained() const { return (present & 0x80u) != 0; }
    Bucket* child() const { return chained() ? static_cast<Bucket*>(slots[kSlots - 1]) : nullptr; }
    unsigned entry_mask() const { return present & (chained() ? 0x3fu : 0x7fu); }
  };

  struct Table {
    Bucket* buckets = nullptr;
    int log2 = 0;
    std::size_t used = 0;
    std::size_t count() const { return buckets ? std::size_t{1} << log2 : 0; }
    std::size_t index(std::uint64_t h) const { return log2 == 0 ? 0 : static_cast<std::size_t>(h >> (64 - log2)); }
  };

  static int ctz(unsigned m) { return __builtin_ctz(m); }
  static std::uint8_t tag_of(std::uint64_t h) { return static_cast<std::uint8_t>(h); }

  // Grow past 100% of slots (chains absorb the excess); shrink below 1/8, straight to the smallest
  // size at most half full, so that a mass delete does not leave a big empty table behind.
  bool needs_grow() const { return tables_[0].buckets && tables_[0].used >= (tables_[0].count() * kSlots); }
  bool needs_shrink() const {
    return tables_[0].log2 > 0 && tables_[0].used * 8 < tables_[0].count() * kSlots;
  }
  int shrink_target() const {
    int log2 = 0;
    while ((std::size_t{kSlots} << log2) < tables_[0].used * 2) ++log2;
    return log2;
  }

  bool init_table(Table& tab, int log2) {
    std::size_t bytes = sizeof(Bucket) << log2;
    void* p = mem_->allocate(bytes, alignof(Bucket));
    if (p == nullptr) return false;
    std::memset(p, 0, bytes);
    tab.buckets = static_cast<Bucket*>(p);
    tab.log2 = log2;
    tab.used = 0;
    overhead_ += bytes;
    return true;
  }

  void free_table(Table& tab) {
    if (tab.buckets == nullptr) return;
    for (std::size_t i = 0; i < tab.count(); ++i) {
      Bucket* c = tab.buckets[i].child();
      while (c != nullptr) {
        Bucket* next = c->child();
        free_bucket(c);
        c = next;
      }
    }
    std::size_t bytes = sizeof(Bucket) << tab.log2;
    mem_->deallocate(tab.buckets, bytes, alignof(Bucket));
    overhead_ -= bytes;
    tab = Table{};
  }

  void release_buckets() {
    free_table(tables_[0]);
    free_table(tables_[1]);
    rehash_index_ = 0;
  }

  void free_bucket(Bucket* b) {
    mem_->deallocate(b, sizeof(Bucket), alignof(Bucket));
    overhead_ -= sizeof(Bucket);
  }

  bool start_resize(int log2) {
    if (log2 < 0 || log2 > 60) return false;
    if (!init_table(tables_[1], log2)) return false;  // no memory: keep using the current table
    rehash_index_ = 0;
    return true;
  }

  // Puts entry into the chain of its home bucket, chaining a new bucket when the chain is full.
  bool place(Table& tab, void* entry, std::uint64_t h) {
    Bucket* b = &tab.buckets[tab.index(h)];
    for (;;) {
      unsigned usable = b->chained() ? 0x3fu : 0x7fu;
      unsigned free_slots = usable & ~b->present;
      if (free_slots != 0) {
        int i = ctz(free_slots);
        b->slots[i] = entry;
        b->tags[i] = tag_of(h);
        b->present = static_cast<std::uint8_t>(b->present | (1u << i));
        return true;
      }
      if (!b->chained()) break;
      b = b->child();
    }
    // The chain's last bucket is full: its last entry moves to a new child bucket.
    void* p = mem_->allocate(sizeof(Bucket), alignof(Bucket));
    if (p == nullptr) return false;
    overhead_ += sizeof(Bucket);
    auto* c = static_cast<Bucket*>(p);
    std::memset(c, 0, sizeof(Bucket));
    c->slots[0] = b->slots[kSlots - 1];
    c->tags[0] = b->tags[kSlots - 1];
    c->slots[1] = entry;
    c->tags[1] = tag_of(h);
    c->present = 0x3;
    b->slots[kSlots - 1] = c;
    b->present = static_cast<std::uint8_t>((b->present & 0x3fu) | 0x80u);
    return true;
  }

  // Keeps a chain compact after slot i of bucket b (in the chain starting at head) was emptied: the
  // last entry of the chain's last bucket moves into the hole, and a last bucket left empty is
  // freed. Entries only move within their own chain, so hash-space SCAN cursors are unaffected.
  void fill_hole(Bucket* head, Bucket* b, int i) {
    if (head->child() == nullptr) return;  // a lone bucket has no chain to compact
    Bucket* parent = head;
    Bucket* last = head->child();
    while (last->child() != nullptr) {
      parent = last;
      last = last->child();
    }
    if (last != b) {
      unsigned m = last->entry_mask();
      if (m != 0) {
        int j = 31 - __builtin_clz(m);
        b->slots[i] = last->slots[j];
        b->tags[i] = last->tags[j];
        b->present = static_cast<std::uint8_t>(b->present | (1u << i));
        last->present = static_cast<std::uint8_t>(last->present & ~(1u << j));
      }
    }
    if (last->entry_mask() == 0) unlink_child(parent);
  }

  // Frees the (empty, last) child of parent.
  void unlink_child(Bucket* parent) {
    Bucket* c = parent->child();
    parent->present = static_cast<std::uint8_t>(parent->present & 0x3fu);
    parent->slots[kSlots - 1] = nullptr;
    free_bucket(c);
  }

  void rehash_step() {
    if (MICROREDIS_UNLIKELY(rehashing())) move_bucket();
  }

  void move_bucket() {
    Table& from = tables_[0];
    Table& to = tables_[1];
    // Skip a bounded number of empty buckets per step.
    for (int empty_visits = 0; rehash_index_ < from.count(); ++empty_visits) {
      Bucket* head = &from.buckets[rehash_index_];
      if (head->entry_mask() != 0 || head->chained()) break;
      ++rehash_index_;
      if (empty_visits >= 10) return;
    }
    if (rehash_index_ < from.count()) {
      Bucket* head = &from.buckets[rehash_index_];
      for (Bucket* b = head; b != nullptr; b = b->child()) {
        for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) {
          int i = ctz(m);
          void* e = b->slots[i];
          if (!place(to, e, hash(key_of_(e)))) return;  // out of memory: retry later
          b->present = static_cast<std::uint8_t>(b->present & ~(1u << i));
          --from.used;
          ++to.used;
        }
      }
      Bucket* c = head->child();
      while (c != nullptr) {
        Bucket* next = c->child();
        free_bucket(c);
        c = next;
      }
      head->present = 0;
      ++rehash_index_;
    }
    if (rehash_index_ >= from.count()) {
      std::size_t used = to.used;
      free_table(from);
      from = to;
      from.used = used;
      to = Table{};
      rehash_index_ = 0;
      // Deletes during the rehash may have left the new table too big already.
      if (needs_shrink()) (void)start_resize(shrink_target());
    }
  }

  const Table& pick_table(Random& rng) const {
    if (!rehashing()) return tables_[0];
    std::uint64_t total = tables_[0].used + tables_[1].used;
    return rng.below(total) < tables_[0].used ? tables_[0] : tables_[1];
  }

  static void* random_in_bucket(const Table&, const Bucket& head, Random& rng) {
    std::size_t n = 0;
    for (const Bucket* b = &head; b != nullptr; b = b->child()) n += static_cast<std::size_t>(__builtin_popcount(b->entry_mask()));
    if (n == 0) return nullptr;
    std::size_t pick = rng.below(n);
    for (const Bucket* b = &head; b != nullptr; b = b->child()) {
      for (unsigned m = b->entry_mask(); m != 0; m &= m - 1) {
        if (pick-- == 0) return b->slots[ctz(m)];
      }
    }
    return nullptr;
  }

  Memory* mem_;
  [[no_unique_address]] KeyOf key_of_;
  std::uint64_t seed_;
  Table tables_[2];
  std::size_t rehash_index_ = 0;
  std::size_t overhead_ = 0;
};

#if MICROREDIS_COMPACT_TABLES
template <class Traits>
class HashTable : public HashTableBase<KeyOfPointer> {
 public:
  HashTable(Memory& mem, std::uint64_t seed) : HashTableBase(mem, seed, KeyOfPointer{&Traits::key_of}) {}
};
#else
template <class Traits>
class HashTable : public HashTableBase<StaticKeyOf<Traits>> {
 public:
  HashTable(Memory& mem, std::uint64_t seed) : HashTableBase<StaticKeyOf<Traits>>(mem, seed) {}
};
#endif

}  // namespace microredis
