// The intset: a sorted array of distinct integers in one block, each 2, 4 or 8 bytes wide. All
// elements share the width of the widest; adding a value that does not fit upgrades the whole
// array (never downgraded, as Redis's intset). Lookups are binary searches.
//
// Block layout: a 4-byte header (low 2 bits: width code 1/2/3 for 2/4/8 bytes; the other 30 bits:
// the element count), then the elements in ascending order, little endian. Redis's header takes
// 8 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../memory.hpp"
#include "../util/random.hpp"

namespace microredis {

class Intset {
 public:
  // The count field holds 30 bits; sets convert to a hash table long before (Redis caps
  // set-max-intset-entries at 2^30 for the same reason).
  static constexpr std::size_t kMaxEntries = (std::size_t{1} << 30) - 1;

  // An empty intset of 16-bit elements; nullptr when memory ran out.
  static Intset* create(Memory& mem);
  static void destroy(Memory& mem, Intset* is);
  static Intset* clone(Memory& mem, const Intset* is);

  std::size_t length() const { return header() >> 2; }
  // Bytes of the element array's width (2, 4 or 8).
  std::size_t width() const { return std::size_t{1} << (header() & 3u); }
  std::size_t bytes() const { return kHeaderSize + length() * width(); }
  std::int64_t at(std::size_t i) const { return read(data(), width(), i); }
  bool contains(std::int64_t v) const;
  std::int64_t random(Random& rng) const { return at(rng.below(length())); }
  std::int64_t min() const { return at(0); }
  std::int64_t max() const { return at(length() - 1); }

  // Mutations return the (possibly moved) block, or nullptr when memory ran out with the block
  // untouched. `changed` says whether v was added (not there before) or removed (was there).
  static Intset* add(Memory& mem, Intset* is, std::int64_t v, bool& changed);
  static Intset* remove(Memory& mem, Intset* is, std::int64_t v, bool& changed);

 private:
  static constexpr std::size_t kHeaderSize = 4;

  std::uint32_t header() const {
    std::uint32_t h;
    std::memcpy(&h, this, sizeof h);
    return h;
  }
  void set_header(std::size_t count, std::size_t width_code) {
    const auto h = static_cast<std::uint32_t>((count << 2) | width_code);
    std::memcpy(this, &h, sizeof h);
  }
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(this) + kHeaderSize; }
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(this) + kHeaderSize; }

  static std::int64_t read(const std::uint8_t* d, std::size_t width, std::size_t i);
  static void write(std::uint8_t* d, std::size_t width, std::size_t i, std::int64_t v);
  static std::size_t width_code_for(std::int64_t v);
  // Binary search: true and the index when found, else false and the insertion point.
  bool search(std::int64_t v, std::size_t& pos) const;
};

}  // namespace microredis
