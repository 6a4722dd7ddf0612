// The set type's data layer (no RESP, no Context), as Redis 7.0's t_set.c without its commands.
//
// A set is either
//   - "intset": an Intset, while every member is the canonical decimal form of an int64 and there
//     are at most set-max-intset-entries members;
//   - "hashtable": a HashTable whose entries are SetMember allocations (varint length + bytes).
// Redis 7.0 has no listpack set encoding (7.2 added one), and never converts a table back to an
// intset except by reloading the dataset; neither do we.
//
// As with hashes, the keyspace entry holds the encoding and the pointer; a SetObject is a copy of
// that pair. Operations may move an intset (the caller stores the new pointer back) but never
// change the encoding: to_table builds the table beside the intset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "../util/random.hpp"
#include "hash.hpp"
#include "intset.hpp"
#include "listpack.hpp"
#include "object.hpp"
#include "table.hpp"

namespace microredis {

struct SetLimits {
  std::size_t max_intset_entries = 512;
};

// A member in the hashtable encoding: varint length + bytes, one allocation.
class SetMember {
 public:
  static SetMember* create(Memory& mem, std::string_view s);
  static void destroy(Memory& mem, SetMember* m) { mem.deallocate(m, m->alloc_size(), 1); }
  std::string_view view() const { return TableString::read(this); }
  std::size_t alloc_size() const { return TableString::alloc_size(view().size()); }
};

struct SetMemberTraits {
  static std::string_view key_of(const void* e) { return static_cast<const SetMember*>(e)->view(); }
};
using SetMemberTable = HashTable<SetMemberTraits>;

class SetObject {
 public:
  SetObject() = default;
  SetObject(Encoding encoding, void* pointer) : encoding_(encoding), ptr_(pointer) {}
  static SetObject of(const Entry& e) { return {e.encoding(), e.ptr()}; }

  // A new, empty set in the encoding Redis's setTypeCreate picks for a set whose first member is
  // `first`: an intset when it is an integer, else a table. false when out of memory.
  static bool create_for(Memory& mem, std::uint64_t seed, std::string_view first, SetObject& out);
  static bool create_intset(Memory& mem, SetObject& out);
  static bool create_table(Memory& mem, std::uint64_t seed, SetObject& out);
  void destroy(Memory& mem);
  // A deep copy in the same encoding (COPY). false when out of memory.
  bool clone(Memory& mem, SetObject& out) const;

  Encoding encoding() const { return encoding_; }
  void* pointer() const { return ptr_; }
  bool is_intset() const { return encoding_ == Encoding::intset; }
  Intset* intset() const { return static_cast<Intset*>(ptr_); }
  SetMemberTable* table() const { return static_cast<SetMemberTable*>(ptr_); }

  std::size_t length() const { return is_intset() ? intset()->length() : table()->size(); }
  bool contains(std::string_view member) const;

  // Whether an intset must become a table before member can be added (it is not an integer).
  bool needs_table_for(std::string_view member) const;
  // Whether an intset has outgrown set-max-intset-entries (capped at 2^30, as Redis does).
  bool over_entries(const SetLimits& limits) const;

  // Adds member in the current encoding (an intset only takes integers: see needs_table_for).
  // Status::oom leaves the set as it was.
  Status add(Memory& mem, std::string_view member, bool& added);
  Status remove(Memory& mem, std::string_view member, bool& removed);

  // Builds the table form of this intset into out, leaving this one intact. false when out of
  // memory (nothing allocated).
  bool to_table(Memory& mem, std::uint64_t seed, SetObject& out) const;

  // Calls fn(Element) for every member (intset: ascending; table: table order).
  template <class Fn>
  void for_each(Fn&& fn) const {
    if (is_intset()) {
      const Intset* is = intset();
      const std::size_t n = is->length();
      for (std::size_t i = 0; i < n; ++i) fn(Element::of_int(is->at(i)));
    } else {
      table()->for_each([&](void* e) { fn(Element::of_bytes(static_cast<const SetMember*>(e)->view())); });
    }
  }

  // A uniformly random member of a non-empty set.
  Element random(Random& rng) const;
  // Calls fn(Element) for count distinct members, count < length(): selection sampling over an
  // intset (ascending order), sample_distinct_entries over a table. false when out of memory; fn
  // may have been called for some members by then.
  template <class Fn>
  bool sample_distinct(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const {
    if (!is_intset()) {
      return sample_distinct_entries(mem, rng, *table(), count, [&](void* e) {
        fn(Element::of_bytes(static_cast<const SetMember*>(e)->view()));
      });
    }
    const Intset* is = intset();
    const std::size_t n = is->length();
    std::size_t needed = count;
    for (std::size_t i = 0; i < n && needed > 0; ++i) {
      if (rng.below(n - i) < needed) {
        fn(Element::of_int(is->at(i)));
        --needed;
      }
    }
    return true;
  }

  // Bytes the value occupies (blocks, tables, member allocations), for MEMORY USAGE and DEBUG.
  std::size_t memory_usage() const;

 private:
  Encoding encoding_ = Encoding::intset;
  void* ptr_ = nullptr;
};

}  // namespace microredis
