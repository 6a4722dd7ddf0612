#include "microredis/store/listpack.hpp"

#include <cstring>

#include "microredis/store/object.hpp"

namespace microredis {
namespace listpack_detail {

// Header bytes (see listpack.hpp).
constexpr std::uint8_t k6BitStr = 0x80;
constexpr std::uint8_t k13BitInt = 0xc0;
constexpr std::uint8_t k12BitStr = 0xe0;
constexpr std::uint8_t k32BitStr = 0xf0;
constexpr std::uint8_t k16BitInt = 0xf1;
constexpr std::uint8_t k24BitInt = 0xf2;
constexpr std::uint8_t k32BitInt = 0xf3;
constexpr std::uint8_t k64BitInt = 0xf4;

// Bytes of backlen for an element whose header + data take n bytes.
inline std::size_t backlen_size(std::size_t n) {
  if (n < (1u << 7)) return 1;
  if (n < (1u << 14)) return 2;
  if (n < (1u << 21)) return 3;
  if (n < (1u << 28)) return 4;
  return 5;
}

// Writes backlen so that it reads backwards from its last byte: the last byte holds the lowest 7
// bits, and a set high bit means "more bits in the byte before".
inline std::uint8_t* write_backlen(std::uint8_t* out, std::size_t n) {
  const std::size_t size = backlen_size(n);
  for (std::size_t i = 0; i < size; ++i) {
    // Byte size-1-i holds bits 7i..7i+6.
    std::uint8_t b = static_cast<std::uint8_t>((n >> (7 * i)) & 0x7f);
    if (i + 1 < size) b |= 0x80;
    out[size - 1 - i] = b;
  }
  return out + size;
}

// Reads the backlen ending at p (its last byte) and returns header + data size.
inline std::size_t read_backlen(const std::uint8_t* p, std::size_t& backlen_bytes) {
  std::size_t v = 0;
  std::size_t i = 0;
  for (;;) {
    const std::uint8_t b = p[-static_cast<std::ptrdiff_t>(i)];
    v |= static_cast<std::size_t>(b & 0x7f) << (7 * i);
    ++i;
    if ((b & 0x80) == 0) break;
  }
  backlen_bytes = i;
  return v;
}

// Header + data size of the element starting at p.
inline std::size_t content_size(const std::uint8_t* p) {
  const std::uint8_t b = p[0];
  if (b < 0x80) return 1;
  if ((b & 0xc0) == k6BitStr) return 1 + (b & 0x3f);
  if ((b & 0xe0) == k13BitInt) return 2;
  if ((b & 0xf0) == k12BitStr) return 2 + ((static_cast<std::size_t>(b & 0x0f) << 8) | p[1]);
  switch (b) {
    case k32BitStr:
      return 5 + (static_cast<std::size_t>(p[1]) | (static_cast<std::size_t>(p[2]) << 8) |
                  (static_cast<std::size_t>(p[3]) << 16) | (static_cast<std::size_t>(p[4]) << 24));
    case k16BitInt: return 3;
    case k24BitInt: return 4;
    case k32BitInt: return 5;
    default: return 9;  // k64BitInt
  }
}

inline std::size_t int_content_size(std::int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= INT16_MIN && v <= INT16_MAX) return 3;
  if (v >= -(1 << 23) && v <= (1 << 23) - 1) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

inline std::size_t string_content_size(std::size_t len) {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

inline std::size_t value_content_size(const Element& v) {
  return v.is_int() ? int_content_size(v.num) : string_content_size(v.len);
}

inline std::int64_t read_signed(const std::uint8_t* p, int bytes) {
  std::uint64_t u = 0;
  for (int i = 0; i < bytes; ++i) u |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  if (bytes < 8) {
    const std::uint64_t sign = std::uint64_t{1} << (8 * bytes - 1);
    if ((u & sign) != 0) u |= ~((sign << 1) - 1);
  }
  return static_cast<std::int64_t>(u);
}

inline void write_le(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace listpack_detail

MICROREDIS_INLINE Element Element::of(std::string_view s) {
  std::int64_t v = 0;
  if (string_is_int(s, v)) return of_int(v);
  return of_bytes(s);
}

MICROREDIS_INLINE bool Element::equals(std::string_view s) const {
  if (str != nullptr) return len == s.size() && (len == 0 || std::memcmp(str, s.data(), len) == 0);
  // Only canonical integer text is ever stored as an integer, so comparing numbers is exact.
  std::int64_t v = 0;
  return string_is_int(s, v) && v == num;
}

MICROREDIS_INLINE std::uint8_t* Listpack::create(Memory& mem) {
  auto* lp = static_cast<std::uint8_t*>(mem.allocate(kHeaderSize));
  if (lp == nullptr) return nullptr;
  write_u32(lp, kHeaderSize);
  set_count(lp, 0);
  return lp;
}

MICROREDIS_INLINE void Listpack::destroy(Memory& mem, std::uint8_t* lp) {
  if (lp != nullptr) mem.deallocate(lp, bytes(lp));
}

MICROREDIS_INLINE std::uint8_t* Listpack::clone(Memory& mem, const std::uint8_t* lp) {
  const std::size_t n = bytes(lp);
  auto* copy = static_cast<std::uint8_t*>(mem.allocate(n));
  if (copy != nullptr) std::memcpy(copy, lp, n);
  return copy;
}

MICROREDIS_INLINE std::size_t Listpack::walk_count(const std::uint8_t* lp) {
  std::size_t n = 0;
  for (const std::uint8_t* p = first(lp); p != nullptr; p = next(lp, p)) ++n;
  return n;
}

MICROREDIS_INLINE std::size_t Listpack::length(const std::uint8_t* lp) {
  const std::uint16_t n = stored_count(lp);
  return n != 0xffff ? n : walk_count(lp);
}

MICROREDIS_INLINE std::size_t Listpack::element_size_encoded(const std::uint8_t* p) {
  const std::size_t n = listpack_detail::content_size(p);
  return n + listpack_detail::backlen_size(n);
}

MICROREDIS_INLINE std::size_t Listpack::encoded_size(const Element& v) {
  const std::size_t n = listpack_detail::value_content_size(v);
  return n + listpack_detail::backlen_size(n);
}

MICROREDIS_INLINE const std::uint8_t* Listpack::last(const std::uint8_t* lp) {
  if (empty(lp)) return nullptr;
  std::size_t backlen_bytes = 0;
  const std::uint8_t* end = lp + bytes(lp);
  const std::size_t content = listpack_detail::read_backlen(end - 1, backlen_bytes);
  return end - backlen_bytes - content;
}

MICROREDIS_INLINE const std::uint8_t* Listpack::prev(const std::uint8_t* lp, const std::uint8_t* p) {
  if (p <= lp + kHeaderSize) return nullptr;
  std::size_t backlen_bytes = 0;
  const std::size_t content = listpack_detail::read_backlen(p - 1, backlen_bytes);
  return p - backlen_bytes - content;
}

MICROREDIS_INLINE const std::uint8_t* Listpack::seek(const std::uint8_t* lp, std::int64_t index) {
  const auto n = static_cast<std::int64_t>(length(lp));
  if (index < 0) index += n;
  if (index < 0 || index >= n) return nullptr;
  // Walk from the nearer end.
  if (index <= n / 2) {
    const std::uint8_t* p = first(lp);
    for (std::int64_t i = 0; i < index; ++i) p = next(lp, p);
    return p;
  }
  const std::uint8_t* p = last(lp);
  for (std::int64_t i = n - 1; i > index; --i) p = prev(lp, p);
  return p;
}

MICROREDIS_INLINE Element Listpack::get_encoded(const std::uint8_t* p) {
  using namespace listpack_detail;
  const std::uint8_t b = p[0];
  Element e;
  if (b < 0x80) {
    e.num = b;
  } else if ((b & 0xc0) == k6BitStr) {
    e.str = reinterpret_cast<const char*>(p + 1);
    e.len = b & 0x3f;
  } else if ((b & 0xe0) == k13BitInt) {
    std::int64_t v = (static_cast<std::int64_t>(b & 0x1f) << 8) | p[1];
    if (v >= 4096) v -= 8192;
    e.num = v;
  } else if ((b & 0xf0) == k12BitStr) {
    e.str = reinterpret_cast<const char*>(p + 2);
    e.len = (static_cast<std::size_t>(b & 0x0f) << 8) | p[1];
  } else {
    switch (b) {
      case k32BitStr:
        e.str = reinterpret_cast<const char*>(p + 5);
        e.len = content_size(p) - 5;
        break;
      case k16BitInt: e.num = read_signed(p + 1, 2); break;
      case k24BitInt: e.num = read_signed(p + 1, 3); break;
      case k32BitInt: e.num = read_signed(p + 1, 4); break;
      default: e.num = read_signed(p + 1, 8); break;
    }
  }
  return e;
}

MICROREDIS_INLINE const std::uint8_t* Listpack::find(const std::uint8_t* lp, const std::uint8_t* p,
                                                     std::string_view s, std::size_t skip) {
  // The text is converted once: integer elements compare as numbers, strings as bytes.
  std::int64_t as_int = 0;
  const bool s_is_int = string_is_int(s, as_int);
  const std::uint8_t* end = lp + bytes(lp);
  while (p != nullptr && p < end) {
    const Element e = get(p);
    const bool match = e.is_int() ? (s_is_int && e.num == as_int)
                                  : (e.len == s.size() && (e.len == 0 || std::memcmp(e.str, s.data(), e.len) == 0));
    if (match) return p;
    p += element_size(p);
    for (std::size_t i = 0; i < skip && p < end; ++i) p += element_size(p);
  }
  return nullptr;
}

MICROREDIS_INLINE std::uint8_t* Listpack::write_element(std::uint8_t* out, const Element& v) {
  using namespace listpack_detail;
  std::uint8_t* start = out;
  if (v.is_int()) {
    const std::int64_t n = v.num;
    switch (int_content_size(n)) {
      case 1: *out++ = static_cast<std::uint8_t>(n); break;
      case 2: {
        const auto u = static_cast<std::uint16_t>(n < 0 ? n + 8192 : n);
        *out++ = static_cast<std::uint8_t>(k13BitInt | (u >> 8));
        *out++ = static_cast<std::uint8_t>(u);
        break;
      }
      case 3:
        *out++ = k16BitInt;
        write_le(out, static_cast<std::uint64_t>(n), 2);
        out += 2;
        break;
      case 4:
        *out++ = k24BitInt;
        write_le(out, static_cast<std::uint64_t>(n), 3);
        out += 3;
        break;
      case 5:
        *out++ = k32BitInt;
        write_le(out, static_cast<std::uint64_t>(n), 4);
        out += 4;
        break;
      default:
        *out++ = k64BitInt;
        write_le(out, static_cast<std::uint64_t>(n), 8);
        out += 8;
        break;
    }
  } else {
    const std::size_t len = v.len;
    if (len < 64) {
      *out++ = static_cast<std::uint8_t>(k6BitStr | len);
    } else if (len < 4096) {
      *out++ = static_cast<std::uint8_t>(k12BitStr | (len >> 8));
      *out++ = static_cast<std::uint8_t>(len);
    } else {
      *out++ = k32BitStr;
      write_le(out, len, 4);
      out += 4;
    }
    if (len != 0) std::memcpy(out, v.str, len);
    out += len;
  }
  return write_backlen(out, static_cast<std::size_t>(out - start));
}

MICROREDIS_INLINE std::uint8_t* Listpack::insert(Memory& mem, std::uint8_t* lp, std::size_t offset,
                                                 const Element* values, std::size_t n) {
  const std::size_t old_bytes = bytes(lp);
  const std::size_t old_count = length(lp);
  std::size_t add = 0;
  for (std::size_t i = 0; i < n; ++i) add += encoded_size(values[i]);
  if (old_bytes + add > UINT32_MAX) return nullptr;
  auto* grown = static_cast<std::uint8_t*>(mem.reallocate(lp, old_bytes, old_bytes + add));
  if (grown == nullptr) return nullptr;
  if (offset < old_bytes) std::memmove(grown + offset + add, grown + offset, old_bytes - offset);
  std::uint8_t* w = grown + offset;
  for (std::size_t i = 0; i < n; ++i) w = write_element(w, values[i]);
  write_u32(grown, static_cast<std::uint32_t>(old_bytes + add));
  set_count(grown, old_count + n);
  return grown;
}

MICROREDIS_INLINE std::uint8_t* Listpack::replace(Memory& mem, std::uint8_t* lp, std::size_t offset,
                                                  const Element& v) {
  const std::size_t old_bytes = bytes(lp);
  const std::size_t old_size = element_size(lp + offset);
  const std::size_t new_size = encoded_size(v);
  if (new_size == old_size) {
    write_element(lp + offset, v);
    return lp;
  }
  const std::size_t tail = old_bytes - offset - old_size;
  const std::size_t total = old_bytes - old_size + new_size;
  if (total > UINT32_MAX) return nullptr;
  if (new_size > old_size) {
    auto* grown = static_cast<std::uint8_t*>(mem.reallocate(lp, old_bytes, total));
    if (grown == nullptr) return nullptr;
    std::memmove(grown + offset + new_size, grown + offset + old_size, tail);
    write_element(grown + offset, v);
    write_u32(grown, static_cast<std::uint32_t>(total));
    return grown;
  }
  auto* out = static_cast<std::uint8_t*>(mem.allocate(total));
  if (out == nullptr) return nullptr;
  std::memcpy(out, lp, offset);
  write_element(out + offset, v);
  std::memcpy(out + offset + new_size, lp + offset + old_size, tail);
  write_u32(out, static_cast<std::uint32_t>(total));
  mem.deallocate(lp, old_bytes);
  return out;
}

MICROREDIS_INLINE std::uint8_t* Listpack::erase(Memory& mem, std::uint8_t* lp, std::size_t offset,
                                                std::size_t count) {
  const std::size_t old_bytes = bytes(lp);
  const std::size_t old_count = length(lp);
  std::size_t end = offset;
  std::size_t removed = 0;
  while (removed < count && end < old_bytes) {
    end += element_size(lp + end);
    ++removed;
  }
  if (removed == 0) return lp;
  const std::size_t total = old_bytes - (end - offset);
  if (end == old_bytes) {
    // Cutting the tail: a shrinking reallocate moves nothing we need, and on failure the block is
    // still whole.
    auto* shrunk = static_cast<std::uint8_t*>(mem.reallocate(lp, old_bytes, total));
    if (shrunk != nullptr) {
      write_u32(shrunk, static_cast<std::uint32_t>(total));
      set_count(shrunk, old_count - removed);
      return shrunk;
    }
  }
  // Otherwise the survivors go to a block of the exact new size, so that a failed allocation leaves
  // the old block untouched (a shrink that moved bytes first could not be undone).
  auto* out = static_cast<std::uint8_t*>(mem.allocate(total));
  if (out == nullptr) return nullptr;
  std::memcpy(out, lp, offset);
  std::memcpy(out + offset, lp + end, old_bytes - end);
  write_u32(out, static_cast<std::uint32_t>(total));
  set_count(out, old_count - removed);
  mem.deallocate(lp, old_bytes);
  return out;
}

MICROREDIS_INLINE std::uint8_t* Listpack::erase_in_place(Memory& mem, std::uint8_t* lp, std::size_t offset,
                                                         std::size_t count) {
  const std::size_t old_bytes = bytes(lp);
  const std::size_t old_count = length(lp);
  std::size_t end = offset;
  std::size_t removed = 0;
  while (removed < count && end < old_bytes) {
    end += element_size(lp + end);
    ++removed;
  }
  if (removed == 0) return lp;
  const std::size_t gap = end - offset;
  if (gap > kInPlaceEraseMax || end == old_bytes) return erase(mem, lp, offset, count);
  std::uint8_t kept[kInPlaceEraseMax];
  std::memcpy(kept, lp + offset, gap);
  std::memmove(lp + offset, lp + end, old_bytes - end);
  auto* shrunk = static_cast<std::uint8_t*>(mem.reallocate(lp, old_bytes, old_bytes - gap));
  if (shrunk == nullptr) {
    std::memmove(lp + end, lp + offset, old_bytes - end);
    std::memcpy(lp + offset, kept, gap);
    return nullptr;
  }
  write_u32(shrunk, static_cast<std::uint32_t>(old_bytes - gap));
  set_count(shrunk, old_count - removed);
  return shrunk;
}

}  // namespace microredis
