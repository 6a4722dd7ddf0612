// The hash type's data layer (no RESP, no Context), as Redis's t_hash.c without its commands.
//
// A hash is either
//   - "listpack": field, value, field, value... in one Listpack block, while it has at most
//     hash-max-listpack-entries pairs and every field and value is at most hash-max-listpack-value
//     bytes; lookups are linear scans of a block that fits a few cache lines;
//   - "hashtable": a HashTable whose entries are HashField allocations (field and value in one
//     block). Redis 7.0 never converts back (except by reloading the dataset), and neither do we.
// The keyspace entry holds the encoding and the pointer (the listpack block or the table). A
// HashObject is a copy of that pair: operations may move a listpack block (the caller stores the
// new pointer back with Entry::set_ptr), but never change the encoding: a conversion builds the
// new form beside the old one (to_table), so that the caller can swap the entry over and free the
// old form only once nothing can fail any more.
//
// Also here, because the set type shares them: the fair random pick over a HashTable and the
// mapping between SCAN cursors and hash-space positions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../memory.hpp"
#include "../status.hpp"
#include "../util/random.hpp"
#include "listpack.hpp"
#include "object.hpp"
#include "table.hpp"

namespace microredis {

// ---------------------------------------------------------------------------------------------
// Shared by the aggregate types stored in a HashTable

// A string stored as a table entry: a varint length and the bytes, in one allocation (set members;
// the hash field allocation extends it with the value).
struct TableString {
  static std::size_t alloc_size(std::size_t len) { return Entry::varint_size(len) + len; }
  static std::string_view read(const void* p) {
    std::size_t n = 0;
    const std::uint8_t* s = Entry::read_varint(static_cast<const std::uint8_t*>(p), n);
    return {reinterpret_cast<const char*>(s), n};
  }
  // Writes s at out; returns the end.
  static std::uint8_t* write(std::uint8_t* out, std::string_view s) {
    out = Entry::write_varint(out, s.size());
    if (!s.empty()) std::memcpy(out, s.data(), s.size());
    return out + s.size();
  }
};

// A uniformly random entry of a non-empty table. HashTable::random() picks a bucket and then an
// entry of its chain, which favours entries of short chains; SRANDMEMBER and HRANDFIELD must be
// fair (Redis's tests run chi-square checks on them). Small tables: a uniform index and a walk.
// Big ones: rejection sampling over buckets of the finest table, accepting a bucket holding m
// entries with probability m/kCap, then a uniform entry of it, which gives every entry the same
// chance as long as no bucket range holds more than kCap entries (load is 7 per bucket at most on
// average, so that is a rare tail, where the bias is small).
template <class KeyOf>
void* fair_random_entry(const HashTableBase<KeyOf>& table, Random& rng) {
  const std::size_t n = table.size();
  if (n == 0) return nullptr;
  if (n <= 32) {
    std::size_t k = rng.below(n);
    void* found = nullptr;
    table.for_each([&](void* e) {
      if (k-- == 0) found = e;
    });
    return found;
  }
  constexpr std::size_t kCap = 24;
  constexpr std::size_t kKeep = 64;
  // During a rehash bucket_count() is the sum of two different powers of two, the larger being the
  // finer table; its highest bit is that table's bucket count either way.
  const std::size_t buckets = table.bucket_count();
  int log2 = 0;
  while ((std::size_t{2} << log2) <= buckets) ++log2;
  for (;;) {
    const std::uint64_t b = rng.below(std::uint64_t{1} << log2);
    const std::uint64_t pos = log2 == 0 ? 0 : b << (64 - log2);
    void* items[kKeep];
    std::size_t m = 0;
    table.scan(pos, [&](void* e) {
      if (m < kKeep) items[m] = e;
      ++m;
    });
    if (m == 0) continue;
    if (m >= kCap || rng.below(kCap) < m) return items[rng.below(m < kKeep ? m : kKeep)];
  }
}

// Calls fn(entry) for count distinct entries of a table, count < size(). When count is a good
// part of the table (more than a third, Redis's SUB_STRATEGY_MUL), every entry is gathered and a
// partial Fisher-Yates shuffle picks count of them; otherwise fair random picks are deduplicated
// in a scratch table (which holds the entries, not copies). false when out of memory; fn may have
// been called for some entries by then.
template <class Traits, class Fn>
bool sample_distinct_entries(Memory& mem, Random& rng, const HashTable<Traits>& table, std::size_t count, Fn&& fn) {
  const std::size_t size = table.size();
  if (count * 3 > size) {
    Vec<void*> all(mem);
    if (!all.reserve(size)) return false;
    table.for_each([&](void* e) { (void)all.push_back(e); });
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t j = i + static_cast<std::size_t>(rng.below(size - i));
      void* picked = all[j];
      all[j] = all[i];
      all[i] = picked;
      fn(picked);
    }
    return true;
  }
  HashTable<Traits> seen(mem, rng.next());
  bool ok = true;
  for (std::size_t added = 0; added < count;) {
    void* e = fair_random_entry(table, rng);
    const std::string_view key = Traits::key_of(e);
    const std::uint64_t h = seen.hash(key);
    if (seen.find(key, h) != nullptr) continue;
    if (!seen.insert(e, h)) {
      ok = false;
      break;
    }
    fn(e);
    ++added;
  }
  seen.clear([](void*) {});
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Hash

struct HashLimits {
  std::size_t max_listpack_entries = 128;
  std::size_t max_listpack_value = 64;
};

// A field and its value in the hashtable encoding, one allocation:
//   varint field length, field bytes, varint value length, value bytes
class HashField {
 public:
  static HashField* create(Memory& mem, std::string_view field, std::string_view value);
  static void destroy(Memory& mem, HashField* f) { mem.deallocate(f, f->alloc_size(), 1); }
  std::string_view field() const { return TableString::read(this); }
  std::string_view value() const {
    std::string_view f = field();
    return TableString::read(f.data() + f.size());
  }
  char* value_data() { return const_cast<char*>(value().data()); }
  std::size_t alloc_size() const {
    std::string_view f = field();
    std::string_view v = value();
    return TableString::alloc_size(f.size()) + TableString::alloc_size(v.size());
  }
};

struct HashFieldTraits {
  static std::string_view key_of(const void* e) { return static_cast<const HashField*>(e)->field(); }
};
using HashFieldTable = HashTable<HashFieldTraits>;

class HashObject {
 public:
  HashObject() = default;
  HashObject(Encoding encoding, void* pointer) : encoding_(encoding), ptr_(pointer) {}
  static HashObject of(const Entry& e) { return {e.encoding(), e.ptr()}; }

  // A new, empty hash (listpack). false when out of memory.
  static bool create(Memory& mem, HashObject& out);
  void destroy(Memory& mem);
  // A deep copy in the same encoding (COPY). false when out of memory.
  bool clone(Memory& mem, HashObject& out) const;

  Encoding encoding() const { return encoding_; }
  void* pointer() const { return ptr_; }
  bool is_listpack() const { return encoding_ == Encoding::listpack; }
  std::uint8_t* listpack() const { return static_cast<std::uint8_t*>(ptr_); }
  HashFieldTable* table() const { return static_cast<HashFieldTable*>(ptr_); }

  std::size_t length() const;
  // The value of field (a view into the hash, valid until it changes); false when absent.
  bool get(std::string_view field, Element& value) const;
  bool exists(std::string_view field) const {
    Element v;
    return get(field, v);
  }

  // Whether a listpack hash must convert before storing strings of these lengths (Redis's
  // hashTypeTryConversion: any longer than hash-max-listpack-value, or the block would pass the
  // listpack safety limit).
  bool needs_table_for(const HashLimits& limits, const std::string_view* strings, std::size_t n) const;
  // Whether a listpack hash has outgrown hash-max-listpack-entries.
  bool over_entries(const HashLimits& limits) const {
    return is_listpack() && length() > limits.max_listpack_entries;
  }

  // Sets field to value in the current encoding; `updated` tells an overwrite from an insert.
  // Status::oom leaves the hash as it was.
  Status set(Memory& mem, std::string_view field, std::string_view value, bool& updated);
  // Removes field; `removed` says whether it was there. Status::oom (a listpack that could not be
  // reallocated) leaves the hash as it was.
  Status remove(Memory& mem, std::string_view field, bool& removed);

  // Builds the hashtable form of this listpack hash into out, leaving this one intact. false
  // when out of memory (nothing allocated).
  bool to_table(Memory& mem, std::uint64_t seed, HashObject& out) const;

  // Calls fn(Element field, Element value) for every pair (listpack order, or table order).
  template <class Fn>
  void for_each(Fn&& fn) const {
    if (is_listpack()) {
      const std::uint8_t* lp = listpack();
      for (const std::uint8_t* p = Listpack::first(lp); p != nullptr;) {
        const std::uint8_t* v = Listpack::next(lp, p);
        fn(Listpack::get(p), Listpack::get(v));
        p = Listpack::next(lp, v);
      }
    } else {
      table()->for_each([&](void* e) {
        auto* f = static_cast<const HashField*>(e);
        fn(Element::of_bytes(f->field()), Element::of_bytes(f->value()));
      });
    }
  }

  // A uniformly random pair of a non-empty hash.
  void random_pair(Random& rng, Element& field, Element& value) const;
  // Calls fn(field, value) count times with pairs drawn uniformly with replacement, in draw order.
  // false when out of memory, before any call.
  template <class Fn>
  bool sample(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const;
  // Calls fn(field, value) for count distinct pairs, count < length(). A listpack is walked once,
  // taking each pair with probability needed/left (selection sampling, as Redis's
  // lpRandomPairsUnique: pairs come in listpack order). false when out of memory; fn may have been
  // called for some pairs by then.
  template <class Fn>
  bool sample_distinct(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const;

  // Bytes the value occupies (blocks, tables, field allocations), for MEMORY USAGE and DEBUG.
  std::size_t memory_usage() const;

 private:
  Encoding encoding_ = Encoding::listpack;
  void* ptr_ = nullptr;
};

template <class Fn>
bool HashObject::sample(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const {
  if (!is_listpack()) {
    for (std::size_t i = 0; i < count; ++i) {
      auto* f = static_cast<const HashField*>(fair_random_entry(*table(), rng));
      fn(Element::of_bytes(f->field()), Element::of_bytes(f->value()));
    }
    return true;
  }
  // Offsets of the fields, so that each draw is O(1) instead of a walk.
  const std::uint8_t* lp = listpack();
  Vec<std::uint32_t> fields(mem);
  if (!fields.reserve(length())) return false;
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = Listpack::next(lp, Listpack::next(lp, p))) {
    (void)fields.push_back(static_cast<std::uint32_t>(Listpack::offset(lp, p)));
  }
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = lp + fields[rng.below(fields.size())];
    fn(Listpack::get(p), Listpack::get(Listpack::next(lp, p)));
  }
  return true;
}

template <class Fn>
bool HashObject::sample_distinct(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const {
  if (!is_listpack()) {
    return sample_distinct_entries(mem, rng, *table(), count, [&](void* e) {
      auto* f = static_cast<const HashField*>(e);
      fn(Element::of_bytes(f->field()), Element::of_bytes(f->value()));
    });
  }
  const std::uint8_t* lp = listpack();
  std::size_t left = length();
  std::size_t needed = count;
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr && needed > 0; --left) {
    const std::uint8_t* v = Listpack::next(lp, p);
    if (rng.below(left) < needed) {
      fn(Listpack::get(p), Listpack::get(v));
      --needed;
    }
    p = Listpack::next(lp, v);
  }
  return true;
}

}  // namespace microredis
