// The listpack: a sequence of elements, each an integer or a byte string, in one contiguous block
// allocated through a Memory. Small hashes keep their field/value pairs in one; lists (as a
// quicklist of listpacks) and small sorted sets (member/score pairs) reuse it.
//
// Block layout:
//   bytes 0-3   total bytes of the block (little endian)
//   bytes 4-5   element count, saturating at 65535 ("unknown": count by walking, as Redis does)
//   elements    back to back; there is no end marker, the total size says where they stop
//
// Element layout: a header byte that says what follows, the data, then "backlen": the size of
// header + data in 1..5 bytes, readable from its last byte backwards, which is what makes the last
// element O(1) to find and the sequence walkable in both directions.
//   0xxxxxxx                      integer 0..127 (no data byte)
//   10llllll + l bytes            string of up to 63 bytes
//   110xxxxx x                    integer -4096..4095 (13 bits)
//   1110llll l + bytes            string of up to 4095 bytes
//   11110000 l(4) + bytes         longer string
//   11110001/0010/0011/0100       16/24/32/64-bit integer (little endian)
// This is Redis's per-element encoding: a field "field:0" costs 9 bytes and a 7-bit integer 2. The
// block header is one byte smaller than Redis's (no end-of-listpack byte).
//
// Strings that are the canonical decimal form of an int64 ("12", "-7", not "012" or "+1") are
// stored as integers and read back as the same text, so the encoding never shows through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "../util/strconv.hpp"

namespace microredis {

// Scratch space for an integer element's decimal text.
using ElementText = char[kLongLongChars];

// An element of a compact encoding (listpack or intset): an integer or a byte string. A view: the
// bytes belong to the block it was read from (or to the caller that built it).
struct Element {
  const char* str = nullptr;  // the bytes of a string element; nullptr for an integer
  std::size_t len = 0;
  std::int64_t num = 0;

  bool is_int() const { return str == nullptr; }
  // The element as text (integers are formatted into buf).
  std::string_view text(ElementText& buf) const {
    if (str != nullptr) return {str, len};
    return {buf, format_int64(buf, num)};
  }
  // Bytes of the element as text (the number of digits of an integer).
  std::size_t text_size() const {
    if (str != nullptr) return len;
    ElementText buf;
    return format_int64(buf, num);
  }
  bool equals(std::string_view s) const;

  // s as an element: a canonical integer becomes an integer element, anything else a string.
  static Element of(std::string_view s);
  static Element of_int(std::int64_t v) {
    Element e;
    e.num = v;
    return e;
  }
  // s as a string element, never an integer.
  static Element of_bytes(std::string_view s) {
    Element e;
    e.str = s.data() != nullptr ? s.data() : "";
    e.len = s.size();
    return e;
  }
};

class Listpack {
 public:
  static constexpr std::size_t kHeaderSize = 6;
  // Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack that would grow past this converts to the big
  // encoding instead (hashes, sorted sets) or starts a new node (lists).
  static constexpr std::size_t kMaxSafeBytes = std::size_t{1} << 30;

  // An empty listpack; nullptr when memory ran out.
  static std::uint8_t* create(Memory& mem);
  static void destroy(Memory& mem, std::uint8_t* lp);
  // A copy of the block (COPY, conversions that keep the original); nullptr when out of memory.
  static std::uint8_t* clone(Memory& mem, const std::uint8_t* lp);

  static std::size_t bytes(const std::uint8_t* lp) { return read_u32(lp); }
  static std::size_t length(const std::uint8_t* lp);
  static bool empty(const std::uint8_t* lp) { return bytes(lp) == kHeaderSize; }
  // Whether add more bytes keep the block under kMaxSafeBytes.
  static bool safe_to_add(const std::uint8_t* lp, std::size_t add) {
    return (lp != nullptr ? bytes(lp) : kHeaderSize) + add <= kMaxSafeBytes;
  }

  // Positions are pointers to an element's first byte: valid until the block changes. nullptr
  // stands for "no such element".
  static const std::uint8_t* first(const std::uint8_t* lp) { return empty(lp) ? nullptr : lp + kHeaderSize; }
  static const std::uint8_t* last(const std::uint8_t* lp);
  static const std::uint8_t* next(const std::uint8_t* lp, const std::uint8_t* p) {
    const std::uint8_t* q = p + element_size(p);
    return q < lp + bytes(lp) ? q : nullptr;
  }
  static const std::uint8_t* prev(const std::uint8_t* lp, const std::uint8_t* p);
  // The element at index (negative: from the end, -1 is the last), or nullptr.
  static const std::uint8_t* seek(const std::uint8_t* lp, std::int64_t index);
  // The two encodings of short lists and small values (a string under 64 bytes, an integer
  // 0..127) are decoded here, inline: range replies walk thousands of them per command.
  static Element get(const std::uint8_t* p) {
    const std::uint8_t b = p[0];
    Element e;
    if ((b & 0xc0) == 0x80) {
      e.str = reinterpret_cast<const char*>(p + 1);
      e.len = b & 0x3fu;
    } else if (b < 0x80) {
      e.num = b;
    } else {
      e = get_encoded(p);
    }
    return e;
  }
  // The first element at or after p equal to s, comparing p and then every (skip+1)-th element
  // (skip = 1 looks at the fields of field/value pairs only). nullptr when none is.
  static const std::uint8_t* find(const std::uint8_t* lp, const std::uint8_t* p, std::string_view s,
                                  std::size_t skip = 0);
  static std::size_t offset(const std::uint8_t* lp, const std::uint8_t* p) {
    return static_cast<std::size_t>(p - lp);
  }
  // Bytes the element at p occupies (header, data and backlen).
  static std::size_t element_size(const std::uint8_t* p) {
    // Header and data under 128 bytes: a one-byte backlen.
    const std::uint8_t b = p[0];
    if (b < 0x80) return 2;
    if ((b & 0xc0) == 0x80) return (b & 0x3fu) + 2;
    return element_size_encoded(p);
  }
  // Bytes a value would occupy as an element.
  static std::size_t encoded_size(const Element& v);

  // Mutations take the block and return it, possibly moved; nullptr when memory ran out, with the
  // block untouched. Offsets are byte offsets of elements (offset(lp, p)); bytes(lp) is the end.
  //
  // Inserts n values before the element at offset (at the end when offset == bytes(lp)).
  static std::uint8_t* insert(Memory& mem, std::uint8_t* lp, std::size_t offset, const Element* values,
                              std::size_t n);
  static std::uint8_t* insert(Memory& mem, std::uint8_t* lp, std::size_t offset, const Element& v) {
    return insert(mem, lp, offset, &v, 1);
  }
  static std::uint8_t* append(Memory& mem, std::uint8_t* lp, const Element& v) {
    return insert(mem, lp, bytes(lp), &v, 1);
  }
  static std::uint8_t* prepend(Memory& mem, std::uint8_t* lp, const Element& v) {
    return insert(mem, lp, kHeaderSize, &v, 1);
  }
  // Replaces the element at offset with v.
  static std::uint8_t* replace(Memory& mem, std::uint8_t* lp, std::size_t offset, const Element& v);
  // Removes count elements (fewer if the block ends first) starting at offset. The block shrinks
  // to its exact size, which may take an allocation (the survivors move to a new block, so that a
  // failure leaves the old one whole).
  static std::uint8_t* erase(Memory& mem, std::uint8_t* lp, std::size_t offset, std::size_t count);

 private:
  static Element get_encoded(const std::uint8_t* p);
  static std::size_t element_size_encoded(const std::uint8_t* p);
  static std::uint32_t read_u32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
  }
  static void write_u32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p[2] = static_cast<std::uint8_t>(v >> 16);
    p[3] = static_cast<std::uint8_t>(v >> 24);
  }
  static std::uint16_t stored_count(const std::uint8_t* lp) {
    return static_cast<std::uint16_t>(lp[4] | (lp[5] << 8));
  }
  static void set_count(std::uint8_t* lp, std::size_t n) {
    std::uint16_t v = n >= 0xffff ? 0xffff : static_cast<std::uint16_t>(n);
    lp[4] = static_cast<std::uint8_t>(v);
    lp[5] = static_cast<std::uint8_t>(v >> 8);
  }
  static std::size_t walk_count(const std::uint8_t* lp);
  static std::uint8_t* write_element(std::uint8_t* out, const Element& v);

 public:
  // One change for rewrite(): the count elements at byte offset `offset` give way to n values.
  struct Edit {
    std::size_t offset;
    std::size_t count;
    const Element* values;
    std::size_t n;
  };
  // Applies up to 4 edits (ascending offsets, not overlapping) at once, into a new block of the
  // exact size; values may be views into lp, which is freed only after they are written. nullptr
  // when out of memory (or given more edits), with lp untouched. (A sorted set moves a member/score pair with two edits: an
  // erase here, an insert there, and no moment where the pair is lost or doubled.)
  static std::uint8_t* rewrite(Memory& mem, std::uint8_t* lp, const Edit* edits, std::size_t n_edits) {
    const std::size_t old_bytes = bytes(lp);
    std::size_t total = old_bytes;
    std::size_t count = length(lp);
    std::size_t ends[4];
    if (n_edits > 4) return nullptr;
    for (std::size_t e = 0; e < n_edits; ++e) {
      std::size_t end = edits[e].offset;
      std::size_t removed = 0;
      while (removed < edits[e].count && end < old_bytes) {
        end += element_size(lp + end);
        ++removed;
      }
      ends[e] = end;
      total -= end - edits[e].offset;
      for (std::size_t i = 0; i < edits[e].n; ++i) total += encoded_size(edits[e].values[i]);
      count = count - removed + edits[e].n;
    }
    if (total > UINT32_MAX) return nullptr;
    auto* out = static_cast<std::uint8_t*>(mem.allocate(total));
    if (out == nullptr) return nullptr;
    std::uint8_t* w = out;
    std::size_t from = 0;
    for (std::size_t e = 0; e < n_edits; ++e) {
      std::memcpy(w, lp + from, edits[e].offset - from);
      w += edits[e].offset - from;
      for (std::size_t i = 0; i < edits[e].n; ++i) w = write_element(w, edits[e].values[i]);
      from = ends[e];
    }
    std::memcpy(w, lp + from, old_bytes - from);
    write_u32(out, static_cast<std::uint32_t>(total));
    set_count(out, count);
    mem.deallocate(lp, old_bytes);
    return out;
  }
  // Added for lists (quicklist nodes pop at their head): erase() without a new block. The
  // survivors move down inside the block, which then shrinks in place, so popping the first element
  // of a node allocates nothing. The removed bytes are kept aside (up to kInPlaceEraseMax of them)
  // so that a failed shrink can put them back: nullptr then, with the block as it was. Larger
  // removals take erase()'s path.
  static constexpr std::size_t kInPlaceEraseMax = 256;
  static std::uint8_t* erase_in_place(Memory& mem, std::uint8_t* lp, std::size_t offset, std::size_t count);
};

}  // namespace microredis
